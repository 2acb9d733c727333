"""Objects of district A for the access matrix, and a valid request body for every change.

A target is made afresh where one request may use it up (a webhook or a feed deleted, a
day off removed), so every caller meets the same object.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from itertools import count
from typing import Any

from openpyxl import load_workbook

from services.kpi.demo import demo_values
from services.tasks.seed import PLAN_CODE, YEARLY_REPORT_RULE, seed_id
from tests.proof.access_rules import OWNER
from tests.proof.access_world import HOOK_HOST, PASSWORD, World
from tests.proof.hostile_bases import SOON

_serial = count(1)
HOOK = {"url": f"http://{HOOK_HOST}:9/hook", "event_types": ["task.created"]}


def _json(response) -> Any:
    assert response.status_code < 300, (response.status_code, response.get_data(True)[:300])
    return response.json


class Targets:
    """Path parameters naming objects of district A, found or made through the APIs."""

    def __init__(self, world: World):
        self.world = world
        owner = world.headers("admin", "SCT")
        tasks = _json(world.client("tasks").get(
            f"/tasks/api/v1/tasks?assignee_unit_id={world.unit_id(OWNER)}&kind=yearly_report"
            "&period_year=2020", headers=owner))["items"]
        self.task_id = tasks[0]["id"]
        self.attachment_id = _json(world.client("tasks").post(
            f"/tasks/api/v1/tasks/{self.task_id}/attachments", content_type="multipart/form-data",
            data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "bien-ban.pdf", "application/pdf")},
            headers=world.headers("reporter", OWNER)))["id"]
        reports = _json(world.client("kpi").get("/kpi/api/v1/reports?year=2019",
                                                headers=world.headers("head", "SCT")))
        self.report_id = next(r["id"] for r in reports
                              if r["unit_id"] == str(world.unit_id(OWNER)))
        _json(world.client("tasks").post(  # its task.created puts a message in A's inbox
            "/tasks/api/v1/tasks", headers=world.headers("coordinator", "SCT"),
            json={"title": "Rà soát", "deadline": SOON,
                  "assignee_unit_id": str(world.unit_id(OWNER))}))
        world.feed_notifications()
        inbox = _json(world.client("notifications").get(
            "/notifications/api/v1/inbox", headers=world.headers("reporter", OWNER)))
        self.message_id = inbox[0]["id"]

    def webhook_id(self) -> str:
        """A fresh webhook of district A."""
        return _json(self.world.client("notifications").post(
            "/notifications/api/v1/webhooks", json=HOOK,
            headers=self.world.headers("coordinator", OWNER)))["id"]

    def feed_token(self) -> str:
        """A fresh calendar feed of district A's reporter."""
        return _json(self.world.client("tasks").post(
            "/tasks/api/v1/calendar/feeds", json={},
            headers=self.world.headers("reporter", OWNER)))["token"]

    def day(self) -> str:
        """A day off that exists."""
        self.world.client("tasks").put("/tasks/api/v1/calendar/overrides/2031-05-05",
                                       json={"kind": "day_off", "note": "Nghỉ bù"},
                                       headers=self.world.headers("admin", "SCT"))
        return "2031-05-05"

    def params(self, rule: str, method: str) -> dict[str, str]:
        """Values for the placeholders of a route."""
        fixed: dict[str, Callable[[], Any]] = {
            "task_id": lambda: self.task_id, "attachment_id": lambda: self.attachment_id,
            "report_id": lambda: self.report_id, "message_id": lambda: self.message_id,
            "plan_id": lambda: seed_id("plan", PLAN_CODE),
            "duty_id": lambda: seed_id("duty", PLAN_CODE, "BC-NAM"),
            "unit_id": lambda: self.world.unit_id("SKHDT"),
            "user_id": lambda: seed_id("user", "xem.skhcn"),
            "code": lambda: "AWARE", "delivery_id": lambda: "00000000-0000-4000-8000-000000000000",
            "webhook_id": self.webhook_id, "token": self.feed_token,
            "day": self.day if method == "DELETE" else (lambda: "2031-05-04"),
        }
        names = re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule)
        return {name: str(fixed[name]()) for name in names}


