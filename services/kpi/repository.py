"""Queries of the kpi service."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from services.kpi.domain import (
    DATA_PERIOD_END,
    PROVINCE,
    REPORTING_KINDS,
)
from services.kpi.models import Indicator, KpiValue, Report, TaskCopy, Unit
from services.kpi.settings import KpiSettings
from shared.auth import Principal


def get_unit(session: Session, unit_id: uuid.UUID) -> Unit | None:
    """The unit copy with this id, if any."""
    return session.get(Unit, unit_id)


# Statements read on every request are built once, with parameters: building a select's
# expressions costs more Python than running the (cached) compiled statement.
_DAY = bindparam("day")
EXPECTED = (Unit.kind.in_(REPORTING_KINDS),  # domain.expected_to_report as SQL
            or_(Unit.valid_from.is_(None), Unit.valid_from <= _DAY),
            or_(Unit.valid_to.is_(None), Unit.valid_to >= _DAY))
_COUNT_EXPECTED = select(func.count()).select_from(Unit).where(*EXPECTED)
_EXPECTED_UNITS = (select(Unit.unit_id, Unit.code, Unit.name_vi, Unit.name_en)
                   .where(*EXPECTED).order_by(Unit.code))


def _expected_day(year: int) -> dict[str, date]:
    """The parameter of EXPECTED: a reporting kind, existing on the data period's last day."""
    return {"day": date(year, *DATA_PERIOD_END)}


def count_expected_units(session: Session, year: int) -> int:
    """How many units are expected to report for the year (see domain.expected_to_report).

    Counted by the database (one row back, whatever the number of units), with the same rule
    as expected_to_report: a reporting kind, existing on the data period's last day.
    """
    return session.execute(_COUNT_EXPECTED, _expected_day(year)).scalar_one()


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


def sees_every_unit(principal: Principal, config: KpiSettings) -> bool:
    """Head, admin and the approving (lead) unit's coordinators read every unit's figures.

    The one rule of who sees other units: reports, per-unit values, the reports behind a
    KPI, units not reported, exports. Everyone else sees its own unit and the province.
    """
    return principal.sees_all_units or can_review(principal, config)


def unit_filter(principal: Principal, config: KpiSettings) -> Callable[[uuid.UUID | None], bool]:
    """The filter of every per-unit figure shown: all units by sees_every_unit, else own only."""
    if sees_every_unit(principal, config):
        return lambda unit_id: True
    own = principal.unit_id
    return lambda unit_id: unit_id is not None and unit_id == own


def units_shown(principal: Principal, config: KpiSettings) -> str:
    """`all` or `own`: which units' figures a caller's answers list (told to API and pages)."""
    return "all" if sees_every_unit(principal, config) else "own"


def can_review(principal: Principal, config: KpiSettings) -> bool:
    """The head, or a coordinator of the plan's lead unit, approves and returns reports."""
    return principal.has_role("head") or (
        principal.has_role("coordinator") and principal.unit_code == config.approving_unit_code)


def visible_reports(principal: Principal, config: KpiSettings | None = None) -> Select:
    """A select of the reports the caller may see: all for reviewers, else its unit's."""
    query = select(Report)
    if not sees_every_unit(principal, config or KpiSettings()):
        query = query.where(Report.unit_id == principal.unit_id)
    return query


