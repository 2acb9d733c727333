"""Real worker processes on PostgreSQL and RabbitMQ send reminders exactly once per recipient."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from kombu import Connection
from sqlalchemy import text

from services.notifications.handlers import HANDLERS
from services.notifications.models import Webhook, messaging
from shared.db import Database
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import build_event, parse_event
from shared.messaging.outbox import encode
from shared.messaging.publisher import AmqpConfirmPublisher, OutgoingMessage
from shared.messaging.topology import declare_all
from tests import helpers
from tests.e2e.processes import Process, eventually, python

pytestmark = pytest.mark.integration
UNIT = uuid.UUID("00000000-0000-0000-0000-00000000b001")
USER = uuid.UUID("00000000-0000-0000-0000-00000000b002")
NOW = datetime.now(UTC)
DEADLINE = date.today() + timedelta(days=3)


@pytest.fixture
def db_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of the notifications service."""
    url = helpers.create_pg_database("notifications")
    yield url
    helpers.drop_pg_database(url)




def _prepare(db_url: str, amqp_url: str, hook_url: str) -> None:
    """The directory (one unit, one reporter) and the unit's webhook; the queues declared."""
    db = Database(db_url)
    consumer = EventConsumer(service="notifications", broker_url="memory://", db=db,
                             tables=messaging, handlers=HANDLERS)
    for event_type, data in (
        ("unit.upserted", dict(unit_id=UNIT, code="H-X", kind="district", name_vi="Huyện X",
                               name_en="X District", version=1)),
        ("user.upserted", dict(user_id=USER, username="baocao.x", full_name="Báo cáo X",
                               email="baocao.x@example.vn", unit_id=UNIT, roles=["reporter"],
                               active=True, language="vi", version=1,
                               token_version=1)),
    ):
        consumer.apply(parse_event(build_event(event_type, data, producer="tests", now=NOW)))
    with db.uow() as uow:
        uow.session.add(Webhook(id=uuid.uuid4(), unit_id=UNIT, url=hook_url, secret="s" * 32,
                                event_types=["task.due_soon"], description=None, active=True,
                                consecutive_failures=0, disabled_at=None, created_by=None,
                                created_at=NOW))
        uow.commit()
    db.dispose()
    with Connection(amqp_url) as conn:
        declare_all(conn, ("notifications",))


def _publish_reminders(amqp_url: str, count: int) -> None:
    messages = []
    for n in range(count):
        data = dict(task_id=uuid.uuid4(), title=f"Nhiệm vụ {n}", assignee_unit_id=UNIT,
                    deadline=DEADLINE, effective_deadline=DEADLINE, status="not_started",
                    occurrence=DEADLINE.isoformat(), days=3, version=1)
        envelope = build_event("task.due_soon", data, producer="tests", now=NOW)
        messages.append(OutgoingMessage(message_id=envelope["id"], routing_key="task.due_soon",
                                        body=encode(envelope)))
    publisher = AmqpConfirmPublisher(amqp_url, connect_timeout=5, confirm_timeout=30)
    try:
        for start in range(0, count, 200):
            assert publisher.publish_batch(messages[start:start + 200]) == [None] * len(
                messages[start:start + 200])
    finally:
        publisher.close()


def _worker(name: str, db_url: str, amqp_url: str, smtp_port: int, tmp_path) -> Process:
    env = {**os.environ, "DATABASE_URL": db_url, "BROKER_URL": amqp_url,
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "LOG_FORMAT": "text",
           "DATA_DIR": str(tmp_path), "NOTIFY_WEBHOOK_ALLOWLIST": "127.0.0.1/32",
           "NOTIFY_SENDER_POLL_INTERVAL": "0.1", "NOTIFY_LEASE_SECONDS": "5",
           "NOTIFY_SENDER_BATCH_SIZE": "20"}
    return Process(name, python("-m", "services.notifications.worker"), env, tmp_path)


def test_a_thousand_reminders_with_two_workers_give_exactly_a_thousand_emails_and_calls(
        db_url, amqp_url, smtp, receiver, tmp_path):
    _prepare(db_url, amqp_url, receiver.url)
    workers = [_worker(f"worker{i}", db_url, amqp_url, smtp.port, tmp_path) for i in (1, 2)]
    try:
        _publish_reminders(amqp_url, 1000)
        eventually(lambda: len(smtp.messages) >= 1000 and len(receiver.calls) >= 1000,
                   timeout=180, what="1,000 e-mails and 1,000 webhook calls")
        time.sleep(2)  # room for a duplicate to show up
        assert all(w.alive() for w in workers), [w.log_tail() for w in workers]
    finally:
        for worker in workers:
            worker.stop()
    email_keys, hook_keys = smtp.message_ids(), receiver.keys()
    assert len(email_keys) == len(set(email_keys)) == 1000
    assert len(hook_keys) == len(set(hook_keys)) == 1000
    assert {r.envelope_to[0] for r in smtp.messages} == {"baocao.x@example.vn"}
    db = Database(db_url)  # each send marked, with its one attempt row (one statement each)
    try:
        with db.engine.connect() as conn:
            states = conn.execute(text("SELECT channel, status, count(*) FROM deliveries "
                                       "GROUP BY channel, status")).all()
            attempts = conn.execute(text(
                "SELECT count(*), count(DISTINCT delivery_id) FROM delivery_attempts "
                "WHERE status = 'sent'")).one()
    finally:
        db.dispose()
    assert sorted(tuple(row) for row in states) == [("email", "sent", 1000),
                                                    ("webhook", "sent", 1000)]
    assert tuple(attempts) == (2000, 2000)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_within_the_window(
        db_url, amqp_url, smtp, receiver, tmp_path):
    _prepare(db_url, amqp_url, receiver.url)
    smtp.delay = 0.01
    first = _worker("first", db_url, amqp_url, smtp.port, tmp_path)
    second = None
    try:
        _publish_reminders(amqp_url, 300)
        eventually(lambda: len(smtp.messages) >= 50, timeout=120, what="50 e-mails sent")
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        sent_before_kill = len(smtp.messages)
        second = _worker("second", db_url, amqp_url, smtp.port, tmp_path)
        eventually(lambda: len(set(smtp.message_ids())) >= 300
                   and len(set(receiver.keys())) >= 300, timeout=180,
                   what="every reminder sent after the kill")
        time.sleep(2)
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert sent_before_kill < 300  # the kill really happened mid-batch
    for keys in (smtp.message_ids(), receiver.keys()):
        counts = Counter(keys)
        assert len(counts) == 300  # no loss
        # The documented window: only the send in flight when the worker died repeats, once,
        # with the same key.
        assert sum(c - 1 for c in counts.values()) <= 1
