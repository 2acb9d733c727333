"""The coordinator's and reporter's pages through the Flask test client: the edge cases."""

from __future__ import annotations

import html
import io
import re
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services.tasks import service
from services.tasks.app import create_app
from services.tasks.domain import FastCalendar
from services.tasks.models import Duty, Task
from services.tasks.settings import TasksSettings
from tests.unit.tasks.conftest import PASSWORD

API = "/tasks/api/v1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that logs in through the form and posts forms with their CSRF token."""

    def __init__(self, app):
        self.client = app.test_client()

    def token(self) -> str:
        return CSRF.search(self.client.get("/tasks/login").get_data(as_text=True)).group(1)

    def log_in(self, username: str) -> Browser:
        response = self.client.post("/tasks/login", data={
            "username": username, "password": PASSWORD, "csrf_token": self.token(),
            "next": "/tasks/"})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return self

    def get(self, path: str):
        return self.client.get(path, headers={"Accept-Language": "vi"})

    def post(self, path: str, data: dict, **kwargs):
        return self.client.post(path, data={**data, "csrf_token": self.token()},
                                headers={"Accept-Language": "vi"}, **kwargs)


@pytest.fixture
def app(world, tmp_path):
    return create_app(world.settings, db=world.db, tasks_settings=TasksSettings(
        attachment_max_bytes=2000, attachment_dir=tmp_path / "files"))


def _task(world, *, unit="D1", title="Tập huấn sản xuất sạch hơn tại Hà Nội",
          deadline=date(2030, 1, 5)) -> uuid.UUID:
    with world.db.uow() as uow:
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=world.units["SCT"],
                                title=title, assignee_unit_id=world.units[unit],
                                deadline=deadline, calendar=FastCalendar(),
                                now=datetime.now(UTC), kpi_codes=["AWARE"])
        uow.commit()
    return task.id


def _status(world, task_id) -> str:
    with world.db.uow() as uow:
        return uow.session.get(Task, task_id).status


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_task_page_offers_only_the_moves_of_the_users_part(world, app):
    task_id = _task(world)
    reporter = _text(Browser(app).log_in("rep1").get(f"/tasks/tasks/{task_id}"))
    assert re.findall(r'data-to="(\w+)"', reporter) == ["in_progress", "submitted"]
    assert "05/01/2030" in reporter and "07/01/2030" in reporter  # Saturday: Monday counts
    coordinator = _text(Browser(app).log_in("coord").get(f"/tasks/tasks/{task_id}"))
    assert re.findall(r'data-to="(\w+)"', coordinator) == ["in_progress", "cancelled"]


def test_a_forbidden_move_is_a_readable_message_and_changes_nothing(world, app):
    task_id = _task(world)
    response = Browser(app).log_in("rep1").post(f"/tasks/tasks/{task_id}/transition",
                                                {"to": "done"})
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    assert ("Không thể chuyển công việc từ trạng thái 'Chưa bắt đầu' sang 'Hoàn thành'"
            in _text(response))
    assert _status(world, task_id) == "not_started"


def test_returning_without_a_reason_is_told_and_a_permitted_move_is_made(world, app):
    task_id = _task(world)
    reporter, coordinator = Browser(app).log_in("rep1"), Browser(app).log_in("coord")
    assert reporter.post(f"/tasks/tasks/{task_id}/transition",
                         {"to": "submitted"}).status_code == 303
    refused = coordinator.post(f"/tasks/tasks/{task_id}/transition", {"to": "returned"})
    assert refused.status_code == 422 and "Cần nêu lý do." in _text(refused)
    moved = coordinator.post(f"/tasks/tasks/{task_id}/transition",
                             {"to": "returned", "reason": "Thiếu biên bản"})
    assert moved.status_code == 303 and _status(world, task_id) == "returned"
    page = _text(coordinator.get(f"/tasks/tasks/{task_id}?done=moved"))
    assert "Đã nộp, chờ duyệt → Bị trả lại (lý do: Thiếu biên bản)" in page


