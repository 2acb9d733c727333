"""Pure rules of the tasks service: working calendar, deadlines, workflow, timeliness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

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


@dataclass(frozen=True)
class WorkCalendar:
    """Vietnamese public holidays plus announced days off and make-up working days."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    makeup_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        """True if offices work on this day."""
        if day in self.makeup_working_days:
            return True
        if day.weekday() >= 5 or day in self.extra_days_off:
            return False
        return day not in holidays.country_holidays("VN", years=day.year)

    def next_working_day(self, day: date) -> date:
        """The day itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def effective_deadline(given: date, calendar: WorkCalendar) -> date:
    """A deadline on a weekend or holiday moves to the next working day (Civil Code art. 148)."""
    return calendar.next_working_day(given)


def local_date(moment: datetime) -> date:
    """The calendar date of a UTC moment in Asia/Ho_Chi_Minh."""
    return moment.astimezone(LOCAL_TZ).date()


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
