"""The kpi service's copies of other services' objects (units, tasks, users), kept from events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kpi import repository
from services.kpi.change import Change
from services.kpi.kpis import recompute_kpis
from services.kpi.models import TaskCopy, Unit, UserCopy, audit_log
from services.kpi.settings import KpiSettings
from shared.audit import jsonable, record_audit
from shared.db import UnitOfWork
from shared.text import printable

UNIT_FIELDS = ("code", "kind", "name_vi", "name_en", "valid_from", "valid_to")


def upsert_unit(*, uow: UnitOfWork, data: dict[str, Any], now: datetime,
                config: KpiSettings | None = None) -> Unit:
    """Keep the local copy of an org unit in step with a `unit.upserted` event.

    An event that carries no newer version than the copy changes nothing (events may arrive
    late, twice or out of order). A change of kind or validity changes who is expected to
    report, so the years with stored KPI values are recomputed at province scope.
    """
    unit = repository.get_unit(uow.session, data["unit_id"])
    if unit is not None and unit.version >= data["version"]:
        return unit
    before = None if unit is None else jsonable({f: getattr(unit, f) for f in UNIT_FIELDS})
    if unit is None:
        unit = Unit(unit_id=data["unit_id"])
        uow.session.add(unit)
    for field in UNIT_FIELDS:  # names are shown and exported: kept without control characters
        value = data[field]
        setattr(unit, field, printable(value) if isinstance(value, str) else value)
    unit.updated_at = now
    unit.version = data["version"]
    after = jsonable({f: getattr(unit, f) for f in UNIT_FIELDS})
    uow.session.flush()
    if after != before:
        record_audit(uow.session, audit_log, actor_id=None, action="upsert", entity="unit",
                     entity_id=unit.unit_id, before=before, after=after, now=now)
    reporting = ("kind", "valid_from", "valid_to")
    if before is None or any(before[f] != after[f] for f in reporting):
        config = config or KpiSettings()
        for year in repository.years_with_values(uow.session):
            recompute_kpis(uow=uow, change=Change.of_unit_validity(year=year), now=now,
                           count_submitted=config.count_submitted)
    return unit


TASK_FIELDS = ("title", "assignee_unit_id", "status", "effective_deadline", "kpi_codes", "kind",
               "submitted_at", "completed_at")


def _upsert_copy(uow: UnitOfWork, model: type, key_field: str, values: dict[str, Any], *,
                 version: int, entity: str, occurred_at: datetime) -> Any:
    """Apply an event to a copy row and audit a change, only if it carries a newer version."""
    key = values[key_field]
    fields = [name for name in values if name != key_field]
    row = uow.session.get(model, key)
    if row is not None and row.version >= version:
        return row  # late, repeated or reordered: the copy already holds this version or newer
    before = None if row is None else jsonable({f: getattr(row, f) for f in fields})
    if row is None:
        row = model(**{key_field: key})
        uow.session.add(row)
    for field in fields:
        setattr(row, field, values[field])
    row.updated_at = occurred_at
    row.version = version
    after = jsonable({f: getattr(row, f) for f in fields})
    uow.session.flush()
    if after != before:
        record_audit(uow.session, audit_log, actor_id=None, action="upsert", entity=entity,
                     entity_id=key, before=before, after=after, now=occurred_at)
    return row


def upsert_task(*, uow: UnitOfWork, data: dict[str, Any], occurred_at: datetime) -> TaskCopy:
    """Keep the local copy of a task; an event older than the copy changes nothing."""
    values = {"task_id": data["task_id"], **{f: data[f] for f in TASK_FIELDS},
              "title": printable(data["title"]),
              "kpi_codes": list(data["kpi_codes"])}
    return _upsert_copy(uow, TaskCopy, "task_id", values, version=data["version"],
                        entity="task", occurred_at=occurred_at)


def upsert_user(*, uow: UnitOfWork, data: dict[str, Any], occurred_at: datetime) -> UserCopy:
    """Keep whether a user is active and its token version; older versions change nothing."""
    values = {"user_id": data["user_id"], "active": data["active"],
              "token_version": data["token_version"]}
    return _upsert_copy(uow, UserCopy, "user_id", values, version=data["version"],
                        entity="user", occurred_at=occurred_at)
