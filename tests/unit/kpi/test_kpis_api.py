"""KPI values: province aggregation through the API, recompute, indicators, the units copy."""

from __future__ import annotations

from sqlalchemy import select

from services.kpi import service
from services.kpi.domain import PROVINCE
from services.kpi.models import KpiValue, Unit, audit_log
from services.kpi.seed import seed_indicators
from shared.messaging.events import parse_event
from tests.unit.kpi.conftest import API, ON_TIME, VALID_VALUES, unit_event


def _kpis(world, year=2019):
    response = world.client.get(f"{API}/kpis?year={year}", headers=world.headers("D1", "viewer"))
    assert response.status_code == 200, response.json
    return {k["indicator_code"]: k for k in response.json}


def _stored(world):
    with world.db.uow() as uow:
        rows = uow.session.execute(select(KpiValue)).scalars()
        return {(r.indicator_code, r.scope, r.year): (r.value, r.numerator, r.denominator,
                                                      r.status, r.units_reported,
                                                      r.units_expected, r.provisional)
                for r in rows}


def test_without_reports_every_kpi_is_no_data_with_its_target_and_expected_value(world):
    kpis = _kpis(world)
    assert set(kpis) == {"AWARE", "APPLY", "SAVING", "TRAINED"}
    aware = kpis["AWARE"]
    assert (aware["status"], aware["value"], aware["target"]) == ("no_data", None, 90.0)
    assert aware["expected"] == 72.0
    # D1, D2 and the IZ board; OLD closed in 2018 and the department never reports
    assert aware["completeness"] == {"reported": 0, "expected": 3}
    assert set(aware["rule"]) == {"vi", "en"}


def test_province_value_is_sum_over_sum_of_the_units_reports(world):
    world.create("D1", values={**VALID_VALUES, "facilities_cp_potential": 10,
                               "facilities_aware": 10, "facilities_applying": 10,
                               "avg_saving_percent": 12.0}, submit=True)
    world.create("D2", values={**VALID_VALUES, "facilities_cp_potential": 90,
                               "facilities_aware": 10, "facilities_applying": 90,
                               "avg_saving_percent": 6.0}, submit=True)
    kpis = _kpis(world)
    aware = kpis["AWARE"]
    assert (aware["numerator"], aware["denominator"]) == (20.0, 100.0)
    assert aware["value"] == 20.0  # not (100 + 11.1) / 2
    assert aware["status"] == "off_track"
    assert aware["completeness"] == {"reported": 2, "expected": 3}
    assert aware["provisional"] is True  # submitted, not yet approved
    assert kpis["SAVING"]["value"] == 6.6  # weighted by applying facilities, not 9.0
    assert kpis["SAVING"]["target_min"] == 8.0 and kpis["SAVING"]["target_max"] == 13.0


def test_a_draft_is_not_counted(world):
    world.create("D1")
    assert _kpis(world)["AWARE"]["status"] == "no_data"


def test_a_submit_recomputes_the_province_and_the_units_own_scope(world):
    world.create("D1", submit=True)
    stored = _stored(world)
    unit_scope = str(world.units["D1"])
    assert stored[("AWARE", PROVINCE, 2019)][:2] == (70.0, 70.0)
    assert stored[("AWARE", unit_scope, 2019)][4:6] == (1, 1)
    assert {scope for _, scope, _ in stored} == {PROVINCE, unit_scope}


def test_a_full_recompute_gives_the_same_numbers_and_changes_nothing(world):
    world.create("D1", submit=True)
    world.create("IZ", role="coordinator", values={**VALID_VALUES, "facilities_aware": 5},
                 submit=True)
    before, audits = _stored(world), world.count(audit_log, entity="kpi_value")
    with world.db.uow() as uow:
        service.recompute_year(uow=uow, year=2019, now=ON_TIME)
        uow.commit()
    assert _stored(world) == before
    assert world.count(audit_log, entity="kpi_value") == audits


def test_a_full_recompute_rebuilds_lost_values(world):
    world.create("D1", submit=True)
    world.create("D2", values={**VALID_VALUES, "facilities_aware": 20}, submit=True)
    before = _stored(world)
    with world.db.uow() as uow:
        uow.session.execute(KpiValue.__table__.delete())
        service.recompute_year(uow=uow, year=2019, now=ON_TIME)
        uow.commit()
    assert _stored(world) == before


