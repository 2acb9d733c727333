"""Timeliness per agency and overdue duties per KPI, from the kpi service's copy of the tasks.

The rule is shared/timeliness.py, the one the tasks service uses: the copy carries the task's
kind, submitted_at and completed_at, so a report counts its submission moment here too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from services.kpi import repository
from services.kpi.models import TaskCopy
from shared import timeliness as rule
from shared.db import UnitOfWork


def tally(tasks: Iterable[rule.TaskLike], *, today: date) -> dict[uuid.UUID, rule.Counts]:
    """Each agency's (assignee unit's) tasks in each timeliness as of `today`."""
    return rule.tally(tasks, today=today, key=lambda task: task.assignee_unit_id)


def agency_row(counts: rule.Counts) -> dict[str, Any]:
    """One agency's figures as the dashboard shows them (cancelled tasks left out)."""
    share = counts.on_time_share
    return {**counts.as_dict(), "tasks": counts.counted, "open": counts.open,
            "due": counts.fallen_due, "fallen_due": counts.fallen_due,
            "on_time_rate": None if share is None else 100 * share}


def agency_timeliness(*, uow: UnitOfWork, today: date) -> list[dict[str, Any]]:
    """Every agency with counted tasks: the four counts and on-time rate, most overdue first."""
    tasks = uow.session.execute(select(TaskCopy)).scalars()
    units = {u.unit_id: u for u in repository.list_units(uow.session)}
    rows = []
    for unit_id, counts in tally(tasks, today=today).items():
        if not counts.counted:
            continue
        unit = units.get(unit_id)
        rows.append({"unit_id": unit_id, "code": unit.code if unit else str(unit_id)[:8],
                     "name_vi": unit.name_vi if unit else "",
                     "name_en": unit.name_en if unit else "", **agency_row(counts)})
    return sorted(rows, key=lambda r: (-r["overdue"], r["code"]))


def overdue_by_kpi(tasks: Iterable[Any], *, today: date) -> dict[str, int]:
    """How many tasks are overdue (the shared rule), per KPI code in their `kpi_codes`."""
    counts: dict[str, int] = {}
    for task in tasks:
        if rule.task_timeliness(task, today=today) == "overdue":
            for code in task.kpi_codes or ():
                counts[code] = counts.get(code, 0) + 1
    return counts


def overdue_tasks_by_kpi(*, uow: UnitOfWork, today: date) -> dict[str, int]:
    """`overdue_by_kpi` over the copy (only open tasks past their deadline can be overdue)."""
    return overdue_by_kpi(repository.open_tasks_past_deadline(uow.session, today=today),
                          today=today)
