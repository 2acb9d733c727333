"""S1-S3 for the pages: every page route × 5 roles × two districts and two departments.

Pages use the token in a cookie; a visitor without one is sent to the login page, a form
without its CSRF token is refused, and a page of another unit's object is a 404.
"""

from __future__ import annotations

import re

import pytest

from services.tasks.seed import PLAN_CODE, seed_id
from shared.auth import COOKIE_NAME
from tests.proof.access_rules import (
    PAGES,
    RULES,
    UNIT_FIGURE_PAGES,
    districts_seen,
    expected_page,
)
from tests.proof.access_targets import Targets, UnitMarks
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


def _page(world: World, path: str, role: str, unit: str):
    client = world.client("kpi")
    client.set_cookie(COOKIE_NAME, world.token(role, unit))
    return client.get(path, headers={"Accept": "text/html"})


def _unit_figure_page_problems(world: World, keys: list[str]) -> list[str]:
    marks, wrong = UnitMarks(world, DISTRICTS), []
    for key in keys:
        path = key.split(" ", 1)[1].replace("<string:code>", "AWARE") + UNIT_FIGURE_PAGES[key]
        for role, unit in IDENTITIES:
            answer = _page(world, path, role, unit)
            assert answer.status_code == 200, (key, role, unit, answer.status_code)
            seen = marks.found(answer.get_data(as_text=True))
            want = districts_seen(role, unit, DISTRICTS)
            if seen != want:
                wrong.append(f"{key} as {role}@{unit}: names {sorted(seen)}, "
                             f"expected {sorted(want)}")
    return wrong


def test_district_sees_only_own_unit_on_the_indicator_page_and_reviewers_every_unit(world):
    """The indicator page lists a district only its own unit's reports; reviewers every unit's."""
    wrong = _unit_figure_page_problems(world, ["GET /kpi/indicators/<string:code>"])
    assert not wrong, "\n".join(wrong)


def test_district_sees_only_own_unit_on_every_page_that_lists_unit_figures(world, proof):
    """Per-unit figures on pages (S2): every such page × 5 roles × 2 districts + 2 departments."""
    wrong = _unit_figure_page_problems(world, sorted(UNIT_FIGURE_PAGES))
    proof.record(done=f"{len(UNIT_FIGURE_PAGES)} pages × {len(IDENTITIES)} users; "
                      f"{len(wrong)} pages naming a unit the caller may not see")
    assert not wrong, "\n".join(wrong)


def test_district_is_told_it_sees_only_its_unit_and_the_province(world):
    """Indicator page and dashboard tell a district it sees its unit and the province only."""
    note = {"vi": "Chỉ hiển thị số liệu của đơn vị bạn và toàn tỉnh.",
            "en": "Only your unit and the province are shown."}
    for path in ("/kpi/indicators/AWARE?year=2018", "/kpi/dashboard?year=2018"):
        for lang, text in note.items():
            district = _page(world, f"{path}&lang={lang}", "reporter", "H-GIALOC")
            head = _page(world, f"{path}&lang={lang}", "head", "SCT")
            assert text in district.get_data(as_text=True), (path, lang)
            assert text not in head.get_data(as_text=True), (path, lang)
