"""Use cases of the tasks service: each takes the unit of work, applies rules, stages events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from services.tasks import repository
from services.tasks.domain import (
    WorkCalendar,
    can_transition,
    effective_deadline,
    local_date,
    timeliness,
)
from services.tasks.models import OrgUnit, Task, User, audit_log, messaging
from shared.audit import jsonable, record_audit
from shared.auth import Principal, hash_password, issue_token, verify_password
from shared.db import UnitOfWork
from shared.errors import ApiError, not_found
from shared.i18n import LocalizedText
from shared.messaging.outbox import Outbox
from shared.settings import Settings

outbox = Outbox(messaging, producer="tasks")


def principal_of(user: User) -> Principal:
    """The token identity of a user."""
    return Principal(user_id=user.id, username=user.username, unit_id=user.unit_id,
                     unit_code=user.unit.code, roles=tuple(user.roles), language=user.language)


def authenticate(*, uow: UnitOfWork, settings: Settings, username: str, password: str,
                 now: datetime) -> dict[str, Any]:
    """An access token for valid credentials of an active user; 401 otherwise."""
    user = repository.get_user_by_username(uow.session, username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        raise ApiError(401, "invalid_credentials")
    token = issue_token(settings, principal_of(user), now=now)
    return {"access_token": token, "token_type": "bearer",
            "expires_in": settings.token_ttl_seconds}


def unit_event_data(unit: OrgUnit) -> dict[str, Any]:
    """The `unit.upserted` payload of a unit."""
    return {"unit_id": unit.id, "code": unit.code, "kind": unit.kind, "name_vi": unit.name_vi,
            "name_en": unit.name_en, "parent_id": unit.parent_id, "valid_from": unit.valid_from,
            "valid_to": unit.valid_to}


def user_event_data(user: User) -> dict[str, Any]:
    """The `user.upserted` payload of a user (never the password hash)."""
    return {"user_id": user.id, "username": user.username, "full_name": user.full_name,
            "email": user.email, "unit_id": user.unit_id, "roles": list(user.roles),
            "active": user.active, "language": user.language}


def create_unit(*, uow: UnitOfWork, actor_id: uuid.UUID | None, code: str, kind: str,
                name_vi: str, name_en: str, parent_id: uuid.UUID | None = None,
                valid_from: date | None = None, valid_to: date | None = None, now: datetime,
                unit_id: uuid.UUID | None = None) -> OrgUnit:
    """Add an org unit and announce it to the other services."""
    unit = OrgUnit(id=unit_id or uuid.uuid4(), code=code, kind=kind, name_vi=name_vi,
                   name_en=name_en, parent_id=parent_id, valid_from=valid_from,
                   valid_to=valid_to)
    uow.session.add(unit)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=actor_id, action="create", entity="org_unit",
                 entity_id=unit.id, before=None, after=jsonable(unit_event_data(unit)), now=now)
    outbox.add(uow.session, "unit.upserted", unit_event_data(unit), now=now)
    return unit


def create_user(*, uow: UnitOfWork, actor_id: uuid.UUID | None, username: str, password: str,
                full_name: str, unit_id: uuid.UUID, roles: list[str], email: str | None = None,
                language: str = "vi", now: datetime, user_id: uuid.UUID | None = None) -> User:
    """Add a user with an argon2 password hash and announce it to the other services."""
    unit = repository.get_unit(uow.session, unit_id)
    if unit is None:
        raise ApiError(422, field_errors={"unit_id": [LocalizedText("unit_unknown")]})
    user = User(id=user_id or uuid.uuid4(), username=username,
                password_hash=hash_password(password), full_name=full_name, email=email,
                unit_id=unit_id, roles=list(roles), active=True, language=language,
                created_at=now)
    uow.session.add(user)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=actor_id, action="create", entity="user",
                 entity_id=user.id, before=None, after=jsonable(user_event_data(user)), now=now)
    outbox.add(uow.session, "user.upserted", user_event_data(user), now=now)
    return user


def task_event_data(task: Task) -> dict[str, Any]:
    """The common payload of every `task.*` event."""
    return {"task_id": task.id, "title": task.title, "plan_id": task.plan_id,
            "duty_id": task.duty_id, "assignee_unit_id": task.assignee_unit_id,
            "lead_unit_id": task.lead_unit_id, "deadline": task.deadline,
            "effective_deadline": task.effective_deadline, "status": task.status,
            "kind": task.kind, "period_year": task.period_year}


def task_view(task: Task, *, now: datetime) -> dict[str, Any]:
    """A task with its timeliness as of now, for the API."""
    view = {c.key: getattr(task, c.key) for c in Task.__table__.columns}
    view["timeliness"] = timeliness(status=task.status, effective=task.effective_deadline,
                                    completed_at=task.completed_at, today=local_date(now))
    return view


def create_task(*, uow: UnitOfWork, principal: Principal, title: str, assignee_unit_id: uuid.UUID,
                deadline: date, description: str = "", plan_id: uuid.UUID | None = None,
                duty_id: uuid.UUID | None = None, kind: str = "general",
                period_year: int | None = None, calendar: WorkCalendar,
                now: datetime) -> Task:
    """A coordinator (or the head) gives a unit a task with a deadline."""
    if not principal.has_role("coordinator", "head", "admin"):
        raise ApiError(403, "role_required", roles="coordinator, head, admin")
    if repository.get_unit(uow.session, assignee_unit_id) is None:
        raise ApiError(422, field_errors={"assignee_unit_id": [LocalizedText("unit_unknown")]})
    today = local_date(now)
    if deadline < today:
        raise ApiError(422, field_errors={
            "deadline": [LocalizedText("deadline_past", today=today.strftime("%d/%m/%Y"))]})
    return add_task(uow=uow, actor_id=principal.user_id, lead_unit_id=principal.unit_id,
                    title=title, assignee_unit_id=assignee_unit_id, deadline=deadline,
                    description=description, plan_id=plan_id, duty_id=duty_id, kind=kind,
                    period_year=period_year, calendar=calendar, now=now)


def add_task(*, uow: UnitOfWork, actor_id: uuid.UUID | None, lead_unit_id: uuid.UUID | None,
             title: str, assignee_unit_id: uuid.UUID, deadline: date, description: str = "",
             plan_id: uuid.UUID | None = None, duty_id: uuid.UUID | None = None,
             kind: str = "general", period_year: int | None = None, calendar: WorkCalendar,
             now: datetime) -> Task:
    """Write a task with its audit row and its `task.created` event (no permission checks)."""
    task = Task(
        id=uuid.uuid4(), plan_id=plan_id, duty_id=duty_id, title=title, description=description,
        kind=kind, period_year=period_year, assignee_unit_id=assignee_unit_id,
        lead_unit_id=lead_unit_id, deadline=deadline,
        effective_deadline=effective_deadline(deadline, calendar), status="not_started",
        progress=0, created_by=actor_id, created_at=now, updated_at=now,
    )
    uow.session.add(task)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=actor_id, action="create",
                 entity="task", entity_id=task.id, before=None,
                 after=jsonable(task_event_data(task)), now=now)
    outbox.add(uow.session, "task.created", task_event_data(task), now=now)
    return task


def list_tasks(*, uow: UnitOfWork, principal: Principal, status: str | None = None,
               assignee_unit_id: uuid.UUID | None = None, kind: str | None = None,
               period_year: int | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[Task], int]:
    """The tasks the caller may see, filtered, by effective deadline; with the total count."""
    query = repository.visible_tasks(principal)
    if status:
        query = query.where(Task.status == status)
    if assignee_unit_id:
        query = query.where(Task.assignee_unit_id == assignee_unit_id)
    if kind:
        query = query.where(Task.kind == kind)
    if period_year:
        query = query.where(Task.period_year == period_year)
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = uow.session.execute(
        query.order_by(Task.effective_deadline, Task.id).limit(limit).offset(offset)
    ).scalars()
    return list(rows), total


def get_task(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID) -> Task:
    """A task the caller may see; 404 for unknown ids and for tasks of other units."""
    task = repository.get_visible_task(uow.session, principal, task_id)
    if task is None:
        raise not_found("công việc", "Task")
    return task


def _parties(principal: Principal, task: Task) -> set[str]:
    parties = set()
    if principal.unit_id == task.assignee_unit_id:
        parties.add("assignee")
    if principal.unit_id == task.lead_unit_id and principal.has_role("coordinator"):
        parties.add("lead")
    if principal.has_role("head", "admin"):
        parties.add("head")
    return parties


def _change_status(uow: UnitOfWork, task: Task, *, to: str, actor_id: uuid.UUID | None,
                   reason: str | None, now: datetime) -> None:
    before = jsonable(task_event_data(task))
    old = task.status
    task.status = to
    task.updated_at = now
    if to == "done":
        task.completed_at = now
        task.progress = 100
    record_audit(uow.session, audit_log, actor_id=actor_id, action="transition", entity="task",
                 entity_id=task.id, before=before,
                 after={**jsonable(task_event_data(task)), "reason": reason}, now=now)
    outbox.add(uow.session, "task.status_changed",
                  {**task_event_data(task), "old_status": old, "actor_id": actor_id,
                   "reason": reason}, now=now)


def transition_task(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, to: str,
                    reason: str | None, now: datetime) -> Task:
    """Move a task through its workflow if the caller's part in the task allows it."""
    task = repository.get_visible_task(uow.session, principal, task_id, for_update=True)
    if task is None:
        raise not_found("công việc", "Task")
    if not can_transition(task.status, to, _parties(principal, task)):
        raise ApiError(409, "transition_not_allowed", current=task.status, target=to)
    if to in ("returned", "blocked") and not reason:
        raise ApiError(422, field_errors={"reason": [LocalizedText("reason_required")]})
    _change_status(uow, task, to=to, actor_id=principal.user_id, reason=reason, now=now)
    return task


def complete_reporting_task(*, uow: UnitOfWork, unit_id: uuid.UUID, year: int,
                            at: datetime) -> Task | None:
    """A unit's yearly report arrived: its reporting task for that year is done."""
    task = repository.find_reporting_task(uow.session, unit_id=unit_id, year=year)
    if task is None or task.status in ("done", "cancelled"):
        return task
    _change_status(uow, task, to="done", actor_id=None, reason="report.submitted", now=at)
    return task


def get_user(*, uow: UnitOfWork, user_id: uuid.UUID) -> User:
    """A user by id (404 if it was removed since the token was issued)."""
    user = uow.session.get(User, user_id)
    if user is None:
        raise not_found("người dùng", "User")
    return user


def list_units(*, uow: UnitOfWork) -> list[OrgUnit]:
    """Every org unit."""
    return repository.list_units(uow.session)
