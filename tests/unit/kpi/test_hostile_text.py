"""Hostile text on the kpi service: the export survives names that older data or events carry."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from services.kpi.models import Unit
from shared.messaging.events import parse_event
from tests.unit.kpi.conftest import API, unit_event


def test_the_summary_export_works_with_a_control_character_in_a_stored_unit_name(world):
    with world.db.uow() as uow:  # as an older row would be: written without the input checks
        uow.session.get(Unit, world.units["D2"]).name_vi = "Huyện\u001b[31m\x07 Đ2"
        uow.commit()
    response = world.client.get(f"{API}/summary/export?year=2019",
                                headers=world.headers("SCT", "head"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    names = [c.value for c in load_workbook(io.BytesIO(response.data))["ChuaBaoCao"]["B"]]
    assert "Huyện[31m Đ2" in names


def test_a_unit_copy_from_an_event_is_kept_without_control_characters(world):
    event = unit_event("D1", "district", world.units["D1"], name_vi="Đơn vị\u001b D1\u202e")
    assert world.consumer.apply(parse_event(event))
    with world.db.uow() as uow:
        assert uow.session.get(Unit, world.units["D1"]).name_vi == "Đơn vị D1"


def test_a_whitespace_only_return_reason_is_refused_naming_the_reason(world):
    report = world.create("D1", submit=True).json
    response = world.client.post(f"{API}/reports/{report['id']}/return",
                                 headers=world.headers("SCT", "head"), json={"reason": "   \n "})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["reason"]


def test_a_narrative_with_an_escape_character_is_refused_naming_the_field(world):
    response = world.create("D1", values={"narrative": "Tốt\u001b"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["values.narrative"]
