"""The event envelope and every event's data schema, used by publishers and consumers alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

SCHEMA_VERSION = 1

TASK_STATUSES = (
    "not_started", "in_progress", "submitted", "done", "returned", "blocked", "cancelled",
)
KPI_STATUSES = ("achieved", "on_track", "at_risk", "off_track", "no_data")
ROLES = ("admin", "head", "coordinator", "reporter", "viewer")
UNIT_KINDS = ("province", "department", "district", "iz_board", "enterprise")


class _Data(Schema):
    class Meta:
        unknown = EXCLUDE  # consumers accept fields added by newer producers


class TaskData(_Data):
    task_id = fields.UUID(required=True)
    # The task's version, raised by the tasks service on every change of the task; copies apply
    # an event only when it carries a newer version than theirs (never by comparing clocks).
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    plan_id = fields.UUID(allow_none=True, load_default=None)
    duty_id = fields.UUID(allow_none=True, load_default=None)
    assignee_unit_id = fields.UUID(required=True)
    lead_unit_id = fields.UUID(allow_none=True, load_default=None)
    deadline = fields.Date(required=True)
    effective_deadline = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    kind = fields.String(load_default="general")
    period_year = fields.Integer(allow_none=True, load_default=None)
    kpi_codes = fields.List(fields.String(), load_default=list)  # indicators the duty serves
    # The owner's moments that timeliness counts (UTC): handed in, and done.
    submitted_at = fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=UTC)
    completed_at = fields.AwareDateTime(allow_none=True, load_default=None, default_timezone=UTC)


class TaskStatusChangedData(TaskData):
    old_status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    actor_id = fields.UUID(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


class TaskDeadlineData(TaskData):
    occurrence = fields.String(required=True)  # the effective deadline this moment belongs to
    days = fields.Integer(required=True)  # working days left (due_soon) or overdue (overdue)
    # task.escalated only: 1 = the lead unit's coordinators, 2 = the department head.
    escalation_level = fields.Integer(allow_none=True, load_default=None,
                                      validate=validate.Range(min=1, max=2))


class ReportData(_Data):
    report_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    form_code = fields.String(required=True)
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    status = fields.String(required=True)
    late = fields.Boolean(load_default=False)
    actor_id = fields.UUID(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


class KpiStatusChangedData(_Data):
    indicator_code = fields.String(required=True)
    unit_id = fields.UUID(allow_none=True, load_default=None)  # None: the province
    year = fields.Integer(required=True)
    old_status = fields.String(required=True, validate=validate.OneOf(KPI_STATUSES))
    new_status = fields.String(required=True, validate=validate.OneOf(KPI_STATUSES))
    value = fields.Float(allow_none=True, load_default=None)
    target = fields.Float(allow_none=True, load_default=None)
    expected = fields.Float(allow_none=True, load_default=None)


class UnitData(_Data):
    unit_id = fields.UUID(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    name_vi = fields.String(required=True)
    name_en = fields.String(required=True)
    parent_id = fields.UUID(allow_none=True, load_default=None)
    valid_from = fields.Date(allow_none=True, load_default=None)
    valid_to = fields.Date(allow_none=True, load_default=None)


class UserData(_Data):
    user_id = fields.UUID(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    # Raised when roles, unit, password or active change: tokens issued before stop granting.
    token_version = fields.Integer(required=True, validate=validate.Range(min=1))
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    email = fields.String(allow_none=True, load_default=None)
    unit_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    active = fields.Boolean(required=True)
    language = fields.String(load_default="vi", validate=validate.OneOf(("vi", "en")))


EVENT_SCHEMAS: dict[str, type[Schema]] = {
    "task.created": TaskData,
    "task.updated": TaskData,
    "task.status_changed": TaskStatusChangedData,
    "task.due_soon": TaskDeadlineData,
    "task.due_today": TaskDeadlineData,
    "task.overdue": TaskDeadlineData,
    "task.escalated": TaskDeadlineData,
    "report.submitted": ReportData,
    "report.approved": ReportData,
    "report.returned": ReportData,
    "kpi.status_changed": KpiStatusChangedData,
    # Directory events (our extension of DESIGN.md's list): services keep local copies of units
    # and users from these instead of reading the tasks database.
    "unit.upserted": UnitData,
    "user.upserted": UserData,
}
EVENT_TYPES = tuple(EVENT_SCHEMAS)
# One instance of each data schema, made at import: dumping and loading do not change a schema
# instance, and building one (a deep copy of its fields) cost more than using it.
_DATA_SCHEMAS: dict[str, Schema] = {name: schema() for name, schema in EVENT_SCHEMAS.items()}


class EnvelopeSchema(Schema):
    """The one envelope every event travels in."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    producer = fields.String(required=True, validate=validate.Length(min=1, max=50))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    correlation_id = fields.String(allow_none=True, load_default=None)
    data = fields.Dict(required=True)

    @validates_schema
    def _check_data(self, values: dict, **_kwargs) -> None:
        errors = _DATA_SCHEMAS[values["type"]].validate(values["data"])
        if errors:
            raise ValidationError({"data": errors})


_ENVELOPE_SCHEMA = EnvelopeSchema()


@dataclass(frozen=True)
class Event:
    """A received, validated event with its data loaded into Python types."""

    id: uuid.UUID
    type: str
    occurred_at: datetime
    producer: str
    schema_version: int
    correlation_id: str | None
    data: dict[str, Any]


def build_event(
    event_type: str,
    data: dict[str, Any],
    *,
    producer: str,
    correlation_id: str | None = None,
    now: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A JSON-ready envelope for `data`; raises ValidationError if the data breaks the contract."""
    if event_type not in EVENT_SCHEMAS:
        raise ValueError(f"unknown event type {event_type!r}")
    schema = _DATA_SCHEMAS[event_type]
    payload = schema.dump(data)
    schema.load(payload)  # validate what consumers will receive
    envelope = {
        "id": str(event_id or uuid.uuid4()),
        "type": event_type,
        "occurred_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "producer": producer,
        "schema_version": SCHEMA_VERSION,
        "correlation_id": correlation_id,
        "data": payload,
    }
    return envelope


def parse_event(body: Any) -> Event:
    """Validate a received envelope and load its data; raises ValidationError if it is invalid."""
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["event body must be a JSON object"]})
    envelope = _ENVELOPE_SCHEMA.load(body)
    data = _DATA_SCHEMAS[envelope["type"]].load(envelope["data"])
    return Event(
        id=envelope["id"],
        type=envelope["type"],
        occurred_at=envelope["occurred_at"],
        producer=envelope["producer"],
        schema_version=envelope["schema_version"],
        correlation_id=envelope["correlation_id"],
        data=data,
    )