def get_visible_report(session: Session, principal: Principal, report_id: uuid.UUID,
                       *, for_update: bool = False,
                       config: KpiSettings | None = None) -> Report | None:
    """The report if it exists and the caller may see it."""
    query = visible_reports(principal, config).where(Report.id == report_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def counted_reports(session: Session, *, form_code: str, year: int,
                    unit_id: uuid.UUID | None = None) -> list[Any]:
    """The reports of a year (of one unit if given) that may count: all but never-sent drafts,
    by unit, as plain rows of what counted() and the explanation read."""
    query = (select(Report.id, Report.unit_id, Report.status, Report.version, Report.late,
                    Report.values, Report.approved_values)
             .where(Report.form_code == form_code, Report.year == year, Report.version > 0))
    if unit_id is not None:
        query = query.where(Report.unit_id == unit_id)
    return list(session.execute(query.order_by(Report.unit_id)))


def counted_report_values(session: Session, *, form_code: str, year: int,
                          unit_ids: Iterable[uuid.UUID] | None = None) -> list[Any]:
    """What counted() needs of the reports that may count (of these units if given), as plain
    rows (no ORM objects).

    A full recompute reads every unit's report of the year; plain rows cost a fraction of
    loaded objects when there are thousands of units.
    """
    query = (select(Report.id, Report.unit_id, Report.status, Report.values,
                    Report.approved_values)
             .where(Report.form_code == form_code, Report.year == year, Report.version > 0))
    if unit_ids is not None:
        query = query.where(Report.unit_id.in_(list(unit_ids)))
    return list(session.execute(query.order_by(Report.unit_id)))


def list_kpi_values(session: Session, *, year: int, scope: str | None = None,
                    scopes: Iterable[str] | None = None) -> dict[tuple[str, str], KpiValue]:
    """The stored values of a year (of one scope, or some scopes, if given), by (code, scope)."""
    query = select(KpiValue).where(KpiValue.year == year)
    if scope is not None:
        query = query.where(KpiValue.scope == scope)
    if scopes is not None:
        query = query.where(KpiValue.scope.in_(list(scopes)))
    return {(row.indicator_code, row.scope): row for row in session.execute(query).scalars()}


def stored_values(session: Session, *, year: int, scopes: Iterable[str] | None = None
                  ) -> dict[tuple[str, str], Any]:
    """The stored values of a year (of some scopes, if given) as plain rows with their id, by
    (code, scope): what a recompute compares its results with."""
    query = select(KpiValue.id, *SUMMARY_VALUE_COLUMNS).where(KpiValue.year == year)
    if scopes is not None:
        query = query.where(KpiValue.scope.in_(list(scopes)))
    return {(row.indicator_code, row.scope): row for row in session.execute(query)}


def summary_values(session: Session, *, year: int, years: list[int]
                   ) -> dict[int, dict[tuple[str, str], Any]]:
    """In one query, as plain rows: the stored province values of several years (a trend)
    and every scope's values of `year`, by year then (code, scope)."""
    by_year: dict[int, dict[tuple[str, str], Any]] = {y: {} for y in {*years, year}}
    for row in session.execute(_SUMMARY_VALUES, {"years": years, "year": year}):
        by_year[row.year][(row.indicator_code, row.scope)] = row
    return by_year


SUMMARY_VALUE_COLUMNS = (KpiValue.indicator_code, KpiValue.scope, KpiValue.year,
                         KpiValue.value, KpiValue.numerator, KpiValue.denominator,
                         KpiValue.expected, KpiValue.target, KpiValue.status,
                         KpiValue.units_reported, KpiValue.units_expected,
                         KpiValue.provisional)
_SUMMARY_VALUES = select(*SUMMARY_VALUE_COLUMNS).where(or_(
    and_(KpiValue.year.in_(bindparam("years", expanding=True)), KpiValue.scope == PROVINCE),
    KpiValue.year == bindparam("year")))


def list_units(session: Session) -> list[Unit]:
    """Every unit of the copy, by code."""
    return list(session.execute(select(Unit).order_by(Unit.code)).scalars())


def expected_units(session: Session, year: int) -> list[Any]:
    """The units expected to report for the year, by code: id, code and names (plain rows)."""
    return list(session.execute(_EXPECTED_UNITS, _expected_day(year)))


CLOSED_TASK_STATUSES = ("done", "cancelled")
_OPEN_PAST_DEADLINE = select(
    TaskCopy.status, TaskCopy.kind, TaskCopy.effective_deadline, TaskCopy.submitted_at,
    TaskCopy.completed_at, TaskCopy.kpi_codes).where(
    TaskCopy.status.not_in(CLOSED_TASK_STATUSES), TaskCopy.effective_deadline < bindparam("today"))


def open_tasks_past_deadline(session: Session, *, today: date) -> list[Any]:
    """Open tasks of the copy whose effective deadline is before `today` (plain rows): the only
    ones that can be overdue (a report submitted in time is not; timeliness.py decides)."""
    return list(session.execute(_OPEN_PAST_DEADLINE, {"today": today}))


def reports_of_year(session: Session, *, form_code: str, year: int) -> list[Any]:
    """Every report of a form and year, whatever its status, as plain rows of what the
    summary shows and what decides whether it counts (not its values)."""
    return list(session.execute(_REPORTS_OF_YEAR, {"form_code": form_code, "year": year}))


_REPORTS_OF_YEAR = select(Report.id, Report.unit_id, Report.status, Report.version, Report.late,
                          Report.approved_values).where(Report.form_code == bindparam("form_code"),
                                                        Report.year == bindparam("year"))


def years_with_values(session: Session) -> list[int]:
    """The years that have stored KPI values."""
    return list(session.execute(select(KpiValue.year).distinct().order_by(KpiValue.year))
                .scalars())


def years_with_sent_reports(session: Session, *, form_code: str) -> list[int]:
    """The years with at least one report that was ever submitted."""
    return list(session.execute(select(Report.year).where(
        Report.form_code == form_code, Report.version > 0).distinct()).scalars())
