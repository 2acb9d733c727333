"""What changed, as one value: a recompute reads and writes only the scopes it touches."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from services.kpi.domain import CP_YEARLY

REPORT = "report"  # a report's counted values changed, for its own unit
UNIT_VALIDITY = "unit_validity"  # a unit's kind or validity changed: who is expected
INDICATOR = "indicator"  # an indicator's rule changed: every scope of the year
YEAR = "year"  # the full recompute of a year


@dataclass(frozen=True)
class Change:
    """One change that KPI values follow, for one form and year."""

    what: str  # REPORT, UNIT_VALIDITY, INDICATOR or YEAR
    year: int
    form_code: str = CP_YEARLY
    # REPORT: the report as the use case holds it (loaded or written in this transaction and
    # locked by it), so it is not read again; `first_counted`: its first submission is in
    # this transaction, so it has no previous counted version to look up.
    report: Any = None
    first_counted: bool = False

    @classmethod
    def of_report(cls, report: Any, *, first_counted: bool = False) -> Change:
        """A report's counted values changed (submitted, approved or returned)."""
        return cls(REPORT, report.year, report.form_code, report, first_counted)

    @classmethod
    def of_unit_validity(cls, *, year: int, form_code: str = CP_YEARLY) -> Change:
        """A unit's kind or validity changed: the province's expected reporters of a year."""
        return cls(UNIT_VALIDITY, year, form_code)

    @classmethod
    def of_indicator(cls, *, year: int, form_code: str) -> Change:
        """An indicator's names, baseline, target or thresholds changed."""
        return cls(INDICATOR, year, form_code)

    @classmethod
    def of_year(cls, *, year: int, form_code: str = CP_YEARLY) -> Change:
        """Nothing in particular: the full recompute of a year, every scope."""
        return cls(YEAR, year, form_code)

    @property
    def full(self) -> bool:
        """True when every scope of the year is recomputed from every report."""
        return self.what in (INDICATOR, YEAR)

    @property
    def unit_ids(self) -> list[uuid.UUID] | None:
        """The units whose own scope is recomputed (None: every unit of the year)."""
        if self.full:
            return None
        return [self.report.unit_id] if self.what == REPORT else []
