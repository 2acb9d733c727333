"""KPI use cases: recompute indicator values from the stored reports, and read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.kpi import repository
from services.kpi.change import Change
from services.kpi.domain import (
    CP_YEARLY,
    PROVINCE,
    SPEC_FIELDS,
    IndicatorSpec,
    KpiResult,
    evaluate,
    status_rule,
)
from services.kpi.models import Indicator
from services.kpi.province import ProvinceTotals, province_totals
from services.kpi.scopes import Counted, ScopeResult, counted, summed_scope
from services.kpi.value_writes import STORED_FIELDS, ValueWrites, forget_loaded_values, stage_value
from shared.db import UnitOfWork

__all__ = ["STORED_FIELDS", "Change", "Counted", "counted", "recompute_kpis", "recompute_year",
           "recompute_all"]


def spec_of(indicator: Indicator) -> IndicatorSpec:
    """The formula part of an indicator row, as a plain value for the domain functions."""
    return IndicatorSpec(**{name: getattr(indicator, name) for name in SPEC_FIELDS})


def recompute_kpis(*, uow: UnitOfWork, change: Change, now: datetime,
                   count_submitted: bool = True, totals: ProvinceTotals | None = None) -> None:
    """Recompute the values a change touches: the province and the change's own units."""
    # Every unit of the year for a full recompute; the writes go in one round trip.
    session = uow.session
    specs = _locked_specs(session, change.form_code)
    totals = totals or province_totals(session)
    rows = totals.report_rows(session, change=change)
    reports = counted(rows, count_submitted=count_submitted)
    expected = repository.count_expected_units(session, change.year)
    province, sums = totals.province(session, change=change, specs=specs, rows=rows,
                                     reports=reports, expected=expected,
                                     count_submitted=count_submitted)
    stored, wanted = _stored_and_wanted(session, change, reports)
    scopes = {PROVINCE: province, **_unit_scopes(specs, change.year, reports, wanted)}
    writes = ValueWrites(sums=sums)
    for code, scope, row, computed, report_ids in _compared(specs, scopes, stored):
        stage_value(writes, row, computed, indicator_code=code, scope=scope, year=change.year,
                    now=now, report_ids=report_ids)
    with uow.batched():  # every write of the changed values in one round trip
        writes.send(session, now=now)
    forget_loaded_values(session)


def _locked_specs(session: Session, form_code: str) -> list[IndicatorSpec]:
    """The form's indicators, their rows locked for the rest of the transaction."""
    # Locking the indicator rows serialises concurrent recomputes on PostgreSQL, so the one
    # that waits reads the reports the other committed (no lost update of province values).
    return [spec_of(i) for i in repository.list_indicators(session, lock=True)
            if i.form_code == form_code]


def _stored_and_wanted(session: Session, change: Change, reports: list[Counted]
                       ) -> tuple[dict[tuple[str, str], Any], set[str]]:
    """The stored values to compare with, and the unit scopes to recompute."""
    if change.full:
        stored = repository.stored_values(session, year=change.year)
        return stored, {str(r.unit_id) for r in reports} | {
            s for _, s in stored if s != PROVINCE}
    wanted = {str(u) for u in change.unit_ids or ()}  # not every unit's stored values
    return repository.stored_values(session, year=change.year,
                                    scopes=[PROVINCE, *wanted]), wanted


def _unit_scopes(specs: list[IndicatorSpec], year: int, reports: list[Counted],
                 wanted: set[str]) -> dict[str, ScopeResult]:
    """Each wanted unit's results, summed from its own counted reports."""
    by_unit: dict[str, list[Counted]] = {}
    for r in reports:
        by_unit.setdefault(str(r.unit_id), []).append(r)
    return {scope: summed_scope(specs, year, by_unit.get(scope, []), expected=1)
            for scope in sorted(wanted)}


def _compared(specs: list[IndicatorSpec], scopes: dict[str, ScopeResult],
              stored: dict[tuple[str, str], Any]) -> list[tuple]:
    """Each (code, scope): its stored row, computed values, and the reports behind a new
    status (read now: nothing is read in the batch)."""
    out = []
    for spec in specs:
        for scope, got in scopes.items():
            computed = _computed(got.results[spec.code], reported=got.reported,
                                 expected=got.expected, provisional=got.provisional)
            row = stored.get((spec.code, scope))
            old_status = "no_data" if row is None else row.status
            report_ids = got.report_ids() if computed["status"] != old_status else []
            out.append((spec.code, scope, row, computed, report_ids))
    return out


def _computed(result: KpiResult, *, reported: int, expected: int,
              provisional: bool) -> dict[str, Any]:
    return {"value": result.value, "numerator": result.numerator,
            "denominator": result.denominator, "expected": result.expected,
            "target": result.target, "status": result.status, "units_reported": reported,
            "units_expected": expected, "provisional": provisional}


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


def recompute_year(*, uow: UnitOfWork, year: int, now: datetime, form_code: str = CP_YEARLY,
                   count_submitted: bool = True) -> None:
    """The full recompute of one year: every scope, from every report."""
    recompute_kpis(uow=uow, change=Change.of_year(year=year, form_code=form_code), now=now,
                   count_submitted=count_submitted)


def recompute_all(*, uow: UnitOfWork, now: datetime, count_submitted: bool = True,
                  form_code: str = CP_YEARLY) -> int:
    """The full recompute: every year with sent reports or stored values, every scope."""
    years = set(repository.years_with_values(uow.session)) | set(
        repository.years_with_sent_reports(uow.session, form_code=form_code))
    for year in sorted(years):
        recompute_year(uow=uow, year=year, now=now, form_code=form_code,
                       count_submitted=count_submitted)
    return len(years)
