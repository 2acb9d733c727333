"""Use cases of the kpi service: each takes the unit of work, applies rules, stages events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.kpi import repository
from services.kpi.change import Change
from services.kpi.domain import (
    CP_YEARLY,
    REPORTING_KINDS,
    SUBMITTABLE_STATUSES,
    data_period,
    expected_to_report,
    is_late,
    local_date,
    validate_values,
)
from services.kpi.kpis import list_kpis as list_kpis  # re-exported: api -> service -> kpis
from services.kpi.kpis import recompute_kpis
from services.kpi.kpis import recompute_year as recompute_year  # re-exported, as list_kpis
from services.kpi.models import (
    Indicator,
    Report,
    ReportVersion,
    audit_log,
    outbox,
)
from services.kpi.register import derive_from_register, validate_register
from services.kpi.settings import KpiSettings
from shared.audit import jsonable, record_audit
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import ApiError, not_found
from shared.i18n import LocalizedText

DEFAULT_SETTINGS = KpiSettings()


def report_event_data(report: Report, *, actor_id: uuid.UUID | None,
                      reason: str | None = None) -> dict[str, Any]:
    """The payload of every `report.*` event."""
    return {"report_id": report.id, "unit_id": report.unit_id, "form_code": report.form_code,
            "year": report.year, "version": report.version, "status": report.status,
            "late": report.late, "actor_id": actor_id, "reason": reason}


def report_view(report: Report) -> dict[str, Any]:
    """A report as plain values, for the API (read while the session is open)."""
    view = {c.key: getattr(report, c.key) for c in Report.__table__.columns}
    start, end = data_period(report.year)
    view["period"] = {"year": report.year, "start": start, "end": end}
    return view


def version_view(version: ReportVersion) -> dict[str, Any]:
    """A kept report version as plain values, for the API."""
    return {c.key: getattr(version, c.key) for c in ReportVersion.__table__.columns}


def indicator_view(indicator: Indicator) -> dict[str, Any]:
    """An indicator as plain values, for the API."""
    return {c.key: getattr(indicator, c.key) for c in Indicator.__table__.columns}


def _snapshot(report: Report) -> dict[str, Any]:
    return jsonable({c.key: getattr(report, c.key) for c in Report.__table__.columns})


def _raise_field_errors(errors: dict[str, list[LocalizedText]]) -> None:
    if errors:
        raise ApiError(422, field_errors={"values": errors})


def checked_values(values: dict[str, Any], facilities: list[dict[str, Any]] | None, *,
                   complete: bool) -> dict[str, Any]:
    """The report's values after the rules; with a facility register, its counts are derived
    from the rows (and counts given beside the rows must agree with them)."""
    if facilities:
        register_errors = validate_register(facilities, values)
        if register_errors:
            raise ApiError(422, field_errors=register_errors)
        values = {**values, **derive_from_register(facilities)}
    _raise_field_errors(validate_values(values, complete=complete))
    return values


def create_report(*, uow: UnitOfWork, principal: Principal, year: int, values: dict[str, Any],
                  form_code: str = CP_YEARLY, submit: bool = False, now: datetime,
                  facilities: list[dict[str, Any]] | None = None,
                  config: KpiSettings = DEFAULT_SETTINGS) -> Report:
    """A district or IZ board files its report for a year (its unit comes from the token)."""
    if not principal.has_role("reporter", "coordinator"):
        raise ApiError(403, "role_required", roles="reporter, coordinator")
    unit = repository.get_unit(uow.session, principal.unit_id)
    if unit is None or unit.kind not in REPORTING_KINDS:
        raise ApiError(403, "kpi_not_reporting_unit")
    current = local_date(now).year
    if year > current:
        raise ApiError(422, field_errors={
            "year": [LocalizedText("kpi_year_in_future", current=current)]})
    if not expected_to_report(kind=unit.kind, valid_from=unit.valid_from,
                              valid_to=unit.valid_to, year=year):
        raise ApiError(422, field_errors={
            "year": [LocalizedText("kpi_unit_not_valid_in_year", year=year)]})
    values = checked_values(values, facilities, complete=submit)
    report = Report(id=uuid.uuid4(), unit_id=unit.unit_id, form_code=form_code, year=year,
                    status="draft", version=0, values=dict(values), late=False,
                    facilities=facilities or None,
                    created_by=principal.user_id, created_at=now, updated_at=now)
    draft = _snapshot(report)
    uow.session.add(report)
    if submit:  # written once, already submitted; the audit still shows both steps
        _mark_submitted(uow, report, actor_id=principal.user_id, now=now, config=config)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # the unit's report of that form and year exists already
        raise ApiError(409, "kpi_duplicate_report", form=form_code, year=year) from exc
    with uow.batched():  # the audit rows and the event in one round trip
        record_audit(uow.session, audit_log, actor_id=principal.user_id, action="create",
                     entity="report", entity_id=report.id, before=None, after=draft, now=now)
        if submit:
            _announce_submission(uow, report, before=draft, actor_id=principal.user_id, now=now)
    if submit:
        _recompute_for(uow, report, now=now, config=config)
    return report


def _own_report(uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
                config: KpiSettings) -> Report:
    report = repository.get_visible_report(uow.session, principal, report_id, for_update=True,
                                           config=config)
    if report is None:
        raise not_found("báo cáo", "Report")
    if report.unit_id != principal.unit_id or not principal.has_role("reporter", "coordinator"):
        raise ApiError(403, "kpi_not_own_report")
    return report


def update_report(*, uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
                  values: dict[str, Any], now: datetime,
                  facilities: list[dict[str, Any]] | None = None,
                  config: KpiSettings = DEFAULT_SETTINGS) -> Report:
    """The reporting unit replaces the values (and facility register) of a draft or returned
    report."""
    report = _own_report(uow, principal, report_id, config)
    if report.status not in SUBMITTABLE_STATUSES:
        raise ApiError(409, "kpi_report_not_editable", current=report.status)
    values = checked_values(values, facilities, complete=False)
    before = _snapshot(report)
    report.values = dict(values)
    report.facilities = facilities or None
    report.updated_at = now
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="update",
                 entity="report", entity_id=report.id, before=before, after=_snapshot(report),
                 now=now)
    return report


def submit_report(*, uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
                  now: datetime, config: KpiSettings = DEFAULT_SETTINGS) -> Report:
    """The reporting unit sends its draft (or returned) report; KPIs of that year follow."""
    report = _own_report(uow, principal, report_id, config)
    if report.status not in SUBMITTABLE_STATUSES:
        raise ApiError(409, "kpi_report_not_submittable", current=report.status)
    _raise_field_errors(validate_values(report.values, complete=True))
    _submit(uow, report, actor_id=principal.user_id, now=now, config=config)
    return report


def _reviewed_report(uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
                     config: KpiSettings) -> Report:
    if not repository.can_review(principal, config):
        raise ApiError(403, "kpi_reviewer_required", unit=config.approving_unit_code)
    report = repository.get_visible_report(uow.session, principal, report_id, for_update=True,
                                           config=config)
    if report is None:
        raise not_found("báo cáo", "Report")
    return report


def approve_report(*, uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
                   now: datetime, config: KpiSettings = DEFAULT_SETTINGS) -> Report:
    """The head or the lead unit's coordinator accepts a submitted report; it now counts."""
    report = _reviewed_report(uow, principal, report_id, config)
    if report.status != "submitted":
        raise ApiError(409, "kpi_report_not_approvable", current=report.status)
    before = _snapshot(report)
    report.status = "approved"
    report.approved_version = report.version
    report.approved_values = dict(report.values)
    report.approved_at = now
    report.approved_by = principal.user_id
    report.return_reason = None
    _record_step(uow, report, before=before, actor_id=principal.user_id, action="approve",
                 event_type="report.approved", reason=None, now=now, config=config)
    return report


