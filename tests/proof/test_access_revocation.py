"""S1: a change of roles, unit or password ends the tokens issued before it, in every service.

The product runs as real processes (tests/proof/stack.py: gunicorn with 2 workers per
service plus its worker, on PostgreSQL and RabbitMQ) with the relay polling every 0.2 s, as
in production. After each change the old token is sent to every service again and again
until it is refused; the time from the change's answer to the first refusal is measured
(tasks checks its own users table; kpi and notifications wait for `user.upserted`: outbox,
relay, broker, consumer). The old token must be refused within 2 s everywhere, its page
cookie must lead to the login page, and a new login must work at once.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
import requests

from tests.proof.stack import product_under_test
from tests.proof.workload import report_values

pytestmark = [pytest.mark.timeout(600)]

SERVICES = ("tasks", "notifications", "kpi")
LIMIT = 2.0  # seconds from the change's answer to the refusal of the old token, everywhere
PASSWORD = "e2e-password-0123"  # tests/e2e/product.py DEMO_PASSWORD
READS = {"tasks": ("GET", "/api/v1/me", None),
         "notifications": ("GET", "/api/v1/inbox", None),
         "kpi": ("GET", "/api/v1/kpis?year=2019", None)}
PAGES = {"tasks": "/tasks", "notifications": "/inbox", "kpi": "/reports"}


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    base = tmp_path_factory.mktemp("access-revocation")
    relay = {f"{service}-worker": {"RELAY_POLL_INTERVAL": "0.2"} for service in SERVICES}
    with product_under_test(base / "logs", process_env=relay) as product:
        yield product


def login(product, username: str, password: str = PASSWORD) -> str:
    response = requests.post(product.url("tasks", "/api/v1/auth/token"),
                             json={"username": username, "password": password}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def call(product, token: str, service: str, method: str, path: str, body=None):
    return requests.request(method, product.url(service, path), json=body, timeout=10,
                            headers={"Authorization": f"Bearer {token}"})


def admin_id(product, token: str, username: str) -> str:
    users = call(product, token, "tasks", "GET", "/api/v1/admin/users").json()
    return next(u["id"] for u in users if u["username"] == username)


def unit_id(product, token: str, code: str) -> str:
    units = call(product, token, "tasks", "GET", "/api/v1/units").json()
    return next(u["id"] for u in units if u["code"] == code)


def refusal_times(product, token: str, probes: dict, changed_at: float,
                  timeout: float = 15) -> dict[str, float]:
    """Seconds from `changed_at` until each service first answered its probe with 401
    `token_revoked` (probes: service → (method, path, body)), polling every 20 ms."""
    times: dict[str, float] = {}
    deadline = changed_at + timeout
    while len(times) < len(probes) and time.monotonic() < deadline:
        for service, (method, path, body) in probes.items():
            if service in times:
                continue
            response = call(product, token, service, method, path, body)
            if response.status_code == 401:
                times[service] = time.monotonic() - changed_at
                assert response.headers["Content-Type"] == "application/problem+json"
                problem = response.json()
                assert problem["type"].endswith(":token_revoked"), problem
                assert problem["details"]["vi"].startswith("Phiên đăng nhập đã hết hiệu lực")
                assert problem["details"]["en"].startswith("This session has ended")
            else:
                assert response.status_code < 400, (service, path, response.status_code)
        time.sleep(0.02)
    assert set(times) == set(probes), f"not refused within {timeout}s: {times}"
    return times


def admin_change(product, admin: str, user: str, change: dict, old: str,
                 probes: dict) -> dict[str, float]:
    """The admin's PATCH of a user, then the seconds until each service refuses `old`."""
    changed = call(product, admin, "tasks", "PATCH", f"/api/v1/admin/users/{user}", change)
    assert changed.status_code == 200, changed.text
    return refusal_times(product, old, probes, time.monotonic())


def granted(product, token: str, probes: dict) -> None:
    for service, (method, path, body) in probes.items():
        response = call(product, token, service, method, path, body)
        assert response.status_code < 400, (service, method, path, response.status_code,
                                            response.text[:300])


def pages_go_to_login(product, token: str) -> None:
    for service, path in PAGES.items():
        response = requests.get(product.url(service, path), cookies={"access_token": token},
                                allow_redirects=False, timeout=10)
        assert response.status_code == 302, (service, response.status_code)
        assert "/tasks/login" in response.headers["Location"], service


def pages_open(product, token: str) -> None:
    for service, path in PAGES.items():
        response = requests.get(product.url(service, path), cookies={"access_token": token},
                                allow_redirects=False, timeout=10)
        assert response.status_code == 200, (service, response.status_code)


def record(proof, done: str, times: dict[str, float]) -> None:
    """The scenario's row, with the time to refusal per service; then hold it to LIMIT."""
    proof.record(done=done.format(times=", ".join(f"{s} {times[s]:.2f}s" for s in SERVICES)),
                 **times)
    assert max(times.values()) <= LIMIT, times


