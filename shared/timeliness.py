"""How the Government Office counts tasks (Decision 42/2014/QĐ-TTg): the one rule for every service.

A task is done on time, done late, open within its deadline or overdue; cancelled tasks are
left out of the count. Pure: the tasks service (views, list filter, stats) and the kpi service
(its copy of the tasks) both call these with `today` as a value.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

from shared.calendar import local_date

COUNTED = ("done_on_time", "done_late", "open_within_deadline", "overdue")
TIMELINESS_VALUES = (*COUNTED, "cancelled")
REPORTING_KIND = "yearly_report"  # its submission moment counts, not the later approval


class TaskLike(Protocol):
    """What the rule reads of a task (the tasks service's row or kpi's copy)."""

    status: str
    kind: str
    effective_deadline: date
    submitted_at: datetime | None
    completed_at: datetime | None


def counted_moment(*, kind: str, submitted_at: datetime | None,
                   completed_at: datetime | None) -> datetime | None:
    """The moment that decides a done task's timeliness: a report's submission, else completion."""
    if kind == REPORTING_KIND and submitted_at is not None:
        return submitted_at
    return completed_at


def timeliness(*, status: str, kind: str, effective: date, submitted_at: datetime | None,
               completed_at: datetime | None, today: date) -> str:
    """done_on_time, done_late, open_within_deadline, overdue or cancelled, as of `today`.

    A reporting task submitted by its deadline and waiting for approval is open within the
    deadline. A done task with no recorded moment is counted late (nothing shows it was in time).
    """
    if status == "cancelled":
        return "cancelled"
    if status == "done":
        moment = counted_moment(kind=kind, submitted_at=submitted_at, completed_at=completed_at)
        return "done_on_time" if moment is not None and local_date(moment) <= effective \
            else "done_late"
    if status == "submitted" and kind == REPORTING_KIND and submitted_at is not None \
            and local_date(submitted_at) <= effective:
        return "open_within_deadline"
    return "open_within_deadline" if today <= effective else "overdue"


def task_timeliness(task: TaskLike, *, today: date) -> str:
    """`timeliness` of any object with the task's fields."""
    return timeliness(status=task.status, kind=task.kind, effective=task.effective_deadline,
                      submitted_at=task.submitted_at, completed_at=task.completed_at,
                      today=today)


@dataclass
class Counts:
    """One group's tasks in each timeliness (cancelled kept apart, never counted)."""

    done_on_time: int = 0
    done_late: int = 0
    open_within_deadline: int = 0
    overdue: int = 0
    cancelled: int = 0

    @property
    def counted(self) -> int:
        """Tasks counted at all: every one but the cancelled."""
        return self.done_on_time + self.done_late + self.open_within_deadline + self.overdue

    @property
    def open(self) -> int:
        """Tasks not done yet (within the deadline or overdue)."""
        return self.open_within_deadline + self.overdue

    @property
    def fallen_due(self) -> int:
        """Tasks whose deadline has come: done (either way) or overdue."""
        return self.done_on_time + self.done_late + self.overdue

    @property
    def on_time_share(self) -> float | None:
        """done_on_time / fallen_due, None when nothing has fallen due."""
        return self.done_on_time / self.fallen_due if self.fallen_due else None

    def as_dict(self) -> dict[str, int]:
        """The five counts by name."""
        return {value: getattr(self, value) for value in TIMELINESS_VALUES}


K = TypeVar("K", bound=Hashable)
T = TypeVar("T", bound=TaskLike)


def tally(tasks: Iterable[T], *, today: date, key: Callable[[T], K]) -> dict[K, Counts]:
    """Count the tasks of each `key` (e.g. the assignee unit) in each timeliness as of `today`."""
    out: dict[K, Counts] = {}
    for task in tasks:
        counts = out.setdefault(key(task), Counts())
        value = task_timeliness(task, today=today)
        setattr(counts, value, getattr(counts, value) + 1)
    return out
