"""The consumer base: dedupe by event id inside the effects' transaction, commit, then ack.

Events that queue up are applied in batches: up to `batch_size` of them in one transaction
(one handled-event look-up, one insert of their handled rows, one commit), then each is
acked. A batch closes when it is full or when no further message arrives within
`BATCH_WAIT_SECONDS`, so a lone event is applied at once. A handler that fails takes only its
own event out of the batch (requeued, then dead-lettered by the delivery limit); the others
are applied again without it, in a fresh transaction.
"""

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
BATCH_WAIT_SECONDS = 0.005  # how long an open batch waits for one more message
RACE_RETRIES = 5  # batches redone because another consumer committed one of their events


class HandlerFailed(Exception):
    """The handler of the batch's `index`-th event raised; the batch was rolled back."""

    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


def _is_outage(exc: Exception) -> bool:
    """True for errors that mean the database is unreachable, not that the event is bad."""
    return isinstance(exc, OperationalError) or bool(getattr(exc, "connection_invalidated", False))


class EventConsumer(ConsumerMixin):
    """Consumes one service's queue and applies each event at most once.

    The handlers' effects and the handled-event rows commit in one transaction; the messages
    are acked only after that commit, so a crash in between means redelivery, which the
    handled-event rows turn into no-ops. Undecodable and invalid messages are dead-lettered.
    """

    def __init__(self, *, service: str, broker_url: str, db: Database, tables: MessagingTables,
                 handlers: dict[str, Handler], prefetch_count: int = 20, heartbeat: int = 30,
                 connect_timeout: float = 5.0, batch_size: int = 1,
                 prepare: Callable[..., Any] | None = None):
        self.service = service
        self.connection = Connection(broker_url, heartbeat=heartbeat,
                                     connect_timeout=connect_timeout,
                                     transport_options={"polling_interval": 0.05})
        self.db = db
        self.tables = tables
        self.handlers = handlers
        self.prepare = prepare  # prepare(events, *, uow): one look at a batch's new events
        self.batch_size = max(1, batch_size)
        # Enough unacked messages in flight to fill a batch while the previous one commits.
        self.prefetch_count = max(prefetch_count, 2 * self.batch_size)
        # Give up a connection attempt now and then so that run() sees should_stop.
        self.connect_max_retries = 1
        self._failures: dict[str, int] = {}  # only for transports without delivery limits
        self._pending: list[tuple[Event, Any]] = []  # parsed, not yet applied nor acked

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

    def consume(self, limit=None, timeout=None, safety_interval=1, **kwargs):
        """kombu's loop, except that an open batch is applied as soon as the queue pauses."""
        self._pending.clear()  # delivery tags of a lost connection mean nothing any more
        with self.consumer_context(**kwargs) as (conn, _channel, _consumers):
            while not self.should_stop:
                try:
                    conn.drain_events(
                        timeout=BATCH_WAIT_SECONDS if self._pending else safety_interval)
                except TimeoutError:
                    if self._pending:
                        self.flush()
                    conn.heartbeat_check()
                except OSError:
                    if not self.should_stop:
                        raise
                else:
                    yield
        self._pending.clear()  # not applied, not acked: the broker delivers them again

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
        """Validate and add to the open batch; apply the batch when it is full."""
        try:
            event = parse_event(body)
        except ValidationError as exc:
            self.dead_letter(message, f"invalid event: {exc.messages}")
            return
        self._pending.append((event, message))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Apply the open batch once, commit, then ack; a failing event is left out and retried."""
        batch, self._pending = self._pending, []
        races = 0
        while batch:
            try:
                self._through_outages(lambda: self.apply_batch([e for e, _ in batch]))
            except HandlerFailed as failed:
                event, message = batch[failed.index]
                if isinstance(failed.__cause__, IntegrityError) and self._was_handled(event) \
                        and races < RACE_RETRIES:
                    races += 1  # another consumer applied it first: seen as handled next time
                    continue
                batch.pop(failed.index)
                self._on_failure(event, message, failed.__cause__)
                continue
            except IntegrityError:  # another consumer committed one of these first: look again
                races += 1
                if races < RACE_RETRIES:
                    continue
                self._requeue_all(batch)
                return
            except Exception:  # the database stayed away, or the commit itself failed
                self._requeue_all(batch)
                return
            break
        fault_point("consumer.after_commit")
        for event, message in batch:
            self._failures.pop(str(event.id), None)
            self.acknowledge(message)

    def _on_failure(self, event: Event, message, exc: BaseException | None) -> None:
        log.error("event handler failed", exc_info=exc, extra={
            "event_id": str(event.id), "event_type": event.type})
        if self._native_dead_lettering:
            message.requeue()  # the quorum queue counts deliveries and dead-letters
        elif self._count_failure(event) >= DELIVERY_LIMIT:
            self.dead_letter(message, "delivery limit reached")
        else:
            message.requeue()

    def _requeue_all(self, batch: list[tuple[Event, Any]]) -> None:
        log.exception("event batch not applied, requeued",
                      extra={"service": self.service, "events": len(batch)})
        for event, message in batch:
            self._on_failure(event, message, None)

    def _through_outages(self, apply: Callable[[], Any]) -> Any:
        # A database outage is not the events' fault: retry in place with backoff instead of
        # spending the delivery limit (which would dead-letter everything in flight). Bounded
        # well below the heartbeat timeout, after which the messages are requeued as usual.
        delay, waited = 0.25, 0.0
        while True:
            try:
                return apply()
            except HandlerFailed as failed:
                if not self._retry_outage(failed.__cause__, waited, delay):
                    raise
            except TRANSIENT_ERRORS as exc:
                if isinstance(exc, IntegrityError) or not self._retry_outage(exc, waited, delay):
                    raise
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, 4.0)

    def _retry_outage(self, exc: BaseException | None, waited: float, delay: float) -> bool:
        if not isinstance(exc, Exception) or not _is_outage(exc) \
                or waited >= OUTAGE_RETRY_SECONDS or self.should_stop:
            return False
        log.warning("database unavailable, retrying events",
                    extra={"service": self.service, "retry_in_s": delay})
        return True

    def _count_failure(self, event: Event) -> int:
        key = str(event.id)
        count = self._failures.get(key, 0) + 1
        if count >= DELIVERY_LIMIT:
            self._failures.pop(key, None)
        else:
            self._failures[key] = count
        return count

    def apply(self, event: Event) -> bool:
        """Apply one event's effect once; returns False when it had been handled before."""
        try:
            return self.apply_batch([event])[0]
        except HandlerFailed as failed:
            if isinstance(failed.__cause__, IntegrityError) and self._was_handled(event):
                return False  # another consumer of the same queue committed it first
            raise failed.__cause__ from None  # type: ignore[misc]
        except IntegrityError:
            if self._was_handled(event):
                return False
            raise

    def apply_batch(self, events: list[Event]) -> list[bool]:
        """Apply the events not handled before in one transaction; which of them were applied.

        Raises HandlerFailed (rolled back) naming the event whose handler raised.
        """
        handled = self.tables.handled
        applied: list[bool] = []
        with self.db.uow() as uow:
            seen = set(uow.session.execute(select(handled.c.event_id).where(
                handled.c.event_id.in_([e.id for e in events]))).scalars())
            for event in events:
                applied.append(event.id not in seen)  # not handled before, nor twice here
                seen.add(event.id)
            new = [(index, e) for index, e in enumerate(events) if applied[index]]
            if new and self.prepare is not None:
                self.prepare([e for _, e in new], uow=uow)
            for index, event in new:
                self._handle(index, event, uow)
            rows = [{"event_id": e.id, "event_type": e.type, "handled_at": utcnow()}
                    for _, e in new]
            if rows:
                uow.session.execute(insert(handled), rows)
            fault_point("consumer.before_commit")
            uow.commit()
        log.debug("events applied", extra={"service": self.service, "events": sum(applied)})
        return applied

    def _handle(self, index: int, event: Event, uow) -> None:
        handler = self.handlers.get(event.type)
        if handler is None:
            return
        token = set_correlation_id(event.correlation_id)  # events it causes carry it on
        try:
            handler(event, uow=uow)
        except Exception as exc:
            raise HandlerFailed(index) from exc
        finally:
            reset_correlation_id(token)

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