def test_an_admin_demoted_to_viewer_cannot_give_itself_admin_back(product, proof):
    """Admin demoted to viewer: its old token is refused by every service within 2 s (S1)"""
    admin = login(product, "admin")
    created = call(product, admin, "tasks", "POST", "/api/v1/admin/users", {
        "username": "admin2.sct", "password": PASSWORD, "full_name": "Quản trị thứ hai",
        "unit_id": unit_id(product, admin, "SCT"), "roles": ["admin"]})
    assert created.status_code == 201, created.text
    own_id = created.json()["id"]
    old = login(product, "admin2.sct")
    probes = {**READS, "tasks": ("PATCH", f"/api/v1/admin/users/{own_id}", {"language": "vi"})}
    granted(product, old, probes)
    pages_open(product, old)
    times = admin_change(product, admin, own_id, {"roles": ["viewer"]}, old, probes)
    regain = call(product, old, "tasks", "PATCH", f"/api/v1/admin/users/{own_id}",
                  {"roles": ["admin"]})
    assert regain.status_code == 401
    pages_go_to_login(product, old)
    new = login(product, "admin2.sct")
    granted(product, new, READS)
    assert call(product, new, "tasks", "PATCH", f"/api/v1/admin/users/{own_id}",
                {"roles": ["admin"]}).status_code == 403
    assert call(product, new, "tasks", "GET", "/api/v1/me").json()["roles"] == ["viewer"]
    record(proof, "admin → viewer; the old token's PATCH of itself back to admin: 401; old "
                  "token refused after {times}; its pages go to login; re-login: viewer (403)",
           times)


def test_a_coordinator_demoted_to_viewer_cannot_create_tasks(product, proof):
    """Coordinator demoted to viewer: its old token creates no task, refused within 2 s (S1)"""
    admin = login(product, "admin")
    old = login(product, "dieuphoi.sct")
    task = {"title": "Kiểm tra token", "assignee_unit_id": unit_id(product, admin, "TP-HAIDUONG"),
            "deadline": (date.today() + timedelta(days=30)).isoformat()}
    assert call(product, old, "tasks", "POST", "/api/v1/tasks", task).status_code == 201
    probes = {**READS, "tasks": ("GET", "/api/v1/tasks", None)}
    granted(product, old, probes)
    times = admin_change(product, admin, admin_id(product, admin, "dieuphoi.sct"),
                         {"roles": ["viewer"]}, old, probes)
    assert call(product, old, "tasks", "POST", "/api/v1/tasks", task).status_code == 401
    pages_go_to_login(product, old)
    new = login(product, "dieuphoi.sct")
    granted(product, new, READS)
    assert call(product, new, "tasks", "POST", "/api/v1/tasks", task).status_code == 403
    record(proof, "coordinator → viewer; the old token's POST /tasks: 401; old token refused "
                  "after {times}; its pages go to login; re-login: viewer (403 on POST /tasks)",
           times)


def test_a_reporter_moved_to_another_district_loses_the_old_one(product, proof):
    """Reporter moved from Chí Linh to Hải Dương: its old token is refused within 2 s (S1)"""
    admin = login(product, "admin")
    chilinh, haiduong = unit_id(product, admin, "TP-CHILINH"), unit_id(product, admin,
                                                                        "TP-HAIDUONG")
    head = login(product, "giamdoc.sct")
    task = call(product, head, "tasks", "POST", "/api/v1/tasks", {
        "title": "Việc của Chí Linh", "assignee_unit_id": chilinh,
        "deadline": (date.today() + timedelta(days=30)).isoformat()})
    assert task.status_code == 201, task.text
    task_id = task.json()["id"]
    old = login(product, "baocao.chilinh")
    report = call(product, old, "kpi", "POST", "/api/v1/reports",
                  {"year": 2019, "values": report_values("TP-CHILINH", 2019)})
    assert report.status_code == 201, report.text
    comment = ("POST", f"/api/v1/tasks/{task_id}/comments", {"body": "Chí Linh đã nhận."})
    probes = {"tasks": ("GET", f"/api/v1/tasks/{task_id}", None),
              "kpi": ("GET", f"/api/v1/reports/{report.json()['id']}", None),
              "notifications": ("GET", "/api/v1/inbox", None)}
    granted(product, old, {**probes, "tasks": comment})
    times = admin_change(product, admin, admin_id(product, admin, "baocao.chilinh"),
                         {"unit_id": haiduong}, old, probes)
    assert call(product, old, "tasks", *comment).status_code == 401
    assert call(product, old, "kpi", "GET", "/api/v1/reports").status_code == 401
    pages_go_to_login(product, old)
    new = login(product, "baocao.chilinh")
    granted(product, new, READS)
    for service, (method, path, body) in (("tasks", probes["tasks"]), ("kpi", probes["kpi"]),
                                          ("tasks", comment)):
        assert call(product, new, service, method, path, body).status_code in (403, 404)
    record(proof, "reporter TP-CHILINH → TP-HAIDUONG; the old token reads no Chí Linh task, "
                  "report or inbox (401), comments 401; refused after {times}; re-login: Chí "
                  "Linh's task and report 403/404", times)


def test_a_password_change_ends_the_tokens_issued_before(product, proof):
    """Password changed: the tokens issued before are refused by every service within 2 s (S1)"""
    old = login(product, "xem.skhcn")
    other = login(product, "xem.skhcn")
    granted(product, old, READS)
    changed = call(product, old, "tasks", "POST", "/api/v1/me/password",
                   {"current_password": PASSWORD, "new_password": "a-new-password-456"})
    assert changed.status_code == 204, changed.text
    times = refusal_times(product, old, READS, time.monotonic())
    assert call(product, other, "kpi", "GET", "/api/v1/kpis?year=2019").status_code == 401
    pages_go_to_login(product, old)
    new = login(product, "xem.skhcn", "a-new-password-456")
    granted(product, new, READS)
    pages_open(product, new)
    record(proof, "POST /me/password; both tokens issued before are 401 (the one that changed "
                  "it too); refused after {times}; pages go to login; the new password's "
                  "token works at once everywhere", times)
