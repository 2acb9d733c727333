"""Administration, preferences and error pages in a real browser against the embedded default."""

from __future__ import annotations

import pytest

from tests.e2e.browser import log_in, screenshot

pytestmark = pytest.mark.e2e


def _error_of(page, field: str) -> str:
    return page.locator(f"#{field}-error").inner_text()


def test_the_admin_adds_a_unit_after_a_validity_mistake_then_a_user_who_is_deactivated(
        page, embedded):
    log_in(page, embedded, "admin")
    page.click("text=Quản trị")
    page.wait_for_url("**/tasks/admin/units")
    assert "Thành phố Hải Dương" in page.locator("#units").inner_text()
    page.fill("#code", "H-THUNGHIEM")
    page.select_option("#kind", "district")
    page.fill("#name_vi", "Huyện Thử Nghiệm")
    page.fill("#name_en", "Trial District")
    page.fill("#valid_from", "01/01/2021")
    page.fill("#valid_to", "31/12/2020")
    page.click("button:has-text('Thêm đơn vị')")
    assert _error_of(page, "valid_to") == "Ngày kết thúc phải sau ngày bắt đầu."
    assert page.input_value("#name_vi") == "Huyện Thử Nghiệm"  # what was typed is kept
    page.fill("#valid_to", "")
    page.click("button:has-text('Thêm đơn vị')")
    page.wait_for_url("**/tasks/admin/units")
    assert "Đã thêm đơn vị H-THUNGHIEM." in page.locator("[role=status]").inner_text()
    assert "01/01/2021 – …" in page.locator("#units tr", has_text="H-THUNGHIEM").inner_text()
    screenshot(page, "admin-units")

    page.click("nav.subnav >> text=Người dùng")
    page.fill("#username", "baocao.thunghiem")
    page.fill("#password", "ngan")
    page.fill("#full_name", "Cán bộ báo cáo Thử Nghiệm")
    page.select_option("#unit_id", label="H-THUNGHIEM – Huyện Thử Nghiệm")
    page.check("input[name=roles][value=reporter]")
    page.click("button:has-text('Thêm người dùng')")
    assert _error_of(page, "password") == "Độ dài phải từ 10 đến 256 ký tự."
    assert page.input_value("#full_name") == "Cán bộ báo cáo Thử Nghiệm"
    page.fill("#password", "mat-khau-dai-0123")
    page.click("button:has-text('Thêm người dùng')")
    row = page.locator("#users tr", has_text="baocao.thunghiem")
    assert "Huyện Thử Nghiệm" in row.inner_text() and "Cán bộ báo cáo" in row.inner_text()
    screenshot(page, "admin-users")
    row.locator("a").click()
    page.click("#deactivate")
    assert "Đã ngừng kích hoạt tài khoản." in page.locator("[role=status]").inner_text()
    response = page.request.post("/tasks/api/v1/auth/token", data={
        "username": "baocao.thunghiem", "password": "mat-khau-dai-0123"})
    assert response.status == 401


def test_the_admin_edits_an_indicator_threshold_after_a_validation_error(page, embedded):
    log_in(page, embedded, "admin")
    page.goto("/kpi/admin/indicators")
    page.click("#indicators >> text=AWARE")
    page.fill("#at_risk_margin", "150")
    page.click("button:has-text('Lưu')")
    assert _error_of(page, "at_risk_margin") == \
        "Phải lớn hơn hoặc bằng 0 và nhỏ hơn hoặc bằng 100."
    assert page.input_value("#at_risk_margin") == "150"
    assert page.locator("#at_risk_margin").get_attribute("aria-invalid") == "true"
    page.fill("#at_risk_margin", "7,5")
    page.click("button:has-text('Lưu')")
    assert "Đã lưu chỉ tiêu AWARE" in page.locator("[role=status]").inner_text()
    assert page.input_value("#at_risk_margin") == "7,5"
    screenshot(page, "admin-indicator")
    page.goto("/kpi/admin/indicators?lang=en")
    assert "7.5" in page.locator("#indicators tr", has_text="AWARE").inner_text()


