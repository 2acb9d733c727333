"""Administration pages of the tasks service: units, users and roles, holiday overrides."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, flash, redirect, render_template

from services.tasks import repository, service
from services.tasks.models import User
from services.tasks.schemas import CalendarOverrideIn, UnitIn, UnitPatch, UserIn, UserPatch
from shared.auth import current_principal
from shared.error_pages import page_not_found
from shared.forms import attempt, blank_to_none, form_values, iso_dates
from shared.messaging.events import ROLES
from shared.pages import admin_page, csrf, fmt_date, label, options, t
from shared.web import current_db, current_time

admin_pages_blp = Blueprint("admin_pages", __name__, template_folder="templates")

OVERRIDE_KIND_NAMES = {"day_off": ("Ngày nghỉ", "Day off"),
                       "working_day": ("Ngày làm bù", "Make-up working day")}
UNIT_FIELDS = ("code", "kind", "name_vi", "name_en", "parent_id", "valid_from", "valid_to")
USER_FIELDS = ("username", "password", "full_name", "email", "unit_id", "language")


def _units(uow) -> list:
    return service.list_units(uow=uow)


def _unit_options(units: list) -> list[tuple[uuid.UUID, str]]:
    return [(u.id, f"{u.code} – {t(u.name_vi, u.name_en)}") for u in units]


def _unit_values(unit) -> dict:
    return {"code": unit.code, "kind": unit.kind, "name_vi": unit.name_vi,
            "name_en": unit.name_en, "parent_id": unit.parent_id or "",
            "valid_from": fmt_date(unit.valid_from), "valid_to": fmt_date(unit.valid_to)}


def _render_units(values: dict, errors: dict, status: int = 200):
    with current_db().uow() as uow:
        units = _units(uow)
        return render_template("tasks/admin_units.html", units=units, values=values,
                               errors=errors, kinds="unit_kind",
                               kind_options=options("unit_kind"),
                               unit_options=_unit_options(units),
                               by_id={u.id: u for u in units}), status


@admin_pages_blp.get("/tasks/admin/units")
@admin_page
def units():
    """Every unit with its validity period, and the form to add one."""
    return _render_units({}, {})


@admin_pages_blp.post("/tasks/admin/units")
@admin_page
def create_unit():
    """Add a unit (validated like the API); errors keep what was typed."""
    csrf.protect()
    values = form_values(UNIT_FIELDS)
    body = dict(values)
    errors = iso_dates(body, ("valid_from", "valid_to"))
    if not errors:
        errors = attempt(lambda uow: service.admin_create_unit(
            uow=uow, principal=current_principal(), now=current_time(), **UnitIn().load(body)))
    if errors:
        return _render_units(values, errors, 422)
    flash(t(f"Đã thêm đơn vị {values['code']}.", f"Unit {values['code']} added."))
    return redirect("/tasks/admin/units")


def _get_unit(uow, unit_id: uuid.UUID):
    unit = repository.get_unit(uow.session, unit_id)
    if unit is None:
        raise page_not_found()
    return unit


def _render_unit(unit_id: uuid.UUID, values: dict | None, errors: dict, status: int = 200):
    with current_db().uow() as uow:
        unit = _get_unit(uow, unit_id)
        parents = [u for u in _units(uow) if u.id != unit.id]
        return render_template("tasks/admin_unit.html", unit=unit, parents=parents,
                               values=values or _unit_values(unit), errors=errors,
                               kind_options=options("unit_kind"),
                               unit_options=_unit_options(parents)), status


@admin_pages_blp.get("/tasks/admin/units/<uuid:unit_id>")
@admin_page
def edit_unit(unit_id: uuid.UUID):
    """A unit's names, parent and validity period, to change."""
    return _render_unit(unit_id, None, {})


@admin_pages_blp.post("/tasks/admin/units/<uuid:unit_id>")
@admin_page
def update_unit(unit_id: uuid.UUID):
    """Rename, re-parent or close a unit; empty dates and parent are cleared."""
    csrf.protect()
    values = form_values(UNIT_FIELDS[1:])
    body = blank_to_none(dict(values), ("parent_id", "valid_from", "valid_to"))
    errors = iso_dates(body, ("valid_from", "valid_to"))
    if not errors:
        errors = attempt(lambda uow: service.admin_update_unit(
            uow=uow, principal=current_principal(), unit_id=unit_id, now=current_time(),
            **UnitPatch().load(body)))
    if errors:
        return _render_unit(unit_id, values, errors, 422)
    flash(t("Đã lưu đơn vị.", "Unit saved."))
    return redirect(f"/tasks/admin/units/{unit_id}")


def _role_options() -> list[tuple[str, str]]:
    return [(role, label("role", role)) for role in ROLES]


def _render_users(values: dict, errors: dict, status: int = 200):
    with current_db().uow() as uow:
        users = service.admin_list_users(uow=uow, principal=current_principal())
        units = _units(uow)
        return render_template("tasks/admin_users.html", users=users,
                               unit_options=_unit_options(units), role_options=_role_options(),
                               by_id={u.id: u for u in units}, values=values,
                               errors=errors), status


