"""The per-request shortcuts of the shared web path change nothing that callers can see."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from flask import Flask
from marshmallow import ValidationError, fields
from werkzeug.exceptions import UnprocessableEntity

from shared.messaging.events import build_event, parse_event
from shared.schemas import StrictParser, StrictSchema


class _Query(StrictSchema):
    page = fields.Integer(load_default=1)


def test_the_parser_builds_each_schema_class_once_and_stays_strict():
    parser = StrictParser()
    app = Flask(__name__)
    with app.test_request_context("/?page=2"):
        assert parser.parse(_Query, location="query") == {"page": 2}
        first = parser._get_schema(_Query, None)
    with app.test_request_context("/?page=3&typo=1"):
        assert parser._get_schema(_Query, None) is first
        with pytest.raises(UnprocessableEntity) as raised:
            parser.parse(_Query, location="query")
        assert "typo" in raised.value.data["messages"]["query"]


def test_events_are_still_checked_against_their_contract_with_shared_schemas():
    data = {"task_id": uuid.uuid4(), "title": "Việc", "assignee_unit_id": uuid.uuid4(),
            "deadline": date(2099, 12, 21), "effective_deadline": date(2099, 12, 21),
            "status": "not_started"}
    envelope = build_event("task.created", data, producer="tests")
    assert parse_event(envelope).data["task_id"] == data["task_id"]
    with pytest.raises(ValidationError):
        build_event("task.created", {**data, "status": "nonsense"}, producer="tests")
    with pytest.raises(ValidationError):
        parse_event({**envelope, "data": {**envelope["data"], "title": ""}})
