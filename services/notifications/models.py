"""The notifications service's tables (SQLAlchemy 2 typed models on its own metadata)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.notifications.domain import TITLE_MAX
from shared.audit import define_audit_table
from shared.db import make_base
from shared.messaging.outbox import define_messaging_tables

Base = make_base()
messaging = define_messaging_tables(Base.metadata)
audit_log = define_audit_table(Base.metadata)


class Recipient(Base):
    """A local copy of a user of the tasks service, kept current by `user.upserted`."""

    __tablename__ = "recipients"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    unit_id: Mapped[uuid.UUID] = mapped_column(index=True)
    roles: Mapped[list]
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(2), default="vi")
    token_version: Mapped[int] = mapped_column(default=1)  # tokens older than it stop granting
    updated_at: Mapped[datetime]  # occurred_at of the event that last changed this row
    version: Mapped[int] = mapped_column(default=0)  # the owner's version of the newest applied


class Unit(Base):
    """A local copy of an org unit of the tasks service, kept current by `unit.upserted`."""

    __tablename__ = "units"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]  # occurred_at of the event that last changed this row
    version: Mapped[int] = mapped_column(default=0)  # the owner's version of the newest applied


class InboxMessage(Base):
    """One in-app notification for one user, made from one event."""

    __tablename__ = "inbox_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID]
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(64))
    title_vi: Mapped[str] = mapped_column(String(TITLE_MAX))
    title_en: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_vi: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    task_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # reminders: their task
    due_at: Mapped[datetime | None]  # reminders: when their moment fell due (moments.py)
    withdrawn_at: Mapped[datetime | None]  # task finished before the moment: hidden, kept
    items: Mapped[list | None]  # a summary of missed reminders: the tasks it lists

    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_inbox_messages_user_read_created", "user_id", "read_at", "created_at"),
    )


class TaskState(Base):
    """A local copy of a task's state, kept from task.* events (is a reminder still due?)."""

    __tablename__ = "task_states"

    task_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    assignee_unit_id: Mapped[uuid.UUID]
    lead_unit_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(32))
    effective_deadline: Mapped[date]
    kind: Mapped[str] = mapped_column(String(32), default="general")
    submitted_at: Mapped[datetime | None]  # the tasks service's moments, from its events
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]  # occurred_at of the event that last changed this row
    version: Mapped[int] = mapped_column(default=0)  # the owner's version of the newest applied


class Preference(Base):
    """One user's notification preferences (absent: the defaults of domain.DEFAULT_CHANNELS)."""

    __tablename__ = "preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channels: Mapped[dict]  # {event_type: ["inbox", "email"]}; missing types use the default
    digest: Mapped[bool] = mapped_column(default=False)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" local time
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime]


class Webhook(Base):
    """A webhook subscription of a unit (or of the province when unit_id is None)."""

    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[list]
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]


class Delivery(Base):
    """One message to one recipient on one channel, made from one event; its id is the
    idempotency key every send of it carries (Message-ID, Idempotency-Key)."""

    __tablename__ = "deliveries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(64))  # user id, or "webhook:<id>"
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    webhook_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    unit_id: Mapped[uuid.UUID | None]  # the unit the event concerns (coordinators' log view)
    task_id: Mapped[uuid.UUID | None]
    address: Mapped[str | None] = mapped_column(String(2000))
    subject: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict | None]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claim_token: Mapped[uuid.UUID | None]
    digest_id: Mapped[uuid.UUID | None]  # the digest e-mail that carried this held message
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # reminders: when their moment fell due (moments.py)

    __table_args__ = (
        UniqueConstraint("event_id", "recipient", "channel"),
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
    )


class DeliveryAttempt(Base):
    """One try of sending a delivery: when, how long, and how it ended."""

    __tablename__ = "delivery_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(index=True)
    attempt: Mapped[int]
    started_at: Mapped[datetime]
    duration_ms: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # sent | failed
    error: Mapped[str | None] = mapped_column(Text)


class RequeueRequest(Base):
    """An admin's request to put the dead-lettered events back on the queue (the worker does it)."""

    __tablename__ = "requeue_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    requested_by: Mapped[uuid.UUID]
    requested_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    moved: Mapped[int | None]
