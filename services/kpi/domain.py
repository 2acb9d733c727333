"""Pure rules of the kpi service: the yearly report form (its data), lateness, KPIs, status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Context, Decimal
from typing import Any

from services.kpi import messages  # noqa: F401  (registers the message codes used below)
from services.kpi.forms import FieldDef, FieldErrors, FormDefinition, check_values, plan_forms
from shared.calendar import WorkCalendar, effective_deadline, local_date
from shared.i18n import both

CP_YEARLY = "CP_YEARLY"
REPORTING_KINDS = ("district", "iz_board")
REPORT_STATUSES = ("draft", "submitted", "approved", "returned")
SUBMITTABLE_STATUSES = ("draft", "returned")
COUNTED_STATUSES = ("submitted", "approved")
PROVINCE = "province"
# Decree 09/2019/NĐ-CP: the yearly data period ends 14/12; the plan's yearly report is due
# 20/12 of the report year (the tasks service's reporting rule uses the same day).
DATA_PERIOD_END = (12, 14)
REPORT_DEADLINE = (12, 20)


# The report forms are data (plans/…/form-CP_YEARLY.json), read once; see forms.py.
FORMS: dict[str, FormDefinition] = plan_forms()
CP_YEARLY_FORM = FORMS[CP_YEARLY]
CP_YEARLY_FIELDS: tuple[FieldDef, ...] = CP_YEARLY_FORM.fields


def validate_values(values: Mapping[str, Any], *, complete: bool,
                    form: FormDefinition = CP_YEARLY_FORM) -> FieldErrors:
    """Field errors of a report's values under its form; `complete` also requires every
    required field."""
    return check_values(form, values, complete=complete)


def report_deadline(year: int, calendar: WorkCalendar | None = None,
                    deadline: tuple[int, int] = REPORT_DEADLINE) -> date:
    """The due day (20/12 by default) of the report year, moved past weekends and holidays."""
    return effective_deadline(date(year, *deadline), calendar or WorkCalendar())


def is_late(submitted_at: datetime, year: int,
            deadline: tuple[int, int] = REPORT_DEADLINE) -> bool:
    """True if a report for `year` reached us after its (working-day) deadline, local time."""
    return local_date(submitted_at) > report_deadline(year, deadline=deadline)


def data_period(year: int) -> tuple[date, date]:
    """The legal data window of a yearly report: 15/12 of the previous year to 14/12."""
    return date(year - 1, 12, 15), date(year, *DATA_PERIOD_END)


def counted_values(*, status: str, values: Mapping[str, Any],
                   approved_values: Mapping[str, Any] | None,
                   count_submitted: bool) -> tuple[Mapping[str, Any], bool] | None:
    """The values of a report that KPIs count, and whether they are provisional.

    The latest approved version counts; a submitted (not yet approved) version counts instead,
    provisionally, when the settings allow it. Drafts and returned reports without an approved
    version count nothing.
    """
    if status == "submitted" and count_submitted:
        return values, True
    if status == "approved":
        return values, False
    if approved_values is not None:
        return approved_values, False
    return None


def expected_to_report(*, kind: str, valid_from: date | None, valid_to: date | None,
                       year: int) -> bool:
    """A district or IZ board reports for a year if it exists on the data period's last day."""
    day = date(year, *DATA_PERIOD_END)
    return (kind in REPORTING_KINDS and (valid_from is None or valid_from <= day)
            and (valid_to is None or valid_to >= day))


@dataclass(frozen=True)
class IndicatorSpec:
    """What the formulas need of an indicator (a plain value, not a database row)."""

    code: str
    kind: str  # share | range
    numerator_field: str
    denominator_field: str | None
    weight_field: str | None
    direction: str  # increase | decrease
    baseline_value: float
    baseline_year: int
    target_value: float
    target_min: float | None
    target_max: float | None
    target_year: int
    at_risk_margin: float

    @property
    def goal(self) -> float:
        """The value that counts as achieved: the range's lower bound, else the target."""
        if self.kind == "range" and self.target_min is not None:
            return self.target_min
        return self.target_value


SPEC_FIELDS = tuple(IndicatorSpec.__dataclass_fields__)


@dataclass(frozen=True)
class KpiResult:
    """An indicator's value for one scope and year, with how it compares to the plan."""

    value: float | None
    numerator: float | None
    denominator: float | None
    expected: float
    target: float
    status: str
    rule: dict[str, str]


