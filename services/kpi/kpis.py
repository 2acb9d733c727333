"""KPI use cases: recompute indicator values from the stored reports, and read them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from services.kpi import repository, totals
from services.kpi.domain import (
    CP_YEARLY,
    PROVINCE,
    SPEC_FIELDS,
    IndicatorSpec,
    KpiResult,
    counted_values,
    evaluate,
    evaluate_sums,
    ratio,
    status_rule,
)
from services.kpi.models import Indicator, KpiStatusChange, KpiValue, Report, audit_log, outbox
from shared.audit import jsonable
from shared.db import UnitOfWork
from shared.logging import get_correlation_id

STORED_FIELDS = ("value", "numerator", "denominator", "expected", "target", "status",
                 "units_reported", "units_expected", "provisional")
WRITTEN_FIELDS = (*STORED_FIELDS, "computed_at")


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


@dataclass(frozen=True)
class ScopeResult:
    """One scope's results: each indicator's, how many units reported, who counted."""

    results: dict[str, KpiResult]  # by indicator code
    reported: int
    expected: int
    provisional: bool
    report_ids: Callable[[], list[str]]  # asked only when a status changes


def recompute_kpis(*, uow: UnitOfWork, year: int, now: datetime, form_code: str = CP_YEARLY,
                   unit_ids: Iterable[uuid.UUID] | None = None,
                   count_submitted: bool = True, changed: Sequence[Report] | None = None,
                   first_counted: bool = False) -> None:
    """Recompute a year's indicators at province scope and for the given units.

    With `unit_ids=None` every unit scope of the year is recomputed (a full recompute); a
    report change passes its own unit, so it recomputes only what it touches. On PostgreSQL
    the province figures come from running totals that a change updates by its own
    difference (totals.py), so it costs the same with 12 units or 10,000; elsewhere they are
    summed here from every counted report.

    A use case that holds the changed units' reports (loaded or written in this transaction,
    locked by it) passes them as `changed`, so they are not read again; `first_counted` says
    they were never counted before (their first submission is in this transaction), so
    there is no previous counted version to look up.
    """
    session = uow.session
    # Locking the indicator rows serialises concurrent recomputes on PostgreSQL, so the one
    # that waits reads the reports the other committed (no lost update of province values).
    indicators = [i for i in repository.list_indicators(session, lock=True)
                  if i.form_code == form_code]
    specs = [spec_of(i) for i in indicators]
    in_database = repository.aggregates_in_database(session)
    unit_ids = None if unit_ids is None else list(unit_ids)
    # Every report for a full recompute, or to sum the province here; else only the changed
    # units' reports.
    if in_database and unit_ids is not None and changed is not None:
        rows: list[Any] = [r for r in changed if r.version > 0]
    else:
        rows = repository.counted_report_values(session, form_code=form_code, year=year,
                                                unit_ids=unit_ids if in_database else None)
    reports = counted(rows, count_submitted=count_submitted)
    expected_units = repository.count_expected_units(session, year)
    writes = _Writes()
    if in_database:
        province = _province_from_totals(session, specs, year, form_code=form_code, rows=rows,
                                         full=unit_ids is None, expected=expected_units,
                                         count_submitted=count_submitted, writes=writes,
                                         first_counted=first_counted)
    else:
        province = _scope_of(specs, year, reports, expected=expected_units)
    if unit_ids is None:
        stored = repository.stored_values(session, year=year)
        wanted = {str(r.unit_id) for r in reports} | {s for _, s in stored if s != PROVINCE}
    else:  # only the rows it touches: not every unit's stored values
        wanted = {str(u) for u in unit_ids}
        stored = repository.stored_values(session, year=year, scopes=[PROVINCE, *wanted])
    by_unit: dict[str, list[Counted]] = {}
    for r in reports:
        by_unit.setdefault(str(r.unit_id), []).append(r)
    scopes = {PROVINCE: province, **{scope: _scope_of(specs, year, by_unit.get(scope, []),
                                                      expected=1)
                                     for scope in sorted(wanted)}}
    changes = []
    for spec in specs:
        for scope, got in scopes.items():
            computed = _computed(got.results[spec.code], reported=got.reported,
                                 expected=got.expected, provisional=got.provisional)
            row = stored.get((spec.code, scope))
            old_status = "no_data" if row is None else row.status
            # The reports behind a status change are read now: nothing is read in the batch.
            report_ids = got.report_ids() if computed["status"] != old_status else []
            changes.append((spec.code, scope, row, computed, report_ids))
    for code, scope, row, computed, report_ids in changes:
        _store(writes, row, computed, indicator_code=code, scope=scope, year=year, now=now,
               report_ids=report_ids)
    with uow.batched():  # every write of the changed values in one round trip
        writes.send(session, now=now)
    _forget_loaded_values(session)


def _scope_of(specs: list[IndicatorSpec], year: int, reports: list[Counted], *,
              expected: int) -> ScopeResult:
    """A scope's results summed here from its counted reports."""
    values = [r.values for r in reports]
    return ScopeResult(results={s.code: evaluate(s, year, values) for s in specs},
                       reported=len(reports), expected=expected,
                       provisional=any(r.provisional for r in reports),
                       report_ids=cache(lambda: [str(r.report_id) for r in reports]))


