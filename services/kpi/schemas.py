"""marshmallow schemas for the kpi service's HTTP input and output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.kpi.domain import CP_YEARLY_FIELDS, FORMS, REPORT_STATUSES
from services.kpi.forms import FieldDef
from shared.dumping import FastDumpSchema
from shared.messaging.events import KPI_STATUSES
from shared.schemas import MultilineText, StrictSchema, Text


class Count(fields.Integer):
    """A whole number given as a JSON number (not a string, not true/false)."""

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def _field(field: FieldDef) -> fields.Field:
    # Ranges and cross-field rules live in domain.validate_values (one place, bilingual).
    if field.kind == "whole":
        return Count(strict=True, allow_none=True)
    if field.kind in ("decimal", "percent"):
        return fields.Float(allow_none=True, allow_nan=False)
    return MultilineText(blank=True, allow_none=True, validate=validate.Length(max=20000))


def values_schema(form_fields: tuple[FieldDef, ...], name: str) -> type[Schema]:
    """A strict schema for a form's values, built from the form's field definitions."""
    return StrictSchema.from_dict({f.name: _field(f) for f in form_fields}, name=name)


CpYearlyValues = values_schema(CP_YEARLY_FIELDS, "CpYearlyValues")


class FacilityIn(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=300))
    sector = Text(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))
    cp_potential = fields.Boolean(required=True)
    aware = fields.Boolean(required=True)
    applying = fields.Boolean(required=True)
    saving_percent = fields.Float(load_default=None, allow_none=True, allow_nan=False)


class FacilityOut(Schema):
    name = fields.String()
    sector = fields.String(allow_none=True)
    cp_potential = fields.Boolean()
    aware = fields.Boolean()
    applying = fields.Boolean()
    saving_percent = fields.Float(allow_none=True)


class ReportCreate(StrictSchema):
    # One form today; a second form would choose its values schema by form_code.
    form_code = fields.String(load_default="CP_YEARLY", validate=validate.OneOf(tuple(FORMS)))
    year = fields.Integer(strict=True, required=True, validate=validate.Range(min=2000, max=2100))
    values = fields.Nested(CpYearlyValues, load_default=dict)
    facilities = fields.List(fields.Nested(FacilityIn), load_default=None,
                             validate=validate.Length(max=5000))
    submit = fields.Boolean(load_default=False)


class ReportUpdate(StrictSchema):
    values = fields.Nested(CpYearlyValues, required=True)
    facilities = fields.List(fields.Nested(FacilityIn), load_default=None,
                             validate=validate.Length(max=5000))


class ReturnRequest(StrictSchema):
    reason = MultilineText(required=True, validate=validate.Length(min=3, max=2000))


class SubmitRequest(StrictSchema):
    """No fields yet: the unit, status and version come from the stored report."""


class PeriodOut(Schema):
    year = fields.Integer()
    start = fields.Date()
    end = fields.Date()


class ReportOut(FastDumpSchema):
    id = fields.UUID()
    unit_id = fields.UUID()
    form_code = fields.String()
    year = fields.Integer()
    status = fields.String(validate=validate.OneOf(REPORT_STATUSES))
    version = fields.Integer()
    values = fields.Nested(CpYearlyValues)
    facilities = fields.List(fields.Nested(FacilityOut), allow_none=True)
    late = fields.Boolean()
    submitted_at = fields.AwareDateTime(allow_none=True)
    submitted_by = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    approved_version = fields.Integer(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    return_reason = fields.String(allow_none=True)
    period = fields.Nested(PeriodOut)


class ReportVersionOut(FastDumpSchema):
    id = fields.UUID()
    report_id = fields.UUID()
    version = fields.Integer()
    status = fields.String()
    values = fields.Nested(CpYearlyValues)
    actor_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime()
    reason = fields.String(allow_none=True)


class ReportQuery(StrictSchema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    status = fields.String(validate=validate.OneOf(REPORT_STATUSES))
    unit_id = fields.UUID()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class KpiQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class Completeness(Schema):
    reported = fields.Integer()
    expected = fields.Integer()


class LocalizedOut(Schema):
    vi = fields.String()
    en = fields.String()


class KpiOut(FastDumpSchema):
    indicator_code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    kind = fields.String()
    year = fields.Integer()
    value = fields.Float(allow_none=True)
    numerator = fields.Float(allow_none=True)
    denominator = fields.Float(allow_none=True)
    target = fields.Float()
    target_min = fields.Float(allow_none=True)
    target_max = fields.Float(allow_none=True)
    expected = fields.Float()
    status = fields.String(validate=validate.OneOf(KPI_STATUSES))
    rule = fields.Nested(LocalizedOut)
    completeness = fields.Nested(Completeness)
    provisional = fields.Boolean()
    computed_at = fields.AwareDateTime(allow_none=True)


class IndicatorOut(FastDumpSchema):
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    form_code = fields.String()
    kind = fields.String()
    numerator_field = fields.String()
    denominator_field = fields.String(allow_none=True)
    weight_field = fields.String(allow_none=True)
    direction = fields.String()
    baseline_value = fields.Float()
    baseline_year = fields.Integer()
    target_value = fields.Float()
    target_min = fields.Float(allow_none=True)
    target_max = fields.Float(allow_none=True)
    target_year = fields.Integer()
    at_risk_margin = fields.Float()


class TemplateQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class UploadQuery(StrictSchema):
    dry_run = fields.Boolean(load_default=True)
    submit = fields.Boolean(load_default=False)


class UploadProblemOut(Schema):
    sheet = fields.String()
    row = fields.Integer(allow_none=True)
    field = fields.String()
    messages = fields.Nested(LocalizedOut)


class UploadOut(FastDumpSchema):
    year = fields.Integer()
    dry_run = fields.Boolean()
    values = fields.Nested(CpYearlyValues)
    problems = fields.List(fields.Nested(UploadProblemOut))
    report = fields.Nested(ReportOut, allow_none=True)


class TrendOut(Schema):
    year = fields.Integer()
    value = fields.Float(allow_none=True)
    expected = fields.Float()
    status = fields.String(validate=validate.OneOf(KPI_STATUSES))


class UnitKpiOut(Schema):
    unit_id = fields.UUID()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    value = fields.Float(allow_none=True)
    status = fields.String(validate=validate.OneOf(KPI_STATUSES))
    provisional = fields.Boolean()
    report_id = fields.UUID(allow_none=True)
    late = fields.Boolean(allow_none=True)


class SummaryKpiOut(Schema):
    indicator_code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    kind = fields.String()
    target_min = fields.Float(allow_none=True)
    target_max = fields.Float(allow_none=True)
    value = fields.Float(allow_none=True)
    target = fields.Float()
    expected = fields.Float()
    status = fields.String(validate=validate.OneOf(KPI_STATUSES))
    provisional = fields.Boolean()
    rule = fields.Nested(LocalizedOut)
    overdue_duties = fields.Integer()
    trend = fields.List(fields.Nested(TrendOut))
    units = fields.List(fields.Nested(UnitKpiOut))


class Timeliness(Schema):
    on_time = fields.Integer()
    late = fields.Integer()


class AgencyOut(Schema):
    """One agency's tasks in the four timeliness counts (cancelled left out of the rest)."""

    unit_id = fields.UUID()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    done_on_time = fields.Integer()
    done_late = fields.Integer()
    open_within_deadline = fields.Integer()
    overdue = fields.Integer()
    cancelled = fields.Integer()
    tasks = fields.Integer()
    open = fields.Integer()
    due = fields.Integer()
    fallen_due = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)


