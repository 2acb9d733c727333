"""S1-S4: every route of every service × every role in two districts and two departments."""

from __future__ import annotations

import io
import re

import pytest

from tests.proof.access_rules import (
    RULES,
    UNIT_FIGURES,
    Rule,
    districts_seen,
    expected,
    matches,
)
from tests.proof.access_targets import UPLOADS, Targets, UnitMarks, body, body_text
from tests.proof.access_world import DEPARTMENTS, DISTRICTS, ROLES, World, routes, world_fixture

CHANGES = ("POST", "PUT", "PATCH", "DELETE")
IDENTITIES = [(role, unit) for role in ROLES for unit in DISTRICTS + DEPARTMENTS]
QUERIES = {  # required query parameters of some reads
    "GET /kpi/api/v1/kpis": "?year=2019",
    "GET /kpi/api/v1/kpis/<string:code>/explain": "?year=2019",
    "GET /kpi/api/v1/summary": "?year=2019",
    "GET /kpi/api/v1/summary/export": "?year=2019",
    "GET /kpi/api/v1/reports/template": "?year=2020",
}
# A 2xx change that found nothing to change keeps no audit row (nothing changed).
NO_CHANGE = {"POST /notifications/api/v1/inbox/read-all": lambda answer: answer["marked"] == 0}
LIST_UNIT_FIELDS = {"tasks": ("assignee_unit_id", "lead_unit_id"), "reports": ("unit_id",)}
LIST_SEES_ALL = {"tasks": frozenset({"admin", "head"}),
                 "reports": frozenset({"admin", "head", "coordinator@SCT"})}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from world_fixture(tmp_path_factory.mktemp("attachments"))


def _send(world: World, service: str, key: str, path: str, headers: dict):
    method = key.split(" ", 1)[0]
    client = world.client(service)
    if key in UPLOADS:
        field, data, name, mimetype = UPLOADS[key]
        return client.open(path, method=method, headers=headers,
                           content_type="multipart/form-data",
                           data={field: (io.BytesIO(data), name, mimetype)})
    if method in CHANGES:
        return client.open(path, method=method, headers=headers, json=body(key))
    return client.open(path + QUERIES.get(key, ""), method=method, headers=headers)


def _leaks(rule: Rule, response, role: str, unit: str, unit_id: str) -> list[str]:
    """Items of a list outside the caller's unit (S2: lists never leak)."""
    if not rule.list_key or matches(LIST_SEES_ALL[rule.list_key], role, unit):
        return []
    data = response.json
    items = data["items"] if isinstance(data, dict) else data
    fields = LIST_UNIT_FIELDS[rule.list_key]
    return [item["id"] for item in items if unit_id not in {item.get(f) for f in fields}]


class Tally:
    """What the matrix sent and found."""

    def __init__(self):
        self.sent = self.changes = self.audited = 0
        self.wrong: list[str] = []
        self.audit_problems: list[str] = []


def _check(world, targets, tally, service, key, rule, role, unit) -> None:
    method, route = key.split(" ", 1)
    params = targets.params(route, method)
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: params[m.group(1)], route)
    before = world.audit_rows(service)
    response = _send(world, service, key, path, world.headers(role, unit))
    tally.sent += 1
    status, want = response.status_code, expected(
        rule, role, unit, is_owner_user=(role, unit) == ("reporter", "TP-HAIDUONG"))
    got = "pass" if status < 500 and status not in (401, 403, 404) else str(status)
    where = f"{key} as {role}@{unit}: expected {want}, got {status}"
    if got != want:
        tally.wrong.append(f"{where} {response.get_data(True)[:160]}")
    if status >= 400 and response.content_type != "application/problem+json":
        tally.wrong.append(f"{where}: not problem+json")
    if status == 200 and rule.list_key:
        leaked = _leaks(rule, response, role, unit, str(world.unit_id(unit)))
        if leaked:
            tally.wrong.append(f"{where}: list leaks {len(leaked)} items of other units")
    if method in CHANGES and 200 <= status < 300:
        delta = world.audit_rows(service) - before
        changed = not (key in NO_CHANGE and NO_CHANGE[key](response.json))
        tally.changes += changed
        tally.audited += delta
        if delta != changed:
            tally.audit_problems.append(f"{key} as {role}@{unit}: {delta} audit rows")


