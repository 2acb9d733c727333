"""The facility register: optional rows from which a report's counts are derived."""

from __future__ import annotations

from services.kpi.models import Report
from tests.unit.kpi.conftest import API, VALID_VALUES

COUNTS = ("facilities_cp_potential", "facilities_aware", "facilities_applying",
          "avg_saving_percent")
OTHER_VALUES = {k: v for k, v in VALID_VALUES.items() if k not in COUNTS}
REGISTER = [
    {"name": "Công ty Gốm Chu Đậu", "sector": "gốm sứ", "cp_potential": True, "aware": True,
     "applying": True, "saving_percent": 10.0},
    {"name": "Nhà máy chế biến nông sản Cẩm Giàng", "sector": "chế biến nông sản",
     "cp_potential": True, "aware": True, "applying": True, "saving_percent": 6.0},
    {"name": "Xưởng cơ khí Tứ Kỳ", "cp_potential": True, "aware": False, "applying": False},
    {"name": "Cửa hàng vật liệu", "cp_potential": False, "aware": False, "applying": False},
]


def test_a_reports_counts_are_derived_from_its_facility_register(world):
    response = world.create("D1", values=OTHER_VALUES, facilities=REGISTER, submit=True)
    assert response.status_code == 201, response.json
    values = response.json["values"]
    assert [values[k] for k in COUNTS] == [3, 2, 2, 8.0]
    assert len(response.json["facilities"]) == 4
    kpis = world.client.get(f"{API}/kpis?year=2019", headers=world.headers("SCT", "head")).json
    saving = next(k for k in kpis if k["indicator_code"] == "SAVING")
    assert saving["value"] == 8.0  # weighted by the 2 applying facilities


def test_counts_given_beside_the_register_must_agree_with_it(world):
    response = world.create("D1", values=dict(OTHER_VALUES, facilities_aware=3),
                            facilities=REGISTER)
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"] == "values.facilities_aware"
    assert "(3)" in error["messages"]["vi"] and "(2)" in error["messages"]["en"]
    assert world.count(Report.__table__) == 0


def test_register_rows_that_contradict_themselves_name_the_row_and_field(world):
    bad = [dict(REGISTER[3], aware=True), dict(REGISTER[2], saving_percent=5.0)]
    response = world.create("D1", values=OTHER_VALUES, facilities=bad)
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json["errors"])
    assert fields == ["facilities.0.aware", "facilities.1.saving_percent"]
    assert all(e["messages"]["vi"] != e["messages"]["en"] for e in response.json["errors"])
    assert world.count(Report.__table__) == 0


def test_a_register_row_with_an_unknown_field_is_refused(world):
    response = world.create("D1", values=OTHER_VALUES,
                            facilities=[dict(REGISTER[0], owner="someone")])
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "facilities.0.owner"
