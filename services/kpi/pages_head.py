"""Pages of the department head: the year's dashboard, approve / return, one indicator."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request
from marshmallow import ValidationError

from services.kpi import explain, repository, service, summary
from services.kpi.api import kpi_settings
from services.kpi.charts import bar_scale, trend_chart
from services.kpi.domain import local_date
from services.kpi.page_forms import api_error_texts
from services.kpi.pages import render_detail, year_arg
from services.kpi.schemas import ReturnRequest
from shared.auth import current_principal
from shared.errors import ApiError, flatten_errors, not_found, request_language
from shared.pages import csrf, page
from shared.web import current_db, current_time

head_pages_blp = Blueprint("head_pages", __name__, template_folder="templates")


def default_year(uow) -> int:
    """This year, or the plan's last year once the plan is over."""
    current = local_date(current_time()).year
    years = summary.plan_years(repository.list_indicators(uow.session), current)
    past = [y for y in years if y <= current]
    return max(past) if past else current


def _kpi_view(kpi: dict[str, Any]) -> dict[str, Any]:
    top = kpi["target_max"] if kpi["kind"] == "range" and kpi["target_max"] else kpi["target"]
    scale = bar_scale(kpi["value"], top, kpi["expected"])
    return {**kpi, "scale": scale,
            "chart": trend_chart(kpi["trend"], target=kpi["target"])}


@head_pages_blp.get("/kpi/dashboard")
@page
def dashboard():
    """One page for a year: KPIs against target and trajectory, units, who is missing,
    overdue duties per agency, and the reports waiting for approval."""
    principal = current_principal()
    config = kpi_settings()
    now = current_time()
    with current_db().uow() as uow:
        year = year_arg(request.args.get("year"), default_year(uow))
        data = summary.build_summary(uow=uow, principal=principal, year=year, now=now,
                                     config=config)
        years = summary.plan_years(repository.list_indicators(uow.session), year)
        reviewer = repository.can_review(principal, config)
        waiting = []
        if reviewer:
            rows, _ = service.list_reports(uow=uow, principal=principal, year=year,
                                           status="submitted", limit=200, config=config)
            units = {u.unit_id: u for u in repository.list_units(uow.session)}
            waiting = [{**service.report_view(r), "unit": units.get(r.unit_id)} for r in rows]
    return render_template("kpi/dashboard.html", year=year, years=years, summary=data,
                           kpis=[_kpi_view(k) for k in data["kpis"]], waiting=waiting,
                           reviewer=reviewer, agencies=data["agencies"], today=local_date(now),
                           done=request.args.get("done"))


def _review(report_id: uuid.UUID, done: str, act: Callable[[Any], object], reason: str = ""):
    """Run a review step in one transaction and go back where its button was; a refusal is
    shown on the report page beside the review form."""
    try:
        with current_db().uow() as uow:
            act(uow)
            uow.commit()
    except ApiError as exc:
        if exc.status == 404:
            raise
        general, _ = api_error_texts(exc, request_language())
        return render_detail(report_id, error=" ".join(general), reason=reason,
                             status=exc.status)
    return redirect(_with_done(request.form.get("next"), report_id, done), 303)


def _with_done(target: str | None, report_id: uuid.UUID, done: str) -> str:
    base = target if target and target.startswith("/kpi/") and "\\" not in target \
        else f"/kpi/reports/{report_id}"
    return f"{base}{'&' if '?' in base else '?'}done={done}"


@head_pages_blp.post("/kpi/reports/<uuid:report_id>/approve")
@page
def approve(report_id: uuid.UUID):
    """Approve a submitted report."""
    csrf.protect()
    return _review(report_id, "approved", lambda uow: service.approve_report(
        uow=uow, principal=current_principal(), report_id=report_id, now=current_time(),
        config=kpi_settings()))


@head_pages_blp.post("/kpi/reports/<uuid:report_id>/return")
@page
def return_report(report_id: uuid.UUID):
    """Return a report with the reason to fix it; without a reason, say so beside the field."""
    csrf.protect()
    reason = request.form.get("reason", "").strip()
    try:
        body = ReturnRequest().load({"reason": reason})
    except ValidationError as exc:  # the reason is missing or too short
        lang = request_language()
        text = " ".join(e["messages"][lang] for e in flatten_errors(exc.messages))
        return render_detail(report_id, error=text, reason=reason, status=422)
    return _review(report_id, "returned", lambda uow: service.return_report(
        uow=uow, principal=current_principal(), report_id=report_id, now=current_time(),
        config=kpi_settings(), **body), reason=reason)


@head_pages_blp.get("/kpi/indicators/<string:code>")
@page
def indicator(code: str):
    """Why an indicator has its status in a year: inputs, rule, reports behind it, history."""
    principal = current_principal()
    config = kpi_settings()
    with current_db().uow() as uow:
        year = year_arg(request.args.get("year"), default_year(uow))
        explained = explain.explain_kpi(uow=uow, principal=principal, code=code, year=year,
                                        unit_id=None, config=config)
        data = summary.build_summary(uow=uow, principal=principal, year=year,
                                     now=current_time(), config=config)
        units = {u.unit_id: u for u in repository.list_units(uow.session)}
    kpi = next((k for k in data["kpis"] if k["indicator_code"] == code), None)
    if kpi is None:
        raise not_found("chỉ tiêu", "Indicator")
    return render_template("kpi/indicator.html", year=year, kpi=_kpi_view(kpi),
                           explained=explained, units=units)
