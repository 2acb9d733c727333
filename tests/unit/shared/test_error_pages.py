"""Browsers get HTML error pages in both languages; APIs keep problem+json; never a trace."""

from __future__ import annotations

import uuid

import pytest
from flask import abort

from services.tasks.app import create_app as tasks_app
from shared.auth import COOKIE_NAME, Principal, issue_token
from shared.db import utcnow
from shared.error_pages import page_not_found
from shared.pages import page, public_page
from tests.helpers import settings_for_tests, sqlite_database

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _no_trace(response) -> str:
    body = response.get_data(as_text=True)
    assert response.content_type.startswith("text/html"), response.content_type
    for leak in ("Traceback", "Werkzeug", "RuntimeError", "File \"", "secret detail"):
        assert leak not in body, leak
    return body


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A tasks app with three test pages: one that fails, one 404 by abort, one by helper."""
    app = tasks_app(settings_for_tests(), db=sqlite_database("tasks", tmp_path_factory.mktemp("e")))

    @app.get("/tasks/boom")
    @public_page
    def boom():
        raise RuntimeError("secret detail of a bug")

    @app.get("/tasks/gone")
    @public_page
    def gone():
        abort(404)

    @app.get("/tasks/missing")
    @page
    def missing():
        raise page_not_found()

    return app


def test_an_unknown_page_is_the_404_page_in_vietnamese_then_english(app):
    client = app.test_client()
    response = client.get("/tasks/no-such-page", headers=HTML)
    assert response.status_code == 404
    body = _no_trace(response)
    assert "Không tìm thấy" in body and 'lang="vi"' in body and "Về trang chủ" in body
    english = client.get("/tasks/no-such-page?lang=en", headers=HTML)
    assert english.status_code == 404
    assert "Not found" in _no_trace(english) and "Go to the home page" in english.get_data(True)


def test_abort_and_the_helper_render_the_404_page(app):
    client = app.test_client()
    assert "Không tìm thấy" in _no_trace(client.get("/tasks/gone", headers=HTML))
    token = issue_token(app.extensions["settings"], Principal(
        user_id=uuid.uuid4(), username="nguoidung", unit_id=uuid.uuid4(), unit_code="D1",
        roles=("reporter",), unit_name_vi="Huyện Một", unit_name_en="District One"), now=utcnow())
    client.set_cookie(COOKIE_NAME, token)
    response = client.get("/tasks/missing", headers=HTML)
    body = _no_trace(response)
    assert response.status_code == 404
    assert "nguoidung" in body and "Huyện Một" in body  # the header, with the unit's name


def test_a_crash_is_the_500_page_with_a_reference_and_no_trace(app):
    response = app.test_client().get("/tasks/boom", headers={**HTML, "Accept-Language": "en"})
    assert response.status_code == 500
    body = _no_trace(response)
    assert "Internal error" in body and response.headers["X-Correlation-ID"] in body


def test_an_api_path_keeps_problem_json_even_for_a_browser(app):
    response = app.test_client().get("/tasks/api/v1/no-such", headers=HTML)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    crash = app.test_client().get("/tasks/boom", headers={"Accept": "application/json"})
    assert crash.status_code == 500 and crash.content_type == "application/problem+json"


def test_a_form_without_csrf_says_it_has_expired_and_offers_a_reload(app):
    response = app.test_client().post("/tasks/login", data={"username": "a", "password": "b"},
                                      headers={**HTML, "Referer": "http://localhost/tasks/login"})
    assert response.status_code == 400
    body = _no_trace(response)
    assert "Biểu mẫu đã hết hạn" in body and 'href="/tasks/login"' in body


def test_a_wrong_method_and_a_too_large_body_get_their_pages(app):
    client = app.test_client()
    wrong = client.get("/tasks/logout", headers=HTML)
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]
    assert "Phương thức không được hỗ trợ" in _no_trace(wrong)
    big = client.post("/tasks/login", data={"x": "y" * (2 * 1024 * 1024)}, headers=HTML)
    assert big.status_code == 413
    assert "quá lớn" in _no_trace(big)
