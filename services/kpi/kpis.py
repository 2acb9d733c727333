"""KPI use cases: recompute indicator values from the stored reports, and read them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.kpi import repository
from services.kpi.domain import (
    CP_YEARLY,
    PROVINCE,
    SPEC_FIELDS,
    IndicatorSpec,
    KpiResult,
    counted_values,
    evaluate,
    status_rule,
)
from services.kpi.models import Indicator, KpiStatusChange, KpiValue, Report, audit_log, outbox
from shared.audit import jsonable, record_audit
from shared.db import UnitOfWork

STORED_FIELDS = ("value", "numerator", "denominator", "expected", "target", "status",
                 "units_reported", "units_expected", "provisional")


def spec_of(indicator: Indicator) -> IndicatorSpec:
    """The formula part of an indicator row, as a plain value for the domain functions."""
    return IndicatorSpec(**{name: getattr(indicator, name) for name in SPEC_FIELDS})


@dataclass(frozen=True)
class Counted:
    """A report as the KPIs count it: its unit, the counted values, provisional or not."""

    report_id: uuid.UUID
    unit_id: uuid.UUID
    values: Mapping[str, Any]
    provisional: bool


def counted(reports: Iterable[Report], *, count_submitted: bool) -> list[Counted]:
    """The reports that count, each with the version of its values that counts."""
    out = []
    for r in reports:
        got = counted_values(status=r.status, values=r.values, approved_values=r.approved_values,
                             count_submitted=count_submitted)
        if got is not None:
            out.append(Counted(r.id, r.unit_id, got[0], got[1]))
    return out


def recompute_kpis(*, uow: UnitOfWork, year: int, now: datetime, form_code: str = CP_YEARLY,
                   unit_ids: Iterable[uuid.UUID] | None = None,
                   count_submitted: bool = True) -> list[KpiValue]:
    """Recompute a year's indicators at province scope and for the given units.

    With `unit_ids=None` every unit scope of the year is recomputed (a full recompute); a
    report change passes its own unit, so it recomputes only what it touches.
    """
    session = uow.session
    # Locking the indicator rows serialises concurrent recomputes on PostgreSQL, so the one
    # that waits reads the reports the other committed (no lost update of province values).
    indicators = [i for i in repository.list_indicators(session, lock=True)
                  if i.form_code == form_code]
    reports = counted(repository.counted_report_values(session, form_code=form_code, year=year),
                      count_submitted=count_submitted)
    scopes: dict[str, tuple[list[Counted], int]] = {
        PROVINCE: (reports, repository.count_expected_units(session, year))}
    if unit_ids is None:
        stored = repository.list_kpi_values(session, year=year)
        wanted = {str(r.unit_id) for r in reports} | {s for _, s in stored if s != PROVINCE}
    else:  # only the rows it touches: not every unit's stored values
        wanted = {str(u) for u in unit_ids}
        stored = repository.list_kpi_values(session, year=year, scopes=[PROVINCE, *wanted])
    by_unit: dict[str, list[Counted]] = {}
    for r in reports:
        by_unit.setdefault(str(r.unit_id), []).append(r)
    for scope in sorted(wanted):
        scopes[scope] = (by_unit.get(scope, []), 1)
    rows = []
    with uow.batched():  # audit and outbox rows sent together; the values flush at the end
        for indicator in indicators:
            spec = spec_of(indicator)
            for scope, (scope_reports, expected_units) in scopes.items():
                result = evaluate(spec, year, [r.values for r in scope_reports])
                computed = _computed(result, reported=len(scope_reports),
                                     expected=expected_units,
                                     provisional=any(r.provisional for r in scope_reports))
                rows.append(_store(uow, stored.get((indicator.code, scope)), computed,
                                   indicator_code=indicator.code, scope=scope, year=year,
                                   now=now, report_ids=[str(r.report_id) for r in scope_reports]))
    uow.session.flush()
    return rows


def _computed(result: KpiResult, *, reported: int, expected: int,
              provisional: bool) -> dict[str, Any]:
    return {"value": result.value, "numerator": result.numerator,
            "denominator": result.denominator, "expected": result.expected,
            "target": result.target, "status": result.status, "units_reported": reported,
            "units_expected": expected, "provisional": provisional}


def _store(uow: UnitOfWork, row: KpiValue | None, computed: dict[str, Any], *,
           indicator_code: str, scope: str, year: int, now: datetime,
           report_ids: list[str]) -> KpiValue:
    before = None if row is None else {f: getattr(row, f) for f in STORED_FIELDS}
    if before == computed:
        return row
    old_status = "no_data" if row is None else row.status
    if row is None:
        row = KpiValue(id=uuid.uuid4(), indicator_code=indicator_code, scope=scope, year=year)
        uow.session.add(row)
    for field, value in computed.items():
        setattr(row, field, value)
    row.computed_at = now
    identity = {"indicator_code": indicator_code, "scope": scope, "year": year}
    record_audit(uow.session, audit_log, actor_id=None, action="recompute", entity="kpi_value",
                 entity_id=row.id, before=before and jsonable({**identity, **before}),
                 after=jsonable({**identity, **computed}), now=now)
    if row.status != old_status:
        uow.session.add(KpiStatusChange(
            id=uuid.uuid4(), indicator_code=indicator_code, scope=scope, year=year,
            old_status=old_status, new_status=row.status, value=row.value,
            expected=row.expected, report_ids=report_ids, changed_at=now))
    if scope == PROVINCE and row.status != old_status:
        outbox.add(uow.session, "kpi.status_changed", {
            "indicator_code": indicator_code, "unit_id": None, "year": year,
            "old_status": old_status, "new_status": row.status, "value": row.value,
            "target": row.target, "expected": row.expected}, now=now)
    return row


def list_kpis(*, uow: UnitOfWork, year: int) -> list[dict[str, Any]]:
    """Every indicator's province value for a year against target and expected trajectory."""
    session = uow.session
    stored = repository.list_kpi_values(session, year=year, scope=PROVINCE)
    views = []
    expected_units: int | None = None
    for indicator in repository.list_indicators(session):
        spec = spec_of(indicator)
        row = stored.get((indicator.code, PROVINCE))
        if row is None:  # nothing counted yet for this year
            if expected_units is None:
                expected_units = repository.count_expected_units(session, year)
            values = _computed(evaluate(spec, year, []), reported=0, expected=expected_units,
                               provisional=False)
            computed_at = None
        else:
            values = {f: getattr(row, f) for f in STORED_FIELDS}
            computed_at = row.computed_at
        views.append({
            "indicator_code": indicator.code, "name_vi": indicator.name_vi,
            "name_en": indicator.name_en, "kind": indicator.kind, "year": year,
            "target_min": indicator.target_min, "target_max": indicator.target_max,
            "rule": status_rule(spec, year), "computed_at": computed_at,
            "completeness": {"reported": values.pop("units_reported"),
                             "expected": values.pop("units_expected")},
            **values,
        })
    return views


def recompute_all(*, uow: UnitOfWork, now: datetime, count_submitted: bool = True,
                  form_code: str = CP_YEARLY) -> int:
    """The full recompute: every year with sent reports or stored values, every scope."""
    years = set(repository.years_with_values(uow.session)) | set(
        repository.years_with_sent_reports(uow.session, form_code=form_code))
    for year in sorted(years):
        recompute_kpis(uow=uow, year=year, now=now, form_code=form_code,
                       count_submitted=count_submitted)
    return len(years)
