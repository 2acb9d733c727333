"""The notifications service's tables (SQLAlchemy 2 typed models on its own metadata)."""

from __future__ import annotations

import uuid
from datetime import datetime

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
    updated_at: Mapped[datetime]  # occurred_at of the event that last changed this row


class Unit(Base):
    """A local copy of an org unit of the tasks service, kept current by `unit.upserted`."""

    __tablename__ = "units"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]  # occurred_at of the event that last changed this row


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

    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_inbox_messages_user_read_created", "user_id", "read_at", "created_at"),
    )
