"""The per-request shortcuts of the shared web path change nothing that callers can see."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError, fields, post_dump
from sqlalchemy import event, select
from werkzeug.exceptions import UnprocessableEntity

from services.tasks import service as tasks_service
from services.tasks.models import User
from shared.auth import Principal, access_check
from shared.dumping import FastDumpSchema, fast_dumpable
from shared.messaging.events import build_event, parse_event
from shared.schemas import StrictParser, StrictSchema
from tests.helpers import sqlite_database


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
            "status": "not_started", "version": 1}
    envelope = build_event("task.created", data, producer="tests")
    assert parse_event(envelope).data["task_id"] == data["task_id"]
    with pytest.raises(ValidationError):
        build_event("task.created", {**data, "status": "nonsense"}, producer="tests")
    with pytest.raises(ValidationError):
        parse_event({**envelope, "data": {**envelope["data"], "title": ""}})


class _Inner(Schema):
    code = fields.String()
    at = fields.AwareDateTime(allow_none=True)


class _Out(Schema):
    id = fields.UUID()
    parent_id = fields.UUID(allow_none=True)
    title = fields.String()
    count = fields.Integer(allow_none=True)
    as_text = fields.Integer(as_string=True)
    day = fields.Date()
    day_of_time = fields.Date()
    at = fields.AwareDateTime(allow_none=True)
    naive = fields.DateTime(format="%d/%m/%Y")
    flag = fields.Boolean()
    share = fields.Float(allow_none=True)
    tags = fields.List(fields.String())
    ids = fields.List(fields.UUID(), allow_none=True)
    extra = fields.Dict(allow_none=True)
    inner = fields.Nested(_Inner, allow_none=True)
    inners = fields.List(fields.Nested(_Inner))
    renamed = fields.String(data_key="shownName")
    sourced = fields.String(attribute="source")
    secret = fields.String(load_only=True)


class _FastInner(FastDumpSchema, _Inner):
    pass


class _FastOut(FastDumpSchema, _Out):
    inner = fields.Nested(_FastInner, allow_none=True)
    inners = fields.List(fields.Nested(_FastInner))


def _rows():
    now = datetime(2026, 11, 29, 12, 30, 15, 123456, tzinfo=UTC)
    full = {"id": uuid.uuid4(), "parent_id": uuid.uuid4(), "title": "Sở Công Thương",
            "count": 7, "as_text": 8, "day": date(2026, 1, 2), "day_of_time": now, "at": now,
            "naive": datetime(2026, 1, 2, 3, 4), "flag": 1, "share": 0.5, "tags": ["a", 5],
            "ids": [uuid.uuid4()], "extra": {"k": [1]}, "inner": {"code": "X", "at": now},
            "inners": [{"code": 1, "at": None}], "renamed": "r", "source": b"bytes",
            "secret": "never shown"}
    nones = {**dict.fromkeys(full), "tags": [], "inners": [], "flag": 0, "title": 12,
             "id": uuid.uuid4(), "day": date(2026, 1, 2), "day_of_time": date(2026, 1, 3),
             "naive": now, "as_text": 1, "renamed": None, "source": None}
    sparse = {"id": uuid.uuid4(), "title": "chỉ vài khóa"}  # absent keys are left out
    return [full, nones, sparse]


def test_fast_dump_gives_exactly_what_marshmallow_gives():
    fast, plain, rows = _FastOut(), _Out(), _rows()
    assert fast_dumpable(fast)
    for row in rows:
        assert fast.dump(row) == plain.dump(row)
    assert fast.dump(rows, many=True) == plain.dump(rows, many=True)
    assert _FastOut(many=True).dump(rows) == _Out(many=True).dump(rows)
    assert fast.dump(iter(rows), many=True) == plain.dump(rows, many=True)  # a generator


def test_fast_dump_leaves_objects_and_hooked_schemas_to_marshmallow():
    class Obj:
        id = uuid.uuid4()
        title = "đối tượng"

    assert _FastOut().dump(Obj()) == _Out().dump(Obj())

    class Hooked(FastDumpSchema):
        title = fields.String()

        @post_dump
        def _shout(self, data, **_kwargs):
            return {"title": data["title"].upper()}

    assert not fast_dumpable(Hooked())
    assert Hooked().dump({"title": "a"}) == {"title": "A"}

    class Defaulted(FastDumpSchema):
        title = fields.String(dump_default="x")

    assert Defaulted().dump({}) == {"title": "x"}


def test_the_access_check_reads_one_row_on_a_bare_connection_and_names_the_refusal(tmp_path):
    db = sqlite_database("tasks", tmp_path)
    now = datetime.now(UTC)
    with db.uow() as uow:
        unit = tasks_service.create_unit(uow=uow, actor_id=None, code="SCT", kind="department",
                                         name_vi="Sở", name_en="Dept", now=now)
        users = [tasks_service.create_user(uow=uow, actor_id=None, username=name,
                                           password="long enough password", full_name=name,
                                           unit_id=unit.id, roles=["viewer"], now=now)
                 for name in ("active", "gone", "changed")]
        users[1].active = False
        users[2].token_version = 3
        uow.commit()
    owner = access_check(db, id_column=User.id, active_column=User.active,
                         token_version_column=User.token_version, copy=False)
    copy = access_check(db, id_column=User.id, active_column=User.active,
                        token_version_column=User.token_version, copy=True)

    def principal(user_id, token_version=1):
        return Principal(user_id=user_id, username="x", unit_id=unit.id, unit_code="SCT",
                         roles=("viewer",), token_version=token_version)

    statements: list[str] = []
    event.listen(db.read_engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: statements.append(sql))
    assert owner(principal(users[0].id)) is None
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "token_version" in selects[0]  # one select of both values
    assert owner(principal(users[1].id)) == "user_inactive"
    assert owner(principal(users[2].id, 2)) == "token_revoked"  # issued before the change
    assert owner(principal(users[2].id, 0)) == "token_revoked"  # a token without `tv`
    assert owner(principal(users[2].id, 4)) == "token_revoked"  # the owner must match exactly
    assert owner(principal(users[2].id, 3)) is None
    assert copy(principal(users[2].id, 2)) == "token_revoked"
    assert copy(principal(users[2].id, 4)) is None  # logged in again before the copy caught up
    assert owner(principal(uuid.uuid4())) is None  # a user this table does not know (yet)
    assert copy(principal(uuid.uuid4(), 0)) is None
    assert db.read_value(select(User.username).where(User.id == users[1].id)) == "gone"
    assert db.read_value(select(User.username).where(User.id == uuid.uuid4())) is None
    db.dispose()
