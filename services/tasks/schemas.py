"""marshmallow schemas for the tasks service's HTTP input and output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.tasks.domain import TIMELINESS_VALUES
from shared.dumping import FastDumpSchema
from shared.messaging.events import ROLES, TASK_STATUSES, UNIT_KINDS
from shared.schemas import MultilineText, StrictSchema, Text

MAX_PAGE_SIZE = 100
SORT_KEYS = ("deadline", "-deadline", "title", "-title", "status", "-status", "updated",
             "-updated", "progress", "-progress")


class TokenRequest(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
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
    title = Text(required=True, validate=validate.Length(min=1, max=500))
    description = MultilineText(blank=True, load_default="", validate=validate.Length(max=10000))
    assignee_unit_id = fields.UUID(required=True)
    deadline = fields.Date(required=True)
    plan_id = fields.UUID(load_default=None, allow_none=True)
    duty_id = fields.UUID(load_default=None, allow_none=True)
    kind = fields.String(load_default="general",
                         validate=validate.OneOf(("general", "yearly_report")))
    period_year = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=2000, max=2100))


class TaskOut(FastDumpSchema):
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
    q = Text(validate=validate.Length(min=1, max=200),
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
    kpi_code = Text(validate=validate.Length(min=1, max=32))
    kind = fields.String(validate=validate.OneOf(("general", "yearly_report")))
    period_year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    sort = fields.String(load_default="deadline", validate=validate.OneOf(SORT_KEYS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class TaskPage(FastDumpSchema):
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
    note = MultilineText(blank=True, load_default="", validate=validate.Length(max=500))


class CalendarOverrideOut(Schema):
    day = fields.Date()
    kind = fields.String()
    note = fields.String()


class TransitionRequest(StrictSchema):
    to = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    reason = MultilineText(load_default=None, allow_none=True,
                           validate=validate.Length(max=2000))


class PlanIn(StrictSchema):
    code = Text(required=True, validate=validate.Length(min=1, max=32))
    name_vi = Text(required=True, validate=validate.Length(min=1, max=500))
    name_en = Text(required=True, validate=validate.Length(min=1, max=500))
    legal_basis = Text(load_default="", validate=validate.Length(max=500))
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    lead_unit_id = fields.UUID(required=True)
    status = fields.String(load_default="active",
                           validate=validate.OneOf(("draft", "active", "closed")))


class PlanOut(Schema):
    id = fields.UUID()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    legal_basis = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    lead_unit_id = fields.UUID()
    status = fields.String()


class DutyIn(StrictSchema):
    code = Text(required=True, validate=validate.Length(min=1, max=32))
    title = Text(required=True, validate=validate.Length(min=1, max=500))
    description = MultilineText(blank=True, load_default="", validate=validate.Length(max=10000))
    lead_unit_id = fields.UUID(required=True)
    coordinating_unit_ids = fields.List(fields.UUID(), load_default=list,
                                        validate=validate.Length(max=100))
    doc_number = Text(load_default=None, allow_none=True,
                               validate=validate.Length(max=64))
    doc_date = fields.Date(load_default=None, allow_none=True)
    kpi_codes = fields.List(Text(validate=validate.Length(min=1, max=32)),
                            load_default=list)
    # A rule may be written on several lines (DTSTART, then RRULE), as RFC 5545 content lines.
    rrule = MultilineText(load_default=None, allow_none=True,
                          validate=validate.Length(min=1, max=500),
                          metadata={"description": "RFC 5545 rule; absent for a one-off duty"})
    deadline = fields.Date(load_default=None, allow_none=True,
                           metadata={"description": "the one-off duty's deadline"})
    task_kind = fields.String(load_default="general",
                              validate=validate.OneOf(("general", "yearly_report")))


class DutyRuleIn(StrictSchema):
    rrule = MultilineText(required=True, validate=validate.Length(min=1, max=500))


class DutyOut(Schema):
    id = fields.UUID()
    plan_id = fields.UUID()
    code = fields.String()
    title = fields.String()
    description = fields.String()
    lead_unit_id = fields.UUID()
    coordinating_unit_ids = fields.List(fields.UUID())
    kind = fields.String()
    rrule = fields.String(allow_none=True)
    task_kind = fields.String()
    kpi_codes = fields.List(fields.String())
    doc_number = fields.String(allow_none=True)
    doc_date = fields.Date(allow_none=True)
    assigned_by_doc = fields.String(allow_none=True)


class CommentIn(StrictSchema):
    body = MultilineText(required=True, validate=validate.Length(min=1, max=5000))


class CommentOut(Schema):
    id = fields.UUID()
    task_id = fields.UUID()
    author_id = fields.UUID(allow_none=True)
    body = fields.String()
    created_at = fields.AwareDateTime()


class AttachmentOut(Schema):
    id = fields.UUID()
    task_id = fields.UUID()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime()


class UploadIn(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class HistoryOut(Schema):
    occurred_at = fields.AwareDateTime()
    actor_id = fields.UUID(allow_none=True)
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class FeedOut(Schema):
    token = fields.String()
    unit_id = fields.UUID()
    created_at = fields.AwareDateTime()
    url = fields.String()


class UnitIn(StrictSchema):
    code = Text(required=True, validate=validate.Length(min=1, max=32))
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    name_vi = Text(required=True, validate=validate.Length(min=1, max=200))
    name_en = Text(required=True, validate=validate.Length(min=1, max=200))
    parent_id = fields.UUID(load_default=None, allow_none=True)
    valid_from = fields.Date(load_default=None, allow_none=True)
    valid_to = fields.Date(load_default=None, allow_none=True)


class UnitPatch(StrictSchema):
    kind = fields.String(validate=validate.OneOf(UNIT_KINDS))
    name_vi = Text(validate=validate.Length(min=1, max=200))
    name_en = Text(validate=validate.Length(min=1, max=200))
    parent_id = fields.UUID(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class UserIn(StrictSchema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=10, max=256))
    full_name = Text(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True)
    unit_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    language = fields.String(load_default="vi", validate=validate.OneOf(("vi", "en")))


class UserPatch(StrictSchema):
    full_name = Text(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True)
    unit_id = fields.UUID()
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)),
                        validate=validate.Length(min=1))
    active = fields.Boolean()
    language = fields.String(validate=validate.OneOf(("vi", "en")))


class UserOut(Schema):
    id = fields.UUID()
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    unit_id = fields.UUID()
    roles = fields.List(fields.String())
    active = fields.Boolean()
    language = fields.String()


class PasswordChange(StrictSchema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(min=10, max=256))


class TaskPatch(StrictSchema):
    progress = fields.Integer(validate=validate.Range(min=0, max=100))
    title = Text(validate=validate.Length(min=1, max=500))
    description = MultilineText(blank=True, validate=validate.Length(max=10000))
    deadline = fields.Date()
    assignee_unit_id = fields.UUID()
