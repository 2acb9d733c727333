"""Pages of the kpi service for reporting units: their reports by year and the yearly form.

Views call the use cases directly (not the HTTP API); a use case's refusal is shown beside
the fields it names, a report of another unit is the 404 page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request

from services.kpi import explain, repository, service, uploads
from services.kpi.api import kpi_settings
from services.kpi.domain import (
    CP_YEARLY,
    CP_YEARLY_FIELDS,
    CP_YEARLY_FORM,
    SUBMITTABLE_STATUSES,
    expected_to_report,
    local_date,
)
from services.kpi.page_forms import api_error_texts, field_texts, form_text, parse_values
from services.kpi.summary import plan_years
from shared.auth import current_principal
from shared.errors import ApiError, request_language
from shared.i18n import LocalizedText, message
from shared.pages import csrf, page
from shared.web import current_db, current_time

pages_blp = Blueprint("pages", __name__, template_folder="templates")

def fmt_num(value: float | None, digits: int = 1) -> str:
    """A number as people of the page's language write it (42,5 in Vietnamese); – if none."""
    if value is None:
        return "–"
    text = f"{round(value, digits):,.{digits}f}".rstrip("0").rstrip(".") if digits \
        else f"{round(value):,}"
    if request_language() == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


@pages_blp.app_context_processor
def _kpi_page_context() -> dict[str, Any]:
    return {"form_fields": CP_YEARLY_FIELDS, "form_sections": CP_YEARLY_FORM.sections,
            "fmt_num": fmt_num, "message": message}


def files_reports(principal) -> bool:
    """True for the roles that fill in a unit's report (the unit's kind is checked later)."""
    return principal.has_role("reporter", "coordinator")


def year_arg(raw: str | None, default: int) -> int:
    """A year from a query or form field; anything unusable is a 422 on the `year` field."""
    if raw in (None, ""):
        return default
    try:
        year = int(raw)
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ApiError(422, field_errors={"year": [LocalizedText("kpi_page_year_invalid")]})
    return year


@pages_blp.get("/kpi/")
@page
def home():
    """The reviewer's dashboard, or the reporting unit's list of reports."""
    principal = current_principal()
    if files_reports(principal) and not repository.sees_every_unit(principal, kpi_settings()):
        return redirect("/kpi/reports")
    return redirect("/kpi/dashboard")


def _reporting_years(uow, unit, current_year: int) -> list[int]:
    indicators = repository.list_indicators(uow.session)
    years = [y for y in plan_years(indicators, current_year) if y <= current_year]
    if unit is None:
        return []
    return sorted((y for y in years if expected_to_report(
        kind=unit.kind, valid_from=unit.valid_from, valid_to=unit.valid_to, year=y)),
        reverse=True)


@pages_blp.get("/kpi/reports")
@page
def reports():
    """The unit's reports per year with their status (every unit's for reviewers)."""
    principal = current_principal()
    with current_db().uow() as uow:
        rows, total = service.list_reports(uow=uow, principal=principal, config=kpi_settings(),
                                           limit=200)
        units = {u.unit_id: u for u in repository.list_units(uow.session)}
        own = units.get(principal.unit_id)
        years = _reporting_years(uow, own, local_date(current_time()).year) \
            if files_reports(principal) else []
        by_year = {r.year: r.id for r in rows if r.unit_id == principal.unit_id}
        views = [{**service.report_view(r), "unit": units.get(r.unit_id)} for r in rows]
    return render_template("kpi/reports.html", reports=views, total=total, years=years,
                           by_year=by_year, unit=own)


def _render_form(*, year: int, unit_id: uuid.UUID, report: dict[str, Any] | None,
                 typed: dict[str, str], errors: dict[str, list[str]] | None = None,
                 general: list[str] | None = None, status: int = 200):
    with current_db().uow() as uow:
        previous = uploads.previous_year_values(uow, unit_id=unit_id, year=year)
        unit = repository.get_unit(uow.session, unit_id)
    return render_template("kpi/report_form.html", year=year, unit=unit, report=report,
                           typed=typed, previous=previous, errors=errors or {},
                           general=general or [], saved=request.args.get("saved")), status


def _typed(values: dict[str, Any]) -> dict[str, str]:
    lang = request_language()
    return {f.name: form_text(values, f.name, lang) for f in CP_YEARLY_FIELDS}


@pages_blp.get("/kpi/reports/new")
@page
def new_report():
    """An empty yearly form for the caller's unit, with last year's values beside each field."""
    principal = current_principal()
    year = year_arg(request.args.get("year"), local_date(current_time()).year)
    with current_db().uow() as uow:
        unit = uploads.reporting_unit(uow, principal)
        existing = repository.find_report(uow.session, unit_id=unit.unit_id,
                                          form_code=CP_YEARLY, year=year)
        if existing is not None:
            return redirect(f"/kpi/reports/{existing.id}")
    return _render_form(year=year, unit_id=principal.unit_id, report=None, typed={})


