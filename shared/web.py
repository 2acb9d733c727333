"""The common Flask base of every service: prefix, OpenAPI, health, errors, auth, correlation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from flask import Blueprint as FlaskBlueprint
from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import Api, Blueprint
from kombu import Connection
from werkzeug.routing import BaseConverter

from shared.auth import install_auth
from shared.db import Database, utcnow
from shared.errors import ApiError, install_error_handlers
from shared.logging import (
    configure_logging,
    get_correlation_id,
    new_correlation_id,
    reset_correlation_id,
    set_correlation_id,
)
from shared.openapi import document_errors
from shared.pages import install_pages
from shared.settings import Settings

MAX_JSON_BODY = 1 * 1024 * 1024
STATIC = Path(__file__).parent / "static"  # scripts of the shared layout, at /<service>/static/
# No inline script anywhere: scripts are files of the app ('self'). Inline styles stay allowed:
# the pages carry computed widths (progress bars) in style attributes and their CSS in <style>
# blocks; a style cannot run code, so 'unsafe-inline' is confined to style-src.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # secret links (calendar feeds) never leave the site
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}


class SecretConverter(BaseConverter):
    """`<secret:token>`: a URL-safe secret (`secrets.token_urlsafe`), never a dot.

    So `/feeds/<secret:token>` does not also match `/feeds/<secret:token>.ics`: without it an
    OPTIONS on the .ics URL named the other rule's DELETE in its Allow header.
    """

    regex = r"[A-Za-z0-9_-]+"


def _secret_schema(_converter: BaseConverter) -> dict[str, str]:
    return {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}


def check_broker(settings: Settings) -> None:
    """Raise if the broker cannot be reached within the connect timeout."""
    if settings.uses_memory_broker:
        return
    with Connection(settings.broker_url, connect_timeout=min(settings.broker_connect_timeout, 3)) \
            as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


def install_security_headers(app: Flask) -> None:
    """Send the browser hardening headers on every answer of the app: pages, APIs, files,
    error pages."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def create_service_app(
    service: str,
    *,
    settings: Settings | None,
    db: Database | None,
    blueprints: Iterable[Blueprint],
    title: str,
    public_endpoints: Iterable[str] = (),
    extra: Callable[[Flask, Api], None] | None = None,
    clock: Callable[[], datetime] | None = None,
    pages: Iterable[FlaskBlueprint] = (),
) -> Flask:
    """A Flask app whose every route lives under /<service>/, with the common behaviour.

    Without settings (gunicorn), they are read from the environment and logging is set up.
    """
    if settings is None:
        settings = Settings.from_env()
        configure_logging(service, json_format=settings.log_json)
    db = db or Database(settings.database_url(service))
    prefix = f"/{service}"
    app = Flask(service)
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=f"{prefix}/api",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=MAX_JSON_BODY,
        JSON_SORT_KEYS=False,
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    app.json.ensure_ascii = False
    app.extensions["settings"] = settings
    app.extensions["db"] = db
    app.extensions["clock"] = clock or utcnow
    app.url_map.converters["secret"] = SecretConverter
    api = Api(app)
    api.register_converter(SecretConverter, _secret_schema)
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=f"{prefix}/api/v1")

    @app.get(f"{prefix}/healthz")
    def healthz():
        return jsonify(status="ok", service=service)

    @app.get(f"{prefix}/readyz")
    def readyz():
        problems = {}
        try:
            db.ping()
        except Exception as exc:
            problems["database"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        try:
            check_broker(settings)
        except Exception as exc:
            problems["broker"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        if problems:
            response = jsonify(status="unavailable", service=service, reasons=problems)
            response.status_code = 503
            response.headers["Retry-After"] = "5"
            return response
        return jsonify(status="ready", service=service)

    @app.before_request
    def _bind_correlation_id():
        incoming = request.headers.get("X-Correlation-ID", "")[:64]
        g.correlation_token = set_correlation_id(incoming or new_correlation_id())

    @app.before_request
    def _refuse_nul_in_url():
        # PostgreSQL text cannot hold NUL: a path or query with one can never match anything.
        if "\x00" in request.path or any("\x00" in k or "\x00" in v
                                         for k, v in request.args.items(multi=True)):
            raise ApiError(400, "nul_character")

    @app.before_request
    def _require_json_body():
        # An API body must be JSON (or a multipart upload); anything else is 415, not a guess.
        if request.method in ("POST", "PUT", "PATCH") and "/api/" in request.path \
                and (request.content_length or 0) > 0 \
                and request.mimetype not in ("application/json", "multipart/form-data"):
            raise ApiError(415, "json_required")

    @app.after_request
    def _echo_correlation_id(response: Response) -> Response:
        response.headers["X-Correlation-ID"] = get_correlation_id() or ""
        return response

    @app.teardown_request
    def _unbind_correlation_id(_exc):
        token = g.pop("correlation_token", None)
        if token is not None:
            reset_correlation_id(token)

    install_error_handlers(app)
    install_security_headers(app)
    install_pages(app, settings)  # also the HTML error pages, for every service
    app.register_blueprint(FlaskBlueprint("shared_assets", __name__, static_folder=str(STATIC),
                                          static_url_path=f"{prefix}/static"))
    for blueprint in pages:
        app.register_blueprint(blueprint)
    public = {"healthz", "readyz", "api-docs.openapi_json", "shared_assets.static",
              *public_endpoints}
    install_auth(app, settings, public_endpoints=public)
    document_errors(app, api, public_endpoints=public)
    if extra:
        extra(app, api)
    return app


def current_db() -> Database:
    """The database of the service handling this request."""
    return current_app.extensions["db"]


def current_settings() -> Settings:
    """The settings of the service handling this request."""
    return current_app.extensions["settings"]


def current_time() -> datetime:
    """Now, from the app's clock (tests may freeze it)."""
    return current_app.extensions.get("clock", utcnow)()