def test_kpis_need_a_year_between_2000_and_2100(world):
    headers = world.headers("D1", "viewer")
    for query in ("", "?year=1999", "?year=2101", "?year=abc", "?year=2019&unit=1"):
        response = world.client.get(f"{API}/kpis{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.json["errors"]


def test_the_language_parameter_is_accepted_and_chooses_english_errors(world):
    headers = world.headers("D1", "viewer")
    assert world.client.get(f"{API}/kpis?year=2019&lang=en", headers=headers).status_code == 200
    response = world.client.get(f"{API}/kpis?year=1999&lang=en", headers=headers)
    assert response.json["errors"][0]["message"].startswith("Must be")


def test_indicators_are_the_four_of_the_plan_and_seeding_again_adds_none(world):
    response = world.client.get(f"{API}/indicators", headers=world.headers("D2", "reporter"))
    assert [i["code"] for i in response.json] == ["APPLY", "AWARE", "SAVING", "TRAINED"]
    saving = {i["code"]: i for i in response.json}["SAVING"]
    assert (saving["kind"], saving["weight_field"]) == ("range", "facilities_applying")
    assert (saving["baseline_year"], saving["baseline_value"]) == (2015, 0.0)
    with world.db.uow() as uow:
        assert seed_indicators(uow=uow, now=ON_TIME) == 0


def test_a_unit_upserted_event_updates_the_copy_and_a_redelivery_changes_nothing(world):
    renamed = unit_event("D1", "district", world.units["D1"], name_vi="Thành phố D1")
    assert world.consumer.apply(parse_event(renamed))
    assert not world.consumer.apply(parse_event(renamed))
    with world.db.uow() as uow:
        assert uow.session.get(Unit, world.units["D1"]).name_vi == "Thành phố D1"
    assert world.count(audit_log, entity="unit", entity_id=str(world.units["D1"])) == 2


def test_an_admin_changes_a_target_and_the_statuses_follow(world):
    world.create("D1", submit=True)  # AWARE 70%, at risk against 72 expected in 2019
    response = world.client.patch(f"{API}/indicators/AWARE", json={"target_value": 80.0},
                                  headers=world.headers("SCT", "admin"))
    assert response.status_code == 200, response.json
    kpis = world.client.get(f"{API}/kpis?year=2019", headers=world.headers("SCT", "head")).json
    aware = next(k for k in kpis if k["indicator_code"] == "AWARE")
    assert (aware["expected"], aware["status"]) == (64.0, "on_track")


def test_only_an_admin_changes_indicators_and_bad_changes_name_the_field(world):
    forbidden = world.client.patch(f"{API}/indicators/AWARE", json={"target_value": 80.0},
                                   headers=world.headers("SCT", "head"))
    assert forbidden.status_code == 403
    bad = world.client.patch(f"{API}/indicators/AWARE", json={"target_year": 2010},
                             headers=world.headers("SCT", "admin"))
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "target_year"
    unknown = world.client.patch(f"{API}/indicators/NOPE", json={},
                                 headers=world.headers("SCT", "admin"))
    assert unknown.status_code == 404


def test_values_loaded_before_a_recompute_in_the_same_unit_of_work_read_the_new_numbers(world):
    world.create("D1", submit=True)
    with world.db.uow() as uow:
        aware = uow.session.execute(select(KpiValue).where(
            KpiValue.indicator_code == "AWARE", KpiValue.scope == PROVINCE)).scalar_one()
        assert aware.value == 70.0
        service.create_report(uow=uow, principal=world.principal("D2", "reporter"), year=2019,
                              values={**VALID_VALUES, "facilities_aware": 30}, submit=True,
                              now=ON_TIME)
        assert aware.value == 50.0  # (70 + 30) / (100 + 100): written without the ORM
        again = uow.session.execute(select(KpiValue).where(
            KpiValue.indicator_code == "AWARE", KpiValue.scope == PROVINCE)).scalar_one()
        assert again is aware and again.units_reported == 2
