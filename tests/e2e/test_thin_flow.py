"""The thin end-to-end flow, on the embedded default and on PostgreSQL + RabbitMQ.

A coordinator gives a district a task → the district's reporter finds it in the inbox; the
reporter submits the yearly report → tasks moves the district's reporting task to submitted, kpi
recomputes AWARE and, its status having changed, the department head gets an inbox message.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from tests.e2e.processes import eventually

pytestmark = pytest.mark.e2e

REPORT_YEAR = 2020
VALUES = {"facilities_cp_potential": 40, "facilities_aware": 30, "facilities_applying": 12,
          "avg_saving_percent": 9.5, "officers_responsible": 4, "officers_trained": 3,
          "trainings_held": 2, "leaflets_issued": 500, "narrative": "Đã triển khai kế hoạch."}


@pytest.fixture(params=["embedded", "distributed"])
def product(request):
    return request.getfixturevalue(request.param)


def login(product, username: str) -> dict[str, str]:
    response = requests.post(product.url("tasks", "/api/v1/auth/token"),
                             json={"username": username, "password": product.passwords[username]},
                             timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def inbox(product, headers) -> list[dict]:
    response = requests.get(product.url("notifications", "/api/v1/inbox?limit=200"),
                            headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def unit_id(product, headers, code: str) -> str:
    units = requests.get(product.url("tasks", "/api/v1/units"), headers=headers, timeout=10)
    return next(u["id"] for u in units.json() if u["code"] == code)


def test_health_readiness_and_openapi_of_every_service(product):
    for service in ("tasks", "notifications", "kpi"):
        assert requests.get(product.url(service, "/healthz"), timeout=5).status_code == 200
        assert requests.get(product.url(service, "/readyz"), timeout=5).json()["status"] == "ready"
        spec = requests.get(product.url(service, "/api/openapi.json"), timeout=5).json()
        assert spec["openapi"].startswith("3.")
        assert any(path.startswith(f"/{service}/api/v1/") for path in spec["paths"])


def test_every_demo_account_can_log_in_and_a_wrong_password_cannot(product):
    for username in product.passwords:
        me = requests.get(product.url("tasks", "/api/v1/me"), headers=login(product, username),
                          timeout=10)
        assert me.json()["username"] == username
    bad = requests.post(product.url("tasks", "/api/v1/auth/token"),
                        json={"username": "admin", "password": "wrong-password"}, timeout=10)
    assert bad.status_code == 401
    assert bad.headers["Content-Type"] == "application/problem+json"


def test_a_new_task_reaches_the_district_reporters_inbox(product):
    coordinator, reporter = login(product, "dieuphoi.sct"), login(product, "baocao.tphd")
    title = f"Rà soát danh sách cơ sở có tiềm năng SXSH ({product.processes[0].name})"
    deadline = date.today() + timedelta(days=14)
    created = requests.post(product.url("tasks", "/api/v1/tasks"), headers=coordinator, json={
        "title": title, "assignee_unit_id": unit_id(product, coordinator, "TP-HAIDUONG"),
        "deadline": deadline.isoformat()}, timeout=10)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]

    message = eventually(
        lambda: next((m for m in inbox(product, reporter) if task_id in (m.get("link") or "")),
                     None),
        timeout=30, what="the reporter's inbox message")
    assert title in message["title_vi"] + message["body_vi"]
    effective = date.fromisoformat(created.json()["effective_deadline"])
    assert effective.strftime("%d/%m/%Y") in message["body_vi"]
    other = login(product, "xem.skhcn")
    assert not [m for m in inbox(product, other) if task_id in (m.get("link") or "")]


def test_a_submitted_report_submits_the_task_and_tells_the_head(product):
    reporter, head = login(product, "baocao.tphd"), login(product, "giamdoc.sct")
    seen = {m["id"] for m in inbox(product, head)}
    submitted = requests.post(product.url("kpi", "/api/v1/reports"), headers=reporter, json={
        "year": REPORT_YEAR, "values": VALUES, "submit": True}, timeout=10)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["status"] == "submitted"

    def reporting_task():
        response = requests.get(
            product.url("tasks", f"/api/v1/tasks?kind=yearly_report&period_year={REPORT_YEAR}"),
            headers=reporter, timeout=10)
        tasks = response.json()["items"]
        return tasks[0] if tasks and tasks[0]["status"] == "submitted" else None

    task = eventually(reporting_task, timeout=30, what="the reporting task submitted")
    assert task["submitted_at"] is not None
    assert task["timeliness"] in ("open_within_deadline", "overdue")

    kpis = requests.get(product.url("kpi", f"/api/v1/kpis?year={REPORT_YEAR}"), headers=head,
                        timeout=10).json()
    aware = next(k for k in kpis if k["indicator_code"] == "AWARE")
    assert aware["value"] == pytest.approx(75.0)  # 30 of 40 facilities with CP potential
    assert aware["status"] != "no_data"

    def kpi_message():
        return next((m for m in inbox(product, head)
                     if m["id"] not in seen and m["event_type"] == "kpi.status_changed"
                     and "AWARE" in m["body_en"] + m["title_en"]), None)

    message = eventually(kpi_message, timeout=30, what="the head's AWARE message")
    assert str(REPORT_YEAR) in message["body_vi"] + message["title_vi"]


def test_bad_input_gets_a_problem_with_field_errors_in_both_languages(product):
    reporter = login(product, "baocao.tphd")
    response = requests.post(product.url("kpi", "/api/v1/reports"), headers=reporter, json={
        "year": 2019, "values": {**VALUES, "facilities_aware": 41}, "submit": True}, timeout=10)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    error = next(e for e in response.json()["errors"] if e["field"].endswith("facilities_aware"))
    assert error["messages"]["vi"] and error["messages"]["en"]
    assert error["messages"]["vi"] != error["messages"]["en"]
