"""Event handlers of the notifications service: plain functions (event, *, uow)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.notifications import service
from services.notifications.lookups import Lookups
from services.notifications.outbound import OutboundContext, make_handler
from services.notifications.rules import NOTIFIED_EVENT_TYPES
from shared.db import UnitOfWork, utcnow
from shared.messaging.events import Event


def on_unit_upserted(event: Event, *, uow: UnitOfWork) -> None:
    """A unit was added or changed: keep the directory copy current."""
    service.upsert_unit(uow=uow, data=event.data, at=event.occurred_at)
    Lookups.forget(uow.session)


def on_user_upserted(event: Event, *, uow: UnitOfWork) -> None:
    """A user was added or changed: keep the directory copy current."""
    service.upsert_recipient(uow=uow, data=event.data, at=event.occurred_at)
    Lookups.forget(uow.session)


def make_handlers(context: OutboundContext | None = None,
                  clock: Callable[[], datetime] = utcnow) -> dict[str, Callable[..., None]]:
    """The handler of every event type the service listens to."""
    notify = make_handler(context or OutboundContext(), clock)
    handlers: dict[str, Callable[..., None]] = {
        "unit.upserted": on_unit_upserted,
        "user.upserted": on_user_upserted,
    }
    handlers.update({event_type: notify for event_type in NOTIFIED_EVENT_TYPES})
    return handlers


HANDLERS = make_handlers()
