"""The coordinator's and reporter's task pages in a real browser, against the embedded default."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, screenshot

pytestmark = pytest.mark.e2e

SCT06 = "Đề xuất khen thưởng tổ chức, cá nhân thực hiện tốt và xử lý vi phạm về SXSH"
UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]'))
                 && !e.getAttribute('aria-label') && !e.closest('label'))
    .map(e => e.name)"""


@pytest.fixture
def page(browser, embedded):
    context = browser.new_context(base_url=embedded.bases["tasks"], locale="vi-VN",
                                  viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _unit_cells(page) -> list[str]:
    return page.locator("#task-table tbody td:nth-child(2)").all_inner_texts()


def test_a_coordinator_filters_the_table_by_unit_and_by_words_without_diacritics(page,
                                                                                embedded):
    log_in(page, embedded, "dieuphoi.sct")
    page.click("header nav >> text=Công việc")
    page.wait_for_url("**/tasks/tasks")
    everything = int(re.search(r"\d+", page.inner_text("#result-count")).group())
    page.select_option("#unit_id", label="TP-HAIDUONG — Thành phố Hải Dương")
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r".*unit_id=.*"))
    cells = _unit_cells(page)
    assert cells and set(cells) == {"Thành phố Hải Dương"}
    assert int(re.search(r"\d+", page.inner_text("#result-count")).group()) < everything
    page.click("text=Bỏ lọc")
    page.fill("#q", "de xuat khen thuong")
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r".*q=de\+xuat.*"))
    expect(page.locator("#result-count")).to_have_text("Tìm thấy 1 công việc")
    expect(page.locator("#task-table tbody")).to_contain_text(SCT06)
    assert page.input_value("#q") == "de xuat khen thuong"  # the filter stays in the URL
    screenshot(page, "tasks-table")


def test_a_coordinator_moves_a_task_through_its_workflow_with_a_comment_and_evidence(
        page, embedded, tmp_path):
    log_in(page, embedded, "dieuphoi.sct")
    page.goto("/tasks/tasks?q=de+xuat+khen+thuong")
    page.click(f"text={SCT06}")
    page.wait_for_url(re.compile(r".*/tasks/tasks/[0-9a-f-]{36}$"))
    expect(page.locator("#task-status")).to_have_text("Chưa bắt đầu")
    expect(page.locator("#effective-deadline")).to_have_text("31/12/2020")
    expect(page.locator("#duty")).to_contain_text("SCT-06 — " + SCT06)
    # SCT is both the assignee and the lead: it starts and submits, then approves
    assert page.locator("#workflow button").all_inner_texts() == [
        "Bắt đầu thực hiện", "Gửi kết quả", "Hủy công việc"]
    page.fill("#comment-body", "Đã gửi danh sách đề xuất khen thưởng")
    page.click("#add-comment")
    expect(page.locator("[role=status]")).to_have_text("Đã thêm bình luận.")
    evidence = tmp_path / "to-trinh-khen-thuong.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% to trinh\n")
    page.set_input_files("#evidence-file", str(evidence))
    page.click("#upload")
    expect(page.locator("[role=status]")).to_have_text("Đã tải tệp minh chứng lên.")
    expect(page.locator("#evidence")).to_contain_text("to-trinh-khen-thuong.pdf")
    for button, status in (("Bắt đầu thực hiện", "Đang thực hiện"),
                           ("Gửi kết quả", "Đã nộp, chờ duyệt"),
                           ("Duyệt hoàn thành", "Hoàn thành")):
        page.click(f"#workflow button:has-text('{button}')")
        expect(page.locator("#task-status")).to_have_text(status)
    expect(page.locator("#no-moves")).to_be_visible()
    history = page.inner_text("#history")
    for line in ("Bình luận: Đã gửi danh sách đề xuất khen thưởng",
                 "Tải tệp minh chứng: to-trinh-khen-thuong.pdf",
                 "Chưa bắt đầu → Đang thực hiện", "Đang thực hiện → Đã nộp, chờ duyệt",
                 "Đã nộp, chờ duyệt → Hoàn thành"):
        assert line in history
    assert "Chuyên viên điều phối Sở Công Thương" in history
    with page.expect_download() as download:
        page.click("#evidence >> text=to-trinh-khen-thuong.pdf")
    assert download.value.suggested_filename == "to-trinh-khen-thuong.pdf"
    screenshot(page, "tasks-task")


