"""marshmallow schemas for the tasks service's HTTP input and output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.tasks.domain import TIMELINESS_VALUES
from shared.messaging.events import ROLES, TASK_STATUSES
from shared.schemas import StrictSchema

MAX_PAGE_SIZE = 100
SORT_KEYS = ("deadline", "-deadline", "title", "-title", "status", "-status", "updated",
             "-updated", "progress", "-progress")


class TokenRequest(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256),
                             load_only=True)


class TokenResponse(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class UnitOut(Schema):
    id = fields.UUID()
    code = fields.String()
    kind = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    parent_id = fields.UUID(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class MeOut(Schema):
    id = fields.UUID()
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)))
    language = fields.String()
    unit = fields.Nested(UnitOut)


class TaskCreate(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(load_default="", validate=validate.Length(max=10000))
    assignee_unit_id = fields.UUID(required=True)
    deadline = fields.Date(required=True)
    plan_id = fields.UUID(load_default=None, allow_none=True)
    duty_id = fields.UUID(load_default=None, allow_none=True)
    kind = fields.String(load_default="general",
                         validate=validate.OneOf(("general", "yearly_report")))
    period_year = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=2000, max=2100))


class TaskOut(Schema):
    id = fields.UUID()
    plan_id = fields.UUID(allow_none=True)
    duty_id = fields.UUID(allow_none=True)
    title = fields.String()
    description = fields.String()
    kind = fields.String()
    period_year = fields.Integer(allow_none=True)
    assignee_unit_id = fields.UUID()
    lead_unit_id = fields.UUID(allow_none=True)
    deadline = fields.Date()
    effective_deadline = fields.Date()
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    progress = fields.Integer()
    timeliness = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    completed_at = fields.AwareDateTime(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    kpi_codes = fields.List(fields.String())


class TaskQuery(StrictSchema):
    q = fields.String(validate=validate.Length(min=1, max=200),
                      metadata={"description": "words searched without diacritics in titles, "
                                               "descriptions and unit names"})
    plan_id = fields.UUID()
    duty_id = fields.UUID()
    unit_id = fields.UUID(metadata={"description": "the assignee unit"})
    assignee_unit_id = fields.UUID(metadata={"description": "alias of unit_id"})
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    timeliness = fields.String(validate=validate.OneOf(TIMELINESS_VALUES))
    deadline_from = fields.Date(metadata={"description": "effective deadline on or after"})
    deadline_to = fields.Date(metadata={"description": "effective deadline on or before"})
    kpi_code = fields.String(validate=validate.Length(min=1, max=32))
    kind = fields.String(validate=validate.OneOf(("general", "yearly_report")))
    period_year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    sort = fields.String(load_default="deadline", validate=validate.OneOf(SORT_KEYS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)


class StatsQuery(StrictSchema):
    plan_id = fields.UUID()
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class _Counts(Schema):
    done_on_time = fields.Integer()
    done_late = fields.Integer()
    open_within_deadline = fields.Integer()
    overdue = fields.Integer()
    cancelled = fields.Integer()
    total = fields.Integer()
    fallen_due = fields.Integer()
    on_time_share = fields.Float(allow_none=True)


class UnitCounts(_Counts):
    unit_id = fields.UUID()


class PlanCounts(_Counts):
    plan_id = fields.UUID(allow_none=True)


class YearCounts(_Counts):
    year = fields.Integer()


class StatsOut(Schema):
    units = fields.List(fields.Nested(UnitCounts))
    plans = fields.List(fields.Nested(PlanCounts))
    years = fields.List(fields.Nested(YearCounts))


class CalendarOverrideIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("day_off", "working_day")))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CalendarOverrideOut(Schema):
    day = fields.Date()
    kind = fields.String()
    note = fields.String()


class TransitionRequest(StrictSchema):
    to = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=2000))
