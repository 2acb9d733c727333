"""Why a KPI has its status: the inputs, the rule, the reports behind it, and its history."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from services.kpi import repository
from services.kpi.domain import PROVINCE, evaluate, status_rule
from services.kpi.kpis import spec_of
from services.kpi.models import Indicator, KpiStatusChange
from services.kpi.scopes import counted
from services.kpi.settings import KpiSettings
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import not_found


def explain_kpi(*, uow: UnitOfWork, principal: Principal, code: str, year: int,
                unit_id: uuid.UUID | None, config: KpiSettings) -> dict[str, Any]:
    """An indicator's status for a year and scope, with everything that produced it."""
    session = uow.session
    indicator = session.get(Indicator, code)
    if indicator is None:
        raise not_found("chỉ tiêu", "Indicator")
    shown = repository.unit_filter(principal, config)
    if unit_id is not None and not shown(unit_id):
        raise not_found("đơn vị", "Unit")
    if unit_id is not None and repository.get_unit(session, unit_id) is None:
        raise not_found("đơn vị", "Unit")
    scope = PROVINCE if unit_id is None else str(unit_id)
    reports = repository.counted_reports(session, form_code=indicator.form_code, year=year,
                                         unit_id=unit_id)
    behind = counted(reports, count_submitted=config.count_submitted)
    by_id = {r.id: r for r in reports}
    spec = spec_of(indicator)
    result = evaluate(spec, year, [c.values for c in behind])
    history = session.execute(select(
        KpiStatusChange.old_status, KpiStatusChange.new_status, KpiStatusChange.value,
        KpiStatusChange.expected, KpiStatusChange.changed_at, KpiStatusChange.report_ids,
    ).where(KpiStatusChange.indicator_code == code, KpiStatusChange.scope == scope,
            KpiStatusChange.year == year).order_by(KpiStatusChange.changed_at))
    fields = [f for f in (spec.numerator_field, spec.denominator_field, spec.weight_field) if f]
    # The value is the province's (or the unit's) whole; only the reports behind it that
    # the caller may see are listed, in the list and in the history.
    shown_ids = {str(r.id) for r in reports if shown(r.unit_id)}
    return {
        "indicator_code": code, "year": year, "scope": scope, "status": result.status,
        "units_shown": repository.units_shown(principal, config),
        "value": result.value, "numerator": result.numerator,
        "denominator": result.denominator, "expected": result.expected,
        "target": result.target, "at_risk_margin": spec.at_risk_margin,
        "formula": {"kind": spec.kind, "numerator_field": spec.numerator_field,
                    "denominator_field": spec.denominator_field,
                    "weight_field": spec.weight_field},
        "rule": status_rule(spec, year),
        "reports": [{"report_id": c.report_id, "unit_id": c.unit_id,
                     "version": by_id[c.report_id].version,
                     "status": by_id[c.report_id].status, "provisional": c.provisional,
                     "late": by_id[c.report_id].late,
                     "inputs": {f: c.values.get(f) for f in fields}}
                    for c in behind if shown(c.unit_id)],
        "history": [{"old_status": h.old_status, "new_status": h.new_status,
                     "value": h.value, "expected": h.expected, "changed_at": h.changed_at,
                     "report_ids": [i for i in h.report_ids if str(i) in shown_ids]}
                    for h in history],
    }
