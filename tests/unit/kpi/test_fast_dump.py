"""The output schemas' built dump gives exactly marshmallow's own dump (values and key order)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

from marshmallow import Schema, fields

from services.kpi import explain, kpis, service, summary
from services.kpi.schemas import (
    ExplainOut,
    IndicatorOut,
    KpiOut,
    ReportOut,
    ReportVersionOut,
    SummaryOut,
)
from services.kpi.settings import KpiSettings
from shared.dumping import FastDumpSchema
from tests.unit.kpi.conftest import ON_TIME


def _same(schema: Schema, data, *, many: bool | None = None) -> None:
    fast = schema.dump(data, many=many)
    slow = Schema.dump(schema, data, many=many)  # marshmallow's own
    assert json.dumps(fast, default=str) == json.dumps(slow, default=str)
    assert fast == slow


def _file_reports(world) -> None:
    world.create("D1", submit=True)
    world.create("D2", submit=True, facilities=None)
    world.create("IZ")  # a draft
    headers = world.headers("SCT", "head")
    report_id = world.create("D1").json  # 409: already filed
    assert "id" not in report_id
    reports = world.client.get("/kpi/api/v1/reports", headers=headers).json
    d1 = next(r for r in reports if r["unit_id"] == str(world.units["D1"]))
    world.client.post(f"/kpi/api/v1/reports/{d1['id']}/approve", headers=headers)


def test_summary_explain_kpis_and_reports_dump_as_marshmallow_does(world):
    _file_reports(world)
    config = KpiSettings()
    with world.db.uow() as uow:
        for principal in (world.principal("SCT", "head"), world.principal("D1", "reporter")):
            _same(SummaryOut(), summary.build_summary(
                uow=uow, principal=principal, year=2019, now=ON_TIME, config=config))
        for code in ("AWARE", "APPLY", "SAVING", "TRAINED"):
            for unit_id in (None, world.units["D1"], world.units["IZ"]):
                _same(ExplainOut(), explain.explain_kpi(
                    uow=uow, principal=world.principal("SCT", "head"), code=code, year=2019,
                    unit_id=unit_id, config=config))
        _same(KpiOut(many=True), kpis.list_kpis(uow=uow, year=2019))
        _same(KpiOut(many=True), kpis.list_kpis(uow=uow, year=2030))  # nothing stored
        _same(IndicatorOut(many=True), service.list_indicators(uow=uow))
        reports, _ = service.list_reports(uow=uow, principal=world.principal("SCT", "head"))
        assert len(reports) == 3
        _same(ReportOut(many=True), [service.report_view(r) for r in reports])
        for report in reports:
            _same(ReportOut(), service.report_view(report))
            versions = service.list_versions(uow=uow, principal=world.principal("SCT", "head"),
                                             report_id=report.id)
            _same(ReportVersionOut(many=True), [service.version_view(v) for v in versions])


class _Inner(Schema):
    n = fields.Integer()
    label = fields.String(allow_none=True)


class _Everything(FastDumpSchema):
    text = fields.String()
    whole = fields.Integer()
    real = fields.Float(allow_none=True)
    flag = fields.Boolean()
    ident = fields.UUID(allow_none=True)
    day = fields.Date()
    moment = fields.AwareDateTime(allow_none=True)
    inner = fields.Nested(_Inner, allow_none=True)
    inners = fields.List(fields.Nested(_Inner))
    numbers = fields.List(fields.Float(allow_none=True), allow_none=True)
    mapping = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    renamed = fields.String(data_key="otherName")
    plucked = fields.Pluck(_Inner, "n", allow_none=True)


def test_every_kind_of_field_and_missing_or_none_values_dump_alike():
    ident = uuid.uuid4()
    full = {"text": 12, "whole": 3.9, "real": 4, "flag": "yes", "ident": str(ident).upper(),
            "day": date(2019, 12, 14), "moment": datetime(2019, 12, 10, 3, tzinfo=UTC),
            "inner": {"n": "7", "label": None}, "inners": [{"n": 1}, None, {"label": "x"}],
            "numbers": [1, None, 2.5], "mapping": {"a": 1, "b": None}, "renamed": "r",
            "plucked": {"n": 5}}
    nones = dict.fromkeys(full)
    for data in (full, nones, {}, {"whole": 1}, SimpleNamespace(text="t", whole=2),
                 None, {"inner": SimpleNamespace(n=1), "inners": []}):
        _same(_Everything(), data)
    _same(_Everything(many=True), [full, {}, nones])
    _same(_Everything(), [full], many=True)
