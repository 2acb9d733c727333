"""S1-S3 for the pages: every page route × 5 roles × two districts and two departments.

Pages use the token in a cookie; a visitor without one is sent to the login page, a form
without its CSRF token is refused, and a page of another unit's object is a 404.
"""

from __future__ import annotations

import re

import pytest

from services.tasks.seed import PLAN_CODE, seed_id
from shared.auth import COOKIE_NAME
from tests.proof.access_rules import PAGES, RULES, expected_page
from tests.proof.access_targets import Targets
from tests.proof.access_world import DEPARTMENTS, DISTRICTS, ROLES, World, routes, world_fixture

IDENTITIES = [(role, unit) for role in ROLES for unit in DISTRICTS + DEPARTMENTS]
PUBLIC_PAGES = {"GET /tasks/login", "POST /tasks/login"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from world_fixture(tmp_path_factory.mktemp("attachments"))


def _page_routes(world: World) -> list[tuple[str, str]]:
    return sorted({(service, key) for service, key in routes(world)
                   if RULES[key].scope == "page" and key not in PUBLIC_PAGES})


def _path(targets: Targets, key: str, query: str = "") -> str:
    method, rule = key.split(" ", 1)
    path = rule
    for name, value in targets.params(rule, method).items():
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", value, path)
    return path + query.format(plan_id=seed_id("plan", PLAN_CODE))


def _outcome(status: int) -> str:
    return "pass" if status in (200, 302, 303) else str(status)


def test_every_page_that_can_be_opened_has_a_page_rule(world):
    """Every page a browser opens has a rule of who may open it (a new page fails)."""
    gets = {key for _service, key in _page_routes(world) if key.startswith("GET ")}
    assert not sorted(gets - PAGES.keys()), "pages without a page rule"
    assert not sorted(PAGES.keys() - gets), "page rules for pages that do not exist"


def test_pages_every_role_two_districts_two_departments(world, proof):
    """Page matrix: visitors go to login, forms need CSRF, each role sees only its pages (S1-S3)."""
    targets = Targets(world)
    wrong: list[str] = []
    sent = 0
    for service, key in _page_routes(world):
        method = key.split(" ", 1)[0]
        rule = PAGES.get(key)
        path = _path(targets, key, rule.query if rule else "")
        anonymous = world.client(service).open(path, method=method)
        sent += 1
        if anonymous.status_code != 302 or "/tasks/login" not in anonymous.location:
            wrong.append(f"{key} without a login: {anonymous.status_code}")
        if method == "POST":
            client = world.client(service)
            client.set_cookie(COOKIE_NAME, world.token("admin", "SCT"))
            answer = client.post(path, data={})
            sent += 1
            if answer.status_code != 400:
                wrong.append(f"{key} without its CSRF token: {answer.status_code}")
            continue
        for role, unit in IDENTITIES:
            client = world.client(service)
            client.set_cookie(COOKIE_NAME, world.token(role, unit))
            answer = client.get(path, headers={"Accept": "text/html"})
            sent += 1
            want, got = expected_page(rule, role, unit), _outcome(answer.status_code)
            if got != want:
                wrong.append(f"{key} as {role}@{unit}: {got}, expected {want}")
            elif got != "pass" and "text/html" not in answer.content_type:
                wrong.append(f"{key} as {role}@{unit}: refused without the HTML error page")
    proof.record(done=f"{sent} page requests: every page × {len(IDENTITIES)} users, anonymous "
                      f"and CSRF-less forms; {len(wrong)} wrong answers", sent=sent)
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)
