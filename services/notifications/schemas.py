"""marshmallow schemas for the notifications service's HTTP input and output."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.notifications import messages  # noqa: F401 - registers the message codes
from services.notifications.rules import NEVER_SILENCED, NOTIFIED_EVENT_TYPES, USER_CHANNELS
from shared.i18n import LANGUAGES, LocalizedText
from shared.schemas import MultilineText, StrictSchema, Text

DELIVERY_STATUSES = ("pending", "sending", "sent", "dead", "skipped", "held", "digested")


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


HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class QuietHours(StrictSchema):
    start = Text(required=True, validate=validate.Regexp(
        HHMM, error=LocalizedText("quiet_hours_invalid")))
    end = Text(required=True, validate=validate.Regexp(
        HHMM, error=LocalizedText("quiet_hours_invalid")))


class PreferencesIn(StrictSchema):
    channels = fields.Dict(
        keys=fields.String(validate=validate.OneOf(NOTIFIED_EVENT_TYPES)),
        values=fields.List(fields.String(validate=validate.OneOf(USER_CHANNELS)),
                           validate=validate.Length(max=len(USER_CHANNELS))),
        load_default=dict)
    digest = fields.Boolean(load_default=False)
    quiet_hours = fields.Nested(QuietHours, allow_none=True, load_default=None)

    @validates_schema
    def _never_silenced(self, values: dict, **_kwargs) -> None:
        for event_type in NEVER_SILENCED:
            chosen = values.get("channels", {}).get(event_type)
            if chosen is not None and "inbox" not in chosen:
                raise ValidationError({"channels": {event_type: [
                    LocalizedText("never_silenced")]}})


class PreferencesOut(Schema):
    channels = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    digest = fields.Boolean()
    quiet_hours = fields.Nested(QuietHours, allow_none=True)
    defaults = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    never_silenced = fields.List(fields.String())


class WebhookIn(StrictSchema):
    url = Text(required=True, validate=validate.Length(min=1, max=2000))
    event_types = fields.List(fields.String(validate=validate.OneOf(NOTIFIED_EVENT_TYPES)),
                              required=True, validate=validate.Length(min=1, max=20))
    unit_id = fields.UUID(allow_none=True, load_default=None)
    description = MultilineText(blank=True, allow_none=True, load_default=None,
                                validate=validate.Length(max=200))


class WebhookOut(Schema):
    id = fields.UUID()
    unit_id = fields.UUID(allow_none=True)
    url = fields.String()
    event_types = fields.List(fields.String())
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    consecutive_failures = fields.Integer()
    disabled_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class WebhookCreatedOut(WebhookOut):
    secret = fields.String()  # shown once, at creation; never again


class DeliveryQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(validate=validate.OneOf(("email", "webhook")))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class AttemptOut(Schema):
    attempt = fields.Integer()
    started_at = fields.AwareDateTime()
    duration_ms = fields.Integer()
    status = fields.String()
    error = fields.String(allow_none=True)


class DeliveryOut(Schema):
    id = fields.UUID()
    event_id = fields.UUID()
    event_type = fields.String()
    channel = fields.String()
    user_id = fields.UUID(allow_none=True)
    webhook_id = fields.UUID(allow_none=True)
    unit_id = fields.UUID(allow_none=True)
    address = fields.String(allow_none=True)
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime()
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    digest_id = fields.UUID(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptOut))


class RequeueOut(Schema):
    requested = fields.Boolean()
