"""How a recompute gets the province's figures: one interface, one implementation per database.

On PostgreSQL the province comes from running totals that a change updates by its own
difference (totals.py), so a recompute reads only the changed unit's report; on SQLite (the
embedded default) it is summed in Python from every counted report. The choice is made once
per database (`province_totals`, by its dialect), never inside the recompute.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from sqlalchemy.orm import Session

from services.kpi import repository, totals
from services.kpi.change import Change
from services.kpi.domain import IndicatorSpec, evaluate_sums, ratio
from services.kpi.scopes import Counted, ScopeResult, summed_scope


class ProvinceTotals(Protocol):
    """Where a recompute's reports and the province's results come from."""

    def report_rows(self, session: Session, *, change: Change) -> list[Any]:
        """The reports a recompute counts (every changed unit's among them), as plain rows."""
        ...

    def province(self, session: Session, *, change: Change, specs: list[IndicatorSpec],
                 rows: list[Any], reports: list[Counted], expected: int,
                 count_submitted: bool) -> tuple[ScopeResult, totals.TotalUpdates | None]:
        """The province's results, and the running sums to write with the values (if any)."""
        ...


class SummedReports:
    """SQLite: every counted report of the year is read and summed here."""

    def report_rows(self, session: Session, *, change: Change) -> list[Any]:
        """Every report of the form and year that may count."""
        return repository.counted_report_values(session, form_code=change.form_code,
                                                year=change.year)

    def province(self, session: Session, *, change: Change, specs: list[IndicatorSpec],
                 rows: list[Any], reports: list[Counted], expected: int,
                 count_submitted: bool) -> tuple[ScopeResult, totals.TotalUpdates | None]:
        """The province summed from every counted report; no running sums."""
        return summed_scope(specs, change.year, reports, expected=expected), None


class RunningTotals:
    """PostgreSQL: the province from running totals (`kpi_totals`), changed by a difference."""

    def report_rows(self, session: Session, *, change: Change) -> list[Any]:
        """The report in hand for a report change; else the reports of the changed units."""
        if change.report is not None:  # held by the use case: not read again
            return [change.report] if change.report.version > 0 else []
        return repository.counted_report_values(session, form_code=change.form_code,
                                                year=change.year, unit_ids=change.unit_ids)

    def province(self, session: Session, *, change: Change, specs: list[IndicatorSpec],
                 rows: list[Any], reports: list[Counted], expected: int,
                 count_submitted: bool) -> tuple[ScopeResult, totals.TotalUpdates | None]:
        """The totals changed by the changed reports' `rows`, or made again from every report."""
        # Made again for a full recompute, or when they are not made yet.
        form_code, year = change.form_code, change.year
        applied = None if change.full else totals.apply_changes(
            session, form_code=form_code, year=year, specs=specs, rows=rows,
            first_counted=change.first_counted)
        updates = None
        if applied is None:
            every = rows if change.full else repository.counted_report_values(
                session, form_code=form_code, year=year)
            made = totals.rebuild(session, form_code=form_code, year=year, specs=specs,
                                  rows=every)
        else:
            made, updates = applied
        return _from_sums(session, specs, change, made[count_submitted], expected=expected,
                          count_submitted=count_submitted), updates


def _from_sums(session: Session, specs: list[IndicatorSpec], change: Change,
               variant: dict[str, Any], *, expected: int, count_submitted: bool) -> ScopeResult:
    """The province's results from one variant of the running totals."""
    got = totals.province_sums(variant, specs)
    results = {}
    for spec in specs:
        sums = got.sums[spec.code]
        results[spec.code] = (evaluate_sums(spec, change.year, None, None, None) if sums is None
                              else evaluate_sums(spec, change.year, *sums, ratio(spec, *sums)))
    return ScopeResult(
        results=results, reported=got.reported, expected=expected, provisional=got.provisional,
        report_ids=cache(lambda: [str(i) for i in totals.counted_report_ids(
            session, form_code=change.form_code, year=change.year,
            count_submitted=count_submitted)]))


_SUMMED = SummedReports()
_BY_DIALECT: dict[str, ProvinceTotals] = {"postgresql": RunningTotals()}


def province_totals(session: Session) -> ProvinceTotals:
    """The implementation for the session's database: the one place that looks at it."""
    return _BY_DIALECT.get(session.get_bind().dialect.name, _SUMMED)
