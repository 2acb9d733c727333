"""The tasks API: login, creating and reading tasks, scope, workflow, bad input."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from services.tasks.models import audit_log, messaging

TASKS = "/tasks/api/v1/tasks"


def _count(db, table, **where):
    query = select(func.count()).select_from(table)
    for key, value in where.items():
        query = query.where(table.c[key] == value)
    with db.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def _new_task(world, headers, **overrides):
    body = {"title": "Gửi báo cáo quý", "assignee_unit_id": str(world.units["D1"]),
            "deadline": (date.today() + timedelta(days=10)).isoformat(), **overrides}
    return world.client.post(TASKS, json=body, headers=headers)


def test_login_returns_a_bearer_token(world):
    response = world.client.post("/tasks/api/v1/auth/token",
                                 json={"username": "coord", "password": "correct horse battery"})
    assert response.status_code == 200
    assert response.json["token_type"] == "bearer"
    assert response.json["expires_in"] == world.settings.token_ttl_seconds


def test_wrong_password_is_401_in_vietnamese(world):
    response = world.client.post("/tasks/api/v1/auth/token",
                                 json={"username": "coord", "password": "nope"})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["detail"] == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_every_api_endpoint_needs_a_token(world):
    for path in (TASKS, "/tasks/api/v1/me", "/tasks/api/v1/units"):
        assert world.client.get(path).status_code == 401
    assert world.client.get("/tasks/api/v1/me",
                            headers={"Authorization": "Bearer not.a.token"}).status_code == 401


def test_coordinator_creates_a_task_with_its_event_and_audit_row(world):
    response = _new_task(world, world.login("coord"))
    assert response.status_code == 201, response.json
    task = response.json
    assert task["status"] == "not_started"
    assert task["lead_unit_id"] == str(world.units["SCT"])
    assert _count(world.db, messaging.outbox, event_type="task.created") == 1
    assert _count(world.db, audit_log, entity="task", entity_id=task["id"]) == 1


def test_deadline_on_a_weekend_gets_an_effective_deadline_on_monday(world):
    today = date.today()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 7)
    response = _new_task(world, world.login("coord"), deadline=saturday.isoformat())
    assert response.json["deadline"] == saturday.isoformat()
    assert date.fromisoformat(response.json["effective_deadline"]) > saturday


def test_reporter_cannot_create_tasks(world):
    assert _new_task(world, world.login("rep1")).status_code == 403
    assert _count(world.db, messaging.outbox, event_type="task.created") == 0


def test_bad_input_names_each_field_in_both_languages_and_writes_nothing(world):
    response = world.client.post(TASKS, json={"title": "", "assignee_unit_id": "x",
                                              "deadline": "31/12/2026", "status": "done"},
                                 headers=world.login("coord"))
    assert response.status_code == 422
    fields = {e["field"]: e for e in response.json["errors"]}
    assert set(fields) == {"title", "assignee_unit_id", "deadline", "status"}
    assert fields["status"]["messages"] == {"vi": "Trường không được hỗ trợ.",
                                            "en": "Unknown field."}
    assert _count(world.db, messaging.outbox, event_type="task.created") == 0


def test_past_deadline_is_refused_with_the_date_in_dd_mm_yyyy(world):
    response = _new_task(world, world.login("coord"), deadline="2020-01-01")
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == "deadline"
    assert date.today().strftime("%d/%m/%Y") in error["messages"]["vi"]


def test_malformed_json_is_400_problem(world):
    response = world.client.post(TASKS, data="{not json", content_type="application/json",
                                 headers=world.login("coord"))
    assert response.status_code == 400
    assert response.json["type"] == "urn:plan-tracker:problem:invalid_json"


def test_english_is_used_when_the_caller_asks_for_it(world):
    headers = {**world.login("coord"), "Accept-Language": "en-US,en;q=0.9"}
    response = world.client.post(TASKS, json={}, headers=headers)
    assert response.json["title"] == "Invalid input"
    assert response.json["errors"][0]["message"] == "Missing data for required field."


def test_district_cannot_read_another_districts_task(world):
    task_id = _new_task(world, world.login("coord")).json["id"]
    assert world.client.get(f"{TASKS}/{task_id}", headers=world.login("rep1")).status_code == 200
    assert world.client.get(f"{TASKS}/{task_id}", headers=world.login("rep2")).status_code == 404
    listed = world.client.get(TASKS, headers=world.login("rep2"))
    assert listed.json["items"] == [] and listed.json["total"] == 0
    assert listed.headers["X-Total-Count"] == "0"


def test_assignee_submits_and_the_lead_approves(world):
    task_id = _new_task(world, world.login("coord")).json["id"]
    url = f"{TASKS}/{task_id}/transitions"
    rep = world.login("rep1")
    assert world.client.post(url, json={"to": "done"}, headers=rep).status_code == 409
    assert world.client.post(url, json={"to": "submitted"}, headers=rep).status_code == 200
    done = world.client.post(url, json={"to": "done"}, headers=world.login("coord"))
    assert done.status_code == 200
    assert done.json["timeliness"] == "done_on_time"
    assert _count(world.db, messaging.outbox, event_type="task.status_changed") == 2


def test_returning_a_task_needs_a_reason(world):
    task_id = _new_task(world, world.login("coord")).json["id"]
    url = f"{TASKS}/{task_id}/transitions"
    world.client.post(url, json={"to": "submitted"}, headers=world.login("rep1"))
    response = world.client.post(url, json={"to": "returned"}, headers=world.login("coord"))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "reason"


def test_page_size_is_capped(world):
    response = world.client.get(f"{TASKS}?page_size=101", headers=world.login("head"))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "page_size"


def test_a_form_body_is_415_not_a_guess(world):
    response = world.client.post(TASKS, data={"title": "x"}, headers=world.login("coord"))
    assert response.status_code == 415
    assert response.json["details"]["en"].startswith("The body must be JSON")


def test_unknown_query_parameter_is_422(world):
    response = world.client.get(f"{TASKS}?stauts=done", headers=world.login("head"))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "stauts"


def test_me_and_units_are_readable(world):
    me = world.client.get("/tasks/api/v1/me", headers=world.login("rep1"))
    assert me.status_code == 200
    assert me.json["unit"]["code"] == "D1"
    units = world.client.get("/tasks/api/v1/units", headers=world.login("rep1"))
    assert [u["code"] for u in units.json] == ["D1", "D2", "SCT"]