def test_a_blocked_task_has_the_same_name_on_its_page_and_in_the_inbox(world, app):
    from services.notifications.domain import Names
    from services.notifications.outbound import inbox_text

    task_id = _task(world)
    reporter = Browser(app).log_in("rep1")
    assert reporter.post(f"/tasks/tasks/{task_id}/transition", {"to": "in_progress"}) \
        .status_code == 303
    assert reporter.post(f"/tasks/tasks/{task_id}/transition",
                         {"to": "blocked", "reason": "Chờ số liệu"}).status_code == 303
    page = _text(reporter.get(f"/tasks/tasks/{task_id}"))
    message = inbox_text("task.status_changed", {
        "task_id": task_id, "title": "T", "old_status": "in_progress", "status": "blocked",
        "reason": "Chờ số liệu", "effective_deadline": date(2030, 1, 7)},
        unit=Names("Đơn vị D1", "Unit D1"), at=datetime(2029, 12, 30, tzinfo=UTC),
        base_url="")
    assert '<dd id="task-status">Gặp vướng mắc</dd>' in page
    assert message.title_vi == "Gặp vướng mắc: T" and message.title_en == "Blocked: T"
    english = _text(reporter.get(f"/tasks/tasks/{task_id}?lang=en"))
    assert '<dd id="task-status">Blocked</dd>' in english


def test_the_task_page_counts_the_days_left_in_working_days(world, app):
    # Due Saturday 05/01/2030, so Monday 07/01; seen on Friday 04/01 that is one working day.
    from unittest.mock import patch

    task_id = _task(world)
    with patch("services.tasks.pages_task.current_time",
               return_value=datetime(2030, 1, 4, 3, tzinfo=UTC)):
        page = _text(Browser(app).log_in("rep1").get(f"/tasks/tasks/{task_id}"))
    assert '<dd id="days-left" class="muted">còn 1 ngày làm việc</dd>' in page


def test_a_form_post_without_its_csrf_token_is_refused(world, app):
    task_id = _task(world)
    browser = Browser(app).log_in("rep1")
    for path, data in ((f"/tasks/tasks/{task_id}/transition", {"to": "in_progress"}),
                       (f"/tasks/tasks/{task_id}/comments", {"body": "xin chào"})):
        assert browser.client.post(path, data=data).status_code == 400
    assert _status(world, task_id) == "not_started"
    assert "xin chào" not in _text(browser.get(f"/tasks/tasks/{task_id}"))


def test_a_task_of_another_unit_is_the_404_page_for_reading_and_acting(world, app):
    task_id = _task(world, unit="D1")
    other = Browser(app).log_in("rep2")
    for response in (other.get(f"/tasks/tasks/{task_id}"),
                     other.post(f"/tasks/tasks/{task_id}/transition", {"to": "in_progress"}),
                     other.post(f"/tasks/tasks/{task_id}/comments", {"body": "?"})):
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "Không tìm thấy công việc." in _text(response)
        assert "Tập huấn" not in _text(response)
    assert _status(world, task_id) == "not_started"


def test_comments_and_evidence_files_are_added_and_bad_uploads_are_told(world, app):
    task_id = _task(world)
    browser = Browser(app).log_in("rep1")
    base = f"/tasks/tasks/{task_id}"
    empty = browser.post(f"{base}/comments", {"body": "  "})
    assert empty.status_code == 422 and "Không được để trống." in _text(empty)
    assert browser.post(f"{base}/comments", {"body": "Đã gửi giấy mời"}).status_code == 303
    wrong = browser.post(f"{base}/attachments", {"file": (io.BytesIO(b"MZ"), "x.exe",
                                                          "application/x-msdownload")})
    assert wrong.status_code == 415 and "Loại tệp không được chấp nhận" in _text(wrong)
    big = browser.post(f"{base}/attachments", {"file": (io.BytesIO(b"x" * 2001), "big.txt",
                                                        "text/plain")})
    assert big.status_code == 413 and "Tệp quá lớn" in _text(big)
    huge = browser.post(f"{base}/attachments", {"file": (io.BytesIO(b"x" * 200_000),
                                                         "huge.txt", "text/plain")})
    assert huge.status_code == 413 and "Tệp quá lớn" in _text(huge)
    missing = browser.post(f"{base}/attachments", {})
    assert missing.status_code == 422 and "Cần gửi một tệp" in _text(missing)
    ok = browser.post(f"{base}/attachments", {"file": (io.BytesIO(b"%PDF-1.4"), "bien-ban.pdf",
                                                       "application/pdf")})
    assert ok.status_code == 303
    page = _text(browser.get(f"{base}?done=attached"))
    assert "Đã tải tệp minh chứng lên." in page
    assert "Bình luận: Đã gửi giấy mời" in page and "Tải tệp minh chứng: bien-ban.pdf" in page
    assert page.count("bien-ban.pdf") >= 2 and "big.txt" not in page


