"""The tasks service's OpenAPI document names the errors each endpoint can answer."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields


class FieldError(Schema):
    field = fields.String()
    messages = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "{vi: ..., en: ...}"})


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
    401: "Not logged in or the token is invalid / Chưa đăng nhập",
    403: "The caller's role may not do this / Không có quyền",
    404: "Unknown id, or a task of another unit / Không tìm thấy",
    409: "A move the workflow table refuses, a taken code, or a lost race / Xung đột",
    413: "Body or file too large / Dữ liệu quá lớn",
    415: "Not JSON (or multipart for files) / Kiểu nội dung không được hỗ trợ",
    422: "Invalid input, each field named in vi and en / Dữ liệu không hợp lệ",
}
PUBLIC_PATHS = ("/auth/token", ".ics")


def document_errors(_app: Flask, api: Api) -> None:
    """Add the Problem schema and the error responses every operation may give."""
    api.spec.components.schema("Problem", schema=Problem)
    for name, text in ERRORS.items():
        api.spec.components.response(f"PROBLEM_{name}", {
            "description": text,
            "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}})
    for path, operations in api.spec._paths.items():  # noqa: SLF001 - no public accessor
        for method, operation in operations.items():
            if method == "parameters":
                continue
            codes = set()
            if not path.endswith(PUBLIC_PATHS):
                codes.add(401)
            if "{" in path:
                codes.add(404)
            if method in ("post", "put", "patch", "delete"):
                codes |= {403, 409, 413, 415, 422} if not path.endswith("/auth/token") \
                    else {413, 415, 422}
            if method == "get" and "{" not in path:
                codes.add(422)  # query parameters are strict
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), {"$ref": f"#/components/responses/PROBLEM_{code}"})
