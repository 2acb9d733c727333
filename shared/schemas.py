"""Schema and blueprint bases that make every service strict about its input."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from shared.errors import ApiError
from shared.i18n import LocalizedText
from shared.text import normalize, text_problem

_NOT_JSON_TYPE = object()  # what no Boolean, Integer or Number field takes
MAX_JSON_DEPTH = 32  # our bodies nest 3 levels at most; deeper is an attack or a mistake


class StrictSchema(Schema):
    """Input schema: unknown fields are an error, not silently dropped; in a JSON body a
    boolean is `true`/`false` and a number is a JSON number (see `_json_types`)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _json_types(self, data: Any, **_kwargs: Any) -> Any:
        """marshmallow takes 0 and 1 for booleans and truncates 2.5 to the integer 2; in a
        JSON body (a dict: query strings come as a MultiDict of text) they are a 422, as the
        OpenAPI types say (schemathesis found `{"active": 0}` and `{"progress": 1e-42}`)."""
        if type(data) is not dict:
            return data
        data = dict(data)
        for name, field in self.load_fields.items():
            key = field.data_key or name
            value = data.get(key)
            if value is None or isinstance(value, str):
                continue  # absent, null or text: the field itself judges it
            if isinstance(field, fields.Boolean):
                wrong = not isinstance(value, bool)
            elif isinstance(field, fields.Integer):
                wrong = isinstance(value, bool) or (isinstance(value, float)
                                                    and not value.is_integer())
            elif isinstance(field, fields.Number):
                wrong = isinstance(value, bool)
            else:
                continue
            if wrong:  # the field's own "invalid" error, among the other fields' errors
                data[key] = _NOT_JSON_TYPE
        return data


class Text(fields.String):
    """Single-line text a person typed (a title, a name, a code): refused (422 naming the
    field) with a control, bidi or lone surrogate character, a tab or a line break, or when it
    is only whitespace (unless `blank=True`); stored in Unicode NFC."""

    multiline = False

    def __init__(self, *, blank: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.blank = blank

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, multiline=self.multiline, blank=self.blank)
        if problem is not None:
            raise ValidationError(problem)
        return normalize(text)


class MultilineText(Text):
    """Text of several lines (a description, a comment, a reason, a note): as `Text`, but tab
    and line breaks are allowed."""

    multiline = True


class StrictParser(FlaskParser):
    """Rejects unknown query parameters too (webargs ignores them by default): a typo is a 422."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}
    GLOBAL_QUERY_PARAMETERS = ("lang",)  # read by every service for the response language

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas: dict[type[Schema], Schema] = {}

    def _get_schema(self, argmap, req) -> Schema:
        """One instance per schema class, made once: webargs would build (and deep-copy the
        fields of) a new one on every request. Loading does not change a schema instance, so
        the threads of a worker can share it."""
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req) -> Any:
        """The JSON body, refused (400/422) when it nests too deeply or holds a NUL character."""
        try:
            data = super()._raw_load_json(req)
        except RecursionError as exc:  # deeper than the interpreter's stack
            raise ApiError(400, "json_too_deep", depth=MAX_JSON_DEPTH) from exc
        check_json_body(data)
        return data

    def load_querystring(self, req, schema):
        """The query string without the parameters every endpoint accepts."""
        args = MultiDict(req.args)
        for name in self.GLOBAL_QUERY_PARAMETERS:
            args.poplist(name)
        return MultiDictProxy(args, schema)


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose argument parser is strict."""

    ARGUMENTS_PARSER = StrictParser()


class EmptyBody(StrictSchema):
    """The body of an action that takes no input: absent or {}; anything else is refused."""


def check_json_body(data: Any) -> None:
    """Refuse a parsed JSON body nested deeper than MAX_JSON_DEPTH or with NUL in a string.

    PostgreSQL cannot store NUL in text, and deep nesting only exhausts stacks downstream;
    both are refused here, before any schema or database sees them. Walks without recursion.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, "json_too_deep", depth=MAX_JSON_DEPTH)
        if isinstance(value, str) and "\x00" in value:
            raise ApiError(422, field_errors={where or "_body": [LocalizedText("nul_character")]})
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                stack.append((key, name, depth))
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}.{i}" if where else str(i), depth + 1)
                         for i, item in enumerate(value))