def return_report(*, uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
                  reason: str, now: datetime,
                  config: KpiSettings = DEFAULT_SETTINGS) -> Report:
    """The head or the lead unit's coordinator sends a report back with a reason to fix it."""
    report = _reviewed_report(uow, principal, report_id, config)
    if report.status not in ("submitted", "approved"):
        raise ApiError(409, "kpi_report_not_returnable", current=report.status)
    before = _snapshot(report)
    report.status = "returned"
    report.return_reason = reason
    _record_step(uow, report, before=before, actor_id=principal.user_id, action="return",
                 event_type="report.returned", reason=reason, now=now, config=config)
    return report


def _record_step(uow: UnitOfWork, report: Report, *, before: dict[str, Any],
                 actor_id: uuid.UUID | None, action: str, event_type: str, reason: str | None,
                 now: datetime, config: KpiSettings) -> None:
    report.updated_at = now
    uow.session.add(ReportVersion(id=uuid.uuid4(), report_id=report.id, version=report.version,
                                  status=report.status, values=dict(report.values),
                                  actor_id=actor_id, created_at=now, reason=reason))
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=actor_id, action=action, entity="report",
                 entity_id=report.id, before=before, after=_snapshot(report), now=now)
    outbox.add(uow.session, event_type,
               report_event_data(report, actor_id=actor_id, reason=reason), now=now)
    recompute_kpis(uow=uow, change=Change.of_report(report), now=now,
                   count_submitted=config.count_submitted)


