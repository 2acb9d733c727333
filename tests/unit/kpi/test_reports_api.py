"""The reports API: filing and submitting, unit scope, duplicates, bad input, events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.kpi.models import Report, ReportVersion, audit_log, messaging
from shared.messaging.events import parse_event
from tests.unit.kpi.conftest import API, VALID_VALUES


def test_every_kpi_api_endpoint_needs_a_token(world):
    rules = [r for r in world.app.url_map.iter_rules() if r.rule.startswith(f"{API}/")]
    assert len(rules) >= 5
    for rule in rules:
        path = rule.rule.replace("<uuid:report_id>", "00000000-0000-0000-0000-000000000001")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = world.client.open(path, method=method, json={})
            assert response.status_code == 401, (method, path)
            assert response.content_type == "application/problem+json"


def test_reporter_files_a_draft_for_the_unit_in_its_token(world):
    response = world.create("D1")
    assert response.status_code == 201, response.json
    report = response.json
    assert report["unit_id"] == str(world.units["D1"])
    assert (report["status"], report["version"], report["form_code"]) == ("draft", 0, "CP_YEARLY")
    assert report["values"] == VALID_VALUES
    assert world.count(audit_log, entity="report", entity_id=report["id"]) == 1
    assert world.outbox("report.submitted") == []


def test_submit_true_submits_at_once_and_stages_report_submitted(world):
    response = world.create("D1", submit=True)
    assert response.status_code == 201, response.json
    report = response.json
    assert (report["status"], report["version"], report["late"]) == ("submitted", 1, False)
    [envelope] = world.outbox("report.submitted")
    event = parse_event(envelope)  # the shared contract accepts it
    assert event.producer == "kpi"
    assert str(event.data["report_id"]) == report["id"]
    assert event.data["unit_id"] == world.units["D1"]
    assert (event.data["year"], event.data["version"], event.data["status"]) == \
        (2019, 1, "submitted")
    assert world.count(ReportVersion.__table__, report_id=uuid.UUID(report["id"])) == 1


def test_submitting_a_draft_emits_report_submitted_and_bumps_the_version(world):
    draft = world.create("D1").json
    response = world.client.post(f"{API}/reports/{draft['id']}/submit",
                                 headers=world.headers("D1", "reporter"))
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["version"]) == ("submitted", 1)
    assert response.json["submitted_at"].startswith("2019-12-10T03:00")
    assert len(world.outbox("report.submitted")) == 1
    assert world.count(audit_log, entity="report", entity_id=draft["id"]) == 2


def test_first_submit_emits_kpi_status_changed_for_aware(world):
    world.create("D1", submit=True)
    events = {e["data"]["indicator_code"]: e for e in world.outbox("kpi.status_changed")}
    aware = parse_event(events["AWARE"]).data
    assert aware["old_status"] == "no_data"
    assert aware["unit_id"] is None  # province
    assert aware["value"] == 70.0 and aware["target"] == 90.0
    assert aware["expected"] == 72.0  # 2019 on the line from 0 (2015) to 90 (2020)
    assert aware["new_status"] == "at_risk"  # 70 ≥ 72 - 5


def test_a_submit_that_keeps_the_province_status_emits_no_status_change(world):
    world.create("D1", submit=True)
    before = len(world.outbox("kpi.status_changed"))
    world.create("D2", submit=True)  # same shares: every status stays as it was
    assert len(world.outbox("kpi.status_changed")) == before


def test_submitting_after_the_deadline_in_hanoi_marks_the_report_late(world):
    world.now = datetime(2019, 12, 20, 17, 1, tzinfo=UTC)  # 00:01 on 21/12 in Hanoi
    response = world.create("D1", submit=True)
    assert response.json["late"] is True
    assert parse_event(world.outbox("report.submitted")[0]).data["late"] is True


def test_a_second_create_for_the_same_unit_and_year_is_409_and_keeps_one_row(world):
    assert world.create("D1").status_code == 201
    response = world.create("D1", submit=True)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert "2019" in response.json["details"]["en"]
    assert world.count(Report.__table__, unit_id=world.units["D1"]) == 1
    assert world.outbox("report.submitted") == []


def test_a_create_that_loses_the_race_to_the_unique_key_is_409(world):
    assert world.create("D1").status_code == 201
    response = world.create("D1")  # no read first: the unique key decides, as in a race
    assert response.status_code == 409
    assert response.json["type"].endswith("kpi_duplicate_report")
    assert world.count(Report.__table__) == 1


def test_reporter_posting_a_unit_id_or_status_gets_422_unknown_field(world):
    response = world.create("D1", unit_id=str(world.units["D2"]), status="approved")
    assert response.status_code == 422
    fields = {e["field"]: e["messages"] for e in response.json["errors"]}
    assert set(fields) == {"unit_id", "status"}
    assert fields["status"] == {"vi": "Trường không được hỗ trợ.", "en": "Unknown field."}
    assert world.count(Report.__table__) == 0


def test_an_unknown_field_inside_values_is_422(world):
    response = world.create("D1", values={**VALID_VALUES, "bonus": 1})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["values.bonus"]


def test_aware_above_potential_is_422_naming_the_field_in_vietnamese_and_english(world):
    response = world.create("D1", values={**VALID_VALUES, "facilities_aware": 150})
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == "values.facilities_aware"
    assert "nhận thức" in error["messages"]["vi"] and "150" in error["messages"]["vi"]
    assert "aware" in error["messages"]["en"] and "150" in error["messages"]["en"]
    assert error["message"] == error["messages"]["vi"]
    assert world.count(Report.__table__) == 0 and world.count(audit_log, entity="report") == 0


def test_counts_must_be_json_whole_numbers(world):
    values = {**VALID_VALUES, "facilities_aware": "70", "trainings_held": True,
              "leaflets_issued": 1.5}
    response = world.create("D1", values=values)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {
        "values.facilities_aware", "values.trainings_held", "values.leaflets_issued"}


def test_submitting_an_incomplete_draft_is_422_naming_the_missing_fields(world):
    draft = world.create("D1", values={"facilities_cp_potential": 5}).json
    response = world.client.post(f"{API}/reports/{draft['id']}/submit",
                                 headers=world.headers("D1", "reporter"))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert "values.facilities_aware" in fields and "values.narrative" not in fields
    assert world.outbox("report.submitted") == []


def test_a_submitted_report_cannot_be_submitted_again(world):
    report = world.create("D1", submit=True).json
    response = world.client.post(f"{API}/reports/{report['id']}/submit",
                                 headers=world.headers("D1", "reporter"))
    assert response.status_code == 409
    assert len(world.outbox("report.submitted")) == 1


def test_district_cannot_read_another_districts_report(world):
    report = world.create("D1").json
    other = world.headers("D2", "reporter")
    assert world.client.get(f"{API}/reports/{report['id']}", headers=other).status_code == 404
    assert world.client.post(f"{API}/reports/{report['id']}/submit",
                             headers=other).status_code == 404
    listed = world.client.get(f"{API}/reports", headers=other)
    assert listed.json == [] and listed.headers["X-Total-Count"] == "0"


def test_reporter_reads_and_lists_its_own_units_report(world):
    report = world.create("D1").json
    own = world.headers("D1", "reporter")
    assert world.client.get(f"{API}/reports/{report['id']}", headers=own).json == report
    assert [r["id"] for r in world.client.get(f"{API}/reports", headers=own).json] == \
        [report["id"]]


def test_head_sees_every_units_report_but_does_not_submit_for_them(world):
    d1, d2 = world.create("D1").json, world.create("D2").json
    head = world.headers("SCT", "head")
    listed = world.client.get(f"{API}/reports?year=2019&status=draft", headers=head)
    assert {r["id"] for r in listed.json} == {d1["id"], d2["id"]}
    assert listed.headers["X-Total-Count"] == "2"
    assert world.client.get(f"{API}/reports/{d2['id']}", headers=head).status_code == 200
    assert world.client.post(f"{API}/reports/{d2['id']}/submit",
                             headers=head).status_code == 403


def test_unknown_report_id_is_404(world):
    response = world.client.get(f"{API}/reports/00000000-0000-0000-0000-000000000001",
                                headers=world.headers("SCT", "head"))
    assert response.status_code == 404


def test_only_reporters_and_coordinators_of_districts_or_the_iz_board_file_reports(world):
    assert world.create("D1", role="viewer").status_code == 403
    assert world.create("SCT", role="coordinator").status_code == 403
    assert world.create("IZ", role="coordinator").status_code == 201
    assert world.count(Report.__table__) == 1


def test_a_report_for_a_year_the_unit_did_not_exist_or_has_not_begun_is_422(world):
    assert world.create("OLD", year=2017).status_code == 201
    response = world.create("OLD", year=2019)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "year"
    assert world.create("D1", year=2020).json["errors"][0]["field"] == "year"


def test_list_limit_is_bounded(world):
    headers = world.headers("SCT", "head")
    for limit in (0, 201):
        assert world.client.get(f"{API}/reports?limit={limit}", headers=headers).status_code \
            == 422
    assert world.client.get(f"{API}/reports?limit=200", headers=headers).status_code == 200


def test_every_successful_change_writes_one_audit_row_in_its_transaction(world):
    world.create("D1", submit=True)
    with world.db.engine.connect() as conn:
        entities = [row.entity for row in conn.execute(
            audit_log.select().where(audit_log.c.entity.in_(("report", "kpi_value"))))]
    # create + submit of the report; 4 indicators × (province + D1) values
    assert entities.count("report") == 2 and entities.count("kpi_value") == 8
    assert world.count(messaging.outbox) == len(world.outbox("report.submitted")) + \
        len(world.outbox("kpi.status_changed"))


def test_create_with_submit_audits_the_draft_then_the_submission_like_two_steps(world):
    report = world.create("D1", submit=True).json
    with world.db.engine.connect() as conn:
        rows = {row.action: row for row in conn.execute(audit_log.select().where(
            audit_log.c.entity == "report", audit_log.c.entity_id == report["id"]))}
    assert set(rows) == {"create", "submit"}
    assert rows["create"].before is None
    assert rows["create"].after == rows["submit"].before
    assert (rows["create"].after["status"], rows["create"].after["version"]) == ("draft", 0)
    assert rows["create"].after["submitted_at"] is None
    assert (rows["submit"].after["status"], rows["submit"].after["version"]) == ("submitted", 1)
    assert rows["submit"].after["submitted_at"].startswith("2019-12-10T03:00")
    with world.db.engine.connect() as conn:  # one row, written already submitted
        stored = conn.execute(Report.__table__.select()).one()
    assert (stored.status, stored.version, stored.late) == ("submitted", 1, False)


def test_submit_takes_no_fields_so_a_status_in_its_body_is_422(world):
    draft = world.create("D1").json
    url = f"{API}/reports/{draft['id']}/submit"
    headers = world.headers("D1", "reporter")
    response = world.client.post(url, json={"status": "approved"}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "status"
    assert world.client.post(url, json={}, headers=headers).status_code == 200
