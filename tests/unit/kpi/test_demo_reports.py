"""The demo reports 2016-2019 give the statuses computed by hand."""

from __future__ import annotations

import uuid

import pytest

from services.kpi.demo import UNIT_CODES, seed_demo_reports
from services.kpi.models import Report
from services.kpi.settings import KpiSettings
from shared.demo import seed_id
from shared.messaging.events import parse_event
from tests.unit.kpi.conftest import API, unit_event

# Every reporting unit sends the same numbers in a year: 40 facilities with CP potential and
# 5 officers responsible. Expected values lie on the line from 0 in 2015 to the target in
# 2020 (AWARE 90, APPLY 50, SAVING 8, TRAINED 100); at risk means ≥ expected − 5 (SAVING − 1).
#
# year counted (of 13)  AWARE               APPLY               SAVING          TRAINED
# 2016 11 (2 missing)   10/40=25  ≥18 on    1/40=2.5 <5 off     2.0 ≥1.6 on     2/5=40 ≥20 on
# 2017 12 (1 missing)   16/40=40  ≥36 on    7/40=17.5 ≥15 risk  3.0 ≥2.2 risk   3/5=60 ≥40 on
# 2018 13               24/40=60  ≥54 on    11/40=27.5 ≥25 risk 8.5 ≥8 achieved 4/5=80 ≥60 on
# 2019 11 (1 missing,   37/40=92.5 ≥90 ach. 17/40=42.5 ≥40 on   5.5 ≥5.4 risk   3/5=60 <75 off
#         1 returned)
HAND_TABLE = {
    2016: (11, {"AWARE": (25.0, 18.0, "on_track"), "APPLY": (2.5, 10.0, "off_track"),
                "SAVING": (2.0, 1.6, "on_track"), "TRAINED": (40.0, 20.0, "on_track")}),
    2017: (12, {"AWARE": (40.0, 36.0, "on_track"), "APPLY": (17.5, 20.0, "at_risk"),
                "SAVING": (3.0, 3.2, "at_risk"), "TRAINED": (60.0, 40.0, "on_track")}),
    2018: (13, {"AWARE": (60.0, 54.0, "on_track"), "APPLY": (27.5, 30.0, "at_risk"),
                "SAVING": (8.5, 4.8, "achieved"), "TRAINED": (80.0, 60.0, "on_track")}),
    2019: (11, {"AWARE": (92.5, 72.0, "achieved"), "APPLY": (42.5, 40.0, "on_track"),
                "SAVING": (5.5, 6.4, "at_risk"), "TRAINED": (60.0, 80.0, "off_track")}),
}
LATE_COUNTS = {2016: 1, 2017: 2, 2018: 1, 2019: 1}


@pytest.fixture
def demo(world):
    for code in (*UNIT_CODES, "SCT"):
        kind = "iz_board" if code == "BQLKCN" else "department" if code == "SCT" else "district"
        world.units[code] = seed_id("unit", code)
        assert world.consumer.apply(parse_event(unit_event(code, kind, world.units[code])))
    with world.db.uow() as uow:
        filed = seed_demo_reports(uow=uow, config=KpiSettings())
        uow.commit()
    assert filed == 11 + 12 + 13 + 12
    return world


def _summary(world, year: int) -> dict:
    response = world.client.get(f"{API}/summary?year={year}", headers=world.headers("SCT", "head"))
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("year", sorted(HAND_TABLE))
def test_demo_years_give_the_statuses_computed_by_hand(demo, year):
    counted, expected = HAND_TABLE[year]
    summary = _summary(demo, year)
    got = {k["indicator_code"]: (k["value"], k["expected"], k["status"]) for k in summary["kpis"]}
    for code, (value, trajectory, status) in expected.items():
        assert got[code][0] == pytest.approx(value), (year, code)
        assert got[code][1] == pytest.approx(trajectory), (year, code)
        assert got[code][2] == status, (year, code)
    assert summary["completeness"]["reported"] == counted
    assert summary["timeliness"]["late"] == LATE_COUNTS[year]


def test_the_2019_summary_shows_every_status_and_who_has_not_reported(demo):
    summary = _summary(demo, 2019)
    statuses = {k["status"] for k in summary["kpis"]}
    statuses |= {u["status"] for k in summary["kpis"] for u in k["units"]}
    assert statuses == {"achieved", "on_track", "at_risk", "off_track", "no_data"}
    missing = {u["code"]: u["report_status"] for u in summary["missing_units"]}
    assert missing["H-NINHGIANG"] is None and missing["H-GIALOC"] == "returned"
    aware = next(k for k in summary["kpis"] if k["indicator_code"] == "AWARE")
    assert aware["provisional"] is True  # two 2019 reports are not approved yet
    assert [t["year"] for t in aware["trend"]] == [2016, 2017, 2018, 2019, 2020]
    assert [t["status"] for t in aware["trend"]] == \
        ["on_track", "on_track", "on_track", "achieved", "no_data"]


def test_seeding_the_demo_reports_again_files_nothing(demo):
    with demo.db.uow() as uow:
        assert seed_demo_reports(uow=uow, config=KpiSettings()) == 0
    assert demo.count(Report.__table__) == 48


def test_the_demo_emits_submitted_approved_and_returned_events(demo):
    assert len(demo.outbox("report.submitted")) == 48
    assert len(demo.outbox("report.returned")) == 1
    assert len(demo.outbox("report.approved")) == 48 - 1 - 2
    returned = parse_event(demo.outbox("report.returned")[0]).data
    assert returned["unit_id"] == uuid.uuid5(uuid.UUID("6f1d3c52-8a4e-4c1b-9a57-2b7e0c3d9f10"),
                                             "unit/H-GIALOC")
