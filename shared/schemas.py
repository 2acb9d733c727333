"""Schema and blueprint bases that make every service strict about its input."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict


class StrictSchema(Schema):
    """Input schema: unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


class StrictParser(FlaskParser):
    """Rejects unknown query parameters too (webargs ignores them by default): a typo is a 422."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None}
    GLOBAL_QUERY_PARAMETERS = ("lang",)  # read by every service for the response language

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
