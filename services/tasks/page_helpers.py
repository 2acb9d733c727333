"""What the tasks service's pages share: readable errors, labels, unit names, query strings."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from services.tasks import service
from services.tasks.models import OrgUnit
from shared.calendar import WorkCalendar
from shared.errors import ApiError, flatten_errors, localize_params, request_language
from shared.i18n import TITLES, message
from shared.pages import label, t
from shared.vocabulary import TASK_STATUS, deadline_phrase, working_days_left

DUE_SOON_DAYS = 7  # working days, like the scanner's first reminder (TASKS_DUE_SOON_DAYS)

# The button of each workflow move, by target status.
TRANSITION_NAMES = {
    "in_progress": ("Bắt đầu thực hiện", "Start"),
    "submitted": ("Gửi kết quả", "Submit"),
    "done": ("Duyệt hoàn thành", "Approve as done"),
    "returned": ("Trả lại", "Return"),
    "blocked": ("Báo vướng mắc", "Report blocked"),
    "cancelled": ("Hủy công việc", "Cancel task"),
}
REASON_REQUIRED = ("returned", "blocked")


BAD_DAY = ("Ngày không hợp lệ; dùng dạng dd/mm/yyyy.", "Not a valid date; use dd/mm/yyyy.")
DATE_FIELDS = ("deadline", "deadline_from", "deadline_to", "doc_date")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def iso_day(text: str) -> str:
    """A dd/mm/yyyy date as ISO, which the schemas read; other text is left for them to refuse."""
    match = _DAY_MONTH_YEAR.match(text.strip())
    if match is None:
        return text.strip()
    return f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}"


def field_messages(messages: Any) -> dict[str, str]:
    """marshmallow or service field errors as {field: text in the request's language}."""
    lang = request_language()
    out: dict[str, str] = {}
    for error in flatten_errors(messages):
        field = error["field"].split(".")[0]
        text = error["messages"][lang]
        if field in DATE_FIELDS and error["messages"]["en"] == "Not a valid date.":
            text = t(*BAD_DAY)  # the pages ask for dd/mm/yyyy, not the API's ISO dates
        out[field] = f"{out[field]} {text}" if field in out else text
    return out


def error_text(exc: ApiError) -> str:
    """An ApiError as one readable sentence in the request's language (never a raw code)."""
    lang = request_language()
    params = dict(exc.params)
    for key in ("current", "target"):  # statuses by their names, not their codes
        if key in params:
            params[key] = TASK_STATUS.get(params[key], (params[key],) * 2)
    if exc.code:
        return message(exc.code, lang, **localize_params(params, lang))
    if exc.field_errors:
        return " ".join(field_messages(exc.field_errors).values())
    vi, en = TITLES.get(exc.status, (f"Lỗi {exc.status}", f"Error {exc.status}"))
    return vi if lang == "vi" else en


def install_page_support(blueprint: Blueprint) -> None:
    """The templates' names, and service errors of this blueprint's pages as a readable page.

    A task of another unit is a 404 like an unknown one, so its existence does not leak.
    """
    blueprint.context_processor(page_context)

    @blueprint.errorhandler(ApiError)
    def _page_error(exc: ApiError):
        return render_template("tasks/error.html", status=exc.status,
                               message=error_text(exc)), exc.status

    @blueprint.errorhandler(ValidationError)
    def _page_validation_error(exc: ValidationError):
        text = " ".join(f"{k}: {v}" for k, v in field_messages(exc.messages).items())
        return render_template("tasks/error.html", status=422, message=text), 422


def unit_names(uow) -> dict[uuid.UUID, OrgUnit]:
    """Every unit by id, for showing names instead of ids."""
    return {unit.id: unit for unit in service.list_units(uow=uow)}


def org_unit_name(unit: OrgUnit | None) -> str:
    """A unit's name in the request's language."""
    if unit is None:
        return ""
    return t(unit.name_vi, unit.name_en)


def shown_timeliness(view: dict[str, Any], today: date, calendar: WorkCalendar) -> str:
    """The timeliness to show: an open task due within DUE_SOON_DAYS working days is "due
    soon" (the scanner's first reminder goes out as many working days before)."""
    if view["timeliness"] == "open_within_deadline" and working_days_left(
            view["effective_deadline"], today=today, calendar=calendar) <= DUE_SOON_DAYS:
        return "due_soon"
    return view["timeliness"]


def days_left_phrase(view: dict[str, Any], today: date, calendar: WorkCalendar) -> str:
    """'còn 3 ngày làm việc' for an open task, in the request's language; '' once closed."""
    if view["status"] in ("done", "cancelled"):
        return ""
    days = working_days_left(view["effective_deadline"], today=today, calendar=calendar)
    return deadline_phrase(days, request_language())


def query_with(**changes: Any) -> str:
    """This page's query string with some parameters changed (None removes one)."""
    args = {k: v for k, v in request.args.items() if k != "lang"}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return "?" + urlencode(args) if args else "?"


def page_context() -> dict[str, Any]:
    """Names every tasks page template may use."""
    return {"transition_names": TRANSITION_NAMES, "org_unit_name": org_unit_name,
            "query_with": query_with, "label": label}
