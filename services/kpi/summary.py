"""The department head's one-page summary of a year: every KPI, per unit, who is missing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kpi import repository, timeliness
from services.kpi.domain import (
    CP_YEARLY,
    PROVINCE,
    IndicatorSpec,
    counted_values,
    expected_value,
    local_date,
    status_rule,
)
from services.kpi.kpis import STORED_FIELDS, spec_of
from services.kpi.models import Indicator
from services.kpi.settings import KpiSettings
from shared.auth import Principal
from shared.db import UnitOfWork


def _values(row: Any, spec: IndicatorSpec, year: int) -> dict[str, Any]:
    """A stored value's fields, or those of no data (what evaluate() gives without reports)."""
    if row is not None:
        return {f: getattr(row, f) for f in STORED_FIELDS}
    return {"value": None, "numerator": None, "denominator": None,
            "expected": expected_value(spec, year), "target": spec.goal, "status": "no_data",
            "units_reported": 0, "units_expected": 0, "provisional": False}


def _unit_value(row: Any) -> tuple[float | None, str, bool]:
    """A unit's value, status and provisional flag (no data without a stored value)."""
    return (None, "no_data", False) if row is None else (row.value, row.status, row.provisional)


def _counts(report: Any, *, count_submitted: bool) -> bool:
    """Whether a report counts (domain.counted_values), from its status and approved version."""
    return counted_values(status=report.status, values={},
                          approved_values=report.approved_values,
                          count_submitted=count_submitted) is not None


def plan_years(indicators: list[Indicator], year: int) -> list[int]:
    """The years a trend covers: after the earliest baseline up to the latest target year."""
    first = min((i.baseline_year for i in indicators), default=year - 1) + 1
    last = max([i.target_year for i in indicators] + [year])
    return list(range(first, last + 1))


def build_summary(*, uow: UnitOfWork, principal: Principal, year: int, now: datetime,
                  config: KpiSettings, form_code: str = CP_YEARLY) -> dict[str, Any]:
    """Every KPI of a year with value, target, expected, status, trend, per-unit breakdown.

    Reviewers (head, admin, the lead unit's coordinators) see every unit; others see the
    province figures and their own unit only.
    """
    session = uow.session
    indicators = [i for i in repository.list_indicators(session) if i.form_code == form_code]
    years = plan_years(indicators, year)
    # One query: the trend's province values of every year, and every scope of this year.
    stored = repository.summary_values(session, year=year, years=years)
    expected_units = repository.expected_units(session, year)
    every_report = repository.reports_of_year(session, form_code=form_code, year=year)
    # The reports that count (never-sent drafts aside), as counted_reports() and counted()
    # would give them.
    by_unit = {r.unit_id: r for r in every_report
               if r.version > 0 and _counts(r, count_submitted=config.count_submitted)}
    all_reports = {r.unit_id: r for r in every_report}
    shown = repository.unit_filter(principal, config)
    shown_units = [u for u in expected_units if shown(u.unit_id)]
    overdue = timeliness.overdue_tasks_by_kpi(uow=uow, today=local_date(now))
    scopes = [(unit, str(unit.unit_id), by_unit.get(unit.unit_id)) for unit in shown_units]
    kpis = []
    for indicator in indicators:
        spec = spec_of(indicator)
        province = _values(stored[year].get((indicator.code, PROVINCE)), spec, year)
        province["units_expected"] = len(expected_units)
        trend = []
        for y in years:
            v = _values(stored[y].get((indicator.code, PROVINCE)), spec, y)
            trend.append({"year": y, "value": v["value"], "expected": v["expected"],
                          "status": v["status"]})
        units = []
        for unit, scope, report in scopes:
            value, status, provisional = _unit_value(stored[year].get((indicator.code, scope)))
            units.append({"unit_id": unit.unit_id, "code": unit.code, "name_vi": unit.name_vi,
                          "name_en": unit.name_en, "value": value, "status": status,
                          "provisional": provisional,
                          "report_id": report.id if report else None,
                          "late": report.late if report else None})
        kpis.append({
            "indicator_code": indicator.code, "name_vi": indicator.name_vi,
            "name_en": indicator.name_en, "kind": indicator.kind,
            "target_min": indicator.target_min, "target_max": indicator.target_max,
            "value": province["value"], "target": province["target"],
            "expected": province["expected"], "status": province["status"],
            "provisional": province["provisional"], "rule": status_rule(spec, year),
            "overdue_duties": overdue.get(indicator.code, 0),
            "trend": trend, "units": units})
    late = sum(1 for r in by_unit.values() if r.late)
    missing = [u for u in shown_units if u.unit_id not in by_unit]
    return {
        "year": year, "units_shown": repository.units_shown(principal, config),
        "completeness": {"reported": len(by_unit), "expected": len(expected_units)},
        "timeliness": {"on_time": len(by_unit) - late, "late": late},
        "kpis": kpis,
        # Reviewers only, like the per-unit values; the same counts as the tasks service's
        # stats/timeliness per unit (one rule, shared/timeliness.py).
        "agencies": timeliness.agency_timeliness(uow=uow, today=local_date(now))
        if repository.sees_every_unit(principal, config) else [],
        "missing_units": [{"unit_id": u.unit_id, "code": u.code, "name_vi": u.name_vi,
                           "name_en": u.name_en,
                           "report_status": all_reports[u.unit_id].status
                           if u.unit_id in all_reports else None} for u in missing],
    }
