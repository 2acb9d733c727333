"""Running province sums of the KPIs: a report change adds its own difference (PostgreSQL).

`kpi_totals` holds, per form, year and indicator, the exact sums that domain.aggregate makes
over every counted report, both with and without the submitted (not yet approved) reports
counted; `kpi_counted` holds the version of each report's values that the totals hold. A
report change takes the old version out and puts the new one in, so its cost does not grow
with the number of units; a full recompute (or totals not made yet) makes them again from
every report. The sums are exact decimals, so both ways give the same numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from services.kpi.domain import EXACT, IndicatorSpec, contribution, counted_values
from services.kpi.models import KpiCounted, KpiTotal, Report

VARIANTS = (True, False)  # count_submitted


@dataclass(frozen=True)
class ProvinceSums:
    """The province scope's counts and each indicator's (numerator, denominator) sums."""

    reported: int
    provisional: bool
    sums: dict[str, tuple[float, float] | None]  # None: no report has both fields


def _counted_version(row: Any, count_submitted: bool) -> tuple[dict | None, bool]:
    got = counted_values(status=row.status, values=row.values,
                         approved_values=row.approved_values, count_submitted=count_submitted)
    return (None, False) if got is None else (dict(got[0]), got[1])


def _add(totals: Mapping[str, Any], specs: Iterable[IndicatorSpec],
         values: Mapping[str, Any] | None, provisional: bool, *, sign: int) -> None:
    """Put a report's counted values into the totals (sign 1) or take them out (sign -1)."""
    if values is None:  # it counted nothing
        return
    combine = EXACT.add if sign > 0 else EXACT.subtract  # never rounds (EXACT's precision)
    for spec in specs:
        total = totals[spec.code]
        total.reported += sign
        total.provisional += sign * provisional
        terms = contribution(spec, values)
        if terms is not None:
            total.counted += sign
            total.numerator = combine(total.numerator, terms[0])
            total.denominator = combine(total.denominator, terms[1])


Totals = dict[bool, dict[str, Any]]  # by count_submitted, then code: KpiTotal or Running


def rebuild(session: Session, *, form_code: str, year: int, specs: list[IndicatorSpec],
            rows: list[Any]) -> Totals:
    """Make the totals and counted versions of a form's year again from every report."""
    session.execute(delete(KpiCounted).where(KpiCounted.form_code == form_code,
                                             KpiCounted.year == year))
    session.execute(delete(KpiTotal).where(KpiTotal.form_code == form_code,
                                           KpiTotal.year == year))
    counted_rows = []
    made: Totals = {}
    for count_submitted in VARIANTS:
        made[count_submitted] = totals = {spec.code: KpiTotal(
            form_code=form_code, year=year, count_submitted=count_submitted,
            indicator_code=spec.code, numerator=Decimal(0), denominator=Decimal(0), counted=0,
            reported=0, provisional=0) for spec in specs}
        for row in rows:
            values, provisional = _counted_version(row, count_submitted)
            counted_rows.append({"report_id": row.id, "count_submitted": count_submitted,
                                 "form_code": form_code, "year": year, "values": values,
                                 "provisional": provisional})
            _add(totals, specs, values, provisional, sign=1)
        session.add_all(totals.values())
    if counted_rows:
        session.execute(insert(KpiCounted), counted_rows)
    session.flush()
    return made


@dataclass
class Running:
    """One indicator's running sums as a change reads and updates them (a plain copy of its
    kpi_totals row, written back by TotalUpdates)."""

    form_code: str
    year: int
    count_submitted: bool
    indicator_code: str
    numerator: Decimal
    denominator: Decimal
    counted: int
    reported: int
    provisional: int


_TOTAL = KpiTotal.__table__
_SUMS = ("numerator", "denominator", "counted", "reported", "provisional")
_UPDATE_TOTAL = update(_TOTAL).where(
    _TOTAL.c.form_code == bindparam("key_form_code"), _TOTAL.c.year == bindparam("key_year"),
    _TOTAL.c.count_submitted == bindparam("key_count_submitted"),
    _TOTAL.c.indicator_code == bindparam("key_indicator_code"),
).values({f: bindparam(f"new_{f}", type_=_TOTAL.c[f].type) for f in _SUMS})


