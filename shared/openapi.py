"""Every service's OpenAPI document names the errors each operation can answer."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields


class FieldError(Schema):
    field = fields.String()
    messages = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "{vi: ..., en: ...}"})
    message = fields.String(metadata={"description": "the message in the caller's language"})


class Problem(Schema):
    """RFC 9457 problem+json, in Vietnamese with the English text alongside."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    correlation_id = fields.String()
    details = fields.Dict(metadata={"description": "the detail in vi and en"})
    errors = fields.List(fields.Nested(FieldError))


ERRORS = {
    400: "Malformed JSON / JSON không hợp lệ",
    401: "Not logged in or the token is invalid / Chưa đăng nhập",
    403: "The caller's role may not do this / Không có quyền",
    404: "Unknown id, or an object of another unit / Không tìm thấy",
    409: "A move the workflow refuses, a taken code, or a lost race / Xung đột",
    413: "Body or file too large / Dữ liệu quá lớn",
    415: "Not JSON (or multipart for files) / Kiểu nội dung không được hỗ trợ",
    422: "Invalid input, each field named in vi and en / Dữ liệu không hợp lệ",
    429: "Too many tries (failed logins), retry after Retry-After / Quá nhiều lần thử",
    503: "Database unavailable for a moment, retry after Retry-After / Tạm thời gián đoạn",
    "default": "Any other error, same shape / Lỗi khác, cùng dạng",
}
CHANGES = ("post", "put", "patch", "delete")


def openapi_path(rule: str) -> str:
    """A Werkzeug rule as an OpenAPI path: `<uuid:task_id>` becomes `{task_id}`."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def _codes(path: str, method: str, *, public: bool) -> set[int]:
    codes = {422, 503}  # query and path parameters are strict; the database may be away
    if not public:
        codes |= {401, 403}
    if "{" in path:
        codes.add(404)
    if method in CHANGES:
        codes |= {400, 409, 413, 415}
    return codes


def document_errors(app: Flask, api: Api, *, public_endpoints: Iterable[str]) -> None:
    """Add the Problem schema and the error responses every operation may give."""
    public = {openapi_path(r.rule) for r in app.url_map.iter_rules()
              if r.endpoint in set(public_endpoints)}
    api.spec.components.schema("Problem", schema=Problem)
    for code, text in ERRORS.items():
        api.spec.components.response(f"PROBLEM_{code}", {
            "description": text,
            "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}})
    for path, operations in api.spec._paths.items():  # noqa: SLF001 - no public accessor
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation.setdefault("responses", {})
            # Errors are problem+json: replace flask-smorest's application/json error entries.
            for code in [*sorted(_codes(path, method, public=path in public)), "default"]:
                responses[str(code)] = {"$ref": f"#/components/responses/PROBLEM_{code}"}
    _optional_bodies(api)


def _optional_bodies(api: Api) -> None:
    """A body whose every field is optional may be left out: the service reads it as `{}`.

    flask-smorest documents every body as required; the services take a missing one as empty
    (a PATCH without a body changes nothing), so the document says what they do.
    """
    schemas = api.spec.components.schemas
    for operations in api.spec._paths.values():  # noqa: SLF001 - no public accessor
        for method, operation in operations.items():
            body = operation.get("requestBody") if method != "parameters" else None
            if not body:
                continue
            for media in body.get("content", {}).values():
                schema = media.get("schema", {})
                ref = schema.get("$ref", "")
                schema = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else schema
                if schema.get("type", "object") == "object" and not schema.get("required"):
                    body["required"] = False
