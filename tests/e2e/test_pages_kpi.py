"""The yearly report and the head's dashboard in a real browser, against the embedded product.

One journey: a reporter makes a mistake, sees it beside the field, fixes it and submits; the
head sees the KPI move and returns the report with a reason; the reporter reads the reason in
the inbox and sends the report again. Then: another district gets 404 on that report, and the
Excel template goes out and comes back as a dry run.
"""

from __future__ import annotations

import re
import time

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import launch, log_in, screenshot

pytestmark = pytest.mark.e2e
YEAR = 2020  # the plan's last year: no demo report yet, so the reporter files it
REASON = "Số cơ sở nhận thức chưa khớp danh sách; đề nghị rà soát lại."
FILLED = {"facilities_cp_potential": "40", "facilities_aware": "50", "facilities_applying": "20",
          "avg_saving_percent": "9,5", "officers_responsible": "5", "officers_trained": "4",
          "trainings_held": "2", "leaflets_issued": "300"}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def state() -> dict[str, str]:
    """What one test of the journey leaves for the next (the report's address)."""
    return {}


def open_as(browser, embedded, username: str, *, phone: bool = False):
    """A new browser context logged in as one of the demo accounts."""
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=embedded.bases["kpi"], locale="vi-VN",
                                  viewport=size, accept_downloads=True)
    page = context.new_page()
    log_in(page, embedded, username)
    return page


