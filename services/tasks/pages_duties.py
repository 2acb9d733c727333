"""Pages for coordinators: a plan's duties, and the form that creates or edits a duty."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, render_template, request
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from services.tasks import planning, service
from services.tasks.page_helpers import (
    error_text,
    field_messages,
    install_page_support,
    iso_day,
)
from services.tasks.schemas import DutyIn
from shared.auth import Principal, current_principal
from shared.errors import ApiError, not_found
from shared.pages import csrf, fmt_date, page, t
from shared.web import current_db, current_time

duty_pages_blp = Blueprint("duty_pages", __name__, template_folder="templates")
install_page_support(duty_pages_blp)

MANAGERS = ("coordinator", "head", "admin")
FREQUENCIES = {"YEARLY": ("Hằng năm", "Yearly"), "QUARTERLY": ("Hằng quý", "Quarterly"),
               "MONTHLY": ("Hằng tháng", "Monthly")}
TEXT_FIELDS = ("code", "title", "description", "lead_unit_id", "doc_number", "doc_date",
               "task_kind")


def _manager() -> Principal:
    """The user, if it may manage duties (coordinator, head, admin); a 403 page otherwise."""
    principal = current_principal()
    if not principal.has_role(*MANAGERS):
        raise ApiError(403, "role_required", roles=", ".join(MANAGERS))
    return principal


def _number(form: MultiDict, name: str, low: int, high: int,
            errors: dict[str, str]) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    errors[name] = t(f"Phải là số từ {low} đến {high}.", f"Must be a number from {low} to {high}.")
    return None


def rule_from_form(form: MultiDict) -> tuple[str | None, dict[str, str]]:
    """The RFC 5545 rule of the simple form (frequency, month, day, until year) or the raw one."""
    raw = form.get("rrule_raw", "").strip()
    if raw:
        return raw, {}
    errors: dict[str, str] = {}
    frequency = form.get("freq", "")
    month = _number(form, "by_month", 1, 12, errors)
    day = _number(form, "by_day", 1, 31, errors)
    until = _number(form, "until_year", 2000, 2100, errors)
    if frequency not in FREQUENCIES:
        errors["freq"] = t("Chọn tần suất lặp, hoặc nhập quy tắc RRULE.",
                           "Choose how often it repeats, or type an RRULE.")
    if day is None and "by_day" not in errors:
        errors["by_day"] = t("Cần ngày trong tháng.", "The day of the month is required.")
    if frequency != "MONTHLY" and month is None and "by_month" not in errors:
        errors["by_month"] = t("Cần tháng.", "The month is required.")
    if errors:
        return None, errors
    parts = {"YEARLY": [f"FREQ=YEARLY;BYMONTH={month}"],
             "QUARTERLY": ["FREQ=YEARLY;BYMONTH=" + ",".join(
                 str((month - 1) % 3 + 1 + 3 * k) for k in range(4))],
             "MONTHLY": ["FREQ=MONTHLY"]}[frequency]
    parts.append(f"BYMONTHDAY={day}")
    if until:
        parts.append(f"UNTIL={until}1231T235959")
    return ";".join(parts), {}


def duty_input(form: MultiDict, *, one_off_deadline: bool = True
               ) -> tuple[dict[str, Any], dict[str, str]]:
    """The duty of the form, validated like the API's input; errors by form field.

    `one_off_deadline`: a one-off duty's deadline is asked (on creation only: afterwards it
    lives on the duty's task).
    """
    data: dict[str, Any] = {k: form.get(k, "").strip() for k in TEXT_FIELDS}
    data = {k: v for k, v in data.items() if v}
    if "doc_date" in data:
        data["doc_date"] = iso_day(data["doc_date"])
    data["coordinating_unit_ids"] = form.getlist("coordinating_unit_ids")
    data["kpi_codes"] = [c.strip().upper() for c in form.get("kpi_codes", "").split(",")
                         if c.strip()]
    errors: dict[str, str] = {}
    if form.get("schedule") == "recurring":
        data["rrule"], errors = rule_from_form(form)
    elif form.get("deadline", "").strip():
        data["deadline"] = iso_day(form.get("deadline", ""))
    elif one_off_deadline:
        errors["deadline"] = t("Cần hạn hoàn thành cho nhiệm vụ một lần.",
                               "A one-off duty needs a deadline.")
    try:
        loaded = DutyIn().load({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        return {}, {**field_messages(exc.messages), **errors}
    return loaded, errors


def _service_errors(exc: ApiError) -> tuple[dict[str, str], str | None]:
    """A service refusal as field errors (shown beside the field) or one page error."""
    if exc.field_errors:
        return field_messages(exc.field_errors), None
    if exc.code == "tasks_code_taken":
        return {"code": error_text(exc)}, None
    return {}, error_text(exc)


def _render_form(*, form: MultiDict, plan, duty=None, errors=None, error=None, status=200):
    with current_db().uow() as uow:
        units = sorted(service.list_units(uow=uow), key=lambda u: u.code)
        kpis = planning.kpi_codes_in_use(uow=uow)
    return render_template("tasks/duty_form.html", form=form, plan=plan, duty=duty,
                           errors=errors or {}, error=error, units=units, kpis=kpis,
                           frequencies=FREQUENCIES), status


@duty_pages_blp.get("/tasks/duties")
@page
def duty_list():
    """The duties of a plan (the first plan unless one is chosen)."""
    principal = _manager()
    with current_db().uow() as uow:
        plans = planning.list_plans(uow=uow)
        chosen = request.args.get("plan_id") or (str(plans[0].id) if plans else None)
        plan = next((p for p in plans if str(p.id) == chosen), None)
        duties = planning.list_duties(uow=uow, plan_id=plan.id) if plan else []
        units = {u.id: u for u in service.list_units(uow=uow)}
        rows = [planning.duty_data(d) for d in duties]
        for row in rows:
            row["coordinating_codes"] = sorted(units[u].code for u in row["coordinating_unit_ids"])
            row["editable"] = principal.has_role("head", "admin") \
                or row["lead_unit_id"] == principal.unit_id
    return render_template("tasks/duties.html", plans=plans, plan=plan, duties=rows,
                           units=units, created=request.args.get("saved"))


def _plan_of_form() -> Any:
    """The plan named by ?plan_id= or the form's plan_id; a 404 page if there is none."""
    try:
        plan_id = uuid.UUID(request.values.get("plan_id", ""))
    except ValueError:
        raise not_found("kế hoạch", "Plan") from None
    with current_db().uow() as uow:
        return planning.get_plan(uow=uow, plan_id=plan_id)


