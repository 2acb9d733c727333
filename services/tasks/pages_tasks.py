"""Pages of the tasks service: the searchable table of tasks and the calendar of deadlines."""

from __future__ import annotations

import calendar as pycalendar
import uuid
from collections import defaultdict
from datetime import date
from math import ceil
from typing import Any

from flask import Blueprint, redirect, render_template, request
from marshmallow import ValidationError

from services.tasks import collab, planning, service
from services.tasks.domain import TIMELINESS_VALUES, FastCalendar, local_date
from services.tasks.page_helpers import (
    DUE_SOON_DAYS,
    field_messages,
    install_page_support,
    iso_day,
    shown_timeliness,
    unit_names,
)
from services.tasks.schemas import TaskQuery
from shared.auth import current_principal
from shared.pages import csrf, page
from shared.web import current_db, current_settings, current_time

task_pages_blp = Blueprint("task_pages", __name__, template_folder="templates")
install_page_support(task_pages_blp)

PAGE_SIZE = 25
FILTERS = ("q", "unit_id", "status", "timeliness", "deadline_from", "deadline_to", "kpi_code",
           "sort", "page")
TIMELINESS_CHOICES = (*TIMELINESS_VALUES[:3], "due_soon", *TIMELINESS_VALUES[3:])
PER_DAY = 5  # tasks shown in a day's cell; the rest through a link to the table
MAX_CALENDAR_TASKS = 2000  # a month of one province is far fewer; the page says if cut


def _load_filters(raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The filters as the API validates them; a bad one is left out and reported by field."""
    try:
        return TaskQuery().load({**raw, "page_size": PAGE_SIZE}), {}
    except ValidationError as exc:
        errors = field_messages(exc.messages)
        kept = {k: v for k, v in raw.items() if k not in errors}
        return TaskQuery().load({**kept, "page_size": PAGE_SIZE}), errors


def table_filters(today: date, calendar: FastCalendar) -> tuple[dict[str, Any], dict[str, str]]:
    """The table's filters from the query string, with "due soon" as a deadline window."""
    raw = {k: v.strip() for k in FILTERS if (v := request.args.get(k, "")).strip()}
    for key in ("deadline_from", "deadline_to"):
        if key in raw:
            raw[key] = iso_day(raw[key])
    due_soon = raw.get("timeliness") == "due_soon"
    if due_soon:
        raw["timeliness"] = "open_within_deadline"
    query, errors = _load_filters(raw)
    if due_soon:
        window_end = calendar.add_working_days(today, DUE_SOON_DAYS)
        query["deadline_from"] = max(query.get("deadline_from") or today, today)
        query["deadline_to"] = min(query.get("deadline_to") or window_end, window_end)
    return query, errors


def _rows(tasks, *, now, today: date, calendar: FastCalendar) -> list[dict[str, Any]]:
    rows = []
    for task in tasks:
        view = service.task_view(task, now=now)
        view["shown_timeliness"] = shown_timeliness(view, today, calendar)
        rows.append(view)
    return rows


@task_pages_blp.get("/tasks/tasks")
@page
def task_table():
    """The tasks the user may see, filtered by unit, status, timeliness, deadline, KPI, words."""
    principal = current_principal()
    now = current_time()
    today = local_date(now)
    with current_db().uow() as uow:
        calendar = service.load_calendar(uow.session)
        query, errors = table_filters(today, calendar)
        tasks, total = service.list_tasks(uow=uow, principal=principal, now=now, **query)
        rows = _rows(tasks, now=now, today=today, calendar=calendar)
        units = unit_names(uow)
        kpis = planning.kpi_codes_in_use(uow=uow)
    return render_template(
        "tasks/table.html", rows=rows, total=total, page_number=query["page"],
        pages=max(1, ceil(total / PAGE_SIZE)), units=units,
        unit_choices=sorted(units.values(), key=lambda u: u.code), kpis=kpis, errors=errors,
        args=request.args, timeliness_choices=TIMELINESS_CHOICES)


def _month(text: str | None, today: date) -> tuple[int, int]:
    """(year, month) of a YYYY-MM parameter; this month when absent or not valid."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def _unit_filter(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def _shifted(year: int, month: int, step: int) -> str:
    index = year * 12 + month - 1 + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@task_pages_blp.get("/tasks/calendar")
@page
def calendar_month():
    """A month of deadlines: the tasks due each day (effective deadline), one unit or all."""
    principal = current_principal()
    now = current_time()
    today = local_date(now)
    year, month = _month(request.args.get("month"), today)
    unit_id = _unit_filter(request.args.get("unit_id"))
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    with current_db().uow() as uow:
        tasks, total = service.list_tasks(
            uow=uow, principal=principal, now=now, unit_id=unit_id, deadline_from=weeks[0][0],
            deadline_to=weeks[-1][-1], page_size=MAX_CALENDAR_TASKS)
        working = service.load_calendar(uow.session)
        for row in _rows(tasks, now=now, today=today, calendar=working):
            by_day[row["effective_deadline"]].append(row)
        units = unit_names(uow)
        base = current_settings().public_base_url
        feeds = [collab.feed_data(f, base)
                 for f in collab.list_feeds(uow=uow, principal=principal)]
    return render_template(
        "tasks/calendar.html", weeks=weeks, by_day=by_day, year=year, month=month,
        today=today, units=units, unit_choices=sorted(units.values(), key=lambda u: u.code),
        unit_id=unit_id, previous=_shifted(year, month, -1), following=_shifted(year, month, 1),
        truncated=total > len(tasks), feeds=feeds, per_day=PER_DAY)


@task_pages_blp.post("/tasks/calendar/feeds")
@page
def create_feed():
    """A new secret iCalendar link of the user's unit's deadlines."""
    csrf.protect()
    with current_db().uow() as uow:
        collab.create_feed(uow=uow, principal=current_principal(), now=current_time())
        uow.commit()
    return redirect("/tasks/calendar#feeds")