def _refused(exc: ApiError, **form: Any):
    if exc.status == 404:
        raise exc
    general, errors = api_error_texts(exc, request_language())
    return _render_form(errors=errors, general=general, status=exc.status, **form)


def _save_form(form: dict[str, Any], save: Callable[[Any, dict[str, Any], bool], uuid.UUID]):
    """Read the typed values and run `save(uow, values, submit)` in one transaction; any
    problem goes back to the form beside its field, with nothing written."""
    submit = request.form.get("action") == "submit"
    values, problems = parse_values(request.form, complete=submit)
    if problems:
        return _render_form(errors=field_texts(problems, request_language()), status=422, **form)
    try:
        with current_db().uow() as uow:
            report_id = save(uow, values, submit)
            uow.commit()
    except ApiError as exc:
        return _refused(exc, **form)
    return redirect(f"/kpi/reports/{report_id}?saved={'submitted' if submit else 'draft'}")


@pages_blp.post("/kpi/reports/new")
@page
def create_report():
    """Save the new report as a draft, or send it (the service checks every rule)."""
    csrf.protect()
    principal = current_principal()
    year = year_arg(request.form.get("year"), local_date(current_time()).year)

    def save(uow, values: dict[str, Any], submit: bool) -> uuid.UUID:
        return service.create_report(uow=uow, principal=principal, year=year, values=values,
                                     submit=submit, now=current_time(),
                                     config=kpi_settings()).id

    return _save_form({"year": year, "unit_id": principal.unit_id, "report": None,
                       "typed": dict(request.form)}, save)


def own_editable(principal, report) -> bool:
    """True when the caller's unit may still change this report (a draft or returned one)."""
    return (report.unit_id == principal.unit_id and files_reports(principal)
            and report.status in SUBMITTABLE_STATUSES)


@pages_blp.get("/kpi/reports/<uuid:report_id>")
@page
def report_page(report_id: uuid.UUID):
    """The form while the unit may edit its report; otherwise the report with its history."""
    principal = current_principal()
    with current_db().uow() as uow:
        report = service.get_report(uow=uow, principal=principal, report_id=report_id,
                                    config=kpi_settings())
        editable = own_editable(principal, report)
        view = service.report_view(report)
    if editable:
        return _render_form(year=view["year"], unit_id=view["unit_id"], report=view,
                            typed=_typed(view["values"]))
    return render_detail(report_id, error=None, reason="", status=200)


def _detail(uow, principal, report, config) -> dict[str, Any]:
    """What the read-only report page shows: unit, last year, versions, the KPIs it moves."""
    indicators = [i for i in repository.list_indicators(uow.session)
                  if i.form_code == report.form_code]
    return {
        "unit": repository.get_unit(uow.session, report.unit_id),
        "previous": uploads.previous_year_values(uow, unit_id=report.unit_id, year=report.year),
        "versions": [service.version_view(v) for v in service.list_versions(
            uow=uow, principal=principal, report_id=report.id, config=config)],
        "explanations": [{**explain.explain_kpi(
            uow=uow, principal=principal, code=i.code, year=report.year,
            unit_id=report.unit_id, config=config), "name_vi": i.name_vi, "name_en": i.name_en}
            for i in indicators],
        "can_review": repository.can_review(principal, config),
    }


def render_detail(report_id: uuid.UUID, *, error: str | None, reason: str, status: int):
    """The read-only report page again, with a problem of the review form."""
    principal = current_principal()
    config = kpi_settings()
    with current_db().uow() as uow:
        report = service.get_report(uow=uow, principal=principal, report_id=report_id,
                                    config=config)
        view = service.report_view(report)
        detail = _detail(uow, principal, report, config)
    return render_template("kpi/report_detail.html", report=view, **detail, error=error,
                           reason=reason), status


@pages_blp.post("/kpi/reports/<uuid:report_id>")
@page
def update_report(report_id: uuid.UUID):
    """Save the edited values as a draft, or save and send them, in one transaction."""
    csrf.protect()
    principal = current_principal()
    config = kpi_settings()
    with current_db().uow() as uow:
        view = service.report_view(service.get_report(uow=uow, principal=principal,
                                                      report_id=report_id, config=config))

    def save(uow, values: dict[str, Any], submit: bool) -> uuid.UUID:
        now = current_time()
        service.update_report(uow=uow, principal=principal, report_id=report_id, values=values,
                              now=now, facilities=view["facilities"], config=config)
        if submit:
            service.submit_report(uow=uow, principal=principal, report_id=report_id, now=now,
                                  config=config)
        return report_id

    return _save_form({"year": view["year"], "unit_id": view["unit_id"], "report": view,
                       "typed": dict(request.form)}, save)
