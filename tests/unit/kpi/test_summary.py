"""The head's summary: overdue duties per KPI from task events, unit scope, Excel export."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from shared.messaging.events import build_event, parse_event
from tests.helpers import version_at
from tests.unit.kpi.conftest import API


def _task_event(world, task_id, *, status="in_progress", deadline=date(2019, 12, 1),
                kpi_codes=("AWARE", "TRAINED"), event_type="task.updated",
                at=datetime(2019, 12, 2, tzinfo=UTC)):
    return build_event(event_type, {
        "task_id": task_id, "title": "Tập huấn SXSH", "assignee_unit_id": world.units["SCT"],
        "deadline": deadline, "effective_deadline": deadline, "status": status,
        "kpi_codes": list(kpi_codes), "version": version_at(at)}, producer="tasks", now=at)


def _overdue(world) -> dict[str, int]:
    summary = world.client.get(f"{API}/summary?year=2019",
                               headers=world.headers("SCT", "head")).json
    return {k["indicator_code"]: k["overdue_duties"] for k in summary["kpis"]}


def test_open_tasks_past_their_deadline_count_as_overdue_duties_of_their_kpis(world):
    late, done, future = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    world.consumer.apply(parse_event(_task_event(world, late)))
    world.consumer.apply(parse_event(_task_event(world, done, status="done")))
    world.consumer.apply(parse_event(_task_event(world, future, deadline=date(2019, 12, 31))))
    assert _overdue(world) == {"APPLY": 0, "AWARE": 1, "SAVING": 0, "TRAINED": 1}


def test_an_older_task_event_arriving_late_does_not_reopen_a_done_task(world):
    task = uuid.uuid4()
    world.consumer.apply(parse_event(_task_event(
        world, task, status="done", at=datetime(2019, 12, 5, tzinfo=UTC))))
    world.consumer.apply(parse_event(_task_event(
        world, task, status="in_progress", at=datetime(2019, 12, 3, tzinfo=UTC))))
    assert _overdue(world)["AWARE"] == 0


def test_a_district_sees_province_figures_and_only_its_own_unit(world):
    world.create("D1", submit=True)
    world.create("D2", submit=True)
    summary = world.client.get(f"{API}/summary?year=2019",
                               headers=world.headers("D1", "reporter")).json
    aware = next(k for k in summary["kpis"] if k["indicator_code"] == "AWARE")
    assert [u["code"] for u in aware["units"]] == ["D1"]
    assert aware["value"] == 70.0
    assert summary["completeness"] == {"reported": 2, "expected": 3}  # D1, D2, IZ


def test_the_summary_exports_to_a_printable_workbook(world):
    world.create("D1", submit=True)
    response = world.client.get(f"{API}/summary/export?year=2019",
                                headers=world.headers("SCT", "head"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["TongHop", "TheoDonVi", "ChuaBaoCao"]
    ws = wb["TongHop"]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$4:$4"
    rows = {ws.cell(row=r, column=1).value: r for r in range(5, ws.max_row + 1)}
    assert ws.cell(row=rows["AWARE"], column=3).value == 70.0
    assert ws.cell(row=rows["AWARE"], column=6).value == "Có nguy cơ không đạt / At risk"
    missing = [c.value for c in wb["ChuaBaoCao"]["A"][1:]]
    assert sorted(missing) == ["D2", "IZ"]


def test_summary_needs_a_year(world):
    response = world.client.get(f"{API}/summary", headers=world.headers("SCT", "head"))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "year"
