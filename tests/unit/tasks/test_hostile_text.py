"""Hostile text on the tasks service: control characters, blank titles, non-NFC text, rules
with no date in the plan's period."""

from __future__ import annotations

import unicodedata

from services.tasks.models import Task
from tests.unit.tasks.test_pages import Browser, _task
from tests.unit.tasks.test_pages import app as app  # noqa: F401 - the pages' app fixture
from tests.unit.tasks.test_plans_collab_admin import _admin, _plan

API = "/tasks/api/v1"


def _task_body(world, **overrides):
    return {"title": "Báo cáo", "assignee_unit_id": str(world.units["D1"]),
            "deadline": "2031-12-19", **overrides}


def _field_errors(response) -> dict[str, dict[str, str]]:
    assert response.status_code == 422, response.json
    return {error["field"]: error["messages"] for error in response.json["errors"]}


def test_title_with_escape_character_is_refused_naming_the_field(world):
    response = world.client.post(f"{API}/tasks", headers=world.login("coord"),
                                 json=_task_body(world, title="Báo cáo\u001b[2J"))
    errors = _field_errors(response)
    assert set(errors) == {"title"}
    assert "U+001B" in errors["title"]["en"] and "ký tự điều khiển" in errors["title"]["vi"]
    with world.db.uow() as uow:
        assert uow.session.query(Task).count() == 0


def test_whitespace_only_title_is_refused_naming_the_field(world):
    response = world.client.post(f"{API}/tasks", headers=world.login("coord"),
                                 json=_task_body(world, title=" \u00a0 "))
    assert _field_errors(response)["title"]["vi"] == "Không được chỉ gồm khoảng trắng."


def test_a_description_keeps_its_lines_and_a_title_may_not_break_one(world):
    headers = world.login("coord")
    broken = world.client.post(f"{API}/tasks", headers=headers,
                               json=_task_body(world, title="Dòng 1\nDòng 2"))
    assert "single line" in _field_errors(broken)["title"]["en"]
    kept = world.client.post(f"{API}/tasks", headers=headers,
                             json=_task_body(world, description="Dòng 1\n\tDòng 2"))
    assert kept.status_code == 201 and kept.json["description"] == "Dòng 1\n\tDòng 2"


def test_text_typed_in_decomposed_form_is_stored_in_nfc(world):
    title = unicodedata.normalize("NFD", "Kiểm tra sản xuất sạch hơn")
    response = world.client.post(f"{API}/tasks", headers=world.login("coord"),
                                 json=_task_body(world, title=title))
    assert response.status_code == 201
    assert response.json["title"] == unicodedata.normalize("NFC", title) != title


def test_a_comment_with_a_control_character_is_refused_naming_the_body(world):
    headers = world.login("coord")
    task = world.client.post(f"{API}/tasks", headers=headers, json=_task_body(world)).json
    response = world.client.post(f"{API}/tasks/{task['id']}/comments", headers=headers,
                                 json={"body": "Đã xong\x07"})
    assert set(_field_errors(response)) == {"body"}


def test_a_unit_name_with_control_characters_is_refused(world):
    headers, _ = _admin(world)
    response = world.client.post(f"{API}/admin/units", headers=headers, json={
        "code": "X1", "kind": "district", "name_vi": "Huyện\u001bX", "name_en": "District X"})
    assert set(_field_errors(response)) == {"name_vi"}
    patched = world.client.patch(f"{API}/admin/units/{world.units['D1']}", headers=headers,
                                 json={"name_en": "\u202eevil"})
    assert set(_field_errors(patched)) == {"name_en"}


def test_a_recurring_duty_whose_rule_has_no_date_in_the_plan_period_is_422_naming_rrule(world):
    plan_id = _plan(world, world.login("head"))  # 2016-2020
    response = world.client.post(f"{API}/plans/{plan_id}/duties", headers=world.login("coord"),
                                 json={"code": "R", "title": "Báo cáo quý",
                                       "lead_unit_id": str(world.units["SCT"]),
                                       "rrule": "FREQ=YEARLY;UNTIL=20101231T000000"})
    errors = _field_errors(response)
    assert set(errors) == {"rrule"}
    assert "01/01/2016 – 31/12/2020" in errors["rrule"]["en"]
    assert "không có ngày nào" in errors["rrule"]["vi"]


def test_a_page_comment_with_a_control_character_is_refused(world, app):
    task_id = _task(world)
    browser = Browser(app).log_in("rep1")
    response = browser.post(f"/tasks/tasks/{task_id}/comments", {"body": "Xong\u001b[0m"})
    assert response.status_code == 422 and "U+001B" in response.get_data(as_text=True)
