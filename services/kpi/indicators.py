"""Administration of indicators: names, baseline, target and thresholds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kpi import repository
from services.kpi.change import Change
from services.kpi.kpis import recompute_kpis
from services.kpi.models import Indicator, audit_log
from services.kpi.service import DEFAULT_SETTINGS, indicator_view
from services.kpi.settings import KpiSettings
from shared.audit import jsonable, record_audit
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import ApiError, not_found
from shared.i18n import LocalizedText

INDICATOR_EDITABLE = ("name_vi", "name_en", "direction", "baseline_value", "baseline_year",
                      "target_value", "target_min", "target_max", "target_year",
                      "at_risk_margin")


def update_indicator(*, uow: UnitOfWork, principal: Principal, code: str,
                     changes: dict[str, Any], now: datetime,
                     config: KpiSettings = DEFAULT_SETTINGS) -> Indicator:
    """An administrator changes an indicator's names, baseline, target or thresholds; every
    year with stored values is recomputed with the new rule."""
    if not principal.has_role("admin"):
        raise ApiError(403, "role_required", roles="admin")
    indicator = next((i for i in repository.list_indicators(uow.session, lock=True)
                      if i.code == code), None)
    if indicator is None:
        raise not_found("chỉ tiêu", "Indicator")
    before = jsonable(indicator_view(indicator))
    for field in INDICATOR_EDITABLE:
        if field in changes:
            setattr(indicator, field, changes[field])
    if indicator.kind == "range":  # a range's goal is its lower bound
        indicator.target_value = indicator.target_min if indicator.target_min is not None \
            else indicator.target_value
    errors: dict[str, list[LocalizedText]] = {}
    if indicator.target_year <= indicator.baseline_year:
        errors["target_year"] = [LocalizedText("kpi_target_before_baseline")]
    if indicator.target_min is not None and indicator.target_max is not None \
            and indicator.target_min > indicator.target_max:
        errors["target_min"] = [LocalizedText("kpi_range_inverted")]
    if errors:
        raise ApiError(422, field_errors=errors)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="update",
                 entity="indicator", entity_id=code, before=before,
                 after=jsonable(indicator_view(indicator)), now=now)
    for year in repository.years_with_values(uow.session):
        recompute_kpis(uow=uow, change=Change.of_indicator(year=year,
                                                           form_code=indicator.form_code),
                       now=now, count_submitted=config.count_submitted)
    return indicator
