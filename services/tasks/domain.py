"""Pure rules of the tasks service: working calendar, deadlines, workflow (timeliness is
shared/timeliness.py, the one rule kpi uses too)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from shared.calendar import (
    LOCAL_TZ,
    WorkCalendar,
    effective_deadline,
    local_date,
    working_days_between,
)
from shared.timeliness import REPORTING_KIND, TIMELINESS_VALUES, task_timeliness, timeliness

__all__ = ["LOCAL_TZ", "WorkCalendar", "effective_deadline", "local_date", "can_transition",
           "timeliness", "task_timeliness", "TIMELINESS_VALUES", "REPORTING_KIND",
           "TRANSITIONS", "FastCalendar", "fold", "DeadlineMoment",
           "deadline_moments", "working_days_between"]

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




@dataclass(frozen=True)
class FastCalendar(WorkCalendar):
    """WorkCalendar that can also count working days (the scanner's offsets)."""

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after (count < 0: before) `day`."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day


def fold(text: str) -> str:
    """Lowercase ASCII without Vietnamese diacritics: "Sở Công Thương" -> "so cong thuong"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


@dataclass(frozen=True)
class DeadlineMoment:
    """One deadline event that is due: its event type, unique key and day count (working days
    left, or working days overdue)."""

    event_type: str
    key: str
    days: int
    escalation_level: int | None = None


def deadline_moments(*, effective: date, today: date, calendar: FastCalendar,
                     soon_offsets: tuple[int, ...], escalation_delays: tuple[int, int]
                     ) -> list[DeadlineMoment]:
    """The deadline events of an open task that are due on `today`.

    - due_soon: the nearest offset (working days before the effective deadline) already
      reached, while the deadline is still ahead (a missed earlier offset is not sent late);
    - due_today: on the effective deadline;
    - overdue: the day after, then every 7 days (key = weeks since the first);
    - escalated: level 1 after `escalation_delays[0]` working days overdue, level 2 after
      `escalation_delays[1]`; a missed level is still sent (catch-up).
    """
    moments: list[DeadlineMoment] = []
    if today < effective:
        reached = [n for n in soon_offsets
                   if calendar.add_working_days(effective, -n) <= today]
        if reached:
            nearest = min(reached)
            moments.append(DeadlineMoment("task.due_soon", f"due_soon:{nearest}",
                                          working_days_between(calendar, today, effective)))
    elif today == effective:
        moments.append(DeadlineMoment("task.due_today", "due_today", 0))
    else:
        late = (today - effective).days  # the weekly repeat counts calendar days
        late_working = working_days_between(calendar, effective, today)
        moments.append(DeadlineMoment("task.overdue", f"overdue:{(late - 1) // 7}",
                                      late_working))
        for level, delay in enumerate(escalation_delays, start=1):
            if late_working >= delay:
                moments.append(DeadlineMoment("task.escalated", f"escalated:{level}",
                                              late_working, escalation_level=level))
    return moments
