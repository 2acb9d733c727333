"""Overdue duties and on-time rates per agency, from the kpi service's copy of the tasks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from services.kpi import repository
from services.kpi.models import TaskCopy
from shared.calendar import local_date
from shared.db import UnitOfWork


@dataclass
class AgencyTimeliness:
    """One agency's tasks: how many are open, overdue, due so far and done on time."""

    unit_id: uuid.UUID
    tasks: int = 0
    open: int = 0
    overdue: int = 0
    due: int = 0
    done_on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """The share (%) of the tasks due so far that were done by their deadline."""
        return 100 * self.done_on_time / self.due if self.due else None


def tally(tasks: Iterable[TaskCopy], *, today: date) -> dict[uuid.UUID, AgencyTimeliness]:
    """Count each agency's tasks (cancelled ones left out) as of `today`.

    A task is due once its effective deadline has passed or it is done. A done task's copy was
    last changed by the event that closed it, so its `updated_at` is when it was done.
    """
    out: dict[uuid.UUID, AgencyTimeliness] = {}
    for task in tasks:
        if task.status == "cancelled":
            continue
        row = out.setdefault(task.assignee_unit_id, AgencyTimeliness(task.assignee_unit_id))
        row.tasks += 1
        done = task.status == "done"
        past = task.effective_deadline < today
        if not done:
            row.open += 1
            row.overdue += past
        if done or past:
            row.due += 1
        if done and local_date(task.updated_at) <= task.effective_deadline:
            row.done_on_time += 1
    return out


def agency_timeliness(*, uow: UnitOfWork, today: date) -> list[dict[str, Any]]:
    """Every agency with tasks: counts and on-time rate, most overdue first."""
    tasks = uow.session.execute(select(TaskCopy)).scalars()
    units = {u.unit_id: u for u in repository.list_units(uow.session)}
    rows = []
    for unit_id, row in tally(tasks, today=today).items():
        unit = units.get(unit_id)
        rows.append({"unit_id": unit_id, "code": unit.code if unit else str(unit_id)[:8],
                     "name_vi": unit.name_vi if unit else "", "name_en": unit.name_en if unit
                     else "", "tasks": row.tasks, "open": row.open, "overdue": row.overdue,
                     "due": row.due, "done_on_time": row.done_on_time,
                     "on_time_rate": row.on_time_rate})
    return sorted(rows, key=lambda r: (-r["overdue"], r["code"]))
