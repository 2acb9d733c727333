"""Approving and returning reports: who may, what it emits, what the KPIs then count."""

from __future__ import annotations

import uuid

from services.kpi.models import KpiStatusChange, ReportVersion
from shared.messaging.events import parse_event
from tests.unit.kpi.conftest import API, VALID_VALUES


def _province(world, code: str) -> dict:
    response = world.client.get(f"{API}/kpis?year=2019", headers=world.headers("SCT", "head"))
    return {k["indicator_code"]: k for k in response.json}[code]


def _post(world, path: str, unit: str, role: str, **body):
    return world.client.post(f"{API}{path}", json=body, headers=world.headers(unit, role))


def test_head_approves_a_submitted_report_and_the_value_is_no_longer_provisional(world):
    report = world.create("D1", submit=True).json
    assert _province(world, "AWARE")["provisional"] is True
    response = _post(world, f"/reports/{report['id']}/approve", "SCT", "head")
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["approved_version"]) == ("approved", 1)
    [envelope] = world.outbox("report.approved")
    assert parse_event(envelope).data["status"] == "approved"
    assert _province(world, "AWARE")["provisional"] is False


def test_lead_unit_coordinator_returns_with_a_reason_and_report_returned_is_emitted(world):
    report = world.create("D1", submit=True).json
    response = _post(world, f"/reports/{report['id']}/return", "SCT", "coordinator",
                     reason="Số cơ sở nhận thức chưa khớp danh sách")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "returned"
    assert response.json["return_reason"] == "Số cơ sở nhận thức chưa khớp danh sách"
    event = parse_event(world.outbox("report.returned")[0]).data
    assert event["reason"] == "Số cơ sở nhận thức chưa khớp danh sách"
    assert event["unit_id"] == world.units["D1"]
    # a returned report that was never approved counts for nothing
    assert _province(world, "AWARE")["status"] == "no_data"


def test_a_returned_and_resubmitted_report_replaces_its_predecessor_in_the_numbers(world):
    report = world.create("D1", submit=True).json
    assert _province(world, "AWARE")["value"] == 70.0
    _post(world, f"/reports/{report['id']}/approve", "SCT", "head")
    _post(world, f"/reports/{report['id']}/return", "SCT", "head", reason="Sửa số nhận thức")
    # while the fix is under way the approved version 1 still counts
    assert _province(world, "AWARE")["value"] == 70.0
    fixed = dict(VALID_VALUES, facilities_aware=95)
    patched = world.client.patch(f"{API}/reports/{report['id']}", json={"values": fixed},
                                 headers=world.headers("D1", "reporter"))
    assert patched.status_code == 200, patched.json
    resubmitted = _post(world, f"/reports/{report['id']}/submit", "D1", "reporter")
    assert (resubmitted.json["status"], resubmitted.json["version"]) == ("submitted", 2)
    aware = _province(world, "AWARE")
    assert (aware["value"], aware["status"], aware["provisional"]) == (95.0, "achieved", True)
    _post(world, f"/reports/{report['id']}/approve", "SCT", "head")
    aware = _province(world, "AWARE")
    assert (aware["value"], aware["provisional"]) == (95.0, False)
    assert aware["completeness"]["reported"] == 1  # one report, not two
    versions = world.client.get(f"{API}/reports/{report['id']}/versions",
                                headers=world.headers("D1", "reporter")).json
    assert [(v["version"], v["status"]) for v in versions] == [
        (1, "submitted"), (1, "approved"), (1, "returned"), (2, "submitted"), (2, "approved")]
    assert world.count(ReportVersion.__table__, report_id=uuid.UUID(report["id"])) == 5


def test_status_changes_are_kept_with_the_reports_behind_them(world):
    report = world.create("D1", submit=True).json
    _post(world, f"/reports/{report['id']}/return", "SCT", "head", reason="Thiếu số liệu")
    assert world.count(KpiStatusChange.__table__, indicator_code="AWARE", scope="province") == 2


def test_a_district_reporter_or_another_units_coordinator_cannot_approve_or_return(world):
    report = world.create("D1", submit=True).json
    for unit, role in (("D1", "reporter"), ("D1", "coordinator"), ("D2", "coordinator"),
                       ("IZ", "coordinator")):
        for action, body in (("approve", {}), ("return", {"reason": "không đạt"})):
            response = _post(world, f"/reports/{report['id']}/{action}", unit, role, **body)
            assert response.status_code == 403, (unit, role, action, response.json)
    assert world.outbox("report.approved") == [] and world.outbox("report.returned") == []


