"""One error shape for every service: RFC 9457 problem+json with field errors in vi and en."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from shared.i18n import LANGUAGES, MESSAGES, TITLES, localize, message, pick_language
from shared.logging import get_correlation_id

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
_LOCATIONS = ("json", "query", "form", "files", "headers", "cookies", "path", "view_args")


class ApiError(Exception):
    """An expected failure with a status, a message code and optional field errors."""

    # Status and code are positional-only: a message may have a `{code}` parameter of its own.
    def __init__(self, http_status: int, code: str | None = None, /, *,
                 field_errors: dict[str, Any] | None = None, headers: dict | None = None,
                 **params):
        super().__init__(code or str(http_status))
        self.status = http_status
        self.code = code
        self.params = params
        self.field_errors = field_errors or {}
        self.headers = headers or {}


def not_found(what_vi: str, what_en: str) -> ApiError:
    """A 404 naming the kind of object that was not found (or is outside the caller's unit)."""
    return ApiError(404, "not_found", what=(what_vi, what_en))


def flatten_errors(messages: Any, prefix: str = "") -> list[dict[str, Any]]:
    """marshmallow/webargs nested messages as a flat list of {field, message(s)}."""
    out: list[dict[str, Any]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = str(key)
            if not prefix and key in _LOCATIONS:
                out.extend(flatten_errors(value, ""))
                continue
            name = key if not prefix else f"{prefix}.{key}"
            if key == "_schema":
                name = prefix or "_body"
            out.extend(flatten_errors(value, name))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict):
                out.extend(flatten_errors(item, prefix))
            else:
                out.append({"field": prefix or "_body", "messages": localize(item)})
    else:
        out.append({"field": prefix or "_body", "messages": localize(str(messages))})
    return out


def request_language() -> str:
    """The caller's language: ?lang= or the lang cookie, then Accept-Language, then profile."""
    explicit = request.args.get("lang") or request.cookies.get("lang")
    principal = getattr(g, "principal", None)
    profile = getattr(principal, "language", None) if principal else None
    return pick_language(request.headers.get("Accept-Language"), explicit, fallback=profile)


def problem_response(status: int, *, code: str | None = None, params: dict | None = None,
                     field_errors: list[dict[str, Any]] | None = None,
                     headers: dict | None = None, detail: str | None = None) -> Response:
    """Build the problem+json response in the caller's language (both texts are included)."""
    lang = request_language()
    title_vi, title_en = TITLES.get(status, (f"Lỗi {status}", f"Error {status}"))
    body: dict[str, Any] = {
        "type": f"urn:plan-tracker:problem:{code or status}",
        "title": title_vi if lang == "vi" else title_en,
        "status": status,
        "instance": request.path,
    }
    if code:
        texts = {lg: message(code, lg, **localize_params(params or {}, lg)) for lg in LANGUAGES}
        body["detail"] = texts[lang]
        body["details"] = texts
    elif detail:
        body["detail"] = detail
    if field_errors:
        for err in field_errors:
            err["message"] = err["messages"][lang]
        body["errors"] = field_errors
    body["correlation_id"] = get_correlation_id()
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        content_type=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def localize_params(params: dict, lang: str) -> dict:
    # A parameter given as (vi, en) is shown in the caller's language.
    return {k: (v[0] if lang == "vi" else v[1]) if isinstance(v, tuple) else v
            for k, v in params.items()}


def wants_page() -> bool:
    """True for a page request: not an API or health path, and the client takes HTML first."""
    path = request.path
    if "/api/" in path or path.endswith(("/healthz", "/readyz")):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best == "text/html"


def _reply(exc: Exception, status: int, **problem: Any) -> Response:
    # Pages get the HTML error page of the app (installed with the pages), APIs problem+json.
    render_page = current_app.extensions.get("error_page")
    if render_page is not None and wants_page():
        return render_page(exc, status, code=problem.get("code"), params=problem.get("params"),
                           headers=problem.get("headers"))
    return problem_response(status, **problem)


def _http_message(status: int) -> tuple[str | None, dict]:
    """Our bilingual message for a plain HTTP error Werkzeug raised (its text is English)."""
    if status == 405:
        return "http_405", {"method": request.method}
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return "http_413", {"max": f"{limit // 1024} KiB"}
    return (f"http_{status}", {}) if f"http_{status}" in MESSAGES else (None, {})


def install_error_handlers(app: Flask) -> None:
    """Route every error of the app to the problem+json shape (an HTML page for page requests);
    no exception escapes as a raw error page or a stack trace."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return _reply(exc, exc.status, code=exc.code, params=exc.params,
                      field_errors=flatten_errors(exc.field_errors) or None,
                      headers=exc.headers)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        return _reply(exc, 422, field_errors=flatten_errors(exc.messages))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")
        status = exc.code or 500
        if messages is not None:
            errors = flatten_errors(messages)
            if any(e["messages"]["en"].startswith("Invalid JSON body") for e in errors):
                return _reply(exc, 400, code="invalid_json")
            return _reply(exc, status, field_errors=errors, headers=data.get("headers"))
        code, params = _http_message(status)
        headers = {}
        valid_methods = getattr(exc, "valid_methods", None)
        if status == 405 and valid_methods:
            headers["Allow"] = ", ".join(valid_methods)
        return _reply(exc, status, code=code, params=params,
                      detail=None if code else exc.description, headers=headers)

    @app.errorhandler(OperationalError)
    def _db_unavailable(exc: OperationalError):
        log.warning("database unavailable", extra={"error": str(exc.orig)[:300]})
        return _reply(exc, 503, code="service_unavailable", headers={"Retry-After": "5"})

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError):
        # A unique key taken meanwhile (or not checked first): the caller's request clashes
        # with what is stored; nothing was written (the unit of work rolled back).
        log.warning("integrity conflict", extra={"error": str(exc.orig)[:300]})
        return _reply(exc, 409, code="conflict")

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(exc: StaleDataError):
        # Another request changed the row (its version) between our read and our write: the
        # caller lost the race; nothing of this request was written.
        log.warning("lost update race", extra={"error": str(exc)[:300]})
        return _reply(exc, 409, code="changed_meanwhile")

    @app.errorhandler(DBAPIError)
    def _db_error(exc: DBAPIError):
        if exc.connection_invalidated:
            return _reply(exc, 503, code="service_unavailable", headers={"Retry-After": "5"})
        log.exception("database error")
        return _reply(exc, 500, code="internal_error")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return _reply(exc, 500, code="internal_error")
