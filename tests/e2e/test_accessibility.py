"""Every page each demo role can reach passes the basic accessibility rules (axe-core).

The crawl starts at the home page, follows same-origin GET links (header, menus, tables),
and checks each page it reaches, so pages added later are covered without listing them.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from services.tasks.seed import DEMO_ACCOUNTS
from shared.pages import ADMIN_LINKS
from tests.e2e.a11y import axe_script, check_accessibility, describe, violations
from tests.e2e.browser import log_in

pytestmark = pytest.mark.e2e

MAX_PAGES = 40  # per role
PER_SHAPE = 2  # pages of one shape (ids and numbers aside) checked per role
SKIP = re.compile(r"/api/|/logout|download|export|\.ics|ical|\.xlsx|\.csv|\.pdf|template|"
                  r"attachments/|[?&]lang=", re.IGNORECASE)
_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")


@pytest.fixture(scope="module", autouse=True)
def _axe_installed():
    axe_script()  # install (or fail under CI) before any page opens


@pytest.fixture
def page(browser, embedded):
    """A fresh tab in Vietnamese that lets the test inject axe-core: an inline script, which
    the pages' Content-Security-Policy refuses (the other page tests keep the CSP)."""
    context = browser.new_context(base_url=embedded.bases["tasks"], locale="vi-VN",
                                  bypass_csp=True)
    yield context.new_page()
    context.close()


def _shape(url: str) -> str:
    parts = urlsplit(url)
    return _IDS.sub("#", parts.path) + ("?" + _IDS.sub("#", parts.query) if parts.query else "")


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        url = urldefrag(href)[0]
        if url.startswith(origin + "/") and not SKIP.search(url[len(origin):]):
            out.append(url)
    return out


def crawl(page, origin: str, start: str) -> tuple[list[str], list[str], list[str]]:
    """Visit the pages reachable from `start`: (checked urls, problems, broken links)."""
    queue, seen, shapes = deque([start]), {start}, {}
    checked, problems, broken = [], [], []
    while queue and len(checked) < MAX_PAGES:
        url = queue.popleft()
        shape = _shape(url)
        if shapes.get(shape, 0) >= PER_SHAPE:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        try:
            response = page.goto(url)
        except PlaywrightError as exc:  # a download the skip list did not know
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or response.status >= 400:
            broken.append(f"{url} -> {response.status if response else 'no response'}")
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a file, a feed: not a page
        checked.append(url)
        found = violations(page)
        if found:
            problems.append(describe(found, url))
        for link in _links(page, origin):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return checked, problems, broken


@pytest.mark.parametrize("username,role", [(a[0], a[1]) for a in DEMO_ACCOUNTS],
                         ids=[a[1] for a in DEMO_ACCOUNTS])
def test_every_page_a_role_reaches_passes_the_basic_rules(page, embedded, username, role):
    log_in(page, embedded, username)
    origin = embedded.bases["tasks"]
    checked, problems, broken = crawl(page, origin, origin + "/tasks/")
    assert len(checked) >= 3, checked  # home, inbox, preferences at least
    if role == "admin":  # every administration page is reached through the menus
        assert {origin + href for href, *_ in ADMIN_LINKS} <= set(checked), checked
    report = problems + (["links that do not open:\n" + "\n".join(broken)] if broken else [])
    assert not report, "\n\n".join(report)


def test_the_login_page_and_the_404_page_pass_the_basic_rules(page, embedded):
    page.goto("/tasks/login")
    check_accessibility(page)
    response = page.goto("/tasks/no-such-page")
    assert response.status == 404
    check_accessibility(page)
    log_in(page, embedded, "baocao.tphd")
    page.goto("/kpi/no-such-page?lang=en")
    assert page.locator("h1").inner_text() == "Not found"
    check_accessibility(page)


def test_tab_reaches_the_username_password_and_the_login_button(page):
    page.goto("/tasks/login")
    reached = set()
    for _ in range(15):
        page.keyboard.press("Tab")
        reached.add(page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.id || (e.tagName + ':' + (e.getAttribute('type') || '')); }"))
        if {"username", "password", "BUTTON:submit"} <= reached:
            break
    assert {"username", "password", "BUTTON:submit"} <= reached, reached
    page.keyboard.press("Enter")  # the button is focused: Enter submits (fields are required)
    assert page.url.endswith("/tasks/login")


def test_the_check_names_what_is_wrong_on_a_bad_page(page):
    page.set_content('<html lang="vi"><head><title>x</title></head><body><main>'
                     '<input id="q"><button></button>'
                     '<p style="color:#bbb;background:#fff">Quá hạn</p></main></body></html>')
    found = {v["id"] for v in violations(page)}
    assert {"label", "button-name", "color-contrast"} <= found
    with pytest.raises(pytest.fail.Exception, match="label"):
        check_accessibility(page)