def _submit(uow: UnitOfWork, report: Report, *, actor_id: uuid.UUID | None,
            now: datetime, config: KpiSettings = DEFAULT_SETTINGS) -> None:
    before = _snapshot(report)
    _mark_submitted(uow, report, actor_id=actor_id, now=now, config=config)
    with uow.batched():  # the report and its version are flushed first, then one round trip
        _announce_submission(uow, report, before=before, actor_id=actor_id, now=now)
    _recompute_for(uow, report, now=now, config=config)


def _mark_submitted(uow: UnitOfWork, report: Report, *, actor_id: uuid.UUID | None,
                    now: datetime, config: KpiSettings) -> None:
    """The report's fields after a submission (a new version), and the kept version's row."""
    report.status = "submitted"
    report.version += 1
    # Lateness is the first submission's: a report sent on time and returned for a fix stays
    # on time.
    report.late = report.late or is_late(now, report.year, config.deadline)
    report.submitted_at = now
    report.submitted_by = actor_id
    report.updated_at = now
    uow.session.add(ReportVersion(id=uuid.uuid4(), report_id=report.id, version=report.version,
                                  status=report.status, values=dict(report.values),
                                  actor_id=actor_id, created_at=now, reason=None))


def _announce_submission(uow: UnitOfWork, report: Report, *, before: dict[str, Any],
                         actor_id: uuid.UUID | None, now: datetime) -> None:
    """The submission's audit row and its `report.submitted` event."""
    record_audit(uow.session, audit_log, actor_id=actor_id, action="submit", entity="report",
                 entity_id=report.id, before=before, after=_snapshot(report), now=now)
    outbox.add(uow.session, "report.submitted", report_event_data(report, actor_id=actor_id),
               now=now)


def _recompute_for(uow: UnitOfWork, report: Report, *, now: datetime,
                   config: KpiSettings) -> None:
    """The KPIs of the report's form and year after its submission (its first, if version 1:
    never counted before)."""
    recompute_kpis(uow=uow, change=Change.of_report(report, first_counted=report.version == 1),
                   now=now, count_submitted=config.count_submitted)


def list_reports(*, uow: UnitOfWork, principal: Principal, year: int | None = None,
                 status: str | None = None, unit_id: uuid.UUID | None = None,
                 limit: int = 50, offset: int = 0,
                 config: KpiSettings = DEFAULT_SETTINGS) -> tuple[list[Report], int]:
    """The reports the caller may see, filtered, newest year first; with the total count."""
    query = repository.visible_reports(principal, config)
    if year is not None:
        query = query.where(Report.year == year)
    if status:
        query = query.where(Report.status == status)
    if unit_id:
        query = query.where(Report.unit_id == unit_id)
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = uow.session.execute(
        query.order_by(Report.year.desc(), Report.unit_id, Report.form_code)
        .limit(limit).offset(offset)
    ).scalars()
    return list(rows), total


def get_report(*, uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
               config: KpiSettings = DEFAULT_SETTINGS) -> Report:
    """A report the caller may see; 404 for unknown ids and for reports of other units."""
    report = repository.get_visible_report(uow.session, principal, report_id, config=config)
    if report is None:
        raise not_found("báo cáo", "Report")
    return report


def list_indicators(*, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every indicator with its formula, baseline and target."""
    return [indicator_view(i) for i in repository.list_indicators(uow.session)]


def list_versions(*, uow: UnitOfWork, principal: Principal, report_id: uuid.UUID,
                  config: KpiSettings = DEFAULT_SETTINGS) -> list[ReportVersion]:
    """Every kept version of a report the caller may see (submissions, approvals, returns)."""
    report = get_report(uow=uow, principal=principal, report_id=report_id, config=config)
    return list(uow.session.execute(
        select(ReportVersion).where(ReportVersion.report_id == report.id)
        .order_by(ReportVersion.created_at, ReportVersion.version)).scalars())
