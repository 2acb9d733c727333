"""The kpi service's tables (SQLAlchemy 2 typed models on its own metadata)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.audit import define_audit_table
from shared.db import make_base
from shared.messaging.outbox import Outbox, define_messaging_tables

Base = make_base()
messaging = define_messaging_tables(Base.metadata)
audit_log = define_audit_table(Base.metadata)
outbox = Outbox(messaging, producer="kpi")  # stages events in the caller's session; no I/O


class Unit(Base):
    """The kpi service's copy of an org unit, kept from `unit.upserted` events."""

    __tablename__ = "units"

    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    updated_at: Mapped[datetime | None]  # occurred_at of the newest event applied
    version: Mapped[int] = mapped_column(default=0)  # the owner's version of the newest applied


class Indicator(Base):
    """A KPI: its formula over report fields, baseline, target and at-risk margin."""

    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str] = mapped_column(String(500))
    form_code: Mapped[str] = mapped_column(String(32), default="CP_YEARLY")  # its fields' form
    kind: Mapped[str] = mapped_column(String(16))  # share | range
    numerator_field: Mapped[str] = mapped_column(String(64))
    denominator_field: Mapped[str | None] = mapped_column(String(64))
    weight_field: Mapped[str | None] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(16), default="increase")  # increase | decrease
    baseline_value: Mapped[float]
    baseline_year: Mapped[int]
    target_value: Mapped[float]
    target_min: Mapped[float | None]
    target_max: Mapped[float | None]
    target_year: Mapped[int]
    at_risk_margin: Mapped[float]  # percentage points below the expected value


class Report(Base):
    """One unit's report on one form for one year (resubmissions make new versions)."""

    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("units.unit_id"))
    form_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(default=0)  # 0 until the first submission
    values: Mapped[dict]
    facilities: Mapped[list | None]  # the optional facility register rows
    late: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[uuid.UUID | None]
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The latest approved version: what the KPIs count while a newer version is under way.
    approved_version: Mapped[int | None]
    approved_values: Mapped[dict | None]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[uuid.UUID | None]
    return_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("unit_id", "form_code", "year"),)


class ReportVersion(Base):
    """A frozen copy of a report at each submission, approval or return."""

    __tablename__ = "report_versions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    values: Mapped[dict]
    actor_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_report_versions_report", "report_id", "version"),)


class KpiValue(Base):
    """An indicator's computed value for a year at province scope or one unit's scope."""

    __tablename__ = "kpi_values"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    scope: Mapped[str] = mapped_column(String(64))  # "province" or a unit id as text
    year: Mapped[int]
    value: Mapped[float | None]
    numerator: Mapped[float | None]
    denominator: Mapped[float | None]
    expected: Mapped[float | None]
    target: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(16))
    units_reported: Mapped[int]
    units_expected: Mapped[int]
    provisional: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("indicator_code", "scope", "year"),
        Index("ix_kpi_values_year_scope", "year", "scope"),
    )


class KpiStatusChange(Base):
    """One change of a KPI status at one scope, with the numbers and reports behind it."""

    __tablename__ = "kpi_status_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    scope: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    old_status: Mapped[str] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    value: Mapped[float | None]
    expected: Mapped[float | None]
    report_ids: Mapped[list]
    changed_at: Mapped[datetime]

    __table_args__ = (Index("ix_kpi_status_changes_key", "indicator_code", "scope", "year"),)


class KpiTotal(Base):
    """The running province sums of one indicator for a form's year, with or without the
    submitted (not yet approved) reports counted: what a report change updates by its own
    difference, so that it costs the same with 12 units or 10,000 (PostgreSQL only).

    Exact numbers (numeric), so sums made change by change equal a sum made at once.
    """

    __tablename__ = "kpi_totals"

    form_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    count_submitted: Mapped[bool] = mapped_column(primary_key=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"), primary_key=True)
    numerator: Mapped[Decimal] = mapped_column(Numeric)
    denominator: Mapped[Decimal] = mapped_column(Numeric)
    counted: Mapped[int]  # reports with both of the indicator's fields
    reported: Mapped[int]  # reports that count
    provisional: Mapped[int]  # of which submitted, not yet approved


class KpiCounted(Base):
    """The version of a report's values that the totals hold (none: it counts nothing)."""

    __tablename__ = "kpi_counted"

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    count_submitted: Mapped[bool] = mapped_column(primary_key=True)
    form_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    values: Mapped[dict | None]
    provisional: Mapped[bool]

    __table_args__ = (Index("ix_kpi_counted_year", "form_code", "year"),)


class TaskCopy(Base):
    """The kpi service's copy of a task from `task.*` events (overdue duties per KPI)."""

    __tablename__ = "task_copies"

    task_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    assignee_unit_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16))
    effective_deadline: Mapped[date]
    kpi_codes: Mapped[list]
    kind: Mapped[str] = mapped_column(String(32), default="general")
    submitted_at: Mapped[datetime | None]  # the tasks service's moments, from its events
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]  # the occurred_at of the newest event applied
    version: Mapped[int] = mapped_column(default=0)  # the owner's version of the newest applied


class UserCopy(Base):
    """Whether a user is active and its token version, from `user.upserted` events: a
    deactivated user's tokens stop, and so do tokens older than its token version."""

    __tablename__ = "users"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    active: Mapped[bool]
    token_version: Mapped[int] = mapped_column(default=1)  # tokens older than it stop granting
    updated_at: Mapped[datetime]  # the occurred_at of the newest event applied
    version: Mapped[int] = mapped_column(default=0)  # the owner's version of the newest applied
