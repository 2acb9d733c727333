"""The deadline scanner: task.due_soon / due_today / overdue / escalated, each exactly once.

Exactly once per (task, occurrence, kind), with any number of scanners at once:
- each pass claims a batch of open tasks not yet scanned today; on PostgreSQL with
  `FOR UPDATE SKIP LOCKED`, so parallel scanners split the work instead of queueing; on SQLite
  every transaction is `BEGIN IMMEDIATE`, so scanners take turns;
- `tasks.scanned_on` is the per-day lease: a task scanned today is not claimed again today
  (a status change or a new effective deadline clears it);
- every moment is first inserted into `deadline_events`, whose unique key
  (task_id, occurrence, kind) refuses a second claim (INSERT ... ON CONFLICT DO NOTHING); only a
  won claim adds the event to the outbox, in the same transaction.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite

from services.tasks.domain import OPEN_STATUSES, deadline_moments, local_date
from services.tasks.models import DeadlineEvent, Task
from services.tasks.service import load_calendar, outbox, task_event_data
from services.tasks.settings import TasksSettings
from shared.db import Database
from shared.faults import fault_point

log = logging.getLogger(__name__)


def _claim(session, *, dialect: str, moments: list[dict], now: datetime) -> set[tuple]:
    """Insert every moment's claim at once; returns the (task_id, kind) pairs this scan won."""
    if not moments:
        return set()
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(DeadlineEvent)
        .values([{**m, "id": uuid.uuid4(), "emitted_at": now} for m in moments])
        .on_conflict_do_nothing(index_elements=["task_id", "occurrence", "kind"])
        .returning(DeadlineEvent.task_id, DeadlineEvent.kind)
    )
    return {(row.task_id, row.kind) for row in session.execute(statement)}


def scan_once(*, db: Database, settings: TasksSettings, now: datetime,
              after_claim: Callable[[int], None] | None = None) -> int:
    """Scan every open task due for a look today; returns the number of events emitted.

    A scanner that dies holding a batch loses nothing: the claim and its events are one
    transaction, which the database rolls back when the connection drops, and the rows'
    locks are released to the other scanners at once. (`after_claim` is a test seam called
    with the batch size while the claim is held.)
    """
    today = local_date(now)
    emitted = 0
    while True:
        with db.uow() as uow:
            session = uow.session
            calendar = load_calendar(session)
            horizon = calendar.add_working_days(today, max(settings.due_soon_days, default=0))
            query = (
                select(Task)
                .where(Task.status.in_(OPEN_STATUSES),
                       or_(Task.scanned_on.is_(None), Task.scanned_on < today),
                       Task.effective_deadline <= horizon)
                .order_by(Task.effective_deadline, Task.id)
                .limit(settings.scan_batch)
            )
            if not db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            tasks = list(session.execute(query).scalars())
            if not tasks:
                return emitted
            if after_claim is not None:
                after_claim(len(tasks))
            due = [(task, moment) for task in tasks for moment in deadline_moments(
                effective=task.effective_deadline, today=today, calendar=calendar,
                soon_offsets=settings.due_soon_days, escalation_delays=settings.escalate_after)]
            # One statement claims the whole batch; the won claims' events go out pipelined.
            won = _claim(session, dialect=db.engine.dialect.name, now=now, moments=[
                {"task_id": task.id, "occurrence": task.effective_deadline.isoformat(),
                 "kind": moment.key} for task, moment in due])
            with uow.batched():
                for task, moment in due:
                    if (task.id, moment.key) not in won:
                        continue
                    outbox.add(session, moment.event_type,
                               {**task_event_data(task),
                                "occurrence": task.effective_deadline.isoformat(),
                                "days": moment.days,
                                "escalation_level": moment.escalation_level}, now=now)
                    emitted += 1
            for task in tasks:
                task.scanned_on = today
            if emitted:
                fault_point("scanner.after_claim")  # test-only crash point (shared/faults.py)
            uow.commit()


def scanner_loop(db: Database, settings: TasksSettings, clock: Callable[[], datetime],
                 ready: threading.Event | None = None) -> Callable[[threading.Event], None]:
    """The worker loop: scan, then wait `scan_interval` seconds (or until stopped).

    `ready`: the first scan waits for it (the embedded demo: until the seeded history has
    settled, so that no moment is announced for a task its report events are about to move).
    """

    def run(stop: threading.Event) -> None:
        while ready is not None and not ready.is_set() and not stop.is_set():
            ready.wait(0.2)
        while not stop.is_set():
            try:
                count = scan_once(db=db, settings=settings, now=clock())
                if count:
                    log.info("deadline events emitted", extra={"count": count})
            except Exception:  # keep scanning after a database outage
                log.exception("deadline scan failed")
            stop.wait(settings.scan_interval)

    return run
