"""Use cases of the Excel round trip: download the template, upload it back (dry run first)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.kpi import excel, repository, service
from services.kpi.domain import CP_YEARLY, REPORTING_KINDS
from services.kpi.models import Report, Unit
from services.kpi.scopes import counted
from services.kpi.settings import KpiSettings
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import ApiError
from shared.i18n import LocalizedText


def reporting_unit(uow: UnitOfWork, principal: Principal) -> Unit:
    """The caller's unit, if it is a district or IZ board and the caller may file for it."""
    if not principal.has_role("reporter", "coordinator"):
        raise ApiError(403, "role_required", roles="reporter, coordinator")
    unit = repository.get_unit(uow.session, principal.unit_id)
    if unit is None or unit.kind not in REPORTING_KINDS:
        raise ApiError(403, "kpi_not_reporting_unit")
    return unit


def previous_year_values(uow: UnitOfWork, *, unit_id: uuid.UUID, year: int,
                         form_code: str = CP_YEARLY) -> dict[str, Any]:
    """A unit's values of the year before: the version that counts, else what it last saved."""
    previous = repository.find_report(uow.session, unit_id=unit_id, form_code=form_code,
                                      year=year - 1)
    if previous is None:
        return {}
    got = counted([previous], count_submitted=True)
    return dict(got[0].values) if got else dict(previous.values)


def report_template(*, uow: UnitOfWork, principal: Principal, year: int,
                    config: KpiSettings, form_code: str = CP_YEARLY) -> bytes:
    """The caller's unit's template for a year, pre-filled with its previous year's numbers.

    If the year's report exists already, its values fill the template instead.
    """
    unit = reporting_unit(uow, principal)
    current = repository.find_report(uow.session, unit_id=unit.unit_id, form_code=form_code,
                                     year=year)
    previous_values = previous_year_values(uow, unit_id=unit.unit_id, year=year,
                                           form_code=form_code)
    values = dict(current.values) if current is not None else previous_values
    return excel.build_template(year=year, unit_id=unit.unit_id, unit_name=unit.name_vi,
                                values=values, previous=previous_values, form_code=form_code)


def upload_report(*, uow: UnitOfWork, principal: Principal, data: bytes, dry_run: bool,
                  submit: bool, now: datetime, config: KpiSettings,
                  form_code: str = CP_YEARLY) -> tuple[dict[str, Any], Report | None]:
    """Check an uploaded template; unless a dry run, save it as the unit's report (and submit).

    Returns the check (problems by sheet, row and field) and the saved report, if any.
    Nothing is written when there is any problem or when it is a dry run.
    """
    unit = reporting_unit(uow, principal)
    try:
        read = excel.read_template(data, max_bytes=config.max_upload_bytes, form_code=form_code,
                                   complete=submit)
    except excel.BadFile as exc:
        status = 413 if exc.code == "kpi_upload_too_big" else 422
        raise ApiError(status, exc.code, field_errors={"file": [LocalizedText(
            exc.code, **exc.params)]}, **exc.params) from exc
    if read.unit_id != unit.unit_id:
        raise ApiError(422, "kpi_upload_other_unit",
                       field_errors={"file": [LocalizedText("kpi_upload_other_unit")]})
    check = {"year": read.year, "values": read.values, "dry_run": dry_run,
             "problems": [{"sheet": p.sheet, "row": p.row, "field": p.field,
                           "messages": {"vi": p.message.vi, "en": str(p.message)}}
                          for p in read.problems]}
    if dry_run:
        return check, None
    if read.problems:
        raise ApiError(422, "kpi_upload_has_problems", count=len(read.problems),
                       field_errors={p.key(): [p.message] for p in read.problems})
    report = save_report(uow=uow, principal=principal, year=read.year, values=read.values,
                         submit=submit, now=now, config=config, form_code=form_code)
    return check, report


def save_report(*, uow: UnitOfWork, principal: Principal, year: int, values: dict[str, Any],
                submit: bool, now: datetime, config: KpiSettings,
                form_code: str = CP_YEARLY) -> Report:
    """Create the unit's report of the year from a whole set of values, or replace the values
    of the existing one (as a PATCH does); then submit it if asked."""
    existing = repository.find_report(uow.session, unit_id=principal.unit_id,
                                      form_code=form_code, year=year)
    if existing is None:
        return service.create_report(uow=uow, principal=principal, year=year, values=values,
                                     form_code=form_code, submit=submit, now=now,
                                     config=config)
    report = service.update_report(uow=uow, principal=principal, report_id=existing.id,
                                   values=values, now=now, config=config)
    if submit:
        report = service.submit_report(uow=uow, principal=principal, report_id=report.id,
                                       now=now, config=config)
    return report
