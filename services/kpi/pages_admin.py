"""Administration pages of the kpi service: indicators, their targets and thresholds."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template

from services.kpi import indicators, service
from services.kpi.api import kpi_settings
from services.kpi.schemas import IndicatorUpdate
from shared.auth import current_principal
from shared.error_pages import page_not_found
from shared.errors import request_language
from shared.forms import attempt, blank_to_none, form_values
from shared.pages import admin_page, csrf, options, t
from shared.web import current_db, current_time

admin_pages_blp = Blueprint("admin_pages", __name__, template_folder="templates")

DIRECTION_NAMES = {"increase": ("Càng cao càng tốt", "Higher is better"),
                   "decrease": ("Càng thấp càng tốt", "Lower is better")}
KIND_NAMES = {"share": ("Tỷ lệ", "Share"), "range": ("Khoảng mục tiêu", "Target range")}
NUMBERS = ("baseline_value", "target_value", "target_min", "target_max", "at_risk_margin")
YEARS = ("baseline_year", "target_year")


def _indicator(uow, code: str) -> dict:
    found = next((i for i in service.list_indicators(uow=uow) if i["code"] == code), None)
    if found is None:
        raise page_not_found()
    return found


def _number(value: float | None) -> str:
    # Vietnamese writes a decimal comma; the form shows numbers as its readers write them.
    if value is None:
        return ""
    text = f"{value:g}"
    return text.replace(".", ",") if request_language() == "vi" else text


def _posted(kind: str) -> dict:
    """The form as the indicator API's input: decimal commas read, years as integers."""
    names = ("name_vi", "name_en", "direction", "baseline_value", "baseline_year",
             "target_year", "at_risk_margin",
             *(("target_min", "target_max") if kind == "range" else ("target_value",)))
    values = form_values(names)
    for name in NUMBERS:
        if name in values:
            values[name] = values[name].replace(",", ".")
    for name in YEARS:
        if name in values and values[name].isdigit():
            values[name] = int(values[name])
    if kind == "range":
        values = blank_to_none(values, ("target_min", "target_max"))
    return values


@admin_pages_blp.get("/kpi/admin/indicators")
@admin_page
def indicators_list():
    """Every indicator with its baseline, target, target year and at-risk margin."""
    with current_db().uow() as uow:
        rows = service.list_indicators(uow=uow)
    return render_template("kpi/admin_indicators.html", indicators=rows, number=_number,
                           kinds=KIND_NAMES, directions=DIRECTION_NAMES)


def _render(code: str, values: dict | None, errors: dict, status: int = 200):
    with current_db().uow() as uow:
        indicator = _indicator(uow, code)
    if values is None:
        values = {k: _number(v) if k in NUMBERS else v for k, v in indicator.items()}
    return render_template("kpi/admin_indicator.html", indicator=indicator, values=values,
                           errors=errors, direction_options=options(DIRECTION_NAMES),
                           kinds=KIND_NAMES), status


@admin_pages_blp.get("/kpi/admin/indicators/<code>")
@admin_page
def edit_indicator(code: str):
    """An indicator's names, baseline, target and thresholds, to change."""
    return _render(code, None, {})


@admin_pages_blp.post("/kpi/admin/indicators/<code>")
@admin_page
def update_indicator(code: str):
    """Save an indicator (validated like the API); its KPI values are recomputed."""
    csrf.protect()
    with current_db().uow() as uow:
        kind = _indicator(uow, code)["kind"]
    body = _posted(kind)
    errors = attempt(lambda uow: indicators.update_indicator(
        uow=uow, principal=current_principal(), code=code, now=current_time(),
        changes=IndicatorUpdate().load(body), config=kpi_settings()))
    if errors:
        shown = {**form_values(tuple(body)), **{k: "" for k, v in body.items() if v is None}}
        return _render(code, shown, errors, 422)
    flash(t(f"Đã lưu chỉ tiêu {code}; giá trị các năm đã được tính lại.",
            f"Indicator {code} saved; every year's values were recomputed."))
    return redirect(f"/kpi/admin/indicators/{code}")
