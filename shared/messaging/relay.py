"""The outbox relay: publishes committed outbox rows, marks them sent after a positive confirm."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import select, update

from shared.db import Database, utcnow
from shared.faults import fault_point
from shared.messaging.outbox import MessagingTables, encode
from shared.messaging.publisher import OutgoingMessage, Publisher, PublishError

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff for a row the broker refused: 1 s, 2 s, 4 s … at most 5 minutes."""
    return min(timedelta(seconds=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class OutboxRelay:
    """Moves outbox rows to the broker; several relays may run at once (rows are claimed)."""

    def __init__(self, *, db: Database, tables: MessagingTables, publisher: Publisher,
                 batch_size: int = 200, poll_interval: float = 0.2, name: str = "relay"):
        self.db = db
        self.tables = tables
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.name = name
        self.wakeup = threading.Event()

    def run_once(self) -> int:
        """Publish one batch of due rows; returns how many were confirmed."""
        outbox = self.tables.outbox
        now = utcnow()
        with self.db.uow() as uow:
            query = (
                select(outbox.c.seq, outbox.c.event_id, outbox.c.event_type, outbox.c.payload,
                       outbox.c.attempts)
                .where(outbox.c.sent_at.is_(None), outbox.c.available_at <= now)
                .order_by(outbox.c.seq)
                .limit(self.batch_size)
            )
            if not self.db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises relays
                query = query.with_for_update(skip_locked=True)
            rows = uow.session.execute(query).all()
            if not rows:
                return 0
            messages = [
                OutgoingMessage(
                    message_id=str(row.event_id),
                    routing_key=row.event_type,
                    body=encode(row.payload),
                    correlation_id=row.payload.get("correlation_id"),
                )
                for row in rows
            ]
            outcomes = self.publisher.publish_batch(messages)  # PublishError rolls back the claim
            sent = [row.seq for row, error in zip(rows, outcomes, strict=True) if error is None]
            if sent:
                fault_point("relay.after_confirm")
            if sent:
                uow.session.execute(
                    update(outbox).where(outbox.c.seq.in_(sent)).values(sent_at=utcnow())
                )
            for row, error in zip(rows, outcomes, strict=True):
                if error is None:
                    continue
                attempts = row.attempts + 1
                log.error(
                    "outbox event not published",
                    extra={"event_id": str(row.event_id), "event_type": row.event_type,
                           "attempts": attempts, "error": error},
                )
                uow.session.execute(
                    update(outbox)
                    .where(outbox.c.seq == row.seq)
                    .values(attempts=attempts, last_error=error[:2000],
                            available_at=now + retry_delay(attempts))
                )
            uow.commit()
            return len(sent)

    def run_forever(self, stop: threading.Event) -> None:
        """Relay until `stop` is set; broker outages are logged and retried with backoff."""
        failures = 0
        while not stop.is_set():
            try:
                published = self.run_once()
                failures = 0
            except PublishError as exc:
                failures += 1
                delay = min(2 ** failures * 0.25, 30.0)
                log.warning("broker unavailable, relay retries", extra={
                    "relay": self.name, "error": str(exc), "retry_in_s": delay})
                stop.wait(delay)
                continue
            except Exception:
                failures += 1
                log.exception("relay batch failed", extra={"relay": self.name})
                stop.wait(min(2 ** failures * 0.25, 30.0))
                continue
            if published < self.batch_size:
                self.wakeup.wait(self.poll_interval)
                self.wakeup.clear()
                heartbeat = getattr(self.publisher, "heartbeat_tick", None)
                if heartbeat:
                    heartbeat()
        self.publisher.close()

    def pending_count(self) -> int:
        """How many rows wait to be published (for readiness and tests)."""
        from sqlalchemy import func

        outbox = self.tables.outbox
        with self.db.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
