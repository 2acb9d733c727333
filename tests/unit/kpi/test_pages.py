"""The kpi pages through Flask's test client: the edge cases the browser journey leaves out."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook

from services.kpi.models import Report
from tests.helpers import token_for
from tests.unit.kpi.conftest import VALID_VALUES

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_client(world, unit: str, role: str):
    """A test client logged in (token cookie) as a user of `unit` with `role`."""
    client = world.app.test_client()
    p = world.principal(unit, role)
    client.set_cookie("access_token", token_for(
        world.settings, unit_id=p.unit_id, roles=(role,), unit_code=unit, user_id=p.user_id,
        username=p.username))
    return client


def csrf_token(client, path: str = "/kpi/reports") -> str:
    """The CSRF token a page's forms carry (bound to the client's session cookie)."""
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def form_of(values: dict, **extra) -> dict:
    return {**{k: str(v) for k, v in values.items()}, **extra}


def submitted_report(world, unit: str = "D1") -> str:
    response = world.create(unit, submit=True)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_mistake_is_told_beside_its_field_in_vietnamese_and_nothing_is_saved(world):
    client = page_client(world, "D1", "reporter")
    token = csrf_token(client, "/kpi/reports/new?year=2019")
    values = {**VALID_VALUES, "facilities_aware": 120}
    response = client.post("/kpi/reports/new", data=form_of(
        values, year="2019", action="submit", csrf_token=token))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="e-facilities_aware">([^<]+)<', html).group(1)
    assert "(120) không được lớn hơn" in error
    assert 'id="f-facilities_aware" name="facilities_aware"' in html and 'value="120"' in html
    assert world.count(Report.__table__) == 0


def test_every_field_problem_shows_in_one_round_and_in_english_on_switch(world):
    client = page_client(world, "D1", "reporter")
    token = csrf_token(client, "/kpi/reports/new?year=2019")
    values = {**VALID_VALUES, "facilities_applying": "ba", "officers_trained": "2,5",
              "avg_saving_percent": "120"}
    response = client.post("/kpi/reports/new?lang=en", data=form_of(
        values, year="2019", action="save", csrf_token=token))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Facilities applying CP must be a number." in html
    assert "Officers trained must be a whole number." in html
    assert "must be between 0 and 100" in html


def test_a_draft_is_saved_with_a_decimal_comma_then_submitted(world):
    client = page_client(world, "D1", "reporter")
    token = csrf_token(client, "/kpi/reports/new?year=2019")
    values = {**VALID_VALUES, "avg_saving_percent": "9,5", "officers_trained": ""}
    response = client.post("/kpi/reports/new", data=form_of(
        values, year="2019", action="save", csrf_token=token))
    assert response.status_code == 302
    report_page = response.headers["Location"].split("?")[0]
    html = client.get(report_page).get_data(as_text=True)
    assert 'value="9,5"' in html and "Đã lưu bản nháp" not in html
    response = client.post(report_page, data=form_of(values, action="submit", csrf_token=token))
    assert response.status_code == 422
    assert "Cần nhập Số cán bộ chuyên trách được đào tạo" in response.get_data(as_text=True)
    values["officers_trained"] = "8"
    response = client.post(report_page, data=form_of(values, action="submit", csrf_token=token))
    assert response.status_code == 302
    assert "Đã nộp, chờ duyệt" in client.get(report_page).get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_saved(world):
    client = page_client(world, "D1", "reporter")
    response = client.post("/kpi/reports/new", data=form_of(VALID_VALUES, year="2019",
                                                            action="submit"))
    assert response.status_code == 400
    assert world.count(Report.__table__) == 0


def test_returning_without_a_reason_is_a_field_error_and_changes_nothing(world):
    report_id = submitted_report(world)
    head = page_client(world, "SCT", "head")
    token = csrf_token(head, f"/kpi/reports/{report_id}")
    response = head.post(f"/kpi/reports/{report_id}/return",
                         data={"reason": " ", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="reason-error"' in html and "Độ dài phải từ 3 đến 2000 ký tự." in html
    assert world.count(Report.__table__, status="submitted") == 1


def test_the_head_returns_with_a_reason_and_the_reporter_sees_it_on_the_form(world):
    report_id = submitted_report(world)
    head = page_client(world, "SCT", "head")
    token = csrf_token(head, "/kpi/dashboard?year=2019")
    response = head.post(f"/kpi/reports/{report_id}/return", data={
        "reason": "Số cán bộ đào tạo chưa khớp", "csrf_token": token,
        "next": "/kpi/dashboard?year=2019"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/kpi/dashboard?year=2019&done=returned"
    reporter = page_client(world, "D1", "reporter")
    html = reporter.get(f"/kpi/reports/{report_id}").get_data(as_text=True)
    assert 'id="return-reason"' in html and "Số cán bộ đào tạo chưa khớp" in html
    assert 'name="facilities_aware"' in html  # the form again, to fix and resend


def test_a_reporter_cannot_approve_even_its_own_report(world):
    report_id = submitted_report(world)
    reporter = page_client(world, "D1", "reporter")
    token = csrf_token(reporter)
    response = reporter.post(f"/kpi/reports/{report_id}/approve", data={"csrf_token": token})
    assert response.status_code == 403
    assert "Chỉ Giám đốc Sở" in response.get_data(as_text=True)
    assert world.count(Report.__table__, status="submitted") == 1


def test_another_districts_report_page_is_not_found(world):
    report_id = submitted_report(world, "D1")
    other = page_client(world, "D2", "reporter")
    assert other.get(f"/kpi/reports/{report_id}").status_code == 404
    token = csrf_token(other)
    response = other.post(f"/kpi/reports/{report_id}", data=form_of(
        VALID_VALUES, action="submit", csrf_token=token))
    assert response.status_code == 404


def test_a_file_that_is_not_excel_is_told_plainly_not_a_500(world):
    client = page_client(world, "D1", "reporter")
    token = csrf_token(client, "/kpi/reports/upload")
    response = client.post("/kpi/reports/upload", data={
        "csrf_token": token, "file": (io.BytesIO(b"not a workbook"), "bao-cao.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Tệp không phải bảng tính Excel .xlsx đọc được." in response.get_data(as_text=True)
    response = client.post("/kpi/reports/upload", data={"csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_an_upload_shows_its_dry_run_and_saves_only_on_confirmation(world):
    client = page_client(world, "D1", "reporter")
    template = client.get("/kpi/reports/template?year=2019")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.data))
    sheet = wb["BaoCao"]
    for row in range(6, 6 + 11):
        name = sheet.cell(row=row, column=1).value
        sheet.cell(row=row, column=4, value=VALID_VALUES.get(name))
    sheet.cell(row=7, column=4, value="nhiều")  # facilities_aware: not a number
    buffer = io.BytesIO()
    wb.save(buffer)
    token = csrf_token(client, "/kpi/reports/upload")
    response = client.post("/kpi/reports/upload", data={
        "csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "bc.xlsx")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="problems"' in html and "phải là một số" in html
    assert "/kpi/reports/upload/confirm" not in html
    sheet.cell(row=7, column=4, value=70)
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post("/kpi/reports/upload", data={
        "csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "bc.xlsx")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert 'id="would-save"' in html and "/kpi/reports/upload/confirm" in html
    assert world.count(Report.__table__) == 0
    values = re.search(r'name="values" value="([^"]+)"', html).group(1)
    response = client.post("/kpi/reports/upload/confirm", data={
        "csrf_token": token, "year": "2019", "action": "submit",
        "values": values.replace("&#34;", '"').replace("&quot;", '"')})
    assert response.status_code == 302
    assert world.count(Report.__table__, status="submitted") == 1


def test_the_dashboard_shows_each_kpi_with_a_text_status_a_chart_and_the_waiting_report(world):
    report_id = submitted_report(world)
    head = page_client(world, "SCT", "head")
    html = head.get("/kpi/dashboard?year=2019").get_data(as_text=True)
    for code in ("AWARE", "APPLY", "SAVING", "TRAINED"):
        assert f'id="kpi-{code}"' in html and f'id="trend-{code}-title"' in html
    assert ">Đạt</span>" in html or ">Đúng tiến độ</span>" in html
    assert f'action="/kpi/reports/{report_id}/approve"' in html
    assert "/kpi/api/v1/summary/export?year=2019" in html
    assert "Đơn vị chưa báo cáo" in html and "Đơn vị D2" in html


def test_an_at_risk_kpi_has_the_same_name_on_the_dashboard_and_in_the_heads_inbox(world):
    from services.notifications.domain import PROVINCE
    from services.notifications.outbound import inbox_text

    submitted_report(world)  # D1 alone: AWARE 70 % in 2019 is at risk
    head = page_client(world, "SCT", "head")
    html = head.get("/kpi/dashboard?year=2019").get_data(as_text=True)
    english = head.get("/kpi/dashboard?year=2019&lang=en").get_data(as_text=True)
    message = inbox_text("kpi.status_changed", {
        "indicator_code": "AWARE", "year": 2019, "unit_id": None, "old_status": "on_track",
        "new_status": "at_risk", "value": 70.0, "target": 90.0}, unit=PROVINCE,
        at=datetime(2019, 12, 20, tzinfo=UTC), base_url="")
    badge = '<span class="badge kpi-status status-at_risk">{}</span>'
    assert badge.format("Có nguy cơ không đạt") in html
    assert message.title_vi == "Chỉ tiêu AWARE năm 2019: Có nguy cơ không đạt"
    assert badge.format("At risk") in english and message.title_en.endswith(": At risk")


def test_the_report_page_shows_last_years_value_beside_each_field(world):
    world.now = datetime(2018, 12, 10, 3, tzinfo=UTC)
    assert world.create("D1", year=2018, submit=True).status_code == 201
    world.now = datetime(2019, 12, 10, 3, tzinfo=UTC)
    client = page_client(world, "D1", "reporter")
    html = client.get("/kpi/reports/new?year=2019").get_data(as_text=True)
    previous = re.search(r'id="p-facilities_cp_potential">(.*?)</p>', html, re.S).group(1)
    assert "Năm 2018" in previous and ">100<" in previous


def test_kpi_home_sends_a_reporter_to_its_reports_and_the_head_to_the_dashboard(world):
    assert page_client(world, "D1", "reporter").get("/kpi/").headers["Location"] == \
        "/kpi/reports"
    assert page_client(world, "SCT", "head").get("/kpi/").headers["Location"] == \
        "/kpi/dashboard"
    assert page_client(world, "SCT", "coordinator").get("/kpi/").headers["Location"] == \
        "/kpi/dashboard"


def test_the_dashboard_speaks_english_on_switch_and_a_viewer_sees_no_review_buttons(world):
    submitted_report(world)
    html = page_client(world, "SCT", "head").get("/kpi/dashboard?year=2019&lang=en") \
        .get_data(as_text=True)
    assert "Cleaner-production KPIs in 2019" in html and "Reports waiting for approval" in html
    assert "Chưa có số liệu" not in html
    viewer = page_client(world, "D2", "viewer").get("/kpi/dashboard?year=2019")
    assert viewer.status_code == 200
    assert "/approve" not in viewer.get_data(as_text=True)


def test_an_indicator_page_explains_the_status_with_the_reports_behind_it(world):
    submitted_report(world)
    html = page_client(world, "SCT", "head").get("/kpi/indicators/AWARE?year=2019") \
        .get_data(as_text=True)
    assert "Các báo cáo được tính (1)" in html and "Đơn vị D1" in html
    assert "(70 / 100)" in html
    assert page_client(world, "SCT", "head").get("/kpi/indicators/NOPE?year=2019") \
        .status_code == 404


def test_the_head_approves_from_the_dashboard_and_comes_back_to_it(world):
    report_id = submitted_report(world)
    head = page_client(world, "SCT", "head")
    token = csrf_token(head, "/kpi/dashboard?year=2019")
    response = head.post(f"/kpi/reports/{report_id}/approve", data={
        "csrf_token": token, "next": "/kpi/dashboard?year=2019"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/kpi/dashboard?year=2019&done=approved"
    assert world.count(Report.__table__, status="approved") == 1
    html = head.get("/kpi/dashboard?year=2019&done=approved").get_data(as_text=True)
    assert "Đã duyệt báo cáo." in html and "Không có báo cáo nào chờ duyệt." in html
    again = head.post(f"/kpi/reports/{report_id}/approve", data={"csrf_token": token})
    assert again.status_code == 409  # told on the report page, not a raw error
    assert "chỉ duyệt được báo cáo đã gửi" in again.get_data(as_text=True)


def test_a_file_over_the_size_limits_is_told_with_the_limit(world):
    client = page_client(world, "D1", "reporter")
    token = csrf_token(client, "/kpi/reports/upload")
    for size, limit in ((600 * 1024, "512 KiB"), (1100 * 1024, "1 MiB")):
        response = client.post("/kpi/reports/upload", data={
            "csrf_token": token, "file": (io.BytesIO(b"x" * size), "big.xlsx")},
            content_type="multipart/form-data")
        assert response.status_code == 413, size
        assert f"Tệp quá lớn (tối đa {limit})." in response.get_data(as_text=True)
