"""Walks every route of every service: authentication required, bad input is a problem+json."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.helpers import bearer, settings_for_tests, token_for

PUBLIC = {"healthz", "readyz", "api-docs.openapi_json", "auth.create_token", "static",
          "shared_assets.static",  # the shared layout's script
          "feeds.feed_ics"}  # the iCalendar feed: its secret URL is the credential
BAD_BODIES = [
    ("malformed JSON", "{not json", "application/json"),
    ("a JSON list", "[1, 2]", "application/json"),
    ("unknown fields", '{"zzz_unknown": 1}', "application/json"),
    ("wrong types", '{"year": "two thousand", "title": 5, "username": [], "limit": "x"}',
     "application/json"),
    ("not JSON at all", "a=1", "application/x-www-form-urlencoded"),
]


def _is_page(app, rule) -> bool:
    return getattr(app.view_functions[rule.endpoint], "is_page", False)


def _routes(apps):
    """Every API route and method (pages are walked by their own test)."""
    for service, app in apps.items():
        for rule in app.url_map.iter_rules():
            if _is_page(app, rule):
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield service, app, rule, method


def _path(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(uuid.uuid4()), rule.rule)


def test_every_endpoint_but_health_openapi_and_login_needs_a_token(apps):
    checked = 0
    for service, app, rule, method in _routes(apps):
        if rule.endpoint in PUBLIC:
            continue
        client = app.test_client()
        for headers in ({}, {"Authorization": "Bearer garbage"},
                        bearer(token_for(settings_for_tests(secret_key="x" * 40),
                                         unit_id=uuid.uuid4(), roles=("admin",)))):
            response = client.open(_path(rule), method=method, headers=headers, json={})
            assert response.status_code == 401, (service, rule.rule, method, headers)
            assert response.content_type == "application/problem+json"
        checked += 1
    assert checked >= 12


@pytest.mark.parametrize("label,body,content_type", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_bodies_get_a_problem_with_field_errors_never_a_500(apps, label, body, content_type):
    token = token_for(settings_for_tests(), unit_id=uuid.uuid4(), roles=("admin", "head"))
    for service, app, rule, method in _routes(apps):
        if method not in ("POST", "PUT", "PATCH"):
            continue
        response = app.test_client().open(
            _path(rule), method=method, data=body, content_type=content_type,
            headers={**bearer(token), "Accept-Language": "en"})
        where = (service, rule.rule, label, response.status_code, response.get_data(True)[:300])
        assert 400 <= response.status_code < 500, where
        assert response.content_type == "application/problem+json", where
        problem = response.json
        assert problem["status"] == response.status_code and problem["title"], where
        if response.status_code == 422:
            assert problem["errors"], where
            for error in problem["errors"]:
                assert error["field"] and error["messages"]["vi"] and error["messages"]["en"]


def test_unknown_query_parameters_are_refused_on_every_listing(apps):
    token = token_for(settings_for_tests(), unit_id=uuid.uuid4(), roles=("admin", "head"))
    listings = ["/tasks/api/v1/tasks", "/notifications/api/v1/inbox", "/kpi/api/v1/reports",
                "/kpi/api/v1/kpis?year=2020"]
    for path in listings:
        app = apps[path.split("/")[1]]
        joiner = "&" if "?" in path else "?"
        response = app.test_client().get(f"{path}{joiner}limt=5", headers=bearer(token))
        assert response.status_code == 422, path
        assert [e["field"] for e in response.json["errors"]] == ["limt"]


def test_an_oversized_body_is_413_problem_on_every_service(apps):
    token = token_for(settings_for_tests(), unit_id=uuid.uuid4(), roles=("admin",))
    body = '{"title": "' + "x" * (2 * 1024 * 1024) + '"}'
    for path in ("/tasks/api/v1/tasks", "/kpi/api/v1/reports",
                 "/notifications/api/v1/inbox/read-all"):
        response = apps[path.split("/")[1]].test_client().post(
            path, data=body, content_type="application/json", headers=bearer(token))
        assert response.status_code == 413, path
        assert response.content_type == "application/problem+json"


def test_every_page_but_login_sends_a_visitor_to_the_login_page(apps):
    checked = 0
    for service, app in apps.items():
        for rule in app.url_map.iter_rules():
            if not _is_page(app, rule) or rule.rule == "/tasks/login":
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = app.test_client().open(_path(rule), method=method)
                assert response.status_code == 302, (service, rule.rule, method)
                assert response.headers["Location"].startswith("/tasks/login?next=")
                checked += 1
    assert checked >= 2