@admin_pages_blp.get("/tasks/admin/users")
@admin_page
def users():
    """Every user with its unit, roles and state, and the form to add one."""
    return _render_users({"roles": [], "language": "vi"}, {})


@admin_pages_blp.post("/tasks/admin/users")
@admin_page
def create_user():
    """Add a user (validated like the API); errors keep what was typed but the password."""
    csrf.protect()
    values = form_values(USER_FIELDS, lists=("roles",))
    errors = attempt(lambda uow: service.admin_create_user(
        uow=uow, principal=current_principal(), now=current_time(), **UserIn().load(values)))
    if errors:
        values.pop("password", None)
        return _render_users(values, errors, 422)
    flash(t(f"Đã thêm người dùng {values['username']}.", f"User {values['username']} added."))
    return redirect("/tasks/admin/users")


def _render_user(user_id: uuid.UUID, values: dict | None, errors: dict, status: int = 200):
    with current_db().uow() as uow:
        user = uow.session.get(User, user_id)
        if user is None:
            raise page_not_found()
        values = values or {"full_name": user.full_name, "email": user.email or "",
                            "unit_id": user.unit_id, "roles": list(user.roles),
                            "language": user.language}
        return render_template("tasks/admin_user.html", user=user,
                               unit_options=_unit_options(_units(uow)),
                               role_options=_role_options(), values=values,
                               errors=errors), status


@admin_pages_blp.get("/tasks/admin/users/<uuid:user_id>")
@admin_page
def edit_user(user_id: uuid.UUID):
    """A user's name, unit, roles and language, to change; and (de)activation."""
    return _render_user(user_id, None, {})


@admin_pages_blp.post("/tasks/admin/users/<uuid:user_id>")
@admin_page
def update_user(user_id: uuid.UUID):
    """Change a user's name, e-mail, unit, roles or language."""
    csrf.protect()
    values = form_values(("full_name", "email", "unit_id", "language"), lists=("roles",))
    body = blank_to_none(dict(values), ("email",))
    errors = attempt(lambda uow: service.admin_update_user(
        uow=uow, principal=current_principal(), user_id=user_id, now=current_time(),
        **UserPatch().load(body)))
    if errors:
        return _render_user(user_id, values, errors, 422)
    flash(t("Đã lưu người dùng.", "User saved."))
    return redirect(f"/tasks/admin/users/{user_id}")


@admin_pages_blp.post("/tasks/admin/users/<uuid:user_id>/active")
@admin_page
def set_user_active(user_id: uuid.UUID):
    """Deactivate a user (it can no longer log in) or activate it again."""
    csrf.protect()
    active = form_values((), flags=("active",))["active"]
    errors = attempt(lambda uow: service.admin_update_user(
        uow=uow, principal=current_principal(), user_id=user_id, now=current_time(),
        active=active))
    if errors:
        return _render_user(user_id, None, errors, 422)
    flash(t("Đã kích hoạt lại tài khoản.", "Account activated.") if active
          else t("Đã ngừng kích hoạt tài khoản.", "Account deactivated."))
    return redirect(f"/tasks/admin/users/{user_id}")


def _render_holidays(values: dict, errors: dict, status: int = 200):
    with current_db().uow() as uow:
        rows = service.list_calendar_overrides(uow=uow)
        return render_template("tasks/admin_holidays.html", overrides=rows, values=values,
                               errors=errors, kinds=OVERRIDE_KIND_NAMES,
                               kind_options=options(OVERRIDE_KIND_NAMES)), status


@admin_pages_blp.get("/tasks/admin/holidays")
@admin_page
def holidays():
    """The announced days off and make-up working days, and the form to add one."""
    return _render_holidays({"kind": "day_off"}, {})


@admin_pages_blp.post("/tasks/admin/holidays")
@admin_page
def set_holiday():
    """Declare a day off or a make-up working day; open deadlines are recomputed."""
    csrf.protect()
    values = form_values(("day", "kind", "note"))
    body = dict(values)
    errors = iso_dates(body, ("day",)) if values.get("day") else {
        "day": t("Cần chọn ngày.", "A day is required.")}
    if not errors:
        day = date.fromisoformat(body.pop("day"))
        errors = attempt(lambda uow: service.set_calendar_override(
            uow=uow, principal=current_principal(), day=day, now=current_time(),
            **CalendarOverrideIn().load(body)))
    if errors:
        return _render_holidays(values, errors, 422)
    flash(t(f"Đã lưu ngày {values['day']}.", f"Day {values['day']} saved."))
    return redirect("/tasks/admin/holidays")


@admin_pages_blp.post("/tasks/admin/holidays/<day>/delete")
@admin_page
def delete_holiday(day: str):
    """Withdraw an override; open deadlines are recomputed."""
    csrf.protect()
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise page_not_found() from None
    errors = attempt(lambda uow: service.delete_calendar_override(
        uow=uow, principal=current_principal(), day=when, now=current_time()))
    if errors:
        return _render_holidays({}, errors, 422)
    flash(t(f"Đã bỏ ngày {fmt_date(when)}.", f"Day {fmt_date(when)} withdrawn."))
    return redirect("/tasks/admin/holidays")
