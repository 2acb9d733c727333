"""The yearly report's Excel template, reading it back, and the printable summary export.

Pure functions over bytes and plain values: no database, no clock.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.exceptions import InvalidFileException

from services.kpi.domain import CP_YEARLY_FIELDS, data_period, validate_values
from services.kpi.forms import FieldDef
from shared import vocabulary
from shared.i18n import LocalizedText, message
from shared.text import printable

MARKER = "plan-tracker:report-template"
TEMPLATE_VERSION = "1"
DATA_SHEET = "BaoCao"
META_SHEET = "_meta"
MAX_UNPACKED_BYTES = 32 * 2 ** 20  # a filled template unpacks to well under 1 MiB
FIRST_ROW = 6  # rows 1-5 hold the title, the unit, the period and the header
COLUMNS = ("Mã trường / Field code", "Chỉ tiêu", "Item", "Giá trị / Value",
           "Năm trước / Previous year")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


class BadFile(Exception):
    """The upload is not a usable template: a message code and its parameters."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Problem:
    """One problem found in an uploaded template: where, which field, what is wrong."""

    sheet: str
    row: int | None
    field: str
    message: LocalizedText

    def key(self) -> str:
        """The field name a problem+json error uses: sheet, row and field."""
        row = f"row{self.row}." if self.row is not None else ""
        return f"{self.sheet}.{row}{self.field}"


@dataclass
class ReadTemplate:
    """What an uploaded template holds: its year and unit, the values, and every problem."""

    year: int
    unit_id: uuid.UUID
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _fmt_date(day) -> str:
    return day.strftime("%d/%m/%Y")


def build_template(*, year: int, unit_id: uuid.UUID, unit_name: str,
                   values: Mapping[str, Any], previous: Mapping[str, Any],
                   form_code: str) -> bytes:
    """An .xlsx of the yearly report for one unit, pre-filled with `values`."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    start, end = data_period(year)
    ws["A1"] = f"BÁO CÁO KẾT QUẢ THỰC HIỆN SXSH NĂM {year} / CLEANER PRODUCTION REPORT {year}"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = f"Đơn vị / Unit: {cell_text(unit_name)}"
    ws["A3"] = (f"Kỳ số liệu / Data period: {_fmt_date(start)} – {_fmt_date(end)}")
    ws["A4"] = ("Chỉ nhập vào cột D; không sửa cột A và không đổi tên trang tính. "
                "/ Fill in column D only; do not change column A or rename the sheet.")
    for col, title in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=FIRST_ROW - 1, column=col, value=title)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
    for offset, f in enumerate(CP_YEARLY_FIELDS):
        row = FIRST_ROW + offset
        cells = (f.name, f.label_vi, f.label_en, values.get(f.name), previous.get(f.name))
        for col, value in enumerate(cells, start=1):
            cell = ws.cell(row=row, column=col, value=cell_text(value))
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDE", (24, 48, 42, 18, 18), strict=True):
        ws.column_dimensions[col].width = width
    ws.column_dimensions["A"].hidden = True
    meta = wb.create_sheet(META_SHEET)
    for row, (key, value) in enumerate((("marker", MARKER), ("form_code", form_code),
                                        ("version", TEMPLATE_VERSION), ("year", year),
                                        ("unit_id", str(unit_id))), start=1):
        meta.cell(row=row, column=1, value=key)
        meta.cell(row=row, column=2, value=value)
    meta.sheet_state = "veryHidden"
    _print_setup(ws, landscape=False)
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _print_setup(ws, *, landscape: bool) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.print_title_rows = f"{FIRST_ROW - 1}:{FIRST_ROW - 1}"


def _check_container(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise BadFile("kpi_upload_too_big", max=f"{max_bytes // 1024} KiB")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # A zip bomb inflates to GBs from a small file: refuse it by the sizes it declares
            # (zipfile never inflates an entry past its declared size) before reading a part.
            if sum(item.file_size for item in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise BadFile("kpi_upload_unpacked_too_big",
                              max=f"{MAX_UNPACKED_BYTES // 2 ** 20} MiB")
            names = set(archive.namelist())
            content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BadFile("kpi_upload_not_xlsx") from exc
    if "macroEnabled" in content_types or any(n.endswith("vbaProject.bin") for n in names):
        raise BadFile("kpi_upload_macro")


def _meta(wb) -> dict[str, Any]:
    if META_SHEET not in wb.sheetnames or DATA_SHEET not in wb.sheetnames:
        raise BadFile("kpi_upload_wrong_template")
    ws = wb[META_SHEET]
    meta = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(1, 6)}
    if meta.get("marker") != MARKER:
        raise BadFile("kpi_upload_wrong_template")
    return meta


def _cell_value(f: FieldDef, raw: Any) -> tuple[Any, str | None]:
    """(value, problem code) of one cell for a field's kind."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if f.kind in ("text", "choice", "date"):  # a cell may hold what a form refuses: kept without it
        return printable(str(raw), multiline=True), None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, "kpi_upload_not_a_number"
    if f.kind == "whole":
        if float(raw) != int(raw):
            return None, "kpi_upload_not_whole"
        return int(raw), None
    return float(raw), None


