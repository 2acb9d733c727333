"""The kpi service's copies of other services' objects (units, tasks), kept from events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kpi import repository
from services.kpi.kpis import recompute_kpis
from services.kpi.models import TaskCopy, Unit, audit_log
from services.kpi.settings import KpiSettings
from shared.audit import jsonable, record_audit
from shared.db import UnitOfWork

UNIT_FIELDS = ("code", "kind", "name_vi", "name_en", "valid_from", "valid_to")


def upsert_unit(*, uow: UnitOfWork, data: dict[str, Any], now: datetime,
                config: KpiSettings | None = None) -> Unit:
    """Keep the local copy of an org unit in step with a `unit.upserted` event.

    An event older than the copy changes nothing (events may arrive out of order). A change
    of kind or validity changes who is expected to report, so the years with stored KPI
    values are recomputed at province scope.
    """
    unit = repository.get_unit(uow.session, data["unit_id"])
    if unit is not None and unit.updated_at is not None and unit.updated_at > now:
        return unit
    before = None if unit is None else jsonable({f: getattr(unit, f) for f in UNIT_FIELDS})
    if unit is None:
        unit = Unit(unit_id=data["unit_id"])
        uow.session.add(unit)
    for field in UNIT_FIELDS:
        setattr(unit, field, data[field])
    unit.updated_at = now
    after = jsonable({f: getattr(unit, f) for f in UNIT_FIELDS})
    uow.session.flush()
    if after != before:
        record_audit(uow.session, audit_log, actor_id=None, action="upsert", entity="unit",
                     entity_id=unit.unit_id, before=before, after=after, now=now)
    reporting = ("kind", "valid_from", "valid_to")
    if before is None or any(before[f] != after[f] for f in reporting):
        config = config or KpiSettings()
        for year in repository.years_with_values(uow.session):
            recompute_kpis(uow=uow, year=year, unit_ids=[], now=now,
                           count_submitted=config.count_submitted)
    return unit


TASK_FIELDS = ("title", "assignee_unit_id", "status", "effective_deadline", "kpi_codes")


def upsert_task(*, uow: UnitOfWork, data: dict[str, Any], occurred_at: datetime) -> TaskCopy:
    """Keep the local copy of a task; an event older than the copy changes nothing."""
    task = uow.session.get(TaskCopy, data["task_id"])
    if task is not None and task.updated_at > occurred_at:
        return task  # events may arrive out of order: the newest one wins
    before = None if task is None else jsonable({f: getattr(task, f) for f in TASK_FIELDS})
    if task is None:
        task = TaskCopy(task_id=data["task_id"])
        uow.session.add(task)
    for field in TASK_FIELDS:
        setattr(task, field, data[field])
    task.kpi_codes = list(data["kpi_codes"])
    task.updated_at = occurred_at
    after = jsonable({f: getattr(task, f) for f in TASK_FIELDS})
    uow.session.flush()
    if after != before:
        record_audit(uow.session, audit_log, actor_id=None, action="upsert", entity="task",
                     entity_id=task.task_id, before=before, after=after, now=occurred_at)
    return task
