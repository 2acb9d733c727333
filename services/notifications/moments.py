"""When a deadline moment fell due, and whether its task was finished before it (pure rules).

A reminder (`due_soon`, `due_today`, `overdue`, `escalated`) is about one moment of a task's
deadline. Its due time is the start (00:00, Asia/Ho_Chi_Minh) of the scanner's day, known from
the event itself: `occurrence` (the effective deadline) for `due_today`, `occurrence + days`
for `overdue` and `escalated`, the day the scanner emitted it for `due_soon`. A task that was
submitted, done or cancelled before that time needs no reminder of that moment, whatever order
the events arrive in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from services.notifications.domain import LOCAL_TZ, local_date

REMINDER_TYPES = ("task.due_soon", "task.due_today", "task.overdue", "task.escalated")
FINISHED_STATUSES = ("submitted", "done", "cancelled")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def moment_due_at(event_type: str, data: dict[str, Any], occurred_at: datetime) -> datetime | None:
    """The time a deadline event's moment fell due (None for other events)."""
    if event_type not in REMINDER_TYPES:
        return None
    occurrence = data.get("occurrence") or data.get("effective_deadline")
    if isinstance(occurrence, str):
        occurrence = date.fromisoformat(occurrence)
    if event_type == "task.due_today" and occurrence:
        return _start_of(occurrence)
    if event_type in ("task.overdue", "task.escalated") and occurrence \
            and data.get("days") is not None:
        return _start_of(occurrence + timedelta(days=int(data["days"])))
    return _start_of(local_date(occurred_at))


def finished_at(status: str | None, *, submitted_at: datetime | None,
                completed_at: datetime | None, changed_at: datetime) -> datetime | None:
    """When a task stopped needing reminders: submitted, done or cancelled; None if open.

    `changed_at` (when the copy learned the status) stands in for a cancellation's time and
    for a finished task whose moments the tasks service did not send.
    """
    if status not in FINISHED_STATUSES:
        return None
    if status == "cancelled":
        return changed_at
    moments = [m for m in (submitted_at, completed_at if status == "done" else None) if m]
    return min(moments) if moments else changed_at


def finished_before(status: str | None, *, submitted_at: datetime | None,
                    completed_at: datetime | None, changed_at: datetime,
                    due_at: datetime | None) -> bool:
    """True if the task was finished before the moment fell due (its reminder is moot).

    Done and cancelled tasks are never reminded, whenever they closed (the older rule);
    a submitted one only if it was submitted before the moment.
    """
    if status in ("done", "cancelled"):
        return True
    finished = finished_at(status, submitted_at=submitted_at, completed_at=completed_at,
                           changed_at=changed_at)
    return finished is not None and (due_at is None or finished < due_at)


def is_stale(due_at: datetime | None, *, now: datetime, stale_after_hours: float) -> bool:
    """A moment whose due time is further in the past than the threshold (an outage)."""
    return due_at is not None and now - due_at > timedelta(hours=stale_after_hours)