class MissingUnitOut(Schema):
    unit_id = fields.UUID()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    report_status = fields.String(allow_none=True)


UNITS_SHOWN = fields.String(validate=validate.OneOf(("all", "own")), metadata={
    "description": "all: every unit's figures (reviewers, admin); own: the caller's unit only"})


class SummaryOut(FastDumpSchema):
    year = fields.Integer()
    units_shown = UNITS_SHOWN
    completeness = fields.Nested(Completeness)
    timeliness = fields.Nested(Timeliness)
    kpis = fields.List(fields.Nested(SummaryKpiOut))
    agencies = fields.List(fields.Nested(AgencyOut))
    missing_units = fields.List(fields.Nested(MissingUnitOut))


class ExplainQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    unit_id = fields.UUID()


class FormulaOut(Schema):
    kind = fields.String()
    numerator_field = fields.String()
    denominator_field = fields.String(allow_none=True)
    weight_field = fields.String(allow_none=True)


class ExplainReportOut(Schema):
    report_id = fields.UUID()
    unit_id = fields.UUID()
    version = fields.Integer()
    status = fields.String()
    provisional = fields.Boolean()
    late = fields.Boolean()
    inputs = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class StatusChangeOut(Schema):
    old_status = fields.String()
    new_status = fields.String()
    value = fields.Float(allow_none=True)
    expected = fields.Float(allow_none=True)
    changed_at = fields.AwareDateTime()
    report_ids = fields.List(fields.String())


class ExplainOut(FastDumpSchema):
    indicator_code = fields.String()
    year = fields.Integer()
    scope = fields.String()
    units_shown = UNITS_SHOWN
    status = fields.String(validate=validate.OneOf(KPI_STATUSES))
    value = fields.Float(allow_none=True)
    numerator = fields.Float(allow_none=True)
    denominator = fields.Float(allow_none=True)
    expected = fields.Float()
    target = fields.Float()
    at_risk_margin = fields.Float()
    formula = fields.Nested(FormulaOut)
    rule = fields.Nested(LocalizedOut)
    reports = fields.List(fields.Nested(ExplainReportOut))
    history = fields.List(fields.Nested(StatusChangeOut))


class IndicatorUpdate(StrictSchema):
    name_vi = Text(validate=validate.Length(min=1, max=500))
    name_en = Text(validate=validate.Length(min=1, max=500))
    direction = fields.String(validate=validate.OneOf(("increase", "decrease")))
    baseline_value = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=100))
    baseline_year = fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100))
    target_value = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=100))
    target_min = fields.Float(allow_none=True, allow_nan=False,
                              validate=validate.Range(min=0, max=100))
    target_max = fields.Float(allow_none=True, allow_nan=False,
                              validate=validate.Range(min=0, max=100))
    target_year = fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100))
    at_risk_margin = fields.Float(allow_nan=False, validate=validate.Range(min=0, max=100))