def test_the_table_filters_by_unit_status_kpi_and_words_without_diacritics(world, app):
    _task(world, unit="D1", title="Tập huấn tại Hà Nội")
    _task(world, unit="D2", title="Khảo sát doanh nghiệp")
    browser = Browser(app).log_in("coord")
    everything = _text(browser.get("/tasks/tasks"))
    assert "Tìm thấy 2 công việc" in everything
    found = _text(browser.get("/tasks/tasks?q=ha+noi"))
    assert "Tìm thấy 1 công việc" in found and "Tập huấn tại Hà Nội" in found
    by_unit = _text(browser.get(f"/tasks/tasks?unit_id={world.units['D2']}&kpi_code=AWARE"))
    assert "Khảo sát doanh nghiệp" in by_unit and "Hà Nội" not in by_unit
    none = _text(browser.get("/tasks/tasks?status=done"))
    assert "Tìm thấy 0 công việc" in none
    bad = browser.get("/tasks/tasks?deadline_from=31-12-2020&status=zzz")
    assert bad.status_code == 200 and "Tìm thấy 2 công việc" in _text(bad)
    assert 'id="deadline_from-error">Ngày không hợp lệ; dùng dạng dd/mm/yyyy.' in _text(bad)
    assert 'id="status-error"' in _text(bad)
    window = _text(browser.get("/tasks/tasks?deadline_from=01/01/2030&deadline_to=6/1/2030"))
    assert "Tìm thấy 0 công việc" in window  # 05/01/2030 is a Saturday: 07/01 counts
    window = _text(browser.get("/tasks/tasks?deadline_from=07/01/2030&deadline_to=07/01/2030"))
    assert "Tìm thấy 2 công việc" in window
    reporter = _text(Browser(app).log_in("rep2").get("/tasks/tasks"))
    assert "Tìm thấy 1 công việc" in reporter and "Hà Nội" not in reporter


def test_the_calendar_shows_each_task_on_its_effective_deadline(world, app):
    task_id = _task(world, deadline=date(2030, 1, 5))
    page = _text(Browser(app).log_in("rep1").get("/tasks/calendar?month=2030-01"))
    cell = re.search(r'data-date="07/01/2030">(.*?)</td>', page, re.S).group(1)
    assert f"/tasks/tasks/{task_id}" in cell
    assert "2029-12" in page and "2030-02" in page  # previous / next month links
    assert f"/tasks/tasks/{task_id}" not in _text(
        Browser(app).log_in("rep2").get("/tasks/calendar?month=2030-01"))


def _plan(world) -> str:
    response = world.client.post(f"{API}/plans", headers=world.login("head"), json={
        "code": "P1", "name_vi": "Kế hoạch SXSH", "name_en": "CP plan",
        "period_start": "2030-01-01", "period_end": "2032-12-31",
        "lead_unit_id": str(world.units["SCT"])})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_the_duty_form_tells_each_fields_error_and_keeps_the_values(world, app):
    plan_id = _plan(world)
    browser = Browser(app).log_in("coord")
    form = {"plan_id": plan_id, "code": "BC-NAM", "lead_unit_id": str(world.units["SCT"]),
            "coordinating_unit_ids": [str(world.units["D1"]), str(world.units["D2"])],
            "schedule": "recurring", "freq": "YEARLY", "by_month": "13", "by_day": "20",
            "task_kind": "yearly_report"}
    response = browser.post("/tasks/duties/new", form)
    text = _text(response)
    assert response.status_code == 422
    assert re.search(r'id="title-error">Thiếu dữ liệu cho trường bắt buộc', text)
    assert re.search(r'id="by_month-error">Phải là số từ 1 đến 12', text)
    assert 'value="BC-NAM"' in text and 'value="20"' in text
    assert text.count("selected") >= 3  # lead and both coordinating units kept
    raw = browser.post("/tasks/duties/new", {**form, "title": "Báo cáo năm",
                                             "rrule_raw": "FREQ=SOMETIMES"})
    assert raw.status_code == 422 and 'id="rrule-error">Quy tắc lặp không hợp lệ' in _text(raw)
    saved = browser.post("/tasks/duties/new", {**form, "title": "Báo cáo năm",
                                               "by_month": "12"})
    assert saved.status_code == 303
    with world.db.uow() as uow:
        duty = uow.session.execute(select(Duty).where(Duty.code == "BC-NAM")).scalar_one()
        assert duty.rrule == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20"
        assert {u.code for u in duty.coordinating_units} == {"D1", "D2"}
        tasks = uow.session.execute(select(Task).where(Task.duty_id == duty.id)).scalars()
        assert sorted((t.deadline.year, t.assignee_unit_id == world.units["D1"])
                      for t in tasks) == [(y, d) for y in (2030, 2031, 2032)
                                          for d in (False, True)]
    taken = browser.post("/tasks/duties/new", {**form, "title": "Lần hai", "by_month": "12"})
    assert taken.status_code == 409 and "id=\"code-error\">Mã 'BC-NAM' đã được dùng" \
        in _text(taken)


