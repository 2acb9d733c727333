"""marshmallow schemas for the tasks service's HTTP input and output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.messaging.events import ROLES, TASK_STATUSES
from shared.schemas import StrictSchema


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


class TaskQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    assignee_unit_id = fields.UUID()
    kind = fields.String(validate=validate.OneOf(("general", "yearly_report")))
    period_year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class TransitionRequest(StrictSchema):
    to = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=2000))
