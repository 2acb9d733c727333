"""Pages in a real browser against the embedded default: login, home, language, logout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def log_in(page, embedded, username: str) -> None:
    page.goto("/")
    page.fill("#username", username)
    page.fill("#password", embedded.passwords[username])
    page.click("button[type=submit]")


def test_a_visitor_is_sent_to_the_login_page_in_vietnamese(page):
    page.goto("/")
    assert page.url.endswith("/tasks/login?next=/tasks/")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    assert page.locator("html").get_attribute("lang") == "vi"


def test_a_wrong_password_is_told_in_vietnamese(page):
    page.goto("/tasks/login")
    page.fill("#username", "baocao.tphd")
    page.fill("#password", "sai-mat-khau")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_a_reporter_logs_in_sees_its_units_tasks_and_logs_out(page, embedded, tmp_path):
    log_in(page, embedded, "baocao.tphd")
    page.wait_for_url("**/tasks/")
    assert "baocao.tphd" in page.locator("header").inner_text()
    rows = page.locator("tbody tr")
    assert rows.count() >= 5
    assert "Thành phố Hải Dương" in page.locator("tbody").inner_text()
    assert all("/" in cell for cell in page.locator("tbody td:nth-child(2)").all_inner_texts())
    # Filled by /tasks/static/unread.js (no page-side eval: the CSP allows no 'unsafe-eval').
    expect(page.locator("#unread-count")).to_have_text(re.compile(r"^\d+$"), timeout=15_000)
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    cookie = next(c for c in page.context.cookies() if c["name"] == "access_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("text=Đăng xuất")
    page.wait_for_url("**/tasks/login")
    page.goto("/tasks/")
    assert "/tasks/login" in page.url


def test_the_language_switch_turns_the_page_into_english_and_remembers_it(page, embedded):
    log_in(page, embedded, "dieuphoi.sct")
    page.wait_for_url("**/tasks/")
    page.click("text=English")
    assert page.locator("h1").inner_text().startswith("Welcome")
    page.goto("/tasks/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_login_form_without_its_csrf_token_is_refused(page, embedded):
    response = page.request.post("/tasks/login", form={
        "username": "baocao.tphd", "password": embedded.passwords["baocao.tphd"]})
    assert response.status == 400


def test_the_inbox_shows_unread_first_and_marks_read(page, embedded):
    log_in(page, embedded, "baocao.tphd")
    page.wait_for_url("**/tasks/")
    page.click("#inbox-link")
    page.wait_for_url("**/notifications/inbox")
    unread = page.locator("li.message.unread")
    assert unread.count() >= 1
    # Newest first: a task message, or the one summary of reminders the back-dated demo missed.
    first = page.locator("li.message").first.inner_text()
    assert "Công việc" in first or "nhắc việc bị lỡ" in first
    # The demo keeps delivering messages while the page is open, so follow one message by its id.
    action = unread.first.locator("form").get_attribute("action")
    unread.first.locator("button.link").click()
    page.wait_for_url("**/notifications/inbox")
    marked = page.locator(f"li.message:has(form[action='{action}'])")
    assert marked.count() == 0 or "read" in marked.get_attribute("class").split()
    assert page.locator(f"li.message.unread:has(form[action='{action}'])").count() == 0
    page.click("text=Đánh dấu tất cả đã đọc")
    assert page.locator("li.message.unread").count() == 0
    expect(page.locator("#unread-count")).to_have_text("0", timeout=15_000)