def test_a_one_off_duty_needs_a_deadline_and_an_edit_changes_title_and_rule(world, app):
    plan_id = _plan(world)
    browser = Browser(app).log_in("coord")
    form = {"plan_id": plan_id, "code": "T1", "title": "Tập huấn",
            "lead_unit_id": str(world.units["SCT"]), "schedule": "one_off"}
    missing = browser.post("/tasks/duties/new", form)
    assert missing.status_code == 422 and 'id="deadline-error"' in _text(missing)
    bad_day = browser.post("/tasks/duties/new", {**form, "deadline": "31/06/2031"})
    assert 'id="deadline-error">Ngày không hợp lệ; dùng dạng dd/mm/yyyy.' in _text(bad_day)
    assert 'value="31/06/2031"' in _text(bad_day)
    assert browser.post("/tasks/duties/new", {**form, "deadline": "30/06/2031",
                                              "doc_date": "15/03/2030"}).status_code == 303
    with world.db.uow() as uow:
        one_off = uow.session.execute(select(Duty).where(Duty.code == "T1")).scalar_one()
        assert one_off.doc_date == date(2030, 3, 15)
        assert [t.deadline for t in uow.session.execute(
            select(Task).where(Task.duty_id == one_off.id)).scalars()] == [date(2031, 6, 30)]
    assert 'value="15/03/2030"' in _text(browser.get(f"/tasks/duties/{one_off.id}/edit"))
    recurring = {**form, "code": "T2", "schedule": "recurring", "freq": "QUARTERLY",
                 "by_month": "3", "by_day": "15", "until_year": "2030"}
    assert browser.post("/tasks/duties/new", recurring).status_code == 303
    with world.db.uow() as uow:
        duty = uow.session.execute(select(Duty).where(Duty.code == "T2")).scalar_one()
        assert duty.rrule == "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=15;UNTIL=20301231T235959"
    edit = f"/tasks/duties/{duty.id}/edit"
    assert 'value="FREQ=YEARLY;BYMONTH=3,6,9,12' in _text(browser.get(edit))
    blank = browser.post(edit, {"title": "", "rrule_raw": duty.rrule})
    assert blank.status_code == 422 and 'id="title-error"' in _text(blank)
    changed = browser.post(edit, {"title": "Tập huấn hằng quý", "kpi_codes": "aware, apply",
                                  "rrule_raw": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15"})
    assert changed.status_code == 303
    with world.db.uow() as uow:
        duty = uow.session.get(Duty, duty.id)
        assert (duty.title, duty.kpi_codes, duty.code) == ("Tập huấn hằng quý",
                                                          ["AWARE", "APPLY"], "T2")
        assert duty.rrule == "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15"


def test_only_managers_open_the_duty_pages_and_edit_only_their_units_duties(world, app):
    plan_id = _plan(world)
    duty_ids = {}
    for code, lead in (("SCT-A", "SCT"), ("D1-A", "D1")):
        response = world.client.post(f"{API}/plans/{plan_id}/duties", headers=world.login("head"),
                                     json={"code": code, "title": code, "deadline": "2031-01-05",
                                           "lead_unit_id": str(world.units[lead])})
        assert response.status_code == 201, response.json
        duty_ids[code] = response.json["id"]
    listing = _text(Browser(app).log_in("coord").get("/tasks/duties"))
    assert f"/tasks/duties/{duty_ids['SCT-A']}/edit" in listing and "D1-A" in listing
    assert f"/tasks/duties/{duty_ids['D1-A']}/edit" not in listing
    refused = Browser(app).log_in("coord").post(f"/tasks/duties/{duty_ids['D1-A']}/edit",
                                                {"title": "Đổi tên"})
    assert refused.status_code == 403 and "Chỉ điều phối viên của đơn vị chủ trì" in _text(refused)
    for path in ("/tasks/duties", f"/tasks/duties/{uuid.uuid4()}/edit"):
        response = Browser(app).log_in("rep1").get(path)
        assert response.status_code == 403 and response.mimetype == "text/html"
        assert "Thao tác này cần một trong các vai trò" in _text(response)
    assert Browser(app).log_in("coord").get("/tasks/duties").status_code == 200
    assert Browser(app).log_in("coord").get(
        f"/tasks/duties/new?plan_id={uuid.uuid4()}").status_code == 404
    assert Browser(app).log_in("coord").get("/tasks/duties/new?plan_id=zzz").status_code == 404


def test_the_pages_speak_english_when_asked(world, app):
    task_id = _task(world)
    browser = Browser(app).log_in("rep1")
    table = _text(browser.client.get("/tasks/tasks?lang=en"))
    assert "<h1>Tasks</h1>" in table and "Found 1 task" in table
    refused = browser.client.post(f"/tasks/tasks/{task_id}/transition", data={
        "to": "done", "csrf_token": browser.token()})
    assert "You may not move this task from 'Not started' to 'Done'." in _text(refused)


BAD_QUERIES = ["page=0", "page=abc", "page=99999999999", "unit_id=nope", "sort=zzz",
               "timeliness=late", "kpi_code=" + "K" * 40, "q=" + "x" * 300,
               "deadline_from=99/99/9999", "deadline_to=2020-13-01", "month=2020-13",
               "month=abc", "plan_id=nope"]


def test_no_bad_input_makes_a_page_fail(world, app):
    plan_id = _plan(world)
    task_id = _task(world)
    browser = Browser(app).log_in("coord")
    for path in ("/tasks/tasks", "/tasks/calendar", "/tasks/duties", f"/tasks/tasks/{task_id}",
                 f"/tasks/duties/new?plan_id={plan_id}&"):
        for query in BAD_QUERIES:
            response = browser.get(f"{path}{'&' if '?' in path else '?'}{query}")
            assert response.status_code < 500 and response.mimetype == "text/html", (path, query)
    posts = [
        (f"/tasks/tasks/{task_id}/transition", {"to": "x" * 100, "reason": "y" * 5000}),
        (f"/tasks/tasks/{task_id}/comments", {"body": "z" * 6000}),
        ("/tasks/duties/new", {"plan_id": plan_id, "code": "C" * 40, "title": "t",
                               "lead_unit_id": "nope", "coordinating_unit_ids": ["x", ""],
                               "schedule": "recurring", "by_day": "-1", "by_month": "x",
                               "until_year": "1", "kpi_codes": "A" * 40, "doc_date": "nope",
                               "description": "d" * 10001}),
        ("/tasks/duties/new", {"plan_id": plan_id, "code": "C", "title": "t",
                               "lead_unit_id": str(world.units["D1"]), "schedule": "one_off",
                               "deadline": "01/01/2031"}),
        ("/tasks/duties/new", {"plan_id": "nope"}),
        (f"/tasks/duties/{uuid.uuid4()}/edit", {"title": "x"}),
    ]
    for path, data in posts:
        response = browser.post(path, data)
        assert 400 <= response.status_code < 500 and response.mimetype == "text/html", \
            (path, response.status_code)
    not_lead = browser.post("/tasks/duties/new", posts[3][1])
    assert not_lead.status_code == 403
    assert "Chỉ điều phối viên của đơn vị chủ trì" in _text(not_lead)
    assert 'value="01/01/2031"' in _text(not_lead)


def test_the_assignee_reports_progress_and_the_lead_moves_the_deadline(world, app):
    task_id = _task(world, deadline=date(2030, 1, 5))
    reporter, coordinator = Browser(app).log_in("rep1"), Browser(app).log_in("coord")
    page = _text(reporter.get(f"/tasks/tasks/{task_id}"))
    assert 'id="progress"' in page and 'id="deadline"' not in page
    too_much = reporter.post(f"/tasks/tasks/{task_id}/edit", {"progress": "150"})
    assert too_much.status_code == 422
    assert 'id="progress-error">Phải lớn hơn hoặc bằng 0 và nhỏ hơn hoặc bằng 100.' \
        in _text(too_much)
    assert reporter.post(f"/tasks/tasks/{task_id}/edit", {"progress": "40"}).status_code == 303
    sneaked = reporter.post(f"/tasks/tasks/{task_id}/edit", {"deadline": "01/02/2031"})
    assert sneaked.status_code == 403 and "cần một trong các vai trò" in _text(sneaked)
    moved = coordinator.post(f"/tasks/tasks/{task_id}/edit", {"progress": "40",
                                                              "deadline": "1/2/2031"})
    assert moved.status_code == 303
    with world.db.uow() as uow:
        task = uow.session.get(Task, task_id)
        assert (task.progress, task.deadline, task.effective_deadline) == (
            40, date(2031, 2, 1), date(2031, 2, 3))  # a Saturday: Monday counts
    page = _text(coordinator.get(f"/tasks/tasks/{task_id}?done=updated"))
    assert "Đã cập nhật công việc." in page and 'value="01/02/2031"' in page
    assert "Đổi hạn" in page
