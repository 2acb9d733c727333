"""B1/S5: crafted hostile input on every JSON endpoint, hostile text in every text field,
hostile Excel uploads: always a 4xx problem+json in vi and en, never a 500 or a half-write."""

from __future__ import annotations

import io
import time
import tracemalloc
import unicodedata

import pytest

from services.kpi.models import Report
from tests.proof.access_world import SERVICES, World, world_fixture
from tests.proof.hostile_bases import BASES, NOT_ECHOED, SOON
from tests.proof.hostile_payloads import (
    BLANK_ALLOWED,
    BLANK_TEXTS,
    BROKEN_BODIES,
    HOSTILE_TEXTS,
    NON_NFC_TEXT,
    NOT_TEXT,
    REFUSED_TEXTS,
    RRULE_WITHOUT_OCCURRENCE,
    fill_path,
    foreign_workbook,
    get_field,
    json_operations,
    macro_workbook,
    set_field,
    text_fields,
    zip_bomb,
)

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from world_fixture(tmp_path_factory.mktemp("attachments"))


def _spec(world: World, service: str) -> dict:
    return world.client(service).get(f"/{service}/api/openapi.json").json


def _audit_rows(world: World) -> dict[str, int]:
    return {service: world.audit_rows(service) for service in SERVICES}


def assert_bilingual_problem(response, where) -> None:
    """A 4xx problem+json whose message (or every field error) is given in vi and en."""
    assert 400 <= response.status_code < 500, (where, response.status_code,
                                                response.get_data(True)[:300])
    assert response.content_type == PROBLEM, where
    problem = response.json
    assert problem["status"] == response.status_code and problem["title"], where
    texts = [problem["details"]] if "details" in problem else []
    texts += [error["messages"] for error in problem.get("errors", [])]
    assert texts, (where, problem)
    for text in texts:
        assert text["vi"] and text["en"], (where, problem)


def test_broken_bodies_get_a_bilingual_problem_on_every_json_endpoint(world, proof):
    """Malformed, huge, 100k-deep, invalid UTF-8 and NUL bodies on every JSON endpoint."""
    before, sent = _audit_rows(world), 0
    for service in SERVICES:
        for method, path, _schema in json_operations(_spec(world, service)):
            for label, body, status in BROKEN_BODIES:
                response = world.client(service).open(
                    fill_path(path), method=method, data=body, content_type="application/json",
                    headers=world.headers("admin", "SCT"))
                sent += 1
                where = (method, path, label)
                assert response.status_code == status, (where, response.status_code,
                                                        response.get_data(True)[:300])
                assert_bilingual_problem(response, where)
    assert _audit_rows(world) == before, "a refused body changed something"
    proof.record(done=f"{len(BROKEN_BODIES)} broken bodies × every JSON endpoint of 3 services:"
                      " all 400/413/422 problem+json, vi+en, no audit row", sent=sent,
                 applied=0)


def test_hostile_text_in_every_text_field_is_stored_as_typed_or_refused(world, proof):
    """SQL, template and script text in every text field: stored literally or refused."""
    sent = stored = refused = 0
    for service in SERVICES:
        spec = _spec(world, service)
        for method, path, schema in json_operations(spec):
            fields = [f for f in text_fields(spec, schema) if f not in NOT_TEXT]
            if not fields:
                continue
            key = f"{method} {path}"
            assert key in BASES, f"{key} takes text but has no base request in hostile_bases"
            for field in fields:
                for text in HOSTILE_TEXTS:
                    svc, role, unit, url, base = BASES[key](world, sent)
                    body = set_field(base, field, text)
                    response = world.client(svc).open(url, method=method, json=body,
                                                      headers=world.headers(role, unit))
                    sent += 1
                    where = (key, field, text)
                    if response.status_code >= 300:
                        assert_bilingual_problem(response, where)
                        refused += 1
                        continue
                    stored += 1
                    echoed = get_field(response.json, field)
                    if field not in NOT_ECHOED and echoed is not None:
                        assert echoed == text, (where, echoed)
    assert world.audit_rows("tasks") > 0, "the audit table is still there"
    assert stored >= 50, (stored, refused)
    proof.record(done=f"{len(HOSTILE_TEXTS)} hostile texts × every text field: {stored} stored "
                      f"exactly as typed, {refused} refused with a problem", sent=sent,
                 applied=stored)


def _named(response, field: str) -> bool:
    return any(e["field"] == field for e in (response.json or {}).get("errors", []))


