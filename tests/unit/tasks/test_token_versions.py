"""A change of roles, unit or password ends the tasks service's tokens issued before it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import jwt

from services.tasks import service
from shared.auth import COOKIE_NAME
from shared.db import utcnow
from tests.helpers import TEST_SECRET, bearer
from tests.unit.tasks.conftest import PASSWORD

API = "/tasks/api/v1"


def add_admins(world, *names: str) -> dict[str, uuid.UUID]:
    with world.db.uow() as uow:
        ids = {name: service.create_user(uow=uow, actor_id=None, username=name,
                                         password=PASSWORD, full_name=name,
                                         unit_id=world.units["SCT"], roles=["admin"],
                                         now=utcnow()).id for name in names}
        uow.commit()
    return ids


def assert_revoked(response) -> None:
    assert response.status_code == 401, response.json
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["type"].endswith(":token_revoked")
    assert response.json["details"]["vi"] == ("Phiên đăng nhập đã hết hiệu lực vì tài khoản "
                                              "vừa thay đổi; vui lòng đăng nhập lại.")
    assert response.json["details"]["en"].startswith("This session has ended")


def a_task(world, unit: str = "D1") -> dict:
    return {"title": "Báo cáo", "assignee_unit_id": str(world.units[unit]),
            "deadline": (date.today() + timedelta(days=30)).isoformat()}


def test_an_admin_demoted_to_viewer_cannot_give_itself_admin_back_with_its_old_token(world):
    ids = add_admins(world, "adm1", "adm2")
    old = world.login("adm2")
    renamed = world.client.patch(f"{API}/admin/users/{ids['adm2']}", headers=old,
                                 json={"full_name": "Quản trị 2"})
    assert renamed.status_code == 200  # a name is no right: the token keeps working
    demoted = world.client.patch(f"{API}/admin/users/{ids['adm2']}", headers=world.login("adm1"),
                                 json={"roles": ["viewer"]})
    assert demoted.status_code == 200
    assert_revoked(world.client.patch(f"{API}/admin/users/{ids['adm2']}", headers=old,
                                      json={"roles": ["admin"]}))
    new = world.login("adm2")
    assert world.client.get(f"{API}/me", headers=new).json["roles"] == ["viewer"]
    assert world.client.patch(f"{API}/admin/users/{ids['adm2']}", headers=new,
                              json={"roles": ["admin"]}).status_code == 403


def test_a_coordinator_demoted_to_viewer_creates_no_task_with_its_old_token(world):
    add_admins(world, "adm1")
    old = world.login("coord")
    assert world.client.post(f"{API}/tasks", headers=old, json=a_task(world)).status_code == 201
    world.client.patch(f"{API}/admin/users/{world.users['coord']}",
                       headers=world.login("adm1"), json={"roles": ["viewer"]})
    assert_revoked(world.client.post(f"{API}/tasks", headers=old, json=a_task(world)))
    assert world.client.post(f"{API}/tasks", headers=world.login("coord"),
                             json=a_task(world)).status_code == 403


def test_a_reporter_moved_to_another_district_no_longer_reads_or_comments_the_old_one(world):
    add_admins(world, "adm1")
    task = world.client.post(f"{API}/tasks", headers=world.login("coord"), json=a_task(world))
    task_id = task.json["id"]
    old = world.login("rep1")
    assert world.client.get(f"{API}/tasks/{task_id}", headers=old).status_code == 200
    world.client.patch(f"{API}/admin/users/{world.users['rep1']}", headers=world.login("adm1"),
                       json={"unit_id": str(world.units["D2"])})
    assert_revoked(world.client.get(f"{API}/tasks/{task_id}", headers=old))
    assert_revoked(world.client.post(f"{API}/tasks/{task_id}/comments", headers=old,
                                     json={"body": "Đã nhận"}))
    new = world.login("rep1")
    assert world.client.get(f"{API}/tasks/{task_id}", headers=new).status_code in (403, 404)


def test_a_password_change_ends_the_tokens_and_page_cookies_issued_before_it(world):
    old, other = world.login("rep1"), world.login("rep1")
    page = world.app.test_client()
    page.set_cookie(COOKIE_NAME, other["Authorization"][7:])
    assert page.get("/tasks/tasks").status_code == 200
    assert world.client.post(f"{API}/me/password", headers=old, json={
        "current_password": PASSWORD, "new_password": "a-new-password-1"}).status_code == 204
    assert_revoked(world.client.get(f"{API}/me", headers=old))
    assert_revoked(world.client.get(f"{API}/me", headers=other))
    response = page.get("/tasks/tasks")
    assert response.status_code == 302 and "/tasks/login" in response.headers["Location"]
    new = world.client.post(f"{API}/auth/token", json={"username": "rep1",
                                                       "password": "a-new-password-1"})
    assert world.client.get(f"{API}/me", headers=bearer(new.json["access_token"])
                            ).status_code == 200


def test_a_token_without_a_token_version_is_refused_as_stale(world):
    token = world.login("rep1")["Authorization"][7:]
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["tv"] == 1
    del claims["tv"]
    claims["iat"] = claims["nbf"] = int(datetime.now(UTC).timestamp())
    legacy = jwt.encode(claims, TEST_SECRET, algorithm="HS256")
    assert_revoked(world.client.get(f"{API}/me", headers=bearer(legacy)))
