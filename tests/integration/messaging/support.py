"""Helpers for the messaging integration tests: producing, consuming and looking at the broker."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from typing import Any

import pika
from kombu import Connection
from sqlalchemy import func, select, text

from services.notifications.models import messaging as consumer_tables
from services.tasks.models import OrgUnit, Task
from services.tasks.models import messaging as producer_tables
from shared.db import Database, utcnow
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import build_event
from shared.messaging.outbox import Outbox
from shared.messaging.publisher import AmqpConfirmPublisher, PublishError
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import EXCHANGE_NAME, declare_all

# The consuming side: the notifications queue is bound to task.*, so it receives task.created.
SERVICE = "notifications"
DEADLINE = date(2026, 12, 31)
OUTBOX = Outbox(producer_tables, producer="tasks")


# -- waiting -----------------------------------------------------------------------------------

def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str,
             interval: float = 0.1) -> Any:
    """Poll until `predicate()` is truthy; fail (never hang) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# -- the producing side (tasks database, outbox, relay) ---------------------------------------

def add_unit(db: Database) -> uuid.UUID:
    """A committed org unit that tasks can be assigned to."""
    with db.uow() as uow:
        unit = OrgUnit(code=f"U{uuid.uuid4().hex[:8]}", kind="district",
                       name_vi="Huyện thử", name_en="Test district")
        uow.session.add(unit)
        uow.session.flush()
        unit_id = unit.id
        uow.commit()
    return unit_id


def task_data(task_id: uuid.UUID, title: str, unit_id: uuid.UUID) -> dict[str, Any]:
    """The task.created data of one task."""
    return dict(task_id=task_id, title=title, assignee_unit_id=unit_id, deadline=DEADLINE,
                effective_deadline=DEADLINE, status="not_started", kind="general", version=1)


def stage_task(session, unit_id: uuid.UUID, title: str) -> uuid.UUID:
    """Insert a task and its task.created outbox row into the caller's transaction."""
    now = utcnow()
    task = Task(title=title, assignee_unit_id=unit_id, deadline=DEADLINE,
                effective_deadline=DEADLINE, status="not_started", created_at=now,
                updated_at=now)
    session.add(task)
    session.flush()
    return OUTBOX.add(session, "task.created", task_data(task.id, title, unit_id), now=now)


def commit_tasks(db: Database, unit_id: uuid.UUID, count: int, *, prefix: str = "task",
                 per_transaction: int = 1) -> list[uuid.UUID]:
    """Commit `count` tasks with their outbox rows; returns the event ids in order."""
    ids: list[uuid.UUID] = []
    while len(ids) < count:
        with db.uow() as uow:
            for _ in range(min(per_transaction, count - len(ids))):
                ids.append(stage_task(uow.session, unit_id, f"{prefix} {len(ids)}"))
            uow.commit()
    return ids


def confirm_publisher(url: str) -> AmqpConfirmPublisher:
    """The production publisher (confirms, mandatory) with short test timeouts."""
    return AmqpConfirmPublisher(url, connect_timeout=3, confirm_timeout=10)


def make_relay(db: Database, publisher) -> OutboxRelay:
    """The production relay on the tasks database."""
    return OutboxRelay(db=db, tables=producer_tables, publisher=publisher, batch_size=200,
                       poll_interval=0.05, name="test-relay")


def drain_outbox(relay: OutboxRelay, *, timeout: float = 60) -> None:
    """Run the relay until nothing is pending (retrying while the broker is unreachable)."""
    deadline = time.monotonic() + timeout
    while relay.pending_count():
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox still has {relay.pending_count()} pending rows")
        try:
            relay.run_once()
        except PublishError:
            time.sleep(0.5)


def outbox_rows(db: Database) -> list:
    """Every outbox row, in order."""
    outbox = producer_tables.outbox
    with db.engine.connect() as conn:
        return conn.execute(select(outbox).order_by(outbox.c.seq)).all()


def count_rows(db: Database, table) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


# -- the consuming side (notifications database, effect table, EventConsumer) -----------------

def record_effect(event, *, uow) -> None:
    """The test handler: one row in test_effects per application of an event."""
    uow.session.execute(
        text("INSERT INTO test_effects (event_id, task_id, title) VALUES (:e, :t, :ti)"),
        {"e": event.id, "t": event.data["task_id"], "ti": event.data["title"]},
    )