@duty_pages_blp.get("/tasks/duties/new")
@page
def new_duty_form():
    """An empty duty form for a plan."""
    principal = _manager()
    plan = _plan_of_form()
    form = MultiDict({"schedule": "one_off", "lead_unit_id": str(principal.unit_id),
                      "freq": "YEARLY", "task_kind": "general"})
    return _render_form(form=form, plan=plan)


@duty_pages_blp.post("/tasks/duties/new")
@page
def create_duty():
    """Create the duty and its tasks, or show the form again with each field's error."""
    csrf.protect()
    principal = _manager()
    plan = _plan_of_form()
    data, errors = duty_input(request.form)
    if errors:
        return _render_form(form=request.form, plan=plan, errors=errors, status=422)
    try:
        with current_db().uow() as uow:
            duty = planning.create_duty(uow=uow, principal=principal, plan_id=plan.id,
                                        calendar=service.load_calendar(uow.session),
                                        now=current_time(), **data)
            uow.commit()
            code = duty.code
    except ApiError as exc:
        errors, error = _service_errors(exc)
        return _render_form(form=request.form, plan=plan, errors=errors, error=error,
                            status=exc.status)
    return redirect(f"/tasks/duties?plan_id={plan.id}&saved={code}", code=303)


def _duty_form(duty) -> MultiDict:
    """The form of an existing duty."""
    data = planning.duty_data(duty)
    form = MultiDict({k: "" if data.get(k) is None else str(data[k]) for k in TEXT_FIELDS})
    form["doc_date"] = fmt_date(duty.doc_date)
    form.setlist("coordinating_unit_ids", [str(u) for u in data["coordinating_unit_ids"]])
    form["kpi_codes"] = ", ".join(data["kpi_codes"])
    form["schedule"] = "recurring" if duty.rrule else "one_off"
    form["rrule_raw"] = duty.rrule or ""
    return form


@duty_pages_blp.get("/tasks/duties/<uuid:duty_id>/edit")
@page
def edit_duty_form(duty_id: uuid.UUID):
    """The form of an existing duty."""
    _manager()
    with current_db().uow() as uow:
        duty = planning.get_duty(uow=uow, duty_id=duty_id)
        plan = planning.get_plan(uow=uow, plan_id=duty.plan_id)
        form = _duty_form(duty)
    return _render_form(form=form, plan=plan, duty=duty)


@duty_pages_blp.post("/tasks/duties/<uuid:duty_id>/edit")
@page
def update_duty(duty_id: uuid.UUID):
    """Save the duty's changes (a recurring duty's new rule regenerates only the future)."""
    csrf.protect()
    principal = _manager()
    with current_db().uow() as uow:
        duty = planning.get_duty(uow=uow, duty_id=duty_id)
        plan = planning.get_plan(uow=uow, plan_id=duty.plan_id)
        fixed = _duty_form(duty)
    form = MultiDict(request.form)
    for key in ("code", "lead_unit_id", "task_kind", "schedule"):
        form[key] = fixed[key]  # not changed here: the tasks were generated from them
    data, errors = duty_input(form, one_off_deadline=False)
    if errors:
        return _render_form(form=form, plan=plan, duty=duty, errors=errors, status=422)
    changes = {k: data[k] for k in ("title", "description", "coordinating_unit_ids",
                                    "kpi_codes", "doc_number", "doc_date")}
    try:
        with current_db().uow() as uow:
            now = current_time()
            planning.update_duty(uow=uow, principal=principal, duty_id=duty_id, now=now,
                                 **changes)
            if data.get("rrule") and data["rrule"] != fixed["rrule_raw"]:
                planning.change_duty_rule(uow=uow, principal=principal, duty_id=duty_id,
                                          rrule=data["rrule"],
                                          calendar=service.load_calendar(uow.session), now=now)
            uow.commit()
    except ApiError as exc:
        errors, error = _service_errors(exc)
        return _render_form(form=form, plan=plan, duty=duty, errors=errors, error=error,
                            status=exc.status)
    return redirect(f"/tasks/duties?plan_id={plan.id}&saved={fixed['code']}", code=303)
