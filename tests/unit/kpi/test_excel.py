"""The Excel round trip: template download, dry run, upload; bad files write nothing."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from services.kpi.excel import DATA_SHEET, FIRST_ROW, META_SHEET
from services.kpi.models import Report, audit_log, messaging
from tests.unit.kpi.conftest import API, VALID_VALUES


def _template(world, unit: str = "D1", year: int = 2019) -> bytes:
    response = world.client.get(f"{API}/reports/template?year={year}",
                                headers=world.headers(unit, "reporter"))
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def _fill(data: bytes, values: dict, *, edit=None) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[DATA_SHEET]
    for row in range(FIRST_ROW, ws.max_row + 1):
        name = ws.cell(row=row, column=1).value
        if name in values:
            ws.cell(row=row, column=4, value=values[name])
    if edit:
        edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(world, data: bytes, *, unit: str = "D1", query: str = "dry_run=false",
            filename: str = "bao-cao.xlsx"):
    return world.client.post(f"{API}/reports/upload?{query}",
                             data={"file": (io.BytesIO(data), filename)},
                             content_type="multipart/form-data",
                             headers=world.headers(unit, "reporter"))


def _nothing_written(world) -> bool:
    return world.count(Report.__table__) == 0 and world.count(messaging.outbox) == 0 and \
        world.count(audit_log, entity="report") == 0


def test_template_is_prefilled_with_the_units_previous_year(world):
    world.create("D1", year=2018, submit=True)
    wb = load_workbook(io.BytesIO(_template(world, year=2019)))
    ws = wb[DATA_SHEET]
    by_field = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=4).value
                for r in range(FIRST_ROW, ws.max_row + 1)}
    assert by_field["facilities_aware"] == 70 and by_field["narrative"] == VALID_VALUES["narrative"]
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert "15/12/2018 – 14/12/2019" in ws["A3"].value


def test_the_template_round_trips_into_a_submitted_report(world):
    filled = _fill(_template(world), dict(VALID_VALUES, facilities_aware=80))
    dry = _upload(world, filled, query="dry_run=true&submit=true")
    assert dry.status_code == 200, dry.json
    assert dry.json["problems"] == [] and dry.json["values"]["facilities_aware"] == 80
    assert _nothing_written(world)  # a dry run saves nothing
    saved = _upload(world, filled, query="dry_run=false&submit=true")
    assert saved.status_code == 200, saved.json
    report = saved.json["report"]
    assert (report["status"], report["values"]["facilities_aware"]) == ("submitted", 80)
    assert report["values"] == dict(VALID_VALUES, facilities_aware=80)
    assert len(world.outbox("report.submitted")) == 1


def test_dry_run_lists_every_problem_by_sheet_row_and_field(world):
    filled = _fill(_template(world), dict(VALID_VALUES, facilities_aware="nhiều",
                                          officers_trained=2.5))
    response = _upload(world, filled, query="dry_run=true")
    assert response.status_code == 200
    problems = {(p["sheet"], p["field"]): p for p in response.json["problems"]}
    assert set(problems) == {(DATA_SHEET, "facilities_aware"), (DATA_SHEET, "officers_trained")}
    assert problems[(DATA_SHEET, "facilities_aware")]["row"] == FIRST_ROW + 1
    assert "số" in problems[(DATA_SHEET, "facilities_aware")]["messages"]["vi"]
    assert "number" in problems[(DATA_SHEET, "facilities_aware")]["messages"]["en"]


def test_cross_field_errors_in_an_upload_name_the_row_and_write_nothing(world):
    filled = _fill(_template(world), dict(VALID_VALUES, facilities_aware=150))
    dry = _upload(world, filled, query="dry_run=true").json
    [problem] = dry["problems"]
    assert (problem["field"], problem["row"]) == ("facilities_aware", FIRST_ROW + 1)
    assert "(150)" in problem["messages"]["vi"] and "(100)" in problem["messages"]["en"]
    response = _upload(world, filled)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == \
        [f"{DATA_SHEET}.row{FIRST_ROW + 1}.facilities_aware"]
    assert _nothing_written(world)


def test_damaged_uploads_get_a_clear_error_and_write_nothing(world):
    good = _fill(_template(world), VALID_VALUES)

    def rename(wb):
        wb[DATA_SHEET].title = "Sheet1"

    def drop_marker(wb):
        wb[META_SHEET]["B1"] = "something else"

    def old_version(wb):
        wb[META_SHEET]["B3"] = "0"

    macro = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(macro, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                body = body.replace(b"sheet.main+xml",
                                    b"sheet.macroEnabled.main+xml")
            dst.writestr(item, body)
    cases = {
        "not xlsx": (b"this is a csv,1,2,3\n", "kpi_upload_not_xlsx", 422),
        "truncated": (good[: len(good) // 2], "kpi_upload_not_xlsx", 422),
        "renamed sheet": (_fill(good, {}, edit=rename), "kpi_upload_wrong_template", 422),
        "no marker": (_fill(good, {}, edit=drop_marker), "kpi_upload_wrong_template", 422),
        "old version": (_fill(good, {}, edit=old_version), "kpi_upload_wrong_version", 422),
        "macros": (macro.getvalue(), "kpi_upload_macro", 422),
        "too big": (good + b"\0" * (600 * 1024), "kpi_upload_too_big", 413),
    }
    for name, (data, code, status) in cases.items():
        for query in ("dry_run=true", "dry_run=false&submit=true"):
            response = _upload(world, data, query=query)
            assert response.status_code == status, (name, response.status_code)
            assert response.json["type"].endswith(code), (name, response.json)
            assert response.json["errors"][0]["field"] == "file"
    assert _nothing_written(world)


def test_another_units_template_is_refused(world):
    filled = _fill(_template(world, unit="D2"), VALID_VALUES)
    response = _upload(world, filled, unit="D1")
    assert response.status_code == 422
    assert response.json["type"].endswith("kpi_upload_other_unit")
    assert _nothing_written(world)


def test_an_upload_without_a_file_names_the_file_field(world):
    response = world.client.post(f"{API}/reports/upload", data={},
                                 content_type="multipart/form-data",
                                 headers=world.headers("D1", "reporter"))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "file"


def test_uploading_again_updates_a_returned_report_and_resubmits_it(world):
    report = world.create("D1", submit=True).json
    world.client.post(f"{API}/reports/{report['id']}/return", json={"reason": "Sửa lại"},
                      headers=world.headers("SCT", "head"))
    filled = _fill(_template(world), dict(VALID_VALUES, facilities_aware=60))
    response = _upload(world, filled, query="dry_run=false&submit=true")
    assert response.status_code == 200, response.json
    assert (response.json["report"]["id"], response.json["report"]["version"]) == \
        (report["id"], 2)