def test_the_admin_sees_the_delivery_log_and_webhooks_outside_the_allow_list_are_refused(
        page, embedded):
    log_in(page, embedded, "admin")
    page.goto("/notifications/admin/deliveries")
    assert page.locator("h1").inner_text() == "Nhật ký gửi thông báo"
    page.select_option("#status", "dead")
    page.click("#filters button")
    assert "status=dead" in page.url
    assert page.locator("#status").input_value() == "dead"
    screenshot(page, "admin-deliveries")
    bad = page.goto("/notifications/admin/deliveries?status=lost")
    assert bad.status == 200 and "Phải là một trong các giá trị" in _error_of(page, "status")

    page.goto("/notifications/admin/webhooks")
    page.fill("#url", "https://hooks.example.vn/plan")
    page.check("input[name=event_types][value='task.overdue']")
    page.click("button:has-text('Đăng ký')")
    assert "danh sách máy chủ được phép" in _error_of(page, "url")
    assert page.input_value("#url") == "https://hooks.example.vn/plan"
    assert page.is_checked("input[name=event_types][value='task.overdue']")
    screenshot(page, "admin-webhooks")


@pytest.mark.parametrize("path", ["/tasks/admin/units", "/tasks/admin/users",
                                  "/kpi/admin/indicators", "/notifications/admin/deliveries"])
def test_a_non_admin_gets_the_404_page_on_administration_pages(page, embedded, path):
    log_in(page, embedded, "dieuphoi.sct")
    response = page.goto(path)
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy"
    assert "Quản trị" not in page.locator("header nav").inner_text()


def test_the_404_page_speaks_vietnamese_then_english(page, embedded):
    response = page.goto("/tasks/khong-co-trang-nay")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy"
    assert page.locator("html").get_attribute("lang") == "vi"
    screenshot(page, "admin-404-vi")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Not found"
    assert "Go to the home page" in page.locator("main").inner_text()
    screenshot(page, "admin-404-en")
    outside = page.goto("/no-service-here")  # outside every service prefix: the same page
    assert outside.status == 404 and page.locator("h1").inner_text() == "Not found"


def test_the_header_fits_a_phone_and_is_not_printed(browser, embedded):
    context = browser.new_context(base_url=embedded.bases["tasks"], locale="vi-VN",
                                  viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    log_in(page, embedded, "admin")
    page.goto("/tasks/admin/users")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width  # nothing sticks out sideways
    for link in ("#inbox-link", "header nav >> text=Quản trị", "text=Đăng xuất"):
        assert page.locator(link).is_visible()
    assert "Sở Công Thương" in page.locator("#unit-name").inner_text()
    screenshot(page, "admin-users-phone")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    context.close()


def test_preferences_are_validated_saved_and_shown_again(page, embedded):
    log_in(page, embedded, "baocao.tphd")
    page.click("text=Tùy chọn thông báo")
    page.wait_for_url("**/notifications/preferences")
    due_soon_email = "#ch\\.task\\.due_soon-email"
    escalated_inbox = "#ch\\.task\\.escalated-inbox"
    assert page.is_checked(due_soon_email)  # the default: inbox and e-mail
    page.uncheck(due_soon_email)
    page.uncheck(escalated_inbox)
    page.fill("#quiet_start", "25:00")
    page.fill("#quiet_end", "06:30")
    page.click("button:has-text('Lưu')")
    assert _error_of(page, "quiet_start") == "Giờ phải có dạng HH:MM (00:00 đến 23:59)."
    assert not page.is_checked(due_soon_email)  # the choices made are kept
    page.fill("#quiet_start", "22:00")
    page.click("button:has-text('Lưu')")
    escalated_error = page.locator("[id='ch.task.escalated-error']").inner_text()
    assert "luôn được gửi vào hộp thư" in escalated_error
    assert page.input_value("#quiet_start") == "22:00"
    page.check(escalated_inbox)
    page.check("#digest")
    page.click("button:has-text('Lưu')")
    assert "Đã lưu tùy chọn thông báo." in page.locator("[role=status]").inner_text()
    page.reload()
    assert not page.is_checked(due_soon_email) and page.is_checked(escalated_inbox)
    assert page.input_value("#quiet_start") == "22:00" and page.is_checked("#digest")
    screenshot(page, "admin-preferences")
