"""The tasks service's tables (SQLAlchemy 2 typed models on its own metadata)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.audit import define_audit_table
from shared.db import make_base
from shared.messaging.outbox import define_messaging_tables

Base = make_base()
messaging = define_messaging_tables(Base.metadata)
audit_log = define_audit_table(Base.metadata)


class OrgUnit(Base):
    """A department, district, industrial-zone board or enterprise, valid for a period."""

    __tablename__ = "org_units"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]


class User(Base):
    """A person who logs in, belongs to one unit and holds roles."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    roles: Mapped[list]
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(2), default="vi")
    created_at: Mapped[datetime]

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


duty_coordinating_units = Table(
    "duty_coordinating_units",
    Base.metadata,
    Column("duty_id", ForeignKey("duties.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("org_units.id"), primary_key=True),
)


class Plan(Base):
    """A government plan: its legal basis, period and lead unit."""

    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str] = mapped_column(String(500))
    legal_basis: Mapped[str] = mapped_column(String(500))
    period_start: Mapped[date]
    period_end: Mapped[date]
    lead_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")


class Duty(Base):
    """What a plan asks of a lead unit (with coordinating units), once or on a recurrence rule."""

    __tablename__ = "duties"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[str] = mapped_column(String(16), default="one_off")  # one_off | recurring
    rrule: Mapped[str | None] = mapped_column(String(500))
    task_kind: Mapped[str] = mapped_column(String(32), default="general")
    kpi_codes: Mapped[list] = mapped_column(default=list)
    assigned_by_doc: Mapped[str | None] = mapped_column(String(200))

    coordinating_units: Mapped[list[OrgUnit]] = relationship(secondary=duty_coordinating_units)

    __table_args__ = (UniqueConstraint("plan_id", "code"),)


class Task(Base):
    """One concrete occurrence of work with its own deadline, assignee unit and status."""

    __tablename__ = "tasks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plans.id"))
    duty_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("duties.id"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), default="general")  # general | yearly_report
    period_year: Mapped[int | None]
    assignee_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"), index=True)
    lead_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_units.id"))
    deadline: Mapped[date]
    effective_deadline: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="not_started", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_tasks_report_lookup", "kind", "assignee_unit_id", "period_year"),
    )
