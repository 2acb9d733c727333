"""A valid request for each JSON operation with free text, to carry hostile text field by field.

Each entry makes (service, role, unit, path, body) for the n-th request; codes and usernames
get `n` so that a new object is made each time. An entry may first put its object in the
state the request needs (a report submitted again before it is returned).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from services.kpi.demo import UNIT_CODES, demo_values
from services.tasks.seed import PLAN_CODE, seed_id
from tests.proof.access_world import World

Request = tuple[str, str, str, str, dict[str, Any]]
SOON = (date.today() + timedelta(days=3)).isoformat()
KPI_SLOTS = [(code, year) for year in range(2020, 2025) for code in UNIT_CODES]


_IDS: dict[tuple, str] = {}  # looked up once per world


def _task_of(world: World, unit: str) -> str:
    """A task assigned to the unit, seen by the admin."""
    key = (id(world), "task", unit)
    if key not in _IDS:
        _IDS[key] = _first_task(world, unit)
    return _IDS[key]


def _first_task(world: World, unit: str) -> str:
    response = world.client("tasks").get(
        f"/tasks/api/v1/tasks?assignee_unit_id={world.unit_id(unit)}&page_size=1",
        headers=world.headers("admin", "SCT"))
    return response.json["items"][0]["id"]


def _kpi_report(world: World, unit: str, year: int) -> str:
    key = (id(world), "report", unit, year)
    if key not in _IDS:
        _IDS[key] = _find_report(world, unit, year)
    return _IDS[key]


def _find_report(world: World, unit: str, year: int) -> str:
    response = world.client("kpi").get(f"/kpi/api/v1/reports?year={year}",
                                       headers=world.headers("head", "SCT"))
    return next(r["id"] for r in response.json if r["unit_id"] == str(world.unit_id(unit)))


def _transition(world: World, n: int) -> Request:
    task = _task_of(world, "H-GIALOC")
    world.client("tasks").post(f"/tasks/api/v1/tasks/{task}/transitions",
                               json={"to": "in_progress"}, headers=world.headers("head", "SCT"))
    return ("tasks", "head", "SCT", f"/tasks/api/v1/tasks/{task}/transitions",
            {"to": "blocked", "reason": "Chờ số liệu"})


def _return(world: World, n: int) -> Request:
    report = _kpi_report(world, "TP-CHILINH", 2019)
    world.client("kpi").post(f"/kpi/api/v1/reports/{report}/submit", json={},
                             headers=world.headers("reporter", "TP-CHILINH"))
    return ("kpi", "head", "SCT", f"/kpi/api/v1/reports/{report}/return",
            {"reason": "Cần bổ sung"})


def _new_report(world: World, n: int) -> Request:
    unit, year = KPI_SLOTS[n % len(KPI_SLOTS)]
    return ("kpi", "reporter", unit, "/kpi/api/v1/reports",
            {"year": year, "values": demo_values(2019), "submit": False})


def _patch_report(world: World, n: int) -> Request:
    report = _kpi_report(world, "H-GIALOC", 2019)
    return ("kpi", "reporter", "H-GIALOC", f"/kpi/api/v1/reports/{report}",
            {"values": demo_values(2019)})


BASES: dict[str, Callable[[World, int], Request]] = {
    "POST /tasks/api/v1/auth/token": lambda w, n: (
        "tasks", "viewer", "SKHCN", "/tasks/api/v1/auth/token",
        {"username": "xem.skhcn", "password": "sai-mat-khau"}),
    "POST /tasks/api/v1/me/password": lambda w, n: (
        "tasks", "viewer", "SKHCN", "/tasks/api/v1/me/password",
        {"current_password": "sai-mat-khau", "new_password": "Mat-khau-moi-2026!"}),
    "POST /tasks/api/v1/tasks": lambda w, n: (
        "tasks", "coordinator", "SCT", "/tasks/api/v1/tasks",
        {"title": f"Nhiệm vụ {n}", "description": "Mô tả", "deadline": SOON,
         "assignee_unit_id": str(w.unit_id("H-GIALOC"))}),
    "PATCH /tasks/api/v1/tasks/{task_id}": lambda w, n: (
        "tasks", "head", "SCT", f"/tasks/api/v1/tasks/{_task_of(w, 'H-GIALOC')}",
        {"title": "Tiêu đề", "description": "Mô tả"}),
    "POST /tasks/api/v1/tasks/{task_id}/transitions": _transition,
    "POST /tasks/api/v1/tasks/{task_id}/comments": lambda w, n: (
        "tasks", "reporter", "H-GIALOC",
        f"/tasks/api/v1/tasks/{_task_of(w, 'H-GIALOC')}/comments", {"body": "Ý kiến"}),
    "PUT /tasks/api/v1/calendar/overrides/{day}": lambda w, n: (
        "tasks", "admin", "SCT", f"/tasks/api/v1/calendar/overrides/2031-03-{n % 28 + 1:02d}",
        {"kind": "day_off", "note": "Nghỉ bù"}),
    "POST /tasks/api/v1/plans": lambda w, n: (
        "tasks", "admin", "SCT", "/tasks/api/v1/plans",
        {"code": f"KH-{n}", "name_vi": "Kế hoạch", "name_en": "Plan", "legal_basis": "QĐ 1",
         "period_start": "2026-01-01", "period_end": "2030-12-31",
         "lead_unit_id": str(w.unit_id("SCT"))}),
    "POST /tasks/api/v1/plans/{plan_id}/duties": lambda w, n: (
        "tasks", "admin", "SCT", f"/tasks/api/v1/plans/{seed_id('plan', PLAN_CODE)}/duties",
        {"code": f"NV-{n}", "title": "Nhiệm vụ", "description": "Mô tả", "doc_number": "12/KH",
         "lead_unit_id": str(w.unit_id("SCT"))}),
    "PUT /tasks/api/v1/duties/{duty_id}/rule": lambda w, n: (
        "tasks", "admin", "SCT", f"/tasks/api/v1/duties/{seed_id('duty', PLAN_CODE, 'BC-NAM')}"
        "/rule", {"rrule": "DTSTART:20161220\nRRULE:FREQ=YEARLY;COUNT=2"}),
    "POST /tasks/api/v1/admin/units": lambda w, n: (
        "tasks", "admin", "SCT", "/tasks/api/v1/admin/units",
        {"code": f"DV-{n}", "kind": "department", "name_vi": "Đơn vị", "name_en": "Unit"}),
    "PATCH /tasks/api/v1/admin/units/{unit_id}": lambda w, n: (
        "tasks", "admin", "SCT", f"/tasks/api/v1/admin/units/{w.unit_id('SKHDT')}",
        {"name_vi": "Sở Kế hoạch", "name_en": "Planning"}),
    "POST /tasks/api/v1/admin/users": lambda w, n: (
        "tasks", "admin", "SCT", "/tasks/api/v1/admin/users",
        {"username": f"nguoidung{n}", "password": "Mat-khau-dai-2026!", "full_name": "Người A",
         "unit_id": str(w.unit_id("SKHCN")), "roles": ["viewer"]}),
    "PATCH /tasks/api/v1/admin/users/{user_id}": lambda w, n: (
        "tasks", "admin", "SCT", f"/tasks/api/v1/admin/users/{w.users['xem.skhcn']}",
        {"full_name": "Cán bộ Sở"}),
    "POST /notifications/api/v1/webhooks": lambda w, n: (
        "notifications", "admin", "SCT", "/notifications/api/v1/webhooks",
        {"url": "https://example.org/hook", "event_types": ["task.created"],
         "description": "Móc"}),
    "POST /kpi/api/v1/reports": _new_report,
    "PATCH /kpi/api/v1/reports/{report_id}": _patch_report,
    "POST /kpi/api/v1/reports/{report_id}/return": _return,
    "PATCH /kpi/api/v1/indicators/{code}": lambda w, n: (
        "kpi", "admin", "SCT", "/kpi/api/v1/indicators/AWARE",
        {"name_vi": "Nhận thức", "name_en": "Awareness"}),
}
NOT_ECHOED = {"password", "current_password", "new_password"}  # never in a response