def aggregate(spec: IndicatorSpec, reports: Iterable[Mapping[str, Any]]
              ) -> tuple[float | None, float | None, float | None]:
    """(numerator, denominator, value) over units: sums of numerators over sums of denominators.

    A share is 100 × Σ numerator / Σ denominator (never a mean of the units' percentages).
    A range (SAVING) is the facilities' mean: Σ (value × weight) / Σ weight, each unit's
    value weighted by its `weight_field` (its applying facilities).
    """
    numerator = denominator = 0.0
    counted = False
    for values in reports:
        top = values.get(spec.numerator_field)
        bottom_field = spec.weight_field if spec.kind == "range" else spec.denominator_field
        bottom = values.get(bottom_field) if bottom_field else None
        if top is None or bottom is None:
            continue
        counted = True
        numerator += top * bottom if spec.kind == "range" else top
        denominator += bottom
    if not counted:
        return None, None, None
    return numerator, denominator, ratio(spec, numerator, denominator)


def ratio(spec: IndicatorSpec, numerator: float, denominator: float) -> float | None:
    """The value from the sums: 100 × numerator / denominator for a share, the plain mean for
    a range; none when the denominator is zero."""
    if denominator == 0:
        return None
    scale = 1 if spec.kind == "range" else 100
    return scale * numerator / denominator


# Exact enough for any sum of report values: products of two 17-digit numbers, summed over
# any number of units, never round (the running totals must equal a sum made at once).
EXACT = Context(prec=200)


def contribution(spec: IndicatorSpec, values: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
    """One report's exact share of aggregate()'s sums: (numerator, denominator) terms, or none
    when one of the indicator's fields is empty. Numbers are read as written (their text)."""
    bottom_field = spec.weight_field if spec.kind == "range" else spec.denominator_field
    top = values.get(spec.numerator_field)
    bottom = values.get(bottom_field) if bottom_field else None
    if top is None or bottom is None:
        return None
    top_d, bottom_d = Decimal(str(top)), Decimal(str(bottom))
    return (EXACT.multiply(top_d, bottom_d) if spec.kind == "range" else top_d), bottom_d


def expected_value(spec: IndicatorSpec, year: int) -> float:
    """The value expected in `year` on the straight line from baseline to target."""
    if year <= spec.baseline_year or spec.target_year <= spec.baseline_year:
        return spec.baseline_value if year <= spec.baseline_year else spec.goal
    if year >= spec.target_year:
        return spec.goal
    share = (year - spec.baseline_year) / (spec.target_year - spec.baseline_year)
    return spec.baseline_value + (spec.goal - spec.baseline_value) * share


def kpi_status(spec: IndicatorSpec, value: float | None, expected: float) -> str:
    """achieved, on_track, at_risk, off_track, or no_data when there is no value."""
    if value is None:
        return "no_data"
    sign = -1 if spec.direction == "decrease" else 1
    if sign * value >= sign * spec.goal:
        return "achieved"
    if sign * value >= sign * expected:
        return "on_track"
    if sign * value >= sign * expected - spec.at_risk_margin:
        return "at_risk"
    return "off_track"


def _pct(number: float) -> str:
    return f"{round(number, 2):g}%"


def status_rule(spec: IndicatorSpec, year: int) -> dict[str, str]:
    """The status rule of an indicator for a year, in words, in Vietnamese and English."""
    expected = expected_value(spec, year)
    sign = -1 if spec.direction == "decrease" else 1
    params = dict(year=year, expected=_pct(expected), baseline=_pct(spec.baseline_value),
                  baseline_year=spec.baseline_year, target_year=spec.target_year,
                  risk=_pct(expected - sign * spec.at_risk_margin))
    if spec.kind == "range":
        return both("kpi_rule_range", target_min=_pct(spec.goal),
                    target_max=_pct(spec.target_max if spec.target_max is not None
                                    else spec.goal), **params)
    code = "kpi_rule_decrease" if sign < 0 else "kpi_rule_increase"
    return both(code, target=_pct(spec.goal), **params)


def evaluate(spec: IndicatorSpec, year: int,
             reports: Iterable[Mapping[str, Any]]) -> KpiResult:
    """An indicator's value, expected value, target, status and rule over the counted reports."""
    return evaluate_sums(spec, year, *aggregate(spec, reports))


def evaluate_sums(spec: IndicatorSpec, year: int, numerator: float | None,
                  denominator: float | None, value: float | None) -> KpiResult:
    """evaluate() from sums already made (aggregate()'s, or the database's)."""
    expected = expected_value(spec, year)
    return KpiResult(value=value, numerator=numerator, denominator=denominator,
                     expected=expected, target=spec.goal,
                     status=kpi_status(spec, value, expected), rule=status_rule(spec, year))
