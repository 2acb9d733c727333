"""B2: schemathesis' own runner against each service's OpenAPI over HTTP, as each role.

The three services of a seeded world are served on 127.0.0.1 (werkzeug, one thread each);
the scenario first creates a plan, a duty, a task with an attachment, a report, a webhook and
a feed, so that fuzzing reaches real objects; then `st run` fuzzes every operation of each
service as each of the 5 roles with every check. tasks goes first and its events are then
fed to kpi and notifications, so what the fuzzer stored in tasks (a unit name, a user) is
what the others read, as in the running product.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from services.tasks.seed import PLAN_CODE, seed_id
from tests.proof.access_world import SERVICES, World, world_fixture
from tests.proof.hostile_fuzz import FuzzReport, run_schemathesis
from tests.proof.served import served

# Who each role is in the fuzzing runs: the unit its token names.
ROLE_UNITS = {"admin": "SCT", "head": "SCT", "coordinator": "SCT", "reporter": "TP-HAIDUONG",
              "viewer": "SKHCN"}

QUICK_EXAMPLES = 1  # per operation, phase and mode: `make test`
QUICK_PHASES = "examples,fuzzing,stateful"
FULL_EXAMPLES = 20  # per operation, phase and mode: `make proof`
FULL_PHASES = "examples,coverage,fuzzing,stateful"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from world_fixture(tmp_path_factory.mktemp("attachments"))


@pytest.fixture(scope="module")
def objects(world) -> dict[str, list[str]]:
    return real_objects(world)


def _ok(response, *codes: int):
    assert response.status_code in (codes or (200, 201, 204)), (response.status_code,
                                                                 response.get_data(as_text=True))
    return response.json if response.is_json else None


def real_objects(world: World) -> dict[str, list[str]]:
    """Create one object of each kind and return the ids fuzzing should reach, by parameter."""
    admin = world.headers("admin", "SCT")
    reporter = world.headers("reporter", "TP-HAIDUONG")
    tasks, kpi, notes = world.client("tasks"), world.client("kpi"), world.client("notifications")
    soon = (date.today() + timedelta(days=10)).isoformat()
    plan = _ok(tasks.post("/tasks/api/v1/plans", headers=admin, json={
        "code": "KH-FUZZ", "name_vi": "Kế hoạch thử", "name_en": "Fuzz plan",
        "legal_basis": "QĐ 1", "period_start": "2026-01-01", "period_end": "2030-12-31",
        "lead_unit_id": str(world.unit_id("SCT"))}))
    half_year = _ok(tasks.post("/tasks/api/v1/plans", headers=admin, json={
        "code": "KH-NGAN", "name_vi": "Kế hoạch nửa năm", "name_en": "Half-year plan",
        "legal_basis": "QĐ 2", "period_start": "2027-01-01", "period_end": "2027-06-30",
        "lead_unit_id": str(world.unit_id("SCT"))}))
    duty = _ok(tasks.post(f"/tasks/api/v1/plans/{plan['id']}/duties", headers=admin, json={
        "code": "NV-FUZZ", "title": "Báo cáo năm", "lead_unit_id": str(world.unit_id("SCT")),
        "rrule": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20"}))
    task = _ok(tasks.post("/tasks/api/v1/tasks", headers=admin, json={
        "title": "Nhiệm vụ thử", "deadline": soon,
        "assignee_unit_id": str(world.unit_id("TP-HAIDUONG"))}))
    attachment = _ok(tasks.post(
        f"/tasks/api/v1/tasks/{task['id']}/attachments", headers=reporter,
        data={"file": (io.BytesIO(b"minh chung"), "minh-chung.txt")},
        content_type="multipart/form-data"))
    feed = _ok(tasks.post("/tasks/api/v1/calendar/feeds", headers=reporter, json={}))
    task_ids = [t["id"] for t in _ok(tasks.get("/tasks/api/v1/tasks?page_size=5",
                                               headers=admin))["items"]]
    reports = _ok(kpi.get("/kpi/api/v1/reports?year=2019", headers=admin))
    hook = _ok(notes.post("/notifications/api/v1/webhooks", headers=admin, json={
        "url": "http://127.0.0.1:9/hook", "event_types": ["task.created"]}))
    units = [str(world.unit_id(code)) for code in ("SCT", "SKHCN", "TP-HAIDUONG", "H-GIALOC")]
    messages = _ok(notes.get("/notifications/api/v1/inbox", headers=reporter))
    message_items = messages["items"] if isinstance(messages, dict) else messages
    return {
        "path.plan_id": [plan["id"], half_year["id"], str(seed_id("plan", PLAN_CODE))],
        "path.duty_id": [duty["id"], str(seed_id("duty", PLAN_CODE, "BC-NAM"))],
        "path.task_id": [task["id"], *task_ids],
        "path.attachment_id": [attachment["id"]],
        "path.token": [feed["token"]] if "token" in feed else [],
        "path.report_id": [r["id"] for r in reports[:5]],
        "path.webhook_id": [hook["id"]],
        "path.unit_id": units,
        "path.user_id": [str(u) for u in list(world.users.values())[:5]],
        "path.message_id": [m["id"] for m in message_items[:3]],
        "path.code": ["AWARE", "APPLY"],
        "path.day": ["2031-03-05", "2031-12-31"],
        "body.lead_unit_id": units,
        "body.assignee_unit_id": units,
        "body.unit_id": units,
    }


def _fuzz_everything(world: World, values: dict[str, list[str]], workdir, *,
                     max_examples: int, phases: str) -> tuple[FuzzReport, dict[str, str]]:
    total = FuzzReport()
    per_service = {}
    with served(world.apps) as urls:
        for service in SERVICES:  # tasks first: its events then reach kpi and notifications
            of_service = FuzzReport()
            for role, unit in ROLE_UNITS.items():
                report = run_schemathesis(
                    urls[service], service, token=world.token(role, unit),
                    label=f"{service} as {role}", workdir=workdir / f"{service}-{role}",
                    max_examples=max_examples, values=values, phases=phases)
                of_service.merge(report)
            per_service[service] = (f"{of_service.operations} operations, "
                                    f"{of_service.generated} test cases")
            total.merge(of_service)
            if service == "tasks":
                world.feed("kpi")
                world.feed("notifications")
    return total, per_service


def _assert_clean(report: FuzzReport) -> None:
    details = "\n".join(f"{key} ({text})" for key, text in sorted(report.failures.items()))
    assert not report.failures, f"{len(report.failures)} schemathesis failures:\n{details}"


def _record(proof, report: FuzzReport, per_service: dict[str, str], max_examples: int,
            phases: str) -> None:
    counts = "; ".join(f"{name}: {text}" for name, text in per_service.items())
    proof.record(done=f"`st run` over HTTP as each of {len(ROLE_UNITS)} roles, phases "
                      f"{phases}, ≤{max_examples} examples per operation, all 14 checks "
                      f"(positive data: 2xx/403/404/409/422), real objects and inferred "
                      f"links ({counts}); failures: {len(report.failures)}",
                 sent=report.generated, failures=len(report.failures))


def test_schemathesis_quick_pass_over_every_service_as_every_role(world, objects, proof, tmp_path):
    """schemathesis, quick pass: every operation of every service as each of the 5 roles."""
    report, per_service = _fuzz_everything(world, objects, tmp_path, max_examples=QUICK_EXAMPLES,
                                           phases=QUICK_PHASES)
    _record(proof, report, per_service, QUICK_EXAMPLES, QUICK_PHASES)
    _assert_clean(report)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_schemathesis_finds_nothing_in_any_service_as_any_role(world, objects, proof, tmp_path):
    """schemathesis, full pass: every service as every role, all phases and checks."""
    report, per_service = _fuzz_everything(world, objects, tmp_path, max_examples=FULL_EXAMPLES,
                                           phases=FULL_PHASES)
    _record(proof, report, per_service, FULL_EXAMPLES, FULL_PHASES)
    _assert_clean(report)
