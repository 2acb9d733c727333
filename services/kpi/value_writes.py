"""The rows a recompute writes: changed values, their audit rows, status changes, events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from services.kpi import totals
from services.kpi.domain import PROVINCE
from services.kpi.models import KpiStatusChange, KpiValue, audit_log, outbox
from shared.audit import audit_row, jsonable

STORED_FIELDS = ("value", "numerator", "denominator", "expected", "target", "status",
                 "units_reported", "units_expected", "provisional")
WRITTEN_FIELDS = (*STORED_FIELDS, "computed_at")


@dataclass
class ValueWrites:
    """The rows a recompute writes, sent together (plain statements, no ORM flush)."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    status_changes: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    sums: totals.TotalUpdates | None = None  # the province's new running sums

    def send(self, session: Session, *, now: datetime) -> None:
        """Execute every write; inside uow.batched() they share one round trip."""
        table = KpiValue.__table__
        if self.sums is not None and self.sums.totals:
            self.sums.send(session)
        if self.inserts:
            session.execute(insert(table), self.inserts)
        if self.updates:
            session.execute(update(table).where(table.c.id == bindparam("value_id"))
                            .values({f: bindparam(f"new_{f}") for f in WRITTEN_FIELDS}),
                            self.updates)
        if self.status_changes:
            session.execute(insert(KpiStatusChange.__table__), self.status_changes)
        if self.audits:
            session.execute(insert(audit_log), self.audits)
        for data in self.events:
            outbox.add(session, "kpi.status_changed", data, now=now)


def forget_loaded_values(session: Session) -> None:
    """Expire the KpiValue objects this session loaded before."""
    # The rows were written without the ORM: a later read in the same unit of work must not
    # see the old attributes.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, KpiValue):
            session.expire(obj)


def stage_value(writes: ValueWrites, row: Any, computed: dict[str, Any], *,
                indicator_code: str, scope: str, year: int, now: datetime,
                report_ids: list[str]) -> None:
    """Stage a scope's computed value if it changed, with its audit row."""
    before = None if row is None else {f: getattr(row, f) for f in STORED_FIELDS}
    if before == computed:
        return
    old_status = "no_data" if row is None else row.status
    if row is None:
        value_id = uuid.uuid4()
        writes.inserts.append({"id": value_id, "indicator_code": indicator_code,
                               "scope": scope, "year": year, **computed, "computed_at": now})
    else:
        value_id = row.id
        writes.updates.append({"value_id": value_id, "new_computed_at": now,
                               **{f"new_{f}": v for f, v in computed.items()}})
    identity = {"indicator_code": indicator_code, "scope": scope, "year": year}
    writes.audits.append(audit_row(
        actor_id=None, action="recompute", entity="kpi_value", entity_id=value_id,
        before=before and jsonable({**identity, **before}),
        after=jsonable({**identity, **computed}), now=now))
    if computed["status"] != old_status:
        _stage_status_change(writes, computed, old_status=old_status,
                             indicator_code=indicator_code, scope=scope, year=year, now=now,
                             report_ids=report_ids)


def _stage_status_change(writes: ValueWrites, computed: dict[str, Any], *, old_status: str,
                         indicator_code: str, scope: str, year: int, now: datetime,
                         report_ids: list[str]) -> None:
    """Stage a status change and (province) its `kpi.status_changed` event."""
    new_status = computed["status"]
    writes.status_changes.append({
        "id": uuid.uuid4(), "indicator_code": indicator_code, "scope": scope, "year": year,
        "old_status": old_status, "new_status": new_status, "value": computed["value"],
        "expected": computed["expected"], "report_ids": report_ids, "changed_at": now})
    if scope == PROVINCE:
        writes.events.append({
            "indicator_code": indicator_code, "unit_id": None, "year": year,
            "old_status": old_status, "new_status": new_status, "value": computed["value"],
            "target": computed["target"], "expected": computed["expected"]})
