"""Plans and recurring duties, comments, attachments, history, iCalendar feeds, administration."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from services.tasks import planning, service
from services.tasks.domain import FastCalendar
from services.tasks.models import Task, audit_log
from shared.auth import Principal
from tests.unit.tasks.conftest import PASSWORD

API = "/tasks/api/v1"


def _admin(world):
    with world.db.uow() as uow:
        user = service.create_user(uow=uow, actor_id=None, username="root", password=PASSWORD,
                                   full_name="root", unit_id=world.units["SCT"],
                                   roles=["admin"], now=datetime.now(UTC))
        uow.commit()
    return world.login("root"), user.id


def _plan(world, headers):
    response = world.client.post(f"{API}/plans", headers=headers, json={
        "code": "P1", "name_vi": "Kế hoạch SXSH", "name_en": "CP plan",
        "legal_basis": "Quyết định 1419/QĐ-TTg", "period_start": "2016-01-01",
        "period_end": "2020-12-31", "lead_unit_id": str(world.units["SCT"])})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _tasks_of(world, duty_id):
    with world.db.uow() as uow:
        return {(t.deadline, t.assignee_unit_id): t.status for t in uow.session.execute(
            select(Task).where(Task.duty_id == uuid.UUID(duty_id))).scalars()}


def test_a_recurring_reporting_duty_generates_one_task_per_year_and_coordinating_unit(world):
    plan_id = _plan(world, world.login("head"))
    response = world.client.post(f"{API}/plans/{plan_id}/duties", headers=world.login("coord"),
                                 json={
        "code": "BC", "title": "Báo cáo năm", "lead_unit_id": str(world.units["SCT"]),
        "coordinating_unit_ids": [str(world.units["D1"]), str(world.units["D2"])],
        "doc_number": "123/KH-UBND", "doc_date": "2016-08-01", "kpi_codes": ["AWARE"],
        "rrule": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20", "task_kind": "yearly_report"})
    assert response.status_code == 201, response.json
    duty = response.json
    assert duty["kind"] == "recurring" and duty["doc_number"] == "123/KH-UBND"
    assert len(duty["coordinating_unit_ids"]) == 2
    # created today (after 2020): the plan period has passed, nothing is invented after the fact
    assert _tasks_of(world, duty["id"]) == {}
    listed = world.client.get(f"{API}/plans/{plan_id}/duties", headers=world.login("rep1"))
    assert [d["code"] for d in listed.json] == ["BC"]


def test_changing_the_rule_regenerates_only_the_future(world):
    now = datetime(2018, 3, 1, tzinfo=UTC)
    coordinator = Principal(user_id=world.users["coord"], username="coord",
                            unit_id=world.units["SCT"], unit_code="SCT",
                            roles=("coordinator",))
    with world.db.uow() as uow:
        plan = planning.create_plan(uow=uow, principal=Principal(
            user_id=world.users["head"], username="head", unit_id=world.units["SCT"],
            unit_code="SCT", roles=("head",)), code="P2", name_vi="KH", name_en="Plan",
            legal_basis="", period_start=date(2016, 1, 1), period_end=date(2020, 12, 31),
            lead_unit_id=world.units["SCT"], now=now)
        duty = planning.create_duty(
            uow=uow, principal=coordinator, plan_id=plan.id, code="Q", title="Báo cáo",
            lead_unit_id=world.units["SCT"], rrule="FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=30",
            calendar=FastCalendar(), now=now)
        uow.commit()
    before = _tasks_of(world, str(duty.id))
    assert sorted(d.year for d, _ in before) == [2018, 2019, 2020]  # 2016, 2017 had passed
    later = datetime(2019, 1, 10, tzinfo=UTC)
    with world.db.uow() as uow:
        task_2019 = uow.session.execute(select(Task).where(
            Task.duty_id == duty.id, Task.deadline == date(2019, 6, 30))).scalar_one()
        task_2019.status = "in_progress"  # started: kept whatever the new rule says
        uow.commit()
    with world.db.uow() as uow:
        planning.change_duty_rule(uow=uow, principal=coordinator, duty_id=duty.id,
                                  rrule="FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=15",
                                  calendar=FastCalendar(), now=later)
        uow.commit()
    after = {d: s for (d, _), s in _tasks_of(world, str(duty.id)).items()}
    assert after[date(2018, 6, 30)] == "not_started"  # the past is never touched
    assert after[date(2019, 6, 30)] == "in_progress"
    assert after[date(2020, 6, 30)] == "cancelled"
    assert after[date(2019, 9, 15)] == after[date(2020, 9, 15)] == "not_started"
    assert date(2018, 9, 15) not in after


def test_only_a_coordinator_of_the_lead_unit_manages_its_duties(world):
    plan_id = _plan(world, world.login("head"))
    body = {"code": "X", "title": "Việc", "lead_unit_id": str(world.units["D1"]),
            "deadline": "2030-01-15"}
    refused = world.client.post(f"{API}/plans/{plan_id}/duties", headers=world.login("coord"),
                                json=body)
    assert refused.status_code == 403
    bad_rule = world.client.post(f"{API}/plans/{plan_id}/duties", headers=world.login("head"),
                                 json={**body, "deadline": None, "rrule": "FREQ=SOMETIMES"})
    assert bad_rule.status_code == 422 and bad_rule.json["errors"][0]["field"] == "rrule"
    made = world.client.post(f"{API}/plans/{plan_id}/duties", headers=world.login("head"),
                             json=body)
    assert made.status_code == 201
    assert list(_tasks_of(world, made.json["id"]).values()) == ["not_started"]


def _task(world):
    with world.db.uow() as uow:
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=world.units["SCT"],
                                title="Tập huấn; SXSH, năm 2030",
                                assignee_unit_id=world.units["D1"],
                                deadline=date(2030, 1, 5), calendar=FastCalendar(),
                                now=datetime.now(UTC))
        uow.commit()
    return task.id


def test_comments_attachments_and_history_of_a_task(world):
    task_id = _task(world)
    rep1, rep2 = world.login("rep1"), world.login("rep2")
    base = f"{API}/tasks/{task_id}"
    assert world.client.post(f"{base}/comments", headers=rep1,
                             json={"body": "Đã gửi công văn"}).status_code == 201
    assert world.client.post(f"{base}/comments", headers=rep2,
                             json={"body": "x"}).status_code == 404
    pdf = b"%PDF-1.4 minimal evidence"
    uploaded = world.client.post(f"{base}/attachments", headers=rep1, data={
        "file": (io.BytesIO(pdf), "Biên bản.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    attachment_id = uploaded.json["id"]
    downloaded = world.client.get(f"{base}/attachments/{attachment_id}", headers=rep1)
    assert downloaded.data == pdf and downloaded.mimetype == "application/pdf"
    wrong_type = world.client.post(f"{base}/attachments", headers=rep1, data={
        "file": (io.BytesIO(b"MZ"), "virus.exe", "application/x-msdownload")},
        content_type="multipart/form-data")
    assert wrong_type.status_code == 415
    assert world.client.get(f"{base}/attachments/{attachment_id}", headers=rep2
                            ).status_code == 404
    world.client.post(f"{base}/transitions", headers=rep1, json={"to": "in_progress"})
    history = world.client.get(f"{base}/history", headers=rep1).json
    assert [h["action"] for h in history] == ["create", "comment", "attach", "transition"]


def test_an_attachment_over_the_size_limit_is_413_and_writes_nothing(world, tmp_path):
    from services.tasks.app import create_app
    from services.tasks.settings import TasksSettings
    app = create_app(world.settings, db=world.db,
                     tasks_settings=TasksSettings(attachment_max_bytes=1000,
                                                  attachment_dir=tmp_path / "files"))
    task_id = _task(world)
    headers = world.login("rep1")
    response = app.test_client().post(
        f"{API}/tasks/{task_id}/attachments", headers=headers,
        data={"file": (io.BytesIO(b"x" * 1001), "big.txt", "text/plain")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert not list((tmp_path / "files").glob("*/*"))


def test_the_icalendar_feed_is_secret_per_user_and_revocable(world):
    _task(world)
    headers = world.login("rep1")
    feed = world.client.post(f"{API}/calendar/feeds", headers=headers).json
    ics = world.client.get(f"{API}/calendar/feeds/{feed['token']}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    text = ics.data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert "DTSTART;VALUE=DATE:20300107" in text  # 05/01/2030 is a Saturday: Monday counts
    assert "SUMMARY:Tập huấn\\; SXSH\\, năm 2030" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("END:VCALENDAR\r\n")
    other = world.client.delete(f"{API}/calendar/feeds/{feed['token']}",
                                headers=world.login("rep2"))
    assert other.status_code == 404
    assert world.client.delete(f"{API}/calendar/feeds/{feed['token']}",
                               headers=headers).status_code == 204
    assert world.client.get(f"{API}/calendar/feeds/{feed['token']}.ics").status_code == 404


def test_admin_manages_units_and_users_and_a_user_changes_its_own_password(world):
    admin, _ = _admin(world)
    unit = world.client.post(f"{API}/admin/units", headers=admin, json={
        "code": "TX-KM", "kind": "district", "name_vi": "Thị xã Kinh Môn",
        "name_en": "Kinh Mon Town", "valid_from": "2019-12-01"})
    assert unit.status_code == 201, unit.json
    closed = world.client.patch(f"{API}/admin/units/{unit.json['id']}", headers=admin,
                                json={"valid_to": "2025-06-30"})
    assert closed.json["valid_to"] == "2025-06-30"
    user = world.client.post(f"{API}/admin/users", headers=admin, json={
        "username": "bc.km", "password": PASSWORD, "full_name": "Cán bộ", "roles": ["reporter"],
        "unit_id": unit.json["id"]})
    assert user.status_code == 201, user.json
    assert world.client.post(f"{API}/admin/users", headers=world.login("head"), json={
        "username": "x", "password": PASSWORD, "full_name": "x", "roles": ["reporter"],
        "unit_id": unit.json["id"]}).status_code == 403
    own = world.login("bc.km")
    wrong = world.client.post(f"{API}/me/password", headers=own, json={
        "current_password": "nope", "new_password": "a-new-password-1"})
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "current_password"
    assert world.client.post(f"{API}/me/password", headers=own, json={
        "current_password": PASSWORD, "new_password": "a-new-password-1"}).status_code == 204
    assert world.client.post(f"{API}/auth/token", json={
        "username": "bc.km", "password": "a-new-password-1"}).status_code == 200
    off = world.client.patch(f"{API}/admin/users/{user.json['id']}", headers=admin,
                             json={"active": False})
    assert off.json["active"] is False
    with world.db.engine.connect() as conn:
        audited = conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.action.in_(("update", "change_password")))).scalar_one()
    assert audited == 3


def test_the_openapi_document_describes_every_endpoint_with_schemas_and_errors(world):
    spec = world.client.get("/tasks/api/openapi.json").json
    rules = [r for r in world.app.url_map.iter_rules() if r.rule.startswith("/tasks/api/v1")]
    assert len(spec["paths"]) >= 25
    for rule in rules:
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], path
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), (path, method)
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (path, method)
            if "{" in path:
                assert "404" in responses, (path, method)
            if not path.endswith((".ics", "/auth/token")):
                assert "401" in responses, (path, method)
            if method in ("post", "put", "patch"):
                assert "422" in responses, (path, method)
    assert "Problem" in spec["components"]["schemas"]
    transitions = spec["paths"]["/tasks/api/v1/tasks/{task_id}/transitions"]["post"]
    assert {"403", "404", "409", "422"} <= set(transitions["responses"])
