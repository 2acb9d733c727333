"""Pages of the Excel round trip: download the template, upload it, see the dry run, confirm."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, redirect, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from services.kpi import repository, uploads
from services.kpi.api import kpi_settings, xlsx_response
from services.kpi.domain import CP_YEARLY, local_date
from services.kpi.page_forms import api_error_texts
from services.kpi.pages import year_arg
from services.kpi.schemas import CpYearlyValues
from shared.auth import current_principal
from shared.errors import ApiError, request_language
from shared.i18n import message
from shared.pages import csrf, page
from shared.web import current_db, current_time

excel_pages_blp = Blueprint("excel_pages", __name__, template_folder="templates")


@excel_pages_blp.get("/kpi/reports/template")
@page
def template():
    """The unit's Excel template of a year, pre-filled with its numbers."""
    year = year_arg(request.args.get("year"), local_date(current_time()).year)
    with current_db().uow() as uow:
        data = uploads.report_template(uow=uow, principal=current_principal(), year=year,
                                       config=kpi_settings())
    return xlsx_response(data, f"bao-cao-sxsh-{year}.xlsx")


def _upload_page(*, status: int = 200, **context: Any):
    defaults = {"check": None, "general": [], "year": request.args.get("year", ""),
                "current": {}}
    return render_template("kpi/upload.html", **{**defaults, **context}), status


@excel_pages_blp.get("/kpi/reports/upload")
@page
def upload_form():
    """Choose the filled template to check."""
    with current_db().uow() as uow:
        uploads.reporting_unit(uow, current_principal())
    return _upload_page()


@excel_pages_blp.post("/kpi/reports/upload")
@page
def upload():
    """Check an uploaded template without saving it, and show what would be saved."""
    lang = request_language()
    try:
        upload_file = request.files.get("file")  # reads the body: it may be over the limit
    except RequestEntityTooLarge:
        return _upload_page(general=[message("kpi_upload_too_big", lang, max="1 MiB")],
                            status=413)
    csrf.protect()
    if upload_file is None or not upload_file.filename:
        return _upload_page(general=[message("kpi_upload_file_required", lang)], status=422)
    data = upload_file.read(kpi_settings().max_upload_bytes + 1)
    try:
        with current_db().uow() as uow:
            check, _ = uploads.upload_report(uow=uow, principal=current_principal(), data=data,
                                             dry_run=True, submit=False, now=current_time(),
                                             config=kpi_settings())
            existing = repository.find_report(uow.session, unit_id=current_principal().unit_id,
                                              form_code=CP_YEARLY, year=check["year"])
            current = dict(existing.values) if existing is not None else {}
    except ApiError as exc:
        general, by_field = api_error_texts(exc, lang)
        return _upload_page(general=general + [m for ms in by_field.values() for m in ms
                                               if m not in general], status=exc.status)
    return _upload_page(check=check, current=current,
                        values_json=json.dumps(check["values"], ensure_ascii=False))


@excel_pages_blp.post("/kpi/reports/upload/confirm")
@page
def confirm_upload():
    """Save the values the dry run showed (as a draft, or sent), through the same rules."""
    csrf.protect()
    principal = current_principal()
    config = kpi_settings()
    lang = request_language()
    submit = request.form.get("action") == "submit"
    try:
        year = year_arg(request.form.get("year"), 0)
        values = CpYearlyValues().load(json.loads(request.form.get("values", "")))
        with current_db().uow() as uow:
            report = uploads.save_report(uow=uow, principal=principal, year=year, values=values,
                                         submit=submit, now=current_time(), config=config)
            uow.commit()
            report_id = report.id
    except (ValueError, ValidationError):
        return _upload_page(general=[message("kpi_page_upload_values_lost", lang)], status=422)
    except ApiError as exc:
        general, by_field = api_error_texts(exc, lang)
        return _upload_page(general=general + [m for ms in by_field.values() for m in ms],
                            status=exc.status)
    return redirect(f"/kpi/reports/{report_id}?saved={'submitted' if submit else 'draft'}")