def reload_until(page, url: str, check, timeout: float = 30.0) -> None:
    """Open `url` again until `check(page)` holds (events travel through the workers)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if check(page):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never showed what was expected")
        time.sleep(0.5)


def kpi_value(page, code: str) -> str:
    return page.locator(f"#kpi-{code} .kpi-value .value").inner_text()


def test_a_reporter_fixes_a_field_error_and_the_head_sees_the_kpi_move_then_returns_it(
        browser, embedded, state):
    head = open_as(browser, embedded, "giamdoc.sct")
    head.click("header nav >> text=Bảng điều khiển")
    head.wait_for_url("**/kpi/dashboard")
    head.select_option("#year", str(YEAR))
    head.click("#year-form button")
    head.wait_for_url(f"**/kpi/dashboard?year={YEAR}")
    assert kpi_value(head, "AWARE") == "–"
    assert "Chưa có số liệu" in head.locator("#kpi-AWARE").inner_text()

    reporter = open_as(browser, embedded, "baocao.tphd", phone=True)
    reporter.click("header nav >> text=Báo cáo năm")
    reporter.wait_for_url("**/kpi/reports")
    reload_until(reporter, "/kpi/reports",  # the demo reports arrive through the workers
                 lambda p: p.locator("a", has_text="Mở báo cáo 2019").count() == 1)
    screenshot(reporter, "kpi-reports")
    reporter.click(f"text=Lập báo cáo {YEAR}")
    reporter.wait_for_url(f"**/kpi/reports/new?year={YEAR}")
    assert "Năm 2019: 40" in " ".join(
        reporter.locator("#p-facilities_cp_potential").inner_text().split())
    for name, value in FILLED.items():
        reporter.fill(f"#f-{name}", value)
    reporter.click("button[value=submit]")
    error = reporter.locator("#e-facilities_aware")
    expect(error).to_contain_text("(50) không được lớn hơn số cơ sở có tiềm năng")
    assert reporter.locator("#f-facilities_aware").get_attribute("aria-invalid") == "true"
    screenshot(reporter, "kpi-report-form-error")
    reporter.fill("#f-facilities_aware", "30")
    reporter.click("button[value=submit]")
    reporter.wait_for_url(re.compile(r".*/kpi/reports/[0-9a-f-]{36}\?saved=submitted$"))
    expect(reporter.locator("[role=status]")).to_contain_text("Đã gửi báo cáo")
    state["report"] = reporter.url.split("?")[0].split("/kpi", 1)[1]

    head.goto(f"/kpi/dashboard?year={YEAR}")
    assert kpi_value(head, "AWARE") == "75%"  # 30 of 40 facilities, the only report so far
    assert "Chưa có số liệu" not in head.locator("#kpi-AWARE .kpi-status").inner_text()
    assert head.locator("#trend-AWARE-title").count() == 1
    screenshot(head, "kpi-dashboard")
    waiting = head.locator(".waiting-report", has_text="Thành phố Hải Dương")
    waiting.locator("textarea").fill(REASON)
    waiting.locator("button", has_text="Trả lại").click()
    head.wait_for_url(f"**/kpi/dashboard?year={YEAR}&done=returned")
    assert head.locator(".waiting-report", has_text="Thành phố Hải Dương").count() == 0
    head.context.close()
    reporter.context.close()


def test_the_reporter_reads_the_reason_in_the_inbox_and_sends_the_report_again(
        browser, embedded, state):
    assert "report" in state, "the journey's first part did not run"
    reporter = open_as(browser, embedded, "baocao.tphd")
    reload_until(reporter, "/notifications/inbox",
                 lambda p: p.locator("li.message", has_text=REASON).count() == 1)
    screenshot(reporter, "kpi-inbox-returned")
    reporter.locator("li.message", has_text=REASON).locator("button", has_text="Mở").click()
    reporter.wait_for_url(f"**/kpi{state['report']}")
    expect(reporter.locator("#return-reason")).to_contain_text(REASON)
    screenshot(reporter, "kpi-report-returned")
    reporter.fill("#f-facilities_aware", "32")
    reporter.click("button[value=submit]")
    reporter.wait_for_url("**?saved=submitted")
    expect(reporter.locator("table").first).to_contain_text("32")
    reporter.context.close()

    head = open_as(browser, embedded, "giamdoc.sct")
    head.goto(f"/kpi{state['report']}")
    expect(head.locator("h1")).to_contain_text("Thành phố Hải Dương")
    history = head.locator("section", has_text="Lịch sử các phiên bản").inner_text()
    assert history.count("Đã nộp, chờ duyệt") == 2 and REASON in history
    screenshot(head, "kpi-report-detail")
    head.goto(f"/kpi/indicators/AWARE?year={YEAR}")
    expect(head.locator("h1")).to_contain_text("AWARE")
    assert "80%" in head.locator("p", has_text="Giá trị toàn tỉnh").inner_text()  # 32 of 40
    screenshot(head, "kpi-indicator")
    head.set_viewport_size({"width": 390, "height": 844})
    head.goto(f"/kpi/dashboard?year={YEAR}")
    assert head.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(head, "kpi-dashboard-phone")
    head.context.close()


def test_a_user_of_another_district_gets_404_on_that_report(browser, embedded, state):
    assert "report" in state, "the journey's first part did not run"
    other = open_as(browser, embedded, "baocao.chilinh")
    response = other.goto(f"/kpi{state['report']}")
    assert response.status == 404
    body = other.content()
    assert "Traceback" not in body and "Thành phố Hải Dương" not in body
    other.context.close()


def test_the_excel_template_downloads_and_an_upload_shows_the_dry_run(browser, embedded,
                                                                      tmp_path):
    reporter = open_as(browser, embedded, "baocao.tphd")
    reporter.goto("/kpi/reports")
    with reporter.expect_download() as download:
        reporter.click("text=Tải mẫu Excel 2019")
    path = tmp_path / "bao-cao.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook["BaoCao"]
    assert sheet["D6"].value == 40  # pre-filled with the unit's 2019 report
    sheet["D7"] = "nhiều"  # facilities_aware: not a number
    workbook.save(path)
    reporter.goto("/kpi/reports/upload")
    reporter.set_input_files("#file", str(path))
    reporter.click("text=Kiểm tra tệp")
    problems = reporter.locator("#problems")
    expect(problems).to_contain_text("Số cơ sở nhận thức được lợi ích SXSH phải là một số.")
    expect(problems).to_contain_text("7")
    assert reporter.locator("form[action='/kpi/reports/upload/confirm']").count() == 0
    screenshot(reporter, "kpi-upload-dry-run")
    reporter.context.close()