def test_a_coordinator_creates_a_recurring_duty_after_seeing_the_missing_field(page,
                                                                               embedded):
    log_in(page, embedded, "dieuphoi.sct")
    page.click("header nav >> text=Nhiệm vụ")
    page.wait_for_url(re.compile(r".*/tasks/duties$"))
    expect(page.locator("#duty-table")).to_contain_text("SCT-01")
    screenshot(page, "tasks-duties")
    page.click("#new-duty")
    page.fill("#code", "SCT-BC-QUY")
    page.select_option("#coordinating_unit_ids",
                       label=["BQLKCN — Ban Quản lý các khu công nghiệp tỉnh",
                              "H-GIALOC — Huyện Gia Lộc"])
    page.check("#schedule-recurring")
    page.select_option("#freq", "QUARTERLY")
    page.fill("#by_month", "3")
    page.fill("#by_day", "25")
    page.fill("#kpi_codes", "APPLY")
    page.click("#save-duty")
    expect(page.locator("#title-error")).to_have_text("Thiếu dữ liệu cho trường bắt buộc.")
    assert page.input_value("#code") == "SCT-BC-QUY" and page.input_value("#by_day") == "25"
    assert len(page.locator("#coordinating_unit_ids option:checked").all()) == 2
    screenshot(page, "tasks-duty-form")
    page.fill("#title", "Báo cáo quý về áp dụng sản xuất sạch hơn")
    page.click("#save-duty")
    expect(page.locator("#saved-notice")).to_contain_text("SCT-BC-QUY")
    row = page.locator("#duty-table tr", has_text="SCT-BC-QUY")
    expect(row).to_contain_text("BQLKCN, H-GIALOC")
    expect(row).to_contain_text("FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=25")


def test_the_calendar_shows_a_known_deadline_and_moves_between_months(page, embedded):
    log_in(page, embedded, "dieuphoi.sct")
    page.goto("/tasks/calendar?month=2020-12")
    expect(page.locator("#month-label")).to_have_text("12/2020")
    page.select_option("#unit_id", label="SCT — Sở Công Thương")
    page.click("text=Lọc")
    cell = page.locator("td[data-date='31/12/2020']")
    expect(cell).to_contain_text("Tổ chức tập huấn, hội thảo, tọa đàm")
    expect(cell).not_to_contain_text("Triển khai Kế hoạch SXSH trên địa bàn")  # districts'
    screenshot(page, "tasks-calendar")
    page.goto("/tasks/calendar?month=2020-12")
    more = page.locator("td[data-date='31/12/2020'] a.more")
    hidden = int(re.search(r"\d+", more.inner_text()).group())
    more.click()
    page.wait_for_url(re.compile(r".*/tasks/tasks\?deadline_from=31(/|%2F)12.*"))
    expect(page.locator("#result-count")).to_have_text(f"Tìm thấy {hidden + 5} công việc")
    assert page.input_value("#deadline_to") == "31/12/2020"
    page.goto("/tasks/calendar?month=2020-12")
    page.click("#next-month")
    expect(page.locator("#month-label")).to_have_text("01/2021")
    page.click("#prev-month")
    expect(page.locator("#month-label")).to_have_text("12/2020")
    page.click("text=Tạo đường dẫn lịch mới")
    feed = urlparse(page.locator("a.feed-url").first.get_attribute("href"))
    assert feed.path.startswith("/tasks/api/v1/calendar/feeds/")  # absolute: PUBLIC_BASE_URL
    page.context.clear_cookies()  # the secret link is the credential
    ics = page.request.get(feed.path)
    assert ics.ok and ics.text().startswith("BEGIN:VCALENDAR")


def test_a_reporter_sees_only_its_unit_acts_on_its_task_and_gets_404_for_another(page,
                                                                               embedded):
    log_in(page, embedded, "dieuphoi.sct")
    page.goto("/tasks/tasks?q=tham+quan+khao+sat")
    other_unit_task = page.locator("#task-table tbody a").first.get_attribute("href")
    page.click("text=Đăng xuất")
    log_in(page, embedded, "baocao.tphd")
    page.goto("/tasks/tasks")
    cells = _unit_cells(page)
    assert len(cells) >= 5 and set(cells) == {"Thành phố Hải Dương"}
    screenshot(page, "tasks-reporter-table")
    page.goto("/tasks/tasks?status=not_started")
    page.locator("#task-table tbody a").first.click()
    page.wait_for_url(re.compile(r".*/tasks/tasks/[0-9a-f-]{36}$"))
    expect(page.locator("#assignee")).to_have_text("Thành phố Hải Dương")
    assert "Duyệt hoàn thành" not in page.inner_text("#workflow")  # only the lead approves
    page.click("#workflow button:has-text('Bắt đầu thực hiện')")
    expect(page.locator("#task-status")).to_have_text("Đang thực hiện")
    response = page.goto(other_unit_task)
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
    expect(page.locator("[role=alert]")).to_have_text("Không tìm thấy công việc.")
    screenshot(page, "tasks-404")


def test_the_pages_fit_a_phone_screen(browser, embedded):
    context = browser.new_context(base_url=embedded.bases["tasks"], locale="vi-VN",
                                  viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        log_in(page, embedded, "dieuphoi.sct")
        page.goto("/tasks/tasks?q=tap+huan")
        first_task = page.locator("#task-table tbody a").first.get_attribute("href")
        for name, path in (("table", "/tasks/tasks?q=tap+huan"), ("task", first_task),
                           ("calendar", "/tasks/calendar?month=2020-12"),
                           ("duties", "/tasks/duties"), ("duty-form", "#new-duty")):
            if path.startswith("#"):
                path = page.locator(path).get_attribute("href")
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            screenshot(page, f"tasks-phone-{name}")
            assert page.evaluate(UNLABELLED) == [], name
            wide = page.evaluate("""[...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
                .map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5)""")
            assert overflow <= 0, (name, overflow, wide)
    finally:
        context.close()