def _province_from_totals(session: Session, specs: list[IndicatorSpec], year: int, *,
                          form_code: str, rows: list[Any], full: bool, expected: int,
                          count_submitted: bool, writes: _Writes,
                          first_counted: bool = False) -> ScopeResult:
    """The province's results from the running totals, updated by the changed reports' `rows`
    (their new sums written with `writes`), or made again from every report when `full`, or
    when they are not made yet."""
    applied = None if full else totals.apply_changes(session, form_code=form_code, year=year,
                                                     specs=specs, rows=rows,
                                                     first_counted=first_counted)
    if applied is None:
        every = rows if full else repository.counted_report_values(
            session, form_code=form_code, year=year)
        made = totals.rebuild(session, form_code=form_code, year=year, specs=specs, rows=every)
    else:
        made, updates = applied
        writes.sums = updates
    got = totals.province_sums(made[count_submitted], specs)
    results = {}
    for spec in specs:
        sums = got.sums[spec.code]
        results[spec.code] = (evaluate_sums(spec, year, None, None, None) if sums is None
                              else evaluate_sums(spec, year, *sums, ratio(spec, *sums)))
    return ScopeResult(
        results=results, reported=got.reported, expected=expected, provisional=got.provisional,
        report_ids=cache(lambda: [str(i) for i in totals.counted_report_ids(
            session, form_code=form_code, year=year, count_submitted=count_submitted)]))


def _computed(result: KpiResult, *, reported: int, expected: int,
              provisional: bool) -> dict[str, Any]:
    return {"value": result.value, "numerator": result.numerator,
            "denominator": result.denominator, "expected": result.expected,
            "target": result.target, "status": result.status, "units_reported": reported,
            "units_expected": expected, "provisional": provisional}


def _audit_row(*, entity_id: uuid.UUID, before: dict[str, Any] | None, after: dict[str, Any],
               now: datetime) -> dict[str, Any]:
    """The audit row of a recomputed value, as shared.audit.record_audit writes one."""
    return {"id": uuid.uuid4(), "occurred_at": now, "actor_id": None, "action": "recompute",
            "entity": "kpi_value", "entity_id": str(entity_id), "before": before,
            "after": after, "correlation_id": get_correlation_id()}


@dataclass
class _Writes:
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


def _forget_loaded_values(session: Session) -> None:
    """Expire KpiValue objects this session loaded before: the rows were written without the
    ORM, so a later read in the same unit of work must not see the old attributes."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, KpiValue):
            session.expire(obj)


def _store(writes: _Writes, row: Any, computed: dict[str, Any], *, indicator_code: str,
           scope: str, year: int, now: datetime, report_ids: list[str]) -> None:
    """Stage a scope's computed value if it changed: the row, its audit row, the status
    change and (province) its event."""
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
    writes.audits.append(_audit_row(
        entity_id=value_id, before=before and jsonable({**identity, **before}),
        after=jsonable({**identity, **computed}), now=now))
    new_status = computed["status"]
    if new_status == old_status:
        return
    writes.status_changes.append({
        "id": uuid.uuid4(), "indicator_code": indicator_code, "scope": scope, "year": year,
        "old_status": old_status, "new_status": new_status, "value": computed["value"],
        "expected": computed["expected"], "report_ids": report_ids, "changed_at": now})
    if scope == PROVINCE:
        writes.events.append({
            "indicator_code": indicator_code, "unit_id": None, "year": year,
            "old_status": old_status, "new_status": new_status, "value": computed["value"],
            "target": computed["target"], "expected": computed["expected"]})


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
