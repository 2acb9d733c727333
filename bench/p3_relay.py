"""P3: outbox relay throughput against pika publishing the same messages one by one."""

from __future__ import annotations

import time
import uuid
from datetime import date

import pika
from sqlalchemy import insert

from bench.brokers import pg_database, rabbit_vhost
from bench.harness import Comparison, Series, alternate, scaled
from services.tasks.models import messaging
from shared.db import Database, utcnow
from shared.messaging.events import build_event
from shared.messaging.outbox import encode
from shared.messaging.publisher import AmqpConfirmPublisher
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import EXCHANGE_NAME, queue_name

ROUTING_KEY = "task.created"


def _envelopes(count: int) -> list[dict]:
    unit = uuid.uuid4()
    return [build_event(ROUTING_KEY, {
        "task_id": uuid.uuid4(), "title": f"Công việc số {i}", "assignee_unit_id": unit,
        "deadline": date(2026, 12, 21), "effective_deadline": date(2026, 12, 21),
        "status": "not_started", "version": 1}, producer="bench") for i in range(count)]


def _fill_outbox(db: Database, envelopes: list[dict]) -> None:
    now = utcnow()
    with db.uow() as uow:
        uow.session.execute(insert(messaging.outbox), [
            {"event_id": uuid.UUID(e["id"]), "event_type": e["type"], "payload": e,
             "created_at": now, "available_at": now, "attempts": 0} for e in envelopes])
        uow.commit()


def _purge(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.queue_purge(queue_name("notifications"))
    connection.close()


def run(*, ids: set[str] | None = None, count: int = scaled(5000, 1000),
        rounds: int = 3) -> Comparison:
    """Measure events/s: relay (pipelined confirms) vs pika confirm-per-message vs unconfirmed."""
    ours = Series("outbox relay (pipelined confirms, marked in batches)", "events/s")
    confirmed = Series("pika, confirm_delivery, one by one", "msgs/s")
    unconfirmed = Series("pika, no confirms", "msgs/s")
    with pg_database("tasks") as db_url, rabbit_vhost() as amqp_url:
        db = Database(db_url)
        publisher = AmqpConfirmPublisher(amqp_url, connect_timeout=5, confirm_timeout=30)
        relay = OutboxRelay(db=db, tables=messaging, publisher=publisher, batch_size=500)
        relay.publisher.publish_batch([])  # nothing; connects lazily on first batch
        bodies = [encode(e) for e in _envelopes(count)]

        def measure_relay() -> float:
            _fill_outbox(db, _envelopes(count))
            start = time.perf_counter()
            while relay.run_once():
                pass
            elapsed = time.perf_counter() - start
            assert relay.pending_count() == 0
            _purge(amqp_url)
            return count / elapsed

        def measure_pika(confirm: bool) -> float:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
            channel = connection.channel()
            if confirm:
                channel.confirm_delivery()
            props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
            start = time.perf_counter()
            for body in bodies:
                channel.basic_publish(EXCHANGE_NAME, ROUTING_KEY, body, props, mandatory=True)
            channel.queue_declare(queue_name("notifications"), passive=True)  # flush
            elapsed = time.perf_counter() - start
            connection.close()
            _purge(amqp_url)
            return count / elapsed

        # Warm up once (connections, topology, caches), then alternate.
        measure_relay()
        alternate(rounds, [(ours, measure_relay),
                           (confirmed, lambda: measure_pika(True)),
                           (unconfirmed, lambda: measure_pika(False))])
        publisher.close()
        db.dispose()
    return Comparison(
        id="P3", title=f"outbox → broker, {count:,} persistent events, every one confirmed",
        ours=ours, baselines=[confirmed, unconfirmed],
        goal="≥ 5× pika confirm-per-message", goal_ratio=5.0,
        notes=["ours includes reading the rows from PostgreSQL and marking them sent; the "
               "baselines only publish"])