def read_template(data: bytes, *, max_bytes: int, form_code: str, complete: bool) -> ReadTemplate:
    """Read an uploaded template; raises BadFile, else lists every problem by sheet and row."""
    _check_container(data, max_bytes)
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError,
            ElementTree.ParseError) as exc:
        raise BadFile("kpi_upload_not_xlsx") from exc
    meta = _meta(wb)
    if meta.get("form_code") != form_code or str(meta.get("version")) != TEMPLATE_VERSION:
        raise BadFile("kpi_upload_wrong_version", form=form_code, version=TEMPLATE_VERSION)
    try:
        year, unit_id = int(meta["year"]), uuid.UUID(str(meta["unit_id"]))
    except (TypeError, ValueError, KeyError) as exc:
        raise BadFile("kpi_upload_wrong_template") from exc
    result = ReadTemplate(year=year, unit_id=unit_id)
    ws = wb[DATA_SHEET]
    fields_by_name = {f.name: f for f in CP_YEARLY_FIELDS}
    rows: dict[str, int] = {}
    for row in range(FIRST_ROW, ws.max_row + 1):
        name = ws.cell(row=row, column=1).value
        if name is None:
            continue
        f = fields_by_name.get(str(name))
        if f is None or name in rows:
            result.problems.append(Problem(DATA_SHEET, row, str(name),
                                           LocalizedText("kpi_upload_unknown_field")))
            continue
        rows[f.name] = row
        value, code = _cell_value(f, ws.cell(row=row, column=4).value)
        if code:
            result.problems.append(Problem(DATA_SHEET, row, f.name, LocalizedText(
                code, label=f.label_vi, label_en=f.label_en)))
        elif value is not None:
            result.values[f.name] = value
    missing = [f for f in CP_YEARLY_FIELDS if f.name not in rows]
    for f in missing:
        result.problems.append(Problem(DATA_SHEET, None, f.name, LocalizedText(
            "kpi_upload_row_missing", label=f.label_vi, label_en=f.label_en)))
    if not result.problems:
        for name, messages in validate_values(result.values, complete=complete).items():
            for text in messages:
                result.problems.append(Problem(DATA_SHEET, rows.get(name), name, text))
    return result


def build_summary_workbook(summary: Mapping[str, Any]) -> bytes:
    """The head's summary as a printable workbook: KPIs, units, and who has not reported."""
    wb = Workbook()
    ws = wb.active
    ws.title = "TongHop"
    year = summary["year"]
    done = summary["completeness"]
    ws["A1"] = f"TÌNH HÌNH THỰC HIỆN CHỈ TIÊU SXSH NĂM {year} / CP KPI SUMMARY {year}"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = (f"Đơn vị đã báo cáo / Units reported: {done['reported']}/{done['expected']}; "
                f"nộp muộn / late: {summary['timeliness']['late']}")
    if summary.get("units_shown") == "own":
        ws["A3"] = f"{message('kpi_units_own_only', 'vi')} / {message('kpi_units_own_only', 'en')}"
    plan_years = [t["year"] for t in summary["kpis"][0]["trend"]] if summary["kpis"] else []
    header = ["Mã / Code", "Chỉ tiêu / Indicator", "Giá trị / Value", "Mục tiêu / Target",
              "Kỳ vọng / Expected", "Trạng thái / Status", "Nhiệm vụ quá hạn / Overdue duties",
              *[str(y) for y in plan_years]]
    _table(ws, 4, header, [
        [k["indicator_code"], k["name_vi"], _num(k["value"]), _num(k["target"]),
         _num(k["expected"]), _status(k["status"]), k["overdue_duties"],
         *[_num(t["value"]) for t in k["trend"]]] for k in summary["kpis"]])
    ws.column_dimensions["B"].width = 60
    _print_setup(ws, landscape=True)
    ws.print_title_rows = "4:4"
    units = wb.create_sheet("TheoDonVi")
    codes = [k["indicator_code"] for k in summary["kpis"]]
    unit_rows: dict[str, list[Any]] = {}
    for k in summary["kpis"]:
        for u in k["units"]:
            row = unit_rows.setdefault(u["code"], [u["code"], u["name_vi"]])
            row.append(f"{_num(u['value'])} ({_status(u['status'])})"
                       if u["value"] is not None else _status(u["status"]))
    _table(units, 1, ["Mã / Code", "Đơn vị / Unit", *codes], list(unit_rows.values()))
    units.column_dimensions["B"].width = 36
    _print_setup(units, landscape=True)
    units.print_title_rows = "1:1"
    missing = wb.create_sheet("ChuaBaoCao")
    _table(missing, 1, ["Mã / Code", "Đơn vị / Unit", "Unit"],
           [[u["code"], u["name_vi"], u["name_en"]] for u in summary["missing_units"]])
    missing.column_dimensions["B"].width = 36
    _print_setup(missing, landscape=False)
    missing.print_title_rows = "1:1"
    return _save(wb)


def cell_text(value: Any) -> Any:
    """A value openpyxl can write: text without the characters a workbook may not hold
    (control characters, which older rows or copies from events may carry); others as they are."""
    return printable(value, multiline=True) if isinstance(value, str) else value


def _status(code: str) -> str:
    """A KPI status by its names, as the sheet's bilingual headers are written."""
    vi, en = vocabulary.both("kpi_status", code)
    return f"{vi} / {en}"


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _table(ws, first_row: int, header: list[str], rows: list[list[Any]]) -> None:
    for col, title in enumerate(header, start=1):
        cell = ws.cell(row=first_row, column=col, value=cell_text(title))
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = max(
            ws.column_dimensions[cell.column_letter].width or 0, 14)
    for r, values in enumerate(rows, start=first_row + 1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=cell_text(value))
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
