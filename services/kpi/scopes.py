"""The reports a scope counts, and a scope's results summed from them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from services.kpi.domain import IndicatorSpec, KpiResult, counted_values, evaluate


@dataclass(frozen=True)
class Counted:
    """A report as the KPIs count it: its unit, the counted values, provisional or not."""

    report_id: uuid.UUID
    unit_id: uuid.UUID
    values: Mapping[str, Any]
    provisional: bool


def counted(reports: Iterable[Any], *, count_submitted: bool) -> list[Counted]:
    """The reports that count, each with the version of its values that counts."""
    out = []
    for r in reports:
        got = counted_values(status=r.status, values=r.values, approved_values=r.approved_values,
                             count_submitted=count_submitted)
        if got is not None:
            out.append(Counted(r.id, r.unit_id, got[0], got[1]))
    return out


@dataclass(frozen=True)
class ScopeResult:
    """One scope's results: each indicator's, how many units reported, who counted."""

    results: dict[str, KpiResult]  # by indicator code
    reported: int
    expected: int
    provisional: bool
    report_ids: Callable[[], list[str]]  # asked only when a status changes


def summed_scope(specs: list[IndicatorSpec], year: int, reports: list[Counted], *,
                 expected: int) -> ScopeResult:
    """A scope's results summed here from its counted reports."""
    values = [r.values for r in reports]
    return ScopeResult(results={s.code: evaluate(s, year, values) for s in specs},
                       reported=len(reports), expected=expected,
                       provisional=any(r.provisional for r in reports),
                       report_ids=cache(lambda: [str(r.report_id) for r in reports]))