class UnitMarks:
    """What names each district in an answer: unit id, code, names, its 2018 report's id."""

    def __init__(self, world: World, districts: tuple[str, ...]):
        admin = world.headers("admin", "SCT")
        units = {u["code"]: u for u in _json(world.client("tasks").get(
            "/tasks/api/v1/units", headers=admin))}
        reports = _json(world.client("kpi").get("/kpi/api/v1/reports?year=2018&limit=200",
                                                headers=world.headers("head", "SCT")))
        self.marks: dict[str, set[str]] = {}
        for code in districts:
            unit = units[code]
            self.marks[code] = {unit["id"], code, unit["name_vi"], unit["name_en"],
                                *(r["id"] for r in reports if r["unit_id"] == unit["id"])}

    def found(self, text: str) -> set[str]:
        """The districts named anywhere in this text."""
        return {code for code, marks in self.marks.items() if any(m in text for m in marks)}


def body_text(response) -> str:
    """An answer's text: the body, or every cell of a workbook."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        workbook = load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(v) for ws in workbook.worksheets
                         for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    return response.get_data(as_text=True)


def body(key: str) -> dict[str, Any]:
    """A valid body for a change (unique codes per call)."""
    n = next(_serial)
    bodies: dict[str, dict[str, Any]] = {
        "POST /tasks/api/v1/me/password": {"current_password": PASSWORD,
                                           "new_password": PASSWORD + "-moi"},
        "POST /tasks/api/v1/tasks": {"title": f"Việc {n}", "deadline": SOON,
                                     "assignee_unit_id": str(seed_id("unit", OWNER))},
        "PATCH /tasks/api/v1/tasks/<uuid:task_id>": {"progress": n % 90},
        "POST /tasks/api/v1/tasks/<uuid:task_id>/transitions": {"to": "in_progress"},
        "POST /tasks/api/v1/tasks/<uuid:task_id>/comments": {"body": f"Ý kiến {n}"},
        "POST /tasks/api/v1/plans": {"code": f"MT-{n}", "name_vi": "Kế hoạch", "name_en": "Plan",
                                     "period_start": "2026-01-01", "period_end": "2030-12-31",
                                     "lead_unit_id": str(seed_id("unit", "SCT"))},
        "POST /tasks/api/v1/plans/<uuid:plan_id>/duties": {
            "code": f"MT-{n}", "title": "Nhiệm vụ", "lead_unit_id": str(seed_id("unit", "SCT"))},
        "PUT /tasks/api/v1/duties/<uuid:duty_id>/rule": {"rrule": YEARLY_REPORT_RULE},
        "PUT /tasks/api/v1/calendar/overrides/<day>": {"kind": "day_off", "note": f"Nghỉ {n}"},
        "POST /tasks/api/v1/admin/units": {"code": f"MT{n}", "kind": "department",
                                           "name_vi": "Đơn vị", "name_en": "Unit"},
        "PATCH /tasks/api/v1/admin/units/<uuid:unit_id>": {"name_en": f"Planning {n}"},
        "POST /tasks/api/v1/admin/users": {"username": f"mt{n}", "password": PASSWORD,
                                           "full_name": "Người dùng", "roles": ["viewer"],
                                           "unit_id": str(seed_id("unit", "SKHCN"))},
        "PATCH /tasks/api/v1/admin/users/<uuid:user_id>": {"full_name": f"Cán bộ {n}"},
        "PUT /notifications/api/v1/preferences": {"digest": bool(n % 2)},
        "POST /notifications/api/v1/webhooks": HOOK,
        "POST /kpi/api/v1/reports": {"year": 2020, "values": demo_values(2019)},
        "PATCH /kpi/api/v1/reports/<uuid:report_id>": {"values": demo_values(2019)},
        "POST /kpi/api/v1/reports/<uuid:report_id>/return": {"reason": "Cần bổ sung số liệu"},
        "PATCH /kpi/api/v1/indicators/<string:code>": {"name_en": f"Awareness {n}"},
    }
    return bodies.get(key, {})


UPLOADS = {  # multipart changes: (field, file bytes, name, type)
    "POST /tasks/api/v1/tasks/<uuid:task_id>/attachments": (
        "file", b"%PDF-1.4\n%%EOF\n", "minh-chung.pdf", "application/pdf"),
    "POST /kpi/api/v1/reports/upload": ("file", b"not a workbook", "bao-cao.xlsx",
                                        "application/vnd.openxmlformats-officedocument"
                                        ".spreadsheetml.sheet"),
}
