"""marshmallow schemas for the notifications service's HTTP input and output."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.i18n import LANGUAGES
from shared.schemas import StrictSchema


class InboxQuery(StrictSchema):
    unread_only = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class InboxMessageOut(Schema):
    id = fields.UUID()
    event_type = fields.String()
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    title = fields.String()
    body = fields.String()
    title_vi = fields.String()
    title_en = fields.String()
    body_vi = fields.String()
    body_en = fields.String()
    link = fields.String(allow_none=True)
    read = fields.Boolean()
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


class UnreadCountOut(Schema):
    unread = fields.Integer(required=True)


class MarkedOut(Schema):
    marked = fields.Integer(required=True)
