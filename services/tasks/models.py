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
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


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
    version: Mapped[int] = mapped_column(default=1)
    # Raised by every change of roles, unit, password or active: older tokens stop granting.
    token_version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


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
    doc_number: Mapped[str | None] = mapped_column(String(64))  # e.g. 1234/KH-UBND
    doc_date: Mapped[date | None]

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
    # When the assignee (or report.submitted) handed the work in; for a reporting task this is
    # the moment that counts for timeliness.
    submitted_at: Mapped[datetime | None]
    # The local date that counts for timeliness once done (submission date for reports).
    finished_on: Mapped[date | None]
    kpi_codes: Mapped[list] = mapped_column(default=list)  # copied from the duty
    # Title, description and unit names folded to lowercase ASCII (diacritics removed), for `q`.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The local date the deadline scanner last looked at this task (its per-day lease).
    scanned_on: Mapped[date | None] = mapped_column(index=True)
    # Raised on every change the task's events carry (see bump_version); copies in the other
    # services follow it, and a write that lost a race to another fails (409).
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        Index("ix_tasks_report_lookup", "kind", "assignee_unit_id", "period_year"),
    )
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


def bump_version(row: Task | OrgUnit | User) -> None:
    """Mark a change of the row that its events carry: copies elsewhere apply newer versions only.

    The version is also the row's optimistic lock: the UPDATE that writes it matches only the
    version read, so of two writes racing on one row the second fails instead of overwriting.
    """
    row.version = (row.version or 0) + 1


def touch_task(task: Task, *, now: datetime) -> None:
    """A change of the task at `now`: its updated_at and its version move together."""
    task.updated_at = now
    bump_version(task)


class CalendarOverride(Base):
    """An admin-announced day off (`day_off`) or make-up working day (`working_day`)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]


class DeadlineEvent(Base):
    """A deadline moment already announced: the unique key makes each one happen once."""

    __tablename__ = "deadline_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    occurrence: Mapped[str] = mapped_column(String(10))  # the effective deadline, ISO date
    kind: Mapped[str] = mapped_column(String(32))  # e.g. due_soon:7, overdue:0, escalated:2
    emitted_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("task_id", "occurrence", "kind"),)


class CalendarFeed(Base):
    """A user's secret iCalendar URL for its unit's deadlines (revocable)."""

    __tablename__ = "calendar_feeds"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class TaskComment(Base):
    """A comment on a task."""

    __tablename__ = "task_comments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"),
                                               index=True)
    author_id: Mapped[uuid.UUID | None]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class TaskAttachment(Base):
    """An evidence file of a task; its bytes live in the attachment store under `storage_key`."""

    __tablename__ = "task_attachments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"),
                                               index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]


class LoginFailure(Base):
    """A failed login, counted per account and per client address for a window (throttle.py)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_failed_at", "username", "failed_at"),
                      Index("ix_login_failures_address_failed_at", "address", "failed_at"),
                      Index("ix_login_failures_failed_at", "failed_at"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64))  # as tried, case-folded (may not exist)
    address: Mapped[str] = mapped_column(String(45))  # the client's IPv4 or IPv6 address
    failed_at: Mapped[datetime]