@dataclass
class TotalUpdates:
    """The changed running sums, written by send() with the recompute's other writes."""

    totals: list[Running]

    def send(self, session: Session) -> None:
        """Write the new sums (no result read: it may run in a pipeline)."""
        session.execute(_UPDATE_TOTAL, [
            {"key_form_code": t.form_code, "key_year": t.year,
             "key_count_submitted": t.count_submitted, "key_indicator_code": t.indicator_code,
             **{f"new_{f}": getattr(t, f) for f in _SUMS}} for t in self.totals])


_COUNTED = KpiCounted.__table__
_UPDATE_COUNTED = update(_COUNTED).where(
    _COUNTED.c.report_id == bindparam("key_report_id"),
    _COUNTED.c.count_submitted == bindparam("key_count_submitted"),
).values(values=bindparam("new_values", type_=_COUNTED.c["values"].type),
         provisional=bindparam("new_provisional", type_=_COUNTED.c.provisional.type))


def apply_changes(session: Session, *, form_code: str, year: int, specs: list[IndicatorSpec],
                  rows: list[Any], first_counted: bool = False
                  ) -> tuple[Totals, TotalUpdates] | None:
    """Update the totals by the difference of the changed reports (`rows`, as
    repository.counted_report_values gives them); None when the totals are not made yet
    (then rebuild() from every report). `first_counted`: the rows were never counted before
    (first submitted in this transaction), so no previous counted version is looked up.

    The counted versions are written at once (the reports behind a status change are read
    from them); the new sums are returned with their write, for the caller to send."""
    totals: Totals = {v: {} for v in VARIANTS}
    for row in session.execute(select(_TOTAL).where(_TOTAL.c.form_code == form_code,
                                                    _TOTAL.c.year == year)):
        totals[row.count_submitted][row.indicator_code] = Running(**row._mapping)
    if any(spec.code not in totals[v] for v in VARIANTS for spec in specs):
        return None
    ids: list[uuid.UUID] = [row.id for row in rows]
    old = {(c.report_id, c.count_submitted): c for c in session.execute(
        select(_COUNTED.c.report_id, _COUNTED.c.count_submitted, _COUNTED.c["values"],
               _COUNTED.c.provisional).where(_COUNTED.c.report_id.in_(ids)))
           } if ids and not first_counted else {}
    new_rows, changed_rows = [], []
    for row in rows:
        for count_submitted in VARIANTS:
            values, provisional = _counted_version(row, count_submitted)
            before = old.get((row.id, count_submitted))
            if before is None:
                new_rows.append({"report_id": row.id, "count_submitted": count_submitted,
                                 "form_code": form_code, "year": year, "values": values,
                                 "provisional": provisional})
            else:
                _add(totals[count_submitted], specs, before.values, before.provisional,
                     sign=-1)
                changed_rows.append({"key_report_id": row.id,
                                     "key_count_submitted": count_submitted,
                                     "new_values": values, "new_provisional": provisional})
            _add(totals[count_submitted], specs, values, provisional, sign=1)
    if new_rows:
        session.execute(insert(_COUNTED), new_rows)
    if changed_rows:
        session.execute(_UPDATE_COUNTED, changed_rows)
    changed = [totals[v][spec.code] for v in VARIANTS for spec in specs] if rows else []
    return totals, TotalUpdates(changed)


def province_sums(totals: Mapping[str, Any], specs: list[IndicatorSpec]) -> ProvinceSums:
    """The province's counts and sums from one variant's totals (floats, like aggregate()'s)."""
    first = totals[specs[0].code] if specs else None
    return ProvinceSums(
        reported=first.reported if first else 0,
        provisional=bool(first and first.provisional),
        sums={s.code: (float(totals[s.code].numerator), float(totals[s.code].denominator))
              if totals[s.code].counted else None for s in specs})


def counted_report_ids(session: Session, *, form_code: str, year: int,
                       count_submitted: bool) -> list[uuid.UUID]:
    """The reports the totals hold for the province (those whose counted version is not
    none), by unit: read only when a province status changes."""
    return list(session.execute(
        select(KpiCounted.report_id).join(Report, Report.id == KpiCounted.report_id)
        .where(KpiCounted.form_code == form_code, KpiCounted.year == year,
               KpiCounted.count_submitted == count_submitted,
               func.jsonb_typeof(KpiCounted.values) == "object")  # none is stored as null
        .order_by(Report.unit_id)).scalars())