def test_every_route_has_an_access_rule(world):
    """Every route of every service has a rule in the access table (a new one fails)."""
    seen = {key for _service, key in routes(world)}
    assert not sorted(seen - RULES.keys()), "routes without an access rule"
    assert not sorted(RULES.keys() - seen), "rules for routes that do not exist"


def test_access_matrix_every_route_every_role_two_districts_two_departments(world, proof):
    """Access matrix: every route × 5 roles × 2 districts + 2 departments (S1-S4)."""
    targets, tally = Targets(world), Tally()
    for service, key in routes(world):
        rule = RULES[key]
        if rule.scope in ("public", "page"):
            continue
        for role, unit in IDENTITIES:
            _check(world, targets, tally, service, key, rule, role, unit)
    proof.record(done=f"{tally.sent} requests: every API route × {len(IDENTITIES)} users "
                      f"(5 roles × {DISTRICTS + DEPARTMENTS}); {len(tally.wrong)} wrong answers;"
                      f" {tally.changes} successful changes, {tally.audited} audit rows",
                 sent=tally.sent, applied=tally.changes,
                 duplicated=tally.audited - tally.changes if tally.audited > tally.changes
                 else 0, lost=len([p for p in tally.audit_problems if ": 0 audit" in p]))
    assert not tally.wrong, f"{len(tally.wrong)} wrong answers:\n" + "\n".join(tally.wrong)
    assert not tally.audit_problems, "\n".join(tally.audit_problems)
    assert tally.changes >= 100


def _unit_figure_problems(world: World, keys: list[str]) -> list[str]:
    """Each caller × each route listing per-unit figures: which districts it saw, if wrong."""
    marks, wrong = UnitMarks(world, DISTRICTS), []
    for key in keys:
        path = key.split(" ", 1)[1].replace("<string:code>", "AWARE") + UNIT_FIGURES[key]
        for role, unit in IDENTITIES:
            response = world.client("kpi").get(path, headers=world.headers(role, unit))
            assert response.status_code == 200, (key, role, unit, response.status_code)
            seen, want = marks.found(body_text(response)), districts_seen(role, unit, DISTRICTS)
            if seen != want:
                wrong.append(f"{key} as {role}@{unit}: names {sorted(seen)}, "
                             f"expected {sorted(want)}")
    return wrong


def test_district_sees_only_own_unit_in_explain_and_reviewers_see_every_unit(world):
    """Explain lists a district only its own unit's reports; reviewers every unit's."""
    wrong = _unit_figure_problems(world, ["GET /kpi/api/v1/kpis/<string:code>/explain"])
    base = "/kpi/api/v1/kpis/AWARE/explain?year=2018&unit_id="
    for role in ("reporter", "coordinator", "viewer"):  # nor by asking for its unit
        headers = world.headers(role, "TP-HAIDUONG")
        own = world.client("kpi").get(base + str(world.unit_id("TP-HAIDUONG")), headers=headers)
        theirs = world.client("kpi").get(base + str(world.unit_id("H-GIALOC")), headers=headers)
        if (own.status_code, theirs.status_code) != (200, 404):
            wrong.append(f"explain ?unit_id= as {role}: {own.status_code}, {theirs.status_code}")
    assert not wrong, "\n".join(wrong)


def test_district_sees_only_own_unit_in_every_api_that_lists_unit_figures(world, proof):
    """Per-unit figures (S2): every API listing them × 5 roles × 2 districts + 2 departments."""
    wrong = _unit_figure_problems(world, sorted(UNIT_FIGURES))
    proof.record(done=f"{len(UNIT_FIGURES)} APIs × {len(IDENTITIES)} users; "
                      f"{len(wrong)} answers naming a unit the caller may not see")
    assert not wrong, "\n".join(wrong)
