"""The consumer base: dedupe by event id inside the effect's transaction, commit, then ack."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kombu import Connection, Producer
from kombu.exceptions import OperationalError as KombuOperationalError
from kombu.mixins import ConsumerMixin
from marshmallow import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from shared.db import Database, utcnow
from shared.faults import fault_point
from shared.logging import reset_correlation_id, set_correlation_id
from shared.messaging.events import Event, parse_event
from shared.messaging.outbox import MessagingTables
from shared.messaging.topology import (
    DELIVERY_LIMIT,
    dead_letter_exchange,
    declare_all,
    service_queue,
)

log = logging.getLogger(__name__)

Handler = Callable[..., Any]  # handler(event, *, uow) -> None
TRANSIENT_ERRORS = (OperationalError, DBAPIError)
OUTAGE_RETRY_SECONDS = 20.0


def _is_outage(exc: Exception) -> bool:
    """True for errors that mean the database is unreachable, not that the event is bad."""
    return isinstance(exc, OperationalError) or bool(getattr(exc, "connection_invalidated", False))


class EventConsumer(ConsumerMixin):
    """Consumes one service's queue and applies each event at most once.

    The handler's effect and the handled-event row commit in one transaction; the message is
    acked only after that commit, so a crash in between means redelivery, which the
    handled-event row turns into a no-op. Undecodable and invalid messages are dead-lettered.
    """

    def __init__(self, *, service: str, broker_url: str, db: Database, tables: MessagingTables,
                 handlers: dict[str, Handler], prefetch_count: int = 20, heartbeat: int = 30,
                 connect_timeout: float = 5.0):
        self.service = service
        self.connection = Connection(broker_url, heartbeat=heartbeat,
                                     connect_timeout=connect_timeout,
                                     transport_options={"polling_interval": 0.05})
        self.db = db
        self.tables = tables
        self.handlers = handlers
        self.prefetch_count = prefetch_count
        # Give up a connection attempt now and then so that run() sees should_stop.
        self.connect_max_retries = 1
        self._failures: dict[str, int] = {}  # only for transports without delivery limits

    def run(self, _tokens: int = 1, **kwargs) -> None:
        """Consume until should_stop, reconnecting by itself while the broker is away."""
        while not self.should_stop:
            try:
                super().run(_tokens, **kwargs)
            except KombuOperationalError as exc:  # connection attempts used up: try again
                log.warning("broker unreachable, consumer retries",
                            extra={"service": self.service, "error": str(exc)[:300]})
                for _ in range(20):  # 2 s, waking up for should_stop
                    if self.should_stop:
                        break
                    time.sleep(0.1)

    @property
    def _native_dead_lettering(self) -> bool:
        return self.connection.transport.driver_type == "amqp"

    def get_consumers(self, consumer_cls, channel):
        """One consumer on the service queue, JSON only, with our own decode-error policy."""
        declare_all(self.connection, (self.service,))
        consumer = consumer_cls(
            queues=[service_queue(self.service, amqp=self._native_dead_lettering)],
            callbacks=[self.on_message],
            accept=["json"],
            prefetch_count=self.prefetch_count,
        )
        # kombu's default acks and drops undecodable messages; keep them visible instead.
        consumer.on_decode_error = self.on_decode_error
        return [consumer]

    def on_decode_error(self, message, exc: Exception) -> None:
        """Dead-letter a message whose body cannot be decoded as JSON."""
        self.dead_letter(message, f"undecodable: {exc}")

    def on_message(self, body: Any, message) -> None:
        """Validate, apply once, commit, then ack."""
        try:
            event = parse_event(body)
        except ValidationError as exc:
            self.dead_letter(message, f"invalid event: {exc.messages}")
            return
        try:
            self._apply_through_outages(event)
        except Exception:
            log.exception("event handler failed", extra={
                "event_id": str(event.id), "event_type": event.type})
            if self._native_dead_lettering:
                message.requeue()  # the quorum queue counts deliveries and dead-letters
            elif self._count_failure(event) >= DELIVERY_LIMIT:
                self.dead_letter(message, "delivery limit reached")
            else:
                message.requeue()
            return
        self._failures.pop(str(event.id), None)
        fault_point("consumer.after_commit")
        self.acknowledge(message)

    def _apply_through_outages(self, event: Event) -> None:
        # A database outage is not the event's fault: retry in place with backoff instead of
        # spending the delivery limit (which would dead-letter everything in flight). Bounded
        # well below the heartbeat timeout, after which the message is requeued as usual.
        delay, waited = 0.25, 0.0
        while True:
            try:
                self.apply(event)
                return
            except TRANSIENT_ERRORS as exc:
                if not _is_outage(exc) or waited >= OUTAGE_RETRY_SECONDS or self.should_stop:
                    raise
                log.warning("database unavailable, retrying event", extra={
                    "event_id": str(event.id), "retry_in_s": delay})
                time.sleep(delay)
                waited += delay
                delay = min(delay * 2, 4.0)

    def _count_failure(self, event: Event) -> int:
        key = str(event.id)
        count = self._failures.get(key, 0) + 1
        if count >= DELIVERY_LIMIT:
            self._failures.pop(key, None)
        else:
            self._failures[key] = count
        return count

    def apply(self, event: Event) -> bool:
        """Apply the event's effect once; returns False when it had been handled before."""
        token = set_correlation_id(event.correlation_id)  # events it causes carry it on
        try:
            return self._apply_once(event)
        finally:
            reset_correlation_id(token)

    def _apply_once(self, event: Event) -> bool:
        handled = self.tables.handled
        try:
            with self.db.uow() as uow:
                seen = uow.session.execute(
                    select(handled.c.event_id).where(handled.c.event_id == event.id)
                ).first()
                if seen:
                    return False
                handler = self.handlers.get(event.type)
                if handler is not None:
                    handler(event, uow=uow)
                uow.session.execute(
                    insert(handled).values(event_id=event.id, event_type=event.type,
                                           handled_at=utcnow())
                )
                fault_point("consumer.before_commit")
                uow.commit()
        except IntegrityError:
            # Another consumer of the same queue committed this event first.
            if self._was_handled(event):
                return False
            raise
        log.debug("event applied", extra={"event_id": str(event.id), "event_type": event.type})
        return True

    def _was_handled(self, event: Event) -> bool:
        handled = self.tables.handled
        with self.db.engine.connect() as conn:
            return conn.execute(
                select(handled.c.event_id).where(handled.c.event_id == event.id)
            ).first() is not None

    def acknowledge(self, message) -> None:
        """Ack after commit (tests override this to crash between commit and ack)."""
        message.ack()

    def dead_letter(self, message, reason: str) -> None:
        """Send a message to the service's dead-letter queue and take it off the work queue."""
        log.error("event dead-lettered", extra={
            "service": self.service, "reason": reason[:500],
            "message_id": message.properties.get("message_id")})
        if not self._native_dead_lettering:
            producer = Producer(self.connection.default_channel)
            producer.publish(message.body, exchange=dead_letter_exchange,
                             routing_key=self.service, headers={"x-death-reason": reason[:500]},
                             content_type=message.content_type,
                             content_encoding=message.content_encoding, retry=False)
        message.reject(requeue=False)

