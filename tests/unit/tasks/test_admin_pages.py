"""The units, users and holidays pages over a test client: forms, dd/mm/yyyy, errors, access."""

from __future__ import annotations

import pytest

from services.tasks.models import CalendarOverride, OrgUnit, User
from tests.unit.pages import HTML, field_errors, log_in, post_form

UNITS = "/tasks/admin/units"


def _admin(world):
    log_in(world.client, world.settings, roles=("admin",), unit_id=world.units["SCT"])
    return world.client


def test_a_unit_is_added_and_a_taken_code_is_said_on_the_form(world):
    client = _admin(world)
    added = post_form(client, UNITS, {"code": "D3", "kind": "district", "name_vi": "Huyện Ba",
                                      "name_en": "District Three", "parent_id": "",
                                      "valid_from": "01/07/2021"})
    assert added.status_code == 302
    listed = client.get(UNITS, headers=HTML).get_data(as_text=True)
    assert "Huyện Ba" in listed and "01/07/2021 – …" in listed
    taken = post_form(client, UNITS, {"code": "D1", "kind": "district", "name_vi": "Trùng",
                                      "name_en": "Same"})
    assert taken.status_code == 422
    assert "Mã &#39;D1&#39; đã được dùng." in taken.get_data(as_text=True)
    assert 'value="Trùng"' in taken.get_data(as_text=True)


def test_the_api_says_a_taken_unit_code_is_a_409_not_a_500(world):
    headers = world.login("head")  # not an admin: 403 first
    body = {"code": "D1", "kind": "district", "name_vi": "x", "name_en": "x"}
    assert world.client.post("/tasks/api/v1/admin/units", json=body,
                             headers=headers).status_code == 403
    log_in(world.client, world.settings, roles=("admin",), unit_id=world.units["SCT"])
    response = world.client.post("/tasks/api/v1/admin/units", json=body)
    assert response.status_code == 409
    assert response.json["details"]["en"] == "The code 'D1' is taken."


def test_a_units_validity_is_edited_in_dd_mm_yyyy_with_clear_errors(world):
    client = _admin(world)
    page = f"{UNITS}/{world.units['D1']}"
    form = {"kind": "district", "name_vi": "Đơn vị D1", "name_en": "Unit D1",
            "valid_from": "01/01/2020"}
    bad_date = post_form(client, page, {**form, "valid_to": "31/02/2025"})
    assert field_errors(bad_date) == {"valid_to": "Ngày phải có dạng dd/mm/yyyy, ví dụ 31/12/2025."}
    inverted = post_form(client, page, {**form, "valid_to": "31/12/2019"})
    assert field_errors(inverted) == {"valid_to": "Ngày kết thúc phải sau ngày bắt đầu."}
    saved = post_form(client, page, {**form, "valid_to": "31/12/2025"})
    assert saved.status_code == 302
    shown = client.get(page, headers=HTML).get_data(as_text=True)
    assert 'value="31/12/2025"' in shown and "Đã lưu đơn vị." in shown
    with world.db.uow() as uow:
        unit = uow.session.get(OrgUnit, world.units["D1"])
        assert (unit.valid_from.isoformat(), unit.valid_to.isoformat()) == \
            ("2020-01-01", "2025-12-31")


def test_a_users_roles_and_unit_are_changed_and_it_is_deactivated(world):
    client = _admin(world)
    page = f"/tasks/admin/users/{world.users['rep1']}"
    empty = post_form(client, page, {"full_name": "rep1", "unit_id": str(world.units["D2"]),
                                     "language": "vi"})
    assert field_errors(empty) == {"roles": "Không được để trống."}
    saved = post_form(client, page, {"full_name": "Người Một", "unit_id": str(world.units["D2"]),
                                     "roles": ["reporter", "viewer"], "language": "en"})
    assert saved.status_code == 302
    post_form(client, page, {}, action=f"{page}/active")
    with world.db.uow() as uow:
        user = uow.session.get(User, world.users["rep1"])
        assert (user.full_name, user.unit_id, sorted(user.roles), user.language,
                user.active) == ("Người Một", world.units["D2"], ["reporter", "viewer"], "en",
                                 False)
    response = world.client.post("/tasks/api/v1/auth/token",
                                 json={"username": "rep1", "password": "correct horse battery"})
    assert response.status_code == 401


def test_a_new_users_mistakes_are_named_and_the_password_is_not_echoed(world):
    client = _admin(world)
    response = post_form(client, "/tasks/admin/users", {
        "username": "moi", "password": "short", "full_name": "", "email": "not-an-email",
        "unit_id": str(world.units["D1"]), "roles": ["reporter"]})
    assert response.status_code == 422
    assert set(field_errors(response)) == {"password", "full_name", "email"}
    assert "short" not in response.get_data(as_text=True)


def test_a_day_off_is_announced_and_withdrawn(world):
    client = _admin(world)
    page = "/tasks/admin/holidays"
    bad = post_form(client, page, {"day": "2026-13-01", "kind": "day_off"})
    assert field_errors(bad) == {"day": "Ngày phải có dạng dd/mm/yyyy, ví dụ 31/12/2025."}
    wrong_kind = post_form(client, page, {"day": "02/01/2026", "kind": "party"})
    assert "kind" in field_errors(wrong_kind)
    assert post_form(client, page, {"day": "02/01/2026", "kind": "day_off",
                                    "note": "Nghỉ bù Tết Dương lịch"}).status_code == 302
    listed = client.get(page, headers=HTML).get_data(as_text=True)
    assert "02/01/2026" in listed and "Nghỉ bù Tết Dương lịch" in listed
    post_form(client, page, {}, action=f"{page}/2026-01-02/delete")
    with world.db.uow() as uow:
        assert uow.session.query(CalendarOverride).count() == 0
    missing = post_form(client, page, {}, action=f"{page}/2026-01-03/delete")
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["head", "coordinator", "reporter", "viewer"])
def test_every_admin_page_of_the_service_is_a_404_for_non_admins(world, role):
    log_in(world.client, world.settings, roles=(role,), unit_id=world.units["SCT"])
    checked = 0
    for rule in world.app.url_map.iter_rules():
        if "/admin/" not in rule.rule or "/api/" in rule.rule:
            continue
        path = rule.rule.replace("<uuid:unit_id>", str(world.units["D1"])) \
            .replace("<uuid:user_id>", str(world.users["rep1"])).replace("<day>", "2026-01-02")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = world.client.open(path, method=method, headers=HTML)
            assert response.status_code == 404, (path, method)
            assert "Không tìm thấy" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 10