def effects(db: Database) -> Counter:
    """How many times each event's effect was applied."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT event_id, count(*) FROM test_effects GROUP BY event_id")).all()
    return Counter({row[0]: row[1] for row in rows})


def handled_count(db: Database) -> int:
    return count_rows(db, consumer_tables.handled)


class ProbeConsumer(EventConsumer):
    """The real consumer, also noting which messages it acked and dead-lettered."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self.acked: list[str] = []
        self.dead: list[str] = []

    def acknowledge(self, message) -> None:
        super().acknowledge(message)
        with self._lock:
            self.acked.append(message.properties.get("message_id"))

    def dead_letter(self, message, reason: str) -> None:
        super().dead_letter(message, reason)
        with self._lock:
            self.dead.append(reason)


def make_consumer(url: str, db: Database, *, cls: type[EventConsumer] = ProbeConsumer,
                  handlers: dict | None = None, batch_size: int = 10, **kwargs) -> Any:
    """A consumer of the notifications queue on the test database (batches of 10 events, so
    that every promise is shown with events applied several to a transaction)."""
    return cls(service=SERVICE, broker_url=url, db=db, tables=consumer_tables,
               handlers=handlers or {"task.created": record_effect}, connect_timeout=3,
               batch_size=batch_size, **kwargs)


class Running:
    """A consumer's `run()` loop in a daemon thread, as the worker runs it."""

    def __init__(self, consumer: EventConsumer):
        self.consumer = consumer
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="test-consumer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.consumer.run()
        except BaseException as exc:  # noqa: BLE001 - kept for the test to look at
            self.error = exc

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self, timeout: float = 20) -> None:
        """Ask the loop to stop and wait for it (bounded)."""
        self.consumer.should_stop = True
        self.thread.join(timeout)
        with suppress(Exception):  # best effort after a broker kill
            self.consumer.connection.release()
        assert not self.thread.is_alive(), "consumer thread did not stop"


@contextmanager
def running(*consumers: EventConsumer) -> Iterator[list[Running]]:
    """Run consumers in threads for the duration of the block."""
    runs = [Running(c) for c in consumers]
    try:
        yield runs
    finally:
        for run in runs:
            run.stop()


# -- an independent AMQP client (pika) ----------------------------------------------------------

@contextmanager
def pika_channel(url: str) -> Iterator[Any]:
    """A pika channel on the test's virtual host."""
    params = pika.URLParameters(url)
    params.socket_timeout = 5
    params.blocked_connection_timeout = 10
    params.connection_attempts = 3
    params.retry_delay = 0.5
    conn = pika.BlockingConnection(params)
    try:
        yield conn.channel()
    finally:
        if conn.is_open:
            conn.close()


def queue_state(url: str, queue: str) -> tuple[int, int]:
    """(ready messages, consumers) of a queue, as the broker reports them."""
    with pika_channel(url) as ch:
        method = ch.queue_declare(queue, passive=True).method
        return method.message_count, method.consumer_count


def declare_topology(url: str) -> None:
    """Declare exchanges, queues and bindings through the one topology module."""
    with Connection(url, connect_timeout=5) as conn:
        declare_all(conn)


def add_tap(url: str, queue: str = "test.tap") -> str:
    """A classic queue bound to every routing key: what really reached the exchange."""
    with pika_channel(url) as ch:
        ch.queue_declare(queue, durable=True)
        ch.queue_bind(queue, EXCHANGE_NAME, routing_key="#")
    return queue


def drain_queue(url: str, queue: str) -> list[tuple[Any, bytes]]:
    """Take every ready message off a queue: (properties, body) pairs."""
    got = []
    with pika_channel(url) as ch:
        while True:
            method, props, body = ch.basic_get(queue, auto_ack=True)
            if method is None:
                return got
            got.append((props, body))


def publish_raw(url: str, messages: list[tuple[str, bytes, str | None, str]]) -> None:
    """Publish (routing key, body, content type, message id) with confirms and mandatory."""
    with pika_channel(url) as ch:
        ch.confirm_delivery()
        for routing_key, body, content_type, message_id in messages:
            ch.basic_publish(
                EXCHANGE_NAME, routing_key, body,
                pika.BasicProperties(content_type=content_type, delivery_mode=2,
                                     message_id=message_id),
                mandatory=True,
            )


def envelope(title: str) -> dict[str, Any]:
    """A valid task.created envelope (as a producer would build it)."""
    return build_event("task.created", task_data(uuid.uuid4(), title, uuid.uuid4()),
                       producer="tasks")


def as_message(env: dict[str, Any]) -> tuple[str, bytes, str, str]:
    return env["type"], json.dumps(env).encode(), "application/json", env["id"]
