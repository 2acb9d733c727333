"""Helpers of the sending tests: a clock to move, a sender wired to real sinks, reminders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.notifications.handlers import make_handlers
from services.notifications.models import Delivery, Webhook, messaging
from services.notifications.outbound import OutboundContext
from services.notifications.sender import Sender
from services.notifications.settings import NotificationSettings
from shared.db import Database
from shared.messaging.consumer import EventConsumer
from tests.helpers import settings_for_tests
from tests.unit.notifications.factories import DEADLINE, NOW, make_event, task_data


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


def notify_settings(**overrides: Any) -> NotificationSettings:
    """Sending settings for tests: loopback webhooks allowed, quick retries."""
    values: dict[str, Any] = dict(webhook_allowlist=("127.0.0.1/32",), backoff_seconds=10,
                                  backoff_max_seconds=600, max_attempts=4,
                                  webhook_disable_after=3, sender_batch_size=50,
                                  lease_seconds=60, webhook_timeout=2, smtp_timeout=5)
    values.update(overrides)
    return NotificationSettings(**values)


def consumer_for(db: Database, notify: NotificationSettings, clock: Clock) -> EventConsumer:
    """The service's consumer with handlers planning deliveries at the clock's time."""
    context = OutboundContext(base_url="https://theodoi.example.vn", settings=notify)
    return EventConsumer(service="notifications", broker_url="memory://", db=db,
                         tables=messaging, handlers=make_handlers(context, clock))


def sender_for(db: Database, notify: NotificationSettings, clock: Clock, smtp_port: int,
               **overrides: Any) -> Sender:
    """A sender that talks to the test's SMTP sink."""
    settings = settings_for_tests(smtp_host="127.0.0.1", smtp_port=smtp_port, **overrides)
    return Sender(db=db, settings=settings, notify=notify, clock=clock)


def add_webhook(db: Database, url: str, *, unit_id: uuid.UUID | None = None,
                event_types: tuple[str, ...] = ("task.due_soon",),
                secret: str = "s3cret-for-tests") -> uuid.UUID:
    """A webhook subscription written straight to the database."""
    hook_id = uuid.uuid4()
    with db.uow() as uow:
        uow.session.add(Webhook(id=hook_id, unit_id=unit_id, url=url, secret=secret,
                                event_types=list(event_types), description=None, active=True,
                                consecutive_failures=0, disabled_at=None, created_by=None,
                                created_at=NOW))
        uow.commit()
    return hook_id


def reminder(event_type: str = "task.due_soon", *, days: int = 4, level: int | None = None,
             at: datetime = NOW, **task: Any):
    """A deadline event of the tasks scanner (emitted `at`), as the consumer receives it."""
    data = {**task_data(**task), "occurrence": DEADLINE.isoformat(), "days": days,
            "escalation_level": level}
    return make_event(event_type, data, at=at)


def deliveries(db: Database, **where: Any) -> list[Delivery]:
    """Delivery rows, optionally filtered by column values."""
    with db.session_factory() as session:
        query = select(Delivery).order_by(Delivery.created_at, Delivery.id)
        for name, value in where.items():
            query = query.where(getattr(Delivery, name) == value)
        return list(session.execute(query).scalars())


def drain(sender: Sender, rounds: int = 20) -> None:
    """Run the sender until it finds nothing due."""
    for _ in range(rounds):
        if not sender.run_once():
            return
