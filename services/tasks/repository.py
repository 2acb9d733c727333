"""Queries of the tasks service."""

from __future__ import annotations

import uuid

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session

from services.tasks.models import OrgUnit, Task, User
from shared.auth import Principal


def get_user_by_username(session: Session, username: str) -> User | None:
    """The user with this username, if any."""
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def get_unit(session: Session, unit_id: uuid.UUID) -> OrgUnit | None:
    """The unit with this id, if any."""
    return session.get(OrgUnit, unit_id)


def get_unit_names(session: Session, unit_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, Row]:
    """Code and names (`code`, `name_vi`, `name_en`) of the units with these ids that exist,
    by id, in one query, as rows (no ORM objects: a task's creation needs nothing more)."""
    ids = [u for u in unit_ids if u is not None]
    if not ids:
        return {}
    return {row.id: row for row in session.execute(
        select(OrgUnit.id, OrgUnit.code, OrgUnit.name_vi, OrgUnit.name_en)
        .where(OrgUnit.id.in_(ids)))}


def get_unit_by_code(session: Session, code: str) -> OrgUnit | None:
    """The unit with this code, if any."""
    return session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()


def list_units(session: Session) -> list[OrgUnit]:
    """All units, by code."""
    return list(session.execute(select(OrgUnit).order_by(OrgUnit.code)).scalars())


def visible_tasks(principal: Principal, query: Select | None = None) -> Select:
    """A select of the tasks the caller may see: all for head/admin, else its unit's.

    `query` is the select to narrow (by default all of Task).
    """
    query = select(Task) if query is None else query
    if not principal.sees_all_units:
        query = query.where(
            or_(Task.assignee_unit_id == principal.unit_id, Task.lead_unit_id == principal.unit_id)
        )
    return query


def get_visible_task(session: Session, principal: Principal, task_id: uuid.UUID,
                     *, for_update: bool = False) -> Task | None:
    """The task if it exists and the caller may see it."""
    query = visible_tasks(principal).where(Task.id == task_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def find_reporting_task(session: Session, *, unit_id: uuid.UUID, year: int) -> Task | None:
    """The yearly reporting task of a unit for a year, locked for update."""
    return session.execute(
        select(Task)
        .where(Task.kind == "yearly_report", Task.assignee_unit_id == unit_id,
               Task.period_year == year)
        .order_by(Task.created_at)
        .limit(1)
        .with_for_update()
    ).scalar_one_or_none()