def test_approving_twice_or_approving_a_draft_is_a_conflict(world):
    draft = world.create("D1").json
    assert _post(world, f"/reports/{draft['id']}/approve", "SCT", "head").status_code == 409
    report = world.create("D2", submit=True).json
    assert _post(world, f"/reports/{report['id']}/approve", "SCT", "head").status_code == 200
    assert _post(world, f"/reports/{report['id']}/approve", "SCT", "head").status_code == 409


def test_a_return_without_a_reason_names_the_field_in_both_languages(world):
    report = world.create("D1", submit=True).json
    response = _post(world, f"/reports/{report['id']}/return", "SCT", "head")
    assert response.status_code == 422
    [error] = [e for e in response.json["errors"] if e["field"] == "reason"]
    assert error["messages"]["vi"] and error["messages"]["en"]
    assert world.outbox("report.returned") == []


def test_a_district_cannot_read_edit_or_submit_another_districts_report(world):
    report = world.create("D1").json
    other = world.headers("D2", "reporter")
    assert world.client.get(f"{API}/reports/{report['id']}", headers=other).status_code == 404
    assert world.client.get(f"{API}/reports/{report['id']}/versions",
                            headers=other).status_code == 404
    assert world.client.patch(f"{API}/reports/{report['id']}", json={"values": VALID_VALUES},
                              headers=other).status_code == 404
    assert world.client.post(f"{API}/reports/{report['id']}/submit",
                             headers=other).status_code == 404
    listed = world.client.get(f"{API}/reports", headers=other).json
    assert listed == []


def test_the_lead_units_coordinator_reads_every_units_reports(world):
    world.create("D1")
    world.create("D2")
    listed = world.client.get(f"{API}/reports", headers=world.headers("SCT", "coordinator")).json
    assert len(listed) == 2


def test_settings_can_count_only_approved_reports(world):
    from dataclasses import replace
    world.app.extensions["kpi_settings"] = replace(world.app.extensions["kpi_settings"],
                                                   count_submitted=False)
    report = world.create("D1", submit=True).json
    assert _province(world, "AWARE")["status"] == "no_data"
    _post(world, f"/reports/{report['id']}/approve", "SCT", "head")
    assert _province(world, "AWARE")["value"] == 70.0


def test_a_report_shows_its_legal_data_period(world):
    report = world.create("D1").json
    assert report["period"] == {"year": 2019, "start": "2018-12-15", "end": "2019-12-14"}


def test_a_status_explains_itself_with_inputs_rule_reports_and_history(world):
    first = world.create("D1", submit=True).json
    world.create("D2", submit=True, values=dict(VALID_VALUES, facilities_aware=90))
    _post(world, f"/reports/{first['id']}/approve", "SCT", "head")
    response = world.client.get(f"{API}/kpis/AWARE/explain?year=2019",
                                headers=world.headers("SCT", "head"))
    assert response.status_code == 200, response.json
    why = response.json
    assert (why["numerator"], why["denominator"], why["value"]) == (160.0, 200.0, 80.0)
    assert (why["expected"], why["status"]) == (72.0, "on_track")
    assert "72%" in why["rule"]["vi"] and "72%" in why["rule"]["en"]
    assert {r["inputs"]["facilities_aware"] for r in why["reports"]} == {70.0, 90.0}
    assert {r["provisional"] for r in why["reports"]} == {True, False}
    assert [(h["old_status"], h["new_status"]) for h in why["history"]] == [
        ("no_data", "at_risk"), ("at_risk", "on_track")]


def test_a_district_cannot_ask_why_another_districts_status_is_what_it_is(world):
    world.create("D2", submit=True)
    response = world.client.get(
        f"{API}/kpis/AWARE/explain?year=2019&unit_id={world.units['D2']}",
        headers=world.headers("D1", "reporter"))
    assert response.status_code == 404
    own = world.client.get(f"{API}/kpis/AWARE/explain?year=2019&unit_id={world.units['D1']}",
                           headers=world.headers("D1", "reporter"))
    assert own.status_code == 200 and own.json["status"] == "no_data"
    unknown = world.client.get(f"{API}/kpis/NOPE/explain?year=2019",
                               headers=world.headers("D1", "reporter"))
    assert unknown.status_code == 404
