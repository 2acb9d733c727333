"""Every answer of every service carries the browser hardening headers; no page runs inline
script."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from shared.settings import PROJECT_ROOT
from tests.helpers import settings_for_tests
from tests.unit.pages import HTML, log_in

TEMPLATES = sorted([*PROJECT_ROOT.glob("services/*/templates/**/*.html"),
                    *PROJECT_ROOT.glob("shared/templates/**/*.html")])
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
ANSWERS = [  # (service, path, logged in): pages, an API answer, a 401, the 404 page, health
    ("tasks", "/tasks/login", False), ("tasks", "/tasks/", True),
    ("tasks", "/tasks/api/v1/me", False), ("tasks", "/tasks/no-such-page", True),
    ("notifications", "/notifications/inbox", True),
    ("notifications", "/notifications/healthz", False),
    ("kpi", "/kpi/dashboard", True), ("kpi", "/kpi/api/openapi.json", False),
]


def _policy(header: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("service,path,logged_in", ANSWERS)
def test_every_kind_of_answer_sends_csp_nosniff_and_referrer_policy(apps, service, path,
                                                                    logged_in):
    client = apps[service].test_client()
    if logged_in:
        log_in(client, settings_for_tests(), roles=("head",), unit_id=uuid.uuid4())
    response = client.get(path, headers=HTML)
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == "script-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_template_has_an_inline_script_or_an_inline_event_handler(template: Path):
    text = template.read_text("utf-8")
    assert not INLINE_SCRIPT.search(text)
    assert not EVENT_HANDLER.search(text)


@pytest.mark.parametrize("service,page", [("tasks", "/tasks/"),
                                          ("notifications", "/notifications/inbox"),
                                          ("kpi", "/kpi/dashboard")])
def test_each_service_serves_the_layout_script_its_pages_load(apps, service, page):
    client = apps[service].test_client()
    log_in(client, settings_for_tests(), roles=("head",), unit_id=uuid.uuid4())
    html = client.get(page, headers=HTML).get_data(as_text=True)
    src = re.search(r'<script src="([^"]+)"', html).group(1)
    assert src == f"/{service}/static/unread.js"
    script = apps[service].test_client().get(src)  # no login needed for the file itself
    assert script.status_code == 200 and "unread-count" in script.get_data(as_text=True)
    assert script.headers["X-Content-Type-Options"] == "nosniff"