def test_control_characters_and_blank_text_are_refused_naming_the_field_everywhere(world, proof):
    """Control characters, a lone escape, a bidi override in every text field of every JSON
    endpoint, whitespace only in every title, name and reason: 422 naming the field;
    decomposed text is stored composed (NFC)."""
    sent, nfc = 0, 0
    for service in SERVICES:
        spec = _spec(world, service)
        for method, path, schema in json_operations(spec):
            fields = [f for f in text_fields(spec, schema) if f not in NOT_TEXT]
            for field in fields:
                blank = [] if field.rsplit(".", 1)[-1] in BLANK_ALLOWED else BLANK_TEXTS
                for text in REFUSED_TEXTS + blank:
                    svc, role, unit, url, base = BASES[f"{method} {path}"](world, sent)
                    response = world.client(svc).open(url, method=method,
                                                      json=set_field(base, field, text),
                                                      headers=world.headers(role, unit))
                    sent += 1
                    where = (method, path, field, text)
                    assert response.status_code == 422 and _named(response, field), (
                        where, response.status_code, response.get_data(True)[:300])
                    assert_bilingual_problem(response, where)
    for method, path in (("POST", "/tasks/api/v1/tasks"), ("POST", "/tasks/api/v1/admin/units")):
        svc, role, unit, url, base = BASES[f"{method} {path}"](world, sent)
        field = "title" if "title" in base else "name_vi"
        response = world.client(svc).open(url, method=method,
                                          json=set_field(base, field, NON_NFC_TEXT),
                                          headers=world.headers(role, unit))
        sent += 1
        assert response.status_code == 201, response.get_data(True)[:300]
        assert response.json[field] == unicodedata.normalize("NFC", NON_NFC_TEXT)
        nfc += 1
    proof.record(done=f"{len(REFUSED_TEXTS)} control-character texts × every text field and "
                      f"{len(BLANK_TEXTS)} blank texts × every title, name and reason: "
                      f"{sent - nfc} refused naming the field; {nfc} "
                      f"decomposed texts stored in NFC", sent=sent, applied=nfc)


def test_a_duty_rule_with_no_date_in_the_plan_period_is_422_naming_rrule(world, proof):
    """The 500 schemathesis found: a recurring duty whose rule has no date in its plan."""
    svc, role, unit, url, base = BASES["POST /tasks/api/v1/plans/{plan_id}/duties"](world, 0)
    body = {**set_field(base, "rrule", RRULE_WITHOUT_OCCURRENCE), "deadline": None}
    response = world.client(svc).post(url, json=body, headers=world.headers(role, unit))
    assert response.status_code == 422 and _named(response, "rrule"), response.get_data(True)
    assert_bilingual_problem(response, "rrule")
    proof.record(done="recurring duty with a rule ending before its plan: 422 on rrule",
                 sent=1)


def test_pages_show_hostile_text_escaped(world, proof):
    """A task titled with a script shows escaped on the tasks page and in the inbox page."""
    title = "<script>alert('xss')</script> {{7*7}} ${7*7}"
    created = world.client("tasks").post(
        "/tasks/api/v1/tasks", headers=world.headers("coordinator", "SCT"),
        json={"title": title, "deadline": SOON, "description": "<b>x</b>",
              "assignee_unit_id": str(world.unit_id("TP-HAIDUONG"))})
    assert created.status_code == 201, created.json
    world.feed_notifications()
    token = world.token("reporter", "TP-HAIDUONG", user_id=world.users["baocao.tphd"])
    pages = {"/tasks/": "tasks", "/notifications/inbox": "notifications"}
    for url, service in pages.items():
        client = world.client(service)
        client.set_cookie("access_token", token)
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(" not in html, url
        assert "&lt;script&gt;alert(" in html, url
        assert "{{7*7}}" in html and ">49<" not in html, url
    proof.record(done="script/template title on /tasks/ and /notifications/inbox: escaped, "
                      "not run", sent=3)



UPLOADS = {  # label -> (file bytes or a maker taking the real template, file name)
    "zip bomb (0.5 MB → 0.5 GB)": (lambda template: zip_bomb(), "bao-cao.xlsx"),
    "macros (.xlsm with vbaProject.bin)": (macro_workbook, "bao-cao.xlsm"),
    "not a zip": (lambda template: b"MZ\x90\x00 this is an .exe, not a workbook", "bao-cao.xlsx"),
    "another workbook": (lambda template: foreign_workbook(), "luong.xlsx"),
    "empty file": (lambda template: b"", "bao-cao.xlsx"),
}


def test_hostile_excel_uploads_are_refused_quickly_without_writing(world, proof):
    """Zip bomb, macro workbook, non-zip, foreign workbook: 4xx, nothing saved, no blow-up."""
    client, headers = world.client("kpi"), world.headers("reporter", "TP-HAIDUONG")
    template = client.get("/kpi/api/v1/reports/template?year=2020", headers=headers)
    assert template.status_code == 200
    before, reports = _audit_rows(world), world.count("kpi", Report.__table__)
    worst_seconds, worst_mib = 0.0, 0.0
    for label, (make, filename) in UPLOADS.items():
        data = make(template.data)
        tracemalloc.start()
        started = time.monotonic()
        response = client.post("/kpi/api/v1/reports/upload?dry_run=false&submit=true",
                               headers=headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), filename)})
        seconds = time.monotonic() - started
        peak_mib = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
        assert_bilingual_problem(response, label)
        assert seconds < 5 and peak_mib < 64, (label, seconds, peak_mib)
        worst_seconds, worst_mib = max(worst_seconds, seconds), max(worst_mib, peak_mib)
    assert world.count("kpi", Report.__table__) == reports
    assert _audit_rows(world) == before
    proof.record(done=f"{len(UPLOADS)} hostile uploads: 4xx problem, no report or audit row; "
                      f"slowest {worst_seconds:.2f} s, peak {worst_mib:.1f} MiB",
                 sent=len(UPLOADS), applied=0)
