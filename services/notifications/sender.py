"""The sender loop: claim due deliveries (with a lease), send each, mark it; build digests.

Claim -> send -> mark: a claim sets status `sending`, a lease and a claim token in one short
transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so workers never wait for each other; SQLite:
BEGIN IMMEDIATE serialises claims). Each send is marked in its own transaction right after the
outside world accepted it, only if the claim token still matches. A worker that dies keeps its
claims until the lease ends; then another worker takes them over. The duplicate window: a
message the outside world accepted but whose mark did not commit (at most one per worker that
died) is sent again after the lease, with the same Message-ID / Idempotency-Key.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Executable, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import DBAPIError

from services.notifications import domain, moments, rules
from services.notifications.channels import SendError, SmtpChannel, build_email, post_webhook
from services.notifications.models import (
    Delivery,
    DeliveryAttempt,
    Recipient,
    RequeueRequest,
    TaskState,
    Webhook,
)
from services.notifications.rendering import render_digest
from services.notifications.requeue import requeue_dead_letters
from services.notifications.settings import NotificationSettings
from shared.db import Database, utcnow
from shared.settings import Settings

log = logging.getLogger(__name__)
DIGEST_NAMESPACE = uuid.UUID("6f1c8f0e-5b7a-4d5e-9a57-0c3f2d1e9b10")


@functools.cache
def _mark_statement(columns: tuple[str, ...], attempt: tuple[str, ...]) -> Executable:
    """The one-statement mark (and attempt row), built once per shape with bound values."""
    marked = (update(Delivery).where(Delivery.id == bindparam("delivery_id"),
                                     Delivery.claim_token == bindparam("token"))
              .values({name: bindparam(f"set_{name}") for name in columns})
              .returning(Delivery.id))
    if not attempt:
        return marked
    types = DeliveryAttempt.__table__.c
    cte = marked.cte("marked")
    return insert(DeliveryAttempt).from_select(list(attempt), select(*(
        cte.c.id if name == "delivery_id" else bindparam(f"attempt_{name}", type_=types[name].type)
        for name in attempt)).select_from(cte))


class Sender:
    """Sends due e-mail and webhook deliveries of one service database."""

    def __init__(self, *, db: Database, settings: Settings, notify: NotificationSettings,
                 clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.notify = notify
        self.clock = clock
        self.smtp = SmtpChannel(host=settings.smtp_host, port=settings.smtp_port,
                                sender=settings.smtp_sender, password=settings.smtp_password,
                                timeout=notify.smtp_timeout,
                                log_only=notify.email_mode == "log")
        self.broker_url = settings.broker_url
        self._marker: Connection | None = None  # PostgreSQL: kept open, autocommit
        self.on_sent: Callable[[Delivery], None] | None = None  # tests crash here

    def run_forever(self, stop: threading.Event) -> None:
        """Send until stopped; sleep only when there was nothing to do."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a broken batch must not end the loop; it is retried
                log.exception("sender batch failed")
                busy = 0
            if not busy:
                self._close_marker()
                stop.wait(self.notify.sender_poll_interval)
        self.smtp.close()
        self._close_marker()

    def run_once(self) -> int:
        """Build due digests, then claim and send one batch; returns how many were handled."""
        self.requeue_if_asked()
        self.build_digests()
        token, batch, closed = self.claim()
        try:
            for delivery in batch:
                self.send(delivery, token, closed=closed)
        finally:
            if len(batch) < self.notify.sender_batch_size:  # caught up: do not hold it open
                self.smtp.close()
        return len(batch)

    def claim(self) -> tuple[uuid.UUID, list[Delivery], set[uuid.UUID]]:
        """Take up to a batch of due deliveries (or expired claims) for this worker.

        Also says which of them are reminders whose task was finished before their moment
        fell due, or was done or cancelled meanwhile (one query for the batch), so that they
        are skipped instead of sent.
        """
        now, token = self.clock(), uuid.uuid4()
        with self.db.uow() as uow:
            query = (select(Delivery).where(or_(
                and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
                and_(Delivery.status == "sending", Delivery.lease_until < now)))
                .order_by(Delivery.next_attempt_at).limit(self.notify.sender_batch_size))
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = list(uow.session.execute(query).scalars())
            for row in rows:
                row.status, row.claim_token = "sending", token
                row.lease_until = now + timedelta(seconds=self.notify.lease_seconds)
                row.attempts += 1
            closed = self._moot(uow, rows)
            uow.commit()
        return token, rows, closed

    def send(self, delivery: Delivery, token: uuid.UUID, *,
             closed: set[uuid.UUID] | None = None) -> None:
        """Send one claimed delivery and record the outcome (unless the claim was lost).

        `closed`: the ids of the claimed deliveries found moot at claim time (None: look now).
        """
        started = self.clock()
        begun = time.monotonic()
        if delivery.task_id and delivery.event_type in rules.REMINDER_TYPES \
                and (delivery.id in closed if closed is not None
                     else self._task_closed(delivery)):
            self._finish(delivery, token, status="skipped", error="task done or cancelled",
                         started=started, begun=begun, record=False)
            return
        try:
            if delivery.channel == "webhook":
                hook = self._webhook(delivery.webhook_id)
                if hook is None or not hook.active:
                    self._finish(delivery, token, status="dead", error="webhook disabled or "
                                 "deleted", started=started, begun=begun, record=False)
                    return
                post_webhook(url=hook.url, secret=hook.secret, payload=delivery.payload or {},
                             delivery_id=delivery.id, event_type=delivery.event_type,
                             now=self.clock(), allowlist=self.notify.webhook_allowlist,
                             timeout=self.notify.webhook_timeout)
            else:
                self.smtp.send(build_email(
                    delivery_id=delivery.id, sender=self.smtp.sender, to=delivery.address or "",
                    subject=delivery.subject, body=delivery.body,
                    event_type=delivery.event_type, now=started))
        except SendError as exc:
            self._finish(delivery, token, status="failed", error=str(exc), started=started,
                         begun=begun)
            return
        if self.on_sent is not None:
            self.on_sent(delivery)
        self._finish(delivery, token, status="sent", error=None, started=started, begun=begun)

    def _task_closed(self, delivery: Delivery) -> bool:
        with self.db.reader() as uow:  # one round trip per send, not three
            return delivery.id in self._moot(uow, [delivery])

    def _webhook(self, webhook_id: uuid.UUID | None) -> Webhook | None:
        with self.db.reader() as uow:
            return uow.session.get(Webhook, webhook_id) if webhook_id else None

    def _finish(self, delivery: Delivery, token: uuid.UUID, *, status: str, error: str | None,
                started: datetime, begun: float, record: bool = True) -> None:
        now = self.clock()
        values: dict = {"status": status, "lease_until": None, "claim_token": None,
                        "last_error": error}
        if status == "sent":
            values["sent_at"] = now
        elif status == "failed":
            if delivery.attempts >= self.notify.max_attempts:
                values["status"] = "dead"
            else:
                values["status"] = "pending"
                values["next_attempt_at"] = now + rules.backoff_delay(
                    delivery.attempts, base=self.notify.backoff_seconds,
                    limit=self.notify.backoff_max_seconds)
        attempt = None if not record else {
            "id": uuid.uuid4(), "delivery_id": delivery.id, "attempt": delivery.attempts,
            "started_at": started, "duration_ms": int((time.monotonic() - begun) * 1000),
            "status": "sent" if status == "sent" else "failed", "error": error}
        if delivery.channel != "webhook" and not self.db.is_sqlite:
            self._mark_at_once(delivery.id, token, values, attempt)
            return
        with self.db.uow() as uow:
            changed = uow.session.execute(
                update(Delivery).where(Delivery.id == delivery.id,
                                       Delivery.claim_token == token).values(**values)
                .execution_options(synchronize_session=False)).rowcount
            if not changed:
                log.warning("claim lost before mark", extra={"delivery_id": str(delivery.id)})
                return
            if attempt is not None:
                uow.session.add(DeliveryAttempt(**attempt))
            if delivery.channel == "webhook" and delivery.webhook_id and record \
                    and self._count_webhook_result(uow, delivery.webhook_id,
                                                   ok=status == "sent", now=now):
                # The receiver failed too often: this and its other waiting deliveries stop.
                uow.session.execute(
                    update(Delivery).where(Delivery.webhook_id == delivery.webhook_id,
                                           Delivery.id != delivery.id,
                                           Delivery.status.in_(("pending", "sending")))
                    .values(status="dead", last_error="webhook disabled after repeated "
                            "failures", lease_until=None, claim_token=None)
                    .execution_options(synchronize_session=False))
                uow.session.execute(
                    update(Delivery).where(Delivery.id == delivery.id)
                    .values(status="dead").execution_options(synchronize_session=False))
            uow.commit()

    def _mark_at_once(self, delivery_id: uuid.UUID, token: uuid.UUID, values: dict,
                      attempt: dict | None) -> None:
        """PostgreSQL: the mark and its attempt row in one statement, one round trip.

        The attempt row is written only if the claim still held (the update's RETURNING feeds
        the insert), as the two-statement transaction on SQLite does.
        """
        statement = _mark_statement(tuple(values), tuple(attempt or ()))
        params = {"delivery_id": delivery_id, "token": token,
                  **{f"set_{name}": value for name, value in values.items()},
                  **{f"attempt_{name}": value for name, value in (attempt or {}).items()}}
        if self._marker is None:
            self._marker = self.db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        try:
            changed = self._marker.execute(statement, params).rowcount
        except DBAPIError:
            self._close_marker()
            raise
        if not changed:
            log.warning("claim lost before mark", extra={"delivery_id": str(delivery_id)})

    def _close_marker(self) -> None:
        marker, self._marker = self._marker, None
        if marker is not None:
            marker.close()

    def _count_webhook_result(self, uow, webhook_id: uuid.UUID, *, ok: bool,
                              now: datetime) -> bool:
        """Count a webhook's consecutive failures; True when this failure disables it."""
        hook = uow.session.get(Webhook, webhook_id)
        if hook is None:
            return False
        if ok:
            hook.consecutive_failures = 0
            return False
        hook.consecutive_failures += 1
        if hook.active and hook.consecutive_failures >= self.notify.webhook_disable_after:
            hook.active, hook.disabled_at = False, now
            log.warning("webhook disabled after repeated failures",
                        extra={"webhook_id": str(webhook_id)})
            return True
        return False

    def requeue_if_asked(self) -> int:
        """Carry out an admin's pending request to requeue the dead-lettered events."""
        with self.db.uow() as uow:
            query = select(RequeueRequest).where(RequeueRequest.done_at.is_(None)).limit(1)
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            request = uow.session.execute(query).scalar_one_or_none()
            if request is None:
                return 0
            request.moved = requeue_dead_letters(self.broker_url)
            request.done_at = self.clock()
            uow.commit()
            return request.moved

    def build_digests(self) -> int:
        """Gather held messages whose digest time has come into one e-mail per user and day."""
        now = self.clock()
        with self.db.uow() as uow:
            query = (select(Delivery).where(Delivery.status == "held",
                                            Delivery.next_attempt_at <= now)
                     .order_by(Delivery.created_at, Delivery.id))
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            held = list(uow.session.execute(query).scalars())
            if not held:
                return 0
            closed = self._moot(uow, held)
            groups: dict[tuple, list[Delivery]] = defaultdict(list)
            for row in held:
                if row.id in closed:
                    row.status, row.last_error = "skipped", "task done or cancelled"
                    continue
                groups[(row.user_id, domain.local_date(row.next_attempt_at))].append(row)
            for (user_id, day), rows in groups.items():
                self._make_digest(uow, user_id, day, rows, now)
            uow.commit()
            return len(groups)

    @staticmethod
    def _moot(uow, rows: list[Delivery]) -> set[uuid.UUID]:
        """The reminders among `rows` whose task was finished before their moment fell due
        (done or cancelled: whenever), by one query of their tasks' copies."""
        reminders = [r for r in rows if r.task_id and r.event_type in rules.REMINDER_TYPES]
        if not reminders:
            return set()
        states = {s.task_id: s for s in uow.session.execute(select(TaskState).where(
            TaskState.task_id.in_(list({r.task_id for r in reminders})),
            TaskState.status.in_(moments.FINISHED_STATUSES))).scalars()}
        return {r.id for r in reminders if (state := states.get(r.task_id)) is not None
                and moments.finished_before(state.status, submitted_at=state.submitted_at,
                                            completed_at=state.completed_at,
                                            changed_at=state.updated_at, due_at=r.due_at)}

    def _make_digest(self, uow, user_id, day, rows: list[Delivery], now: datetime) -> None:
        person = uow.session.get(Recipient, user_id)
        lang = person.language if person else "vi"
        rendered = render_digest(lang=lang, name=person.full_name if person else "",
                                 day=domain.format_date(day),
                                 items=[{"subject": r.subject, "body": r.body} for r in rows])
        digest_id = uuid.uuid4()
        key = uuid.uuid5(DIGEST_NAMESPACE, ",".join(sorted(str(r.id) for r in rows)))
        uow.session.add(Delivery(
            id=digest_id, event_id=key, event_type="digest", recipient=str(user_id),
            channel="email", user_id=user_id, unit_id=None, task_id=None,
            address=(person.email if person else None) or rows[-1].address,
            subject=rendered.subject, body=rendered.body, payload=None, status="pending",
            attempts=0, next_attempt_at=now, created_at=now))
        for row in rows:
            row.status, row.digest_id = "digested", digest_id
