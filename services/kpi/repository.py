"""Queries of the kpi service."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.kpi.domain import COUNTED_STATUSES, REPORTING_KINDS, expected_to_report
from services.kpi.models import Indicator, KpiValue, Report, Unit
from shared.auth import Principal


def get_unit(session: Session, unit_id: uuid.UUID) -> Unit | None:
    """The unit copy with this id, if any."""
    return session.get(Unit, unit_id)


def count_expected_units(session: Session, year: int) -> int:
    """How many units are expected to report for the year (see domain.expected_to_report)."""
    units = session.execute(select(Unit).where(Unit.kind.in_(REPORTING_KINDS))).scalars()
    return sum(1 for u in units if expected_to_report(kind=u.kind, valid_from=u.valid_from,
                                                      valid_to=u.valid_to, year=year))


def list_indicators(session: Session, *, lock: bool = False) -> list[Indicator]:
    """Every indicator by code; `lock` serialises KPI recomputes (FOR UPDATE on PostgreSQL)."""
    query = select(Indicator).order_by(Indicator.code)
    if lock:
        query = query.with_for_update()
    return list(session.execute(query).scalars())


def find_report(session: Session, *, unit_id: uuid.UUID, form_code: str,
                year: int) -> Report | None:
    """The report of a unit on a form for a year, if any."""
    return session.execute(
        select(Report).where(Report.unit_id == unit_id, Report.form_code == form_code,
                             Report.year == year)
    ).scalar_one_or_none()


def visible_reports(principal: Principal) -> Select:
    """A select of the reports the caller may see: all for head/admin, else its unit's."""
    query = select(Report)
    if not principal.sees_all_units:
        query = query.where(Report.unit_id == principal.unit_id)
    return query


def get_visible_report(session: Session, principal: Principal, report_id: uuid.UUID,
                       *, for_update: bool = False) -> Report | None:
    """The report if it exists and the caller may see it."""
    query = visible_reports(principal).where(Report.id == report_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def counted_reports(session: Session, *, form_code: str, year: int,
                    unit_id: uuid.UUID | None = None) -> list[Report]:
    """The submitted and approved reports of a year (of one unit if given) that KPIs count."""
    query = select(Report).where(Report.form_code == form_code, Report.year == year,
                                 Report.status.in_(COUNTED_STATUSES))
    if unit_id is not None:
        query = query.where(Report.unit_id == unit_id)
    return list(session.execute(query.order_by(Report.unit_id)).scalars())


def list_kpi_values(session: Session, *, year: int,
                    scope: str | None = None) -> dict[tuple[str, str], KpiValue]:
    """The stored values of a year (of one scope if given), by (indicator code, scope)."""
    query = select(KpiValue).where(KpiValue.year == year)
    if scope is not None:
        query = query.where(KpiValue.scope == scope)
    return {(row.indicator_code, row.scope): row for row in session.execute(query).scalars()}
