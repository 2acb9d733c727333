"""Pure rules of the tasks service: working calendar, deadlines, workflow, timeliness."""

from __future__ import annotations

from datetime import date, datetime

from shared.calendar import LOCAL_TZ, WorkCalendar, effective_deadline, local_date

__all__ = ["LOCAL_TZ", "WorkCalendar", "effective_deadline", "local_date", "can_transition",
           "timeliness", "TRANSITIONS"]

OPEN_STATUSES = ("not_started", "in_progress", "submitted", "returned", "blocked")
CLOSED_STATUSES = ("done", "cancelled")

# Who may move a task from one status to another: (from, to) -> the parties allowed.
# "assignee": a user of the task's assignee unit; "lead": a coordinator of the lead unit;
# "head": the department head or an admin (may override any move); "system": event handlers.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("not_started", "in_progress"): frozenset({"assignee", "lead", "head"}),
    ("not_started", "submitted"): frozenset({"assignee", "head", "system"}),
    ("not_started", "done"): frozenset({"head", "system"}),
    ("in_progress", "submitted"): frozenset({"assignee", "head", "system"}),
    ("in_progress", "done"): frozenset({"head", "system"}),
    ("in_progress", "blocked"): frozenset({"assignee", "lead", "head"}),
    ("blocked", "in_progress"): frozenset({"assignee", "lead", "head"}),
    ("submitted", "done"): frozenset({"lead", "head", "system"}),
    ("submitted", "returned"): frozenset({"lead", "head"}),
    ("returned", "in_progress"): frozenset({"assignee", "head"}),
    ("returned", "submitted"): frozenset({"assignee", "head", "system"}),
    ("returned", "done"): frozenset({"head", "system"}),
    **{(s, "cancelled"): frozenset({"lead", "head"}) for s in OPEN_STATUSES},
}


def can_transition(current: str, target: str, parties: set[str]) -> bool:
    """True if any of the caller's parties may move a task from `current` to `target`."""
    allowed = TRANSITIONS.get((current, target))
    return bool(allowed and allowed & parties)


def timeliness(*, status: str, effective: date, completed_at: datetime | None,
               today: date) -> str:
    """How the Government counts a task: done_on_time, done_late, open_within_deadline, overdue."""
    if status == "done" and completed_at is not None:
        return "done_on_time" if local_date(completed_at) <= effective else "done_late"
    if status == "cancelled":
        return "cancelled"
    return "open_within_deadline" if today <= effective else "overdue"
