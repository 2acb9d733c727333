"""Use cases of the tasks service: each takes the unit of work, applies rules, stages events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Text, and_, cast, func, not_, or_, select

from services.tasks import repository
from services.tasks.domain import (
    OPEN_STATUSES,
    REPORTING_KIND,
    TRANSITIONS,
    FastCalendar,
    WorkCalendar,
    can_transition,
    effective_deadline,
    fold,
    local_date,
)
from services.tasks.models import (
    CalendarOverride,
    OrgUnit,
    Task,
    User,
    audit_log,
    bump_version,
    messaging,
    touch_task,
)
from shared import timeliness as shared_timeliness
from shared.audit import jsonable, record_audit
from shared.auth import Principal, hash_password, issue_token, verify_password
from shared.db import UnitOfWork
from shared.errors import ApiError, not_found
from shared.i18n import LocalizedText
from shared.messaging.outbox import Outbox
from shared.settings import Settings
from shared.timeliness import Counts

outbox = Outbox(messaging, producer="tasks")


def principal_of(user: User) -> Principal:
    """The token identity of a user."""
    return Principal(user_id=user.id, username=user.username, unit_id=user.unit_id,
                     unit_code=user.unit.code, roles=tuple(user.roles), language=user.language,
                     unit_name_vi=user.unit.name_vi, unit_name_en=user.unit.name_en,
                     token_version=user.token_version)


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
            "valid_to": unit.valid_to, "version": unit.version}


def user_event_data(user: User) -> dict[str, Any]:
    """The `user.upserted` payload of a user (never the password hash)."""
    return {"user_id": user.id, "username": user.username, "full_name": user.full_name,
            "email": user.email, "unit_id": user.unit_id, "roles": list(user.roles),
            "active": user.active, "language": user.language, "version": user.version,
            "token_version": user.token_version}


def create_unit(*, uow: UnitOfWork, actor_id: uuid.UUID | None, code: str, kind: str,
                name_vi: str, name_en: str, parent_id: uuid.UUID | None = None,
                valid_from: date | None = None, valid_to: date | None = None, now: datetime,
                unit_id: uuid.UUID | None = None) -> OrgUnit:
    """Add an org unit and announce it to the other services."""
    unit = OrgUnit(id=unit_id or uuid.uuid4(), code=code, kind=kind, name_vi=name_vi,
                   name_en=name_en, parent_id=parent_id, valid_from=valid_from,
                   valid_to=valid_to, version=1)
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
                created_at=now, version=1, token_version=1)
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
            "kind": task.kind, "period_year": task.period_year,
            "kpi_codes": list(task.kpi_codes or []), "version": task.version,
            "submitted_at": task.submitted_at, "completed_at": task.completed_at}


def task_timeliness(task: Task, *, today: date) -> str:
    """The task's timeliness as of `today` (the shared rule: a report counts its submission)."""
    return shared_timeliness.task_timeliness(task, today=today)


TASK_COLUMNS = tuple(Task.__table__.columns)
_TASK_KEYS = tuple(c.key for c in TASK_COLUMNS)


def task_view(task: Task, *, now: datetime) -> dict[str, Any]:
    """A task with its timeliness as of now, for the API."""
    view = {key: getattr(task, key) for key in _TASK_KEYS}
    view["timeliness"] = task_timeliness(task, today=local_date(now))
    return view


def _row_view(row: Any, today: date) -> dict[str, Any]:
    """`task_view` of a row of TASK_COLUMNS (no ORM object is built for it)."""
    view = dict(zip(_TASK_KEYS, row, strict=False))  # the row ends with the total
    view["timeliness"] = shared_timeliness.timeliness(
        status=view["status"], kind=view["kind"], effective=view["effective_deadline"],
        submitted_at=view["submitted_at"], completed_at=view["completed_at"], today=today)
    return view


def create_task(*, uow: UnitOfWork, principal: Principal, title: str, assignee_unit_id: uuid.UUID,
                deadline: date, description: str = "", plan_id: uuid.UUID | None = None,
                duty_id: uuid.UUID | None = None, kind: str = "general",
                period_year: int | None = None, calendar: WorkCalendar,
                now: datetime) -> Task:
    """A coordinator (or the head) gives a unit a task with a deadline."""
    if not principal.has_role("coordinator", "head", "admin"):
        raise ApiError(403, "role_required", roles="coordinator, head, admin")
    # One query loads both units; they are handed on to _search_text (the session's identity
    # map holds loaded objects only weakly, so looking them up again could mean two selects).
    units = repository.get_unit_names(uow.session, {assignee_unit_id, principal.unit_id})
    if assignee_unit_id not in units:
        raise ApiError(422, field_errors={"assignee_unit_id": [LocalizedText("unit_unknown")]})
    today = local_date(now)
    if deadline < today:
        raise ApiError(422, field_errors={
            "deadline": [LocalizedText("deadline_past", today=today.strftime("%d/%m/%Y"))]})
    return add_task(uow=uow, actor_id=principal.user_id, lead_unit_id=principal.unit_id,
                    title=title, assignee_unit_id=assignee_unit_id, deadline=deadline,
                    description=description, plan_id=plan_id, duty_id=duty_id, kind=kind,
                    period_year=period_year, calendar=calendar, now=now, units=units)


def _search_text(uow: UnitOfWork, title: str, description: str,
                 *unit_ids: uuid.UUID | None, units: dict[uuid.UUID, Any] | None = None) -> str:
    """What `q` searches: title, description and unit names, folded (no diacritics).

    `units` may hold units (or rows with their `code`, `name_vi`, `name_en`) the caller
    already loaded; the others are read from the database.
    """
    names = [title, description]
    for unit_id in dict.fromkeys(u for u in unit_ids if u is not None):
        unit = (units or {}).get(unit_id) or repository.get_unit(uow.session, unit_id)
        if unit is not None:
            names += [unit.name_vi, unit.name_en, unit.code]
    return fold(" ".join(names))


def add_task(*, uow: UnitOfWork, actor_id: uuid.UUID | None, lead_unit_id: uuid.UUID | None,
             title: str, assignee_unit_id: uuid.UUID, deadline: date, description: str = "",
             plan_id: uuid.UUID | None = None, duty_id: uuid.UUID | None = None,
             kind: str = "general", period_year: int | None = None, calendar: WorkCalendar,
             now: datetime, kpi_codes: list[str] | None = None,
             units: dict[uuid.UUID, Any] | None = None) -> Task:
    """Write a task with its audit row and its `task.created` event (no permission checks).

    `units`: units already loaded by the caller (by id), so they are not read again.
    """
    if kpi_codes is None and duty_id is not None:
        from services.tasks.models import Duty
        duty = uow.session.get(Duty, duty_id)
        kpi_codes = list(duty.kpi_codes) if duty is not None else []
    task = Task(
        kpi_codes=list(kpi_codes or []),
        search_text=_search_text(uow, title, description, assignee_unit_id, lead_unit_id,
                                 units=units),
        id=uuid.uuid4(), plan_id=plan_id, duty_id=duty_id, title=title, description=description,
        kind=kind, period_year=period_year, assignee_unit_id=assignee_unit_id,
        lead_unit_id=lead_unit_id, deadline=deadline,
        effective_deadline=effective_deadline(deadline, calendar), status="not_started",
        progress=0, created_by=actor_id, created_at=now, updated_at=now, version=1,
    )
    data = task_event_data(task)
    with uow.batched():  # the task, its audit row and its event in one round trip
        uow.session.add(task)
        uow.session.flush()
        record_audit(uow.session, audit_log, actor_id=actor_id, action="create",
                     entity="task", entity_id=task.id, before=None, after=jsonable(data),
                     now=now)
        outbox.add(uow.session, "task.created", data, now=now)
    return task


SORTS = {
    "deadline": (Task.effective_deadline,), "-deadline": (Task.effective_deadline.desc(),),
    "title": (Task.title,), "-title": (Task.title.desc(),),
    "status": (Task.status,), "-status": (Task.status.desc(),),
    "updated": (Task.updated_at,), "-updated": (Task.updated_at.desc(),),
    "progress": (Task.progress,), "-progress": (Task.progress.desc(),),
}


def _timeliness_filter(value: str, today: date):
    """The SQL twin of `shared.timeliness.timeliness` (tested to agree on generated tasks).

    `finished_on` is the local date of `counted_moment`, stored when the task is submitted
    (reports) or done.
    """
    done = Task.status == "done"
    open_ = Task.status.in_(OPEN_STATUSES)
    in_time = Task.finished_on <= Task.effective_deadline
    report_in_time = and_(Task.kind == REPORTING_KIND, Task.status == "submitted",
                          Task.submitted_at.is_not(None), in_time)
    return {
        "done_on_time": and_(done, in_time),
        "done_late": and_(done, or_(Task.finished_on.is_(None), not_(in_time))),
        "open_within_deadline": and_(open_, or_(Task.effective_deadline >= today,
                                                report_in_time)),
        "overdue": and_(open_, Task.effective_deadline < today, not_(report_in_time)),
        "cancelled": Task.status == "cancelled",
    }[value]


def list_tasks(*, uow: UnitOfWork, principal: Principal, now: datetime,
               status: str | None = None, unit_id: uuid.UUID | None = None,
               assignee_unit_id: uuid.UUID | None = None, plan_id: uuid.UUID | None = None,
               duty_id: uuid.UUID | None = None, kind: str | None = None,
               period_year: int | None = None, timeliness: str | None = None,
               deadline_from: date | None = None, deadline_to: date | None = None,
               kpi_code: str | None = None, q: str | None = None, sort: str = "deadline",
               page: int = 1, page_size: int = 50) -> tuple[list[Task], int]:
    """The tasks the caller may see, filtered, sorted and paginated; with the total count.

    `q` matches every word, without diacritics, in titles, descriptions and unit names.
    Deadline range and sort use the effective deadline.
    """
    query = _filtered_tasks(principal=principal, now=now, status=status, unit_id=unit_id,
                            assignee_unit_id=assignee_unit_id, plan_id=plan_id,
                            duty_id=duty_id, kind=kind, period_year=period_year,
                            timeliness=timeliness, deadline_from=deadline_from,
                            deadline_to=deadline_to, kpi_code=kpi_code, q=q)
    # The total comes with the page (a window count): one query, not two.
    rows = uow.session.execute(_page_of(query, sort, page, page_size)).all()
    if rows:
        return [row[0] for row in rows], rows[0].total
    return [], _count(uow, query)


# The select of the API's list, made once: every task column, then the total as a window count.
_VIEWS = select(*TASK_COLUMNS, func.count().over().label("total"))


def list_task_views(*, uow: UnitOfWork, principal: Principal, now: datetime,
                    sort: str = "deadline", page: int = 1, page_size: int = 50,
                    **filters: Any) -> tuple[list[dict[str, Any]], int]:
    """`list_tasks` as `task_view`s, read as plain rows on the session's connection (the
    API's list: no ORM objects, no ORM result processing)."""
    query = _filtered_tasks(principal=principal, now=now, query=_VIEWS, **filters)
    rows = uow.session.connection().execute(_ordered(query, sort, page, page_size)).all()
    if not rows:
        return [], _count(uow, query)
    today = local_date(now)
    return [_row_view(row, today) for row in rows], rows[0].total


def _page_of(query, sort: str, page: int, page_size: int):
    """One page of the query in the wanted order, with the total as a window count."""
    return _ordered(query.add_columns(func.count().over().label("total")), sort, page, page_size)


def _ordered(query, sort: str, page: int, page_size: int):
    return query.order_by(*SORTS[sort], Task.id).limit(page_size).offset((page - 1) * page_size)


def _count(uow: UnitOfWork, query) -> int:
    return uow.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def _filtered_tasks(*, principal: Principal, now: datetime, status: str | None = None,
                    unit_id: uuid.UUID | None = None,
                    assignee_unit_id: uuid.UUID | None = None,
                    plan_id: uuid.UUID | None = None, duty_id: uuid.UUID | None = None,
                    kind: str | None = None, period_year: int | None = None,
                    timeliness: str | None = None, deadline_from: date | None = None,
                    deadline_to: date | None = None, kpi_code: str | None = None,
                    q: str | None = None, query: Select | None = None) -> Select:
    """The select of the tasks the caller may see that match the filters of `list_tasks`
    (`query`: the select to narrow, by default all of Task)."""
    query = repository.visible_tasks(principal, query)
    unit_id = unit_id or assignee_unit_id
    if status:
        query = query.where(Task.status == status)
    if unit_id:
        query = query.where(Task.assignee_unit_id == unit_id)
    if plan_id:
        query = query.where(Task.plan_id == plan_id)
    if duty_id:
        query = query.where(Task.duty_id == duty_id)
    if kind:
        query = query.where(Task.kind == kind)
    if period_year:
        query = query.where(Task.period_year == period_year)
    if timeliness:
        query = query.where(_timeliness_filter(timeliness, local_date(now)))
    if deadline_from:
        query = query.where(Task.effective_deadline >= deadline_from)
    if deadline_to:
        query = query.where(Task.effective_deadline <= deadline_to)
    if kpi_code:
        # JSON lists are stored as text-comparable JSON on both backends: match the quoted code.
        query = query.where(cast(Task.kpi_codes, Text).contains(f'"{kpi_code}"'))
    for word in fold(q or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Task.search_text.like(f"%{escaped}%", escape="\\"))
    return query


def timeliness_stats(*, uow: UnitOfWork, principal: Principal, now: datetime,
                     plan_id: uuid.UUID | None = None, year: int | None = None
                     ) -> dict[str, list[dict[str, Any]]]:
    """Counts of each timeliness per unit, per plan and per year (of the effective deadline).

    `fallen_due` = done_on_time + done_late + overdue (cancelled and open-within-deadline tasks
    have not fallen due); `on_time_share` = done_on_time / fallen_due (None if nothing fell due).
    """
    query = repository.visible_tasks(principal)
    if plan_id:
        query = query.where(Task.plan_id == plan_id)
    today = local_date(now)
    groups: dict[str, dict[Any, Counts]] = {"units": {}, "plans": {}, "years": {}}
    for task in uow.session.execute(query).scalars():
        task_year = task.effective_deadline.year
        if year and task_year != year:
            continue
        value = task_timeliness(task, today=today)
        for group, key in (("units", task.assignee_unit_id), ("plans", task.plan_id),
                           ("years", task_year)):
            counts = groups[group].setdefault(key, Counts())
            setattr(counts, value, getattr(counts, value) + 1)

    def row(key_name: str, key: Any, counts: Counts) -> dict[str, Any]:
        share = counts.on_time_share
        return {key_name: key, **counts.as_dict(), "total": counts.counted + counts.cancelled,
                "fallen_due": counts.fallen_due,
                "on_time_share": None if share is None else round(share, 4)}

    return {
        "units": [row("unit_id", k, v) for k, v in groups["units"].items()],
        "plans": [row("plan_id", k, v) for k, v in groups["plans"].items()],
        "years": [row("year", k, v) for k, v in sorted(groups["years"].items())],
    }


def get_task(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID) -> Task:
    """A task the caller may see; 404 for unknown ids and for tasks of other units."""
    task = repository.get_visible_task(uow.session, principal, task_id)
    if task is None:
        raise not_found("công việc", "Task")
    return task


def _parties(principal: Principal, task: Task) -> set[str]:
    parties = set()
    if not principal.has_role("reporter", "coordinator", "head", "admin"):
        return parties  # viewers only read
    if principal.unit_id == task.assignee_unit_id:
        parties.add("assignee")
    if principal.unit_id == task.lead_unit_id and principal.has_role("coordinator"):
        parties.add("lead")
    if principal.has_role("head", "admin"):
        parties.add("head")
    return parties


def allowed_transitions(principal: Principal, task: Task) -> list[str]:
    """The statuses the caller may move this task to now (the workflow table, its part)."""
    parties = _parties(principal, task)
    return [to for (current, to) in TRANSITIONS
            if current == task.status and can_transition(current, to, parties)]


MANAGED_FIELDS = frozenset({"title", "description", "deadline", "assignee_unit_id"})


def editable_fields(principal: Principal, task: Task) -> set[str]:
    """What the caller may change in a task: progress (any party), the rest (lead, head)."""
    parties = _parties(principal, task)
    if not parties:
        return set()
    return {"progress"} | (set(MANAGED_FIELDS) if parties & {"lead", "head"} else set())


def _change_status(uow: UnitOfWork, task: Task, *, to: str, actor_id: uuid.UUID | None,
                   reason: str | None, now: datetime) -> None:
    before = jsonable(task_event_data(task))
    old = task.status
    task.status = to
    touch_task(task, now=now)
    task.scanned_on = None  # the deadline scanner looks again
    if to == "submitted":
        task.submitted_at = now
        if task.kind == "yearly_report":
            task.finished_on = local_date(now)  # a report's submission date counts
    if to == "done":
        task.completed_at = now
        task.progress = 100
        counts = task.submitted_at if task.kind == "yearly_report" and task.submitted_at else now
        task.finished_on = local_date(counts)
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


def reporting_task_submitted(*, uow: UnitOfWork, unit_id: uuid.UUID, year: int,
                             at: datetime) -> Task | None:
    """A unit's yearly report was submitted: its reporting task for that year is `submitted`.

    Idempotent and never backwards: a task already submitted, done or cancelled is left as is
    (a re-submission after `returned` moves it to `submitted` again).
    """
    task = repository.find_reporting_task(uow.session, unit_id=unit_id, year=year)
    if task is None or task.status in ("submitted", "done", "cancelled"):
        return task
    _change_status(uow, task, to="submitted", actor_id=None, reason="report.submitted", now=at)
    return task


def reporting_task_approved(*, uow: UnitOfWork, unit_id: uuid.UUID, year: int,
                            at: datetime) -> Task | None:
    """A unit's yearly report was approved: its reporting task is `done` (idempotent).

    If the submission was never seen (events out of order), the approval also counts as the
    submission time.
    """
    task = repository.find_reporting_task(uow.session, unit_id=unit_id, year=year)
    if task is None or task.status in ("done", "cancelled"):
        return task
    if task.submitted_at is None:
        task.submitted_at = at
    _change_status(uow, task, to="done", actor_id=None, reason="report.approved", now=at)
    return task


# Kept for callers of the foundation's name: a submitted report.
complete_reporting_task = reporting_task_submitted


def update_task(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID,
                calendar: WorkCalendar, now: datetime, **changes: Any) -> Task:
    """Change a task's fields: the assignee unit reports progress; the lead unit's coordinator
    (or the head) also changes the title, description, deadline and assignee unit.

    A new deadline gets its effective deadline and the scanner looks again; closed tasks are
    not edited (409).
    """
    task = repository.get_visible_task(uow.session, principal, task_id, for_update=True)
    if task is None:
        raise not_found("công việc", "Task")
    allowed = editable_fields(principal, task)
    if not allowed or set(changes) - allowed:
        raise ApiError(403, "role_required", roles="coordinator, head, admin")
    if task.status in ("done", "cancelled"):
        raise ApiError(409, "transition_not_allowed", current=task.status, target=task.status)
    if "assignee_unit_id" in changes and repository.get_unit(
            uow.session, changes["assignee_unit_id"]) is None:
        raise ApiError(422, field_errors={"assignee_unit_id": [LocalizedText("unit_unknown")]})
    before = jsonable(task_event_data(task))
    for key, value in changes.items():
        setattr(task, key, value)
    if "deadline" in changes:
        task.effective_deadline = effective_deadline(task.deadline, calendar)
        task.scanned_on = None
    if set(changes) & {"title", "description", "assignee_unit_id"}:
        task.search_text = _search_text(uow, task.title, task.description,
                                        task.assignee_unit_id, task.lead_unit_id)
    touch_task(task, now=now)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="update",
                 entity="task", entity_id=task.id, before=before,
                 after={**jsonable(task_event_data(task)), "progress": task.progress}, now=now)
    outbox.add(uow.session, "task.updated", task_event_data(task), now=now)
    return task


def load_calendar(session) -> FastCalendar:
    """The working calendar with the admin's overrides (announced days off, make-up days)."""
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.kind)).all()
    return FastCalendar(
        extra_days_off=frozenset(r.day for r in rows if r.kind == "day_off"),
        makeup_working_days=frozenset(r.day for r in rows if r.kind == "working_day"))


def list_calendar_overrides(*, uow: UnitOfWork) -> list[CalendarOverride]:
    """Every override, by day."""
    return list(uow.session.execute(
        select(CalendarOverride).order_by(CalendarOverride.day)).scalars())


def set_calendar_override(*, uow: UnitOfWork, principal: Principal, day: date, kind: str,
                          note: str, now: datetime) -> CalendarOverride:
    """An admin announces a day off or a make-up working day; open deadlines are recomputed."""
    if not principal.has_role("admin"):
        raise ApiError(403, "role_required", roles="admin")
    row = uow.session.get(CalendarOverride, day)
    before = None if row is None else {"kind": row.kind, "note": row.note}
    if row is None:
        row = CalendarOverride(day=day, kind=kind, note=note, created_at=now)
        uow.session.add(row)
    else:
        row.kind, row.note = kind, note
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="upsert",
                 entity="calendar_override", entity_id=day.isoformat(), before=before,
                 after={"kind": kind, "note": note}, now=now)
    _recompute_open_deadlines(uow, actor_id=principal.user_id, now=now)
    return row


def delete_calendar_override(*, uow: UnitOfWork, principal: Principal, day: date,
                             now: datetime) -> None:
    """An admin withdraws an override; open deadlines are recomputed."""
    if not principal.has_role("admin"):
        raise ApiError(403, "role_required", roles="admin")
    row = uow.session.get(CalendarOverride, day)
    if row is None:
        raise not_found("ngày điều chỉnh", "Calendar override")
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="delete",
                 entity="calendar_override", entity_id=day.isoformat(),
                 before={"kind": row.kind, "note": row.note}, after=None, now=now)
    uow.session.delete(row)
    uow.session.flush()
    _recompute_open_deadlines(uow, actor_id=principal.user_id, now=now)


def _recompute_open_deadlines(uow: UnitOfWork, *, actor_id: uuid.UUID | None,
                              now: datetime) -> None:
    """Open tasks whose effective deadline changes with the calendar get it, with task.updated."""
    calendar = load_calendar(uow.session)
    today = local_date(now)
    open_tasks = uow.session.execute(
        select(Task).where(Task.status.in_(OPEN_STATUSES), Task.deadline >= today)
    ).scalars()
    for task in open_tasks:
        new = effective_deadline(task.deadline, calendar)
        if new != task.effective_deadline:
            before = jsonable(task_event_data(task))
            task.effective_deadline = new
            touch_task(task, now=now)
            task.scanned_on = None
            record_audit(uow.session, audit_log, actor_id=actor_id, action="update",
                         entity="task", entity_id=task.id, before=before,
                         after=jsonable(task_event_data(task)), now=now)
            outbox.add(uow.session, "task.updated", task_event_data(task), now=now)


def get_user(*, uow: UnitOfWork, user_id: uuid.UUID) -> User:
    """A user by id (404 if it was removed since the token was issued)."""
    user = uow.session.get(User, user_id)
    if user is None:
        raise not_found("người dùng", "User")
    return user


def list_units(*, uow: UnitOfWork) -> list[OrgUnit]:
    """Every org unit."""
    return repository.list_units(uow.session)


def _require_admin(principal: Principal) -> None:
    if not principal.has_role("admin"):
        raise ApiError(403, "role_required", roles="admin")


def admin_create_unit(*, uow: UnitOfWork, principal: Principal, now: datetime,
                      **fields: Any) -> OrgUnit:
    """Admin: add an org unit (code unique; parent must exist)."""
    _require_admin(principal)
    if repository.get_unit_by_code(uow.session, fields["code"]) is not None:
        raise ApiError(409, "tasks_code_taken", taken=fields["code"])
    if fields.get("parent_id") and repository.get_unit(uow.session, fields["parent_id"]) is None:
        raise ApiError(422, field_errors={"parent_id": [LocalizedText("unit_unknown")]})
    _check_validity(fields.get("valid_from"), fields.get("valid_to"))
    return create_unit(uow=uow, actor_id=principal.user_id, now=now, **fields)


def _check_validity(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ApiError(422, field_errors={"valid_to": [LocalizedText("tasks_period_order")]})


def admin_update_unit(*, uow: UnitOfWork, principal: Principal, unit_id: uuid.UUID,
                      now: datetime, **changes: Any) -> OrgUnit:
    """Admin: rename, re-parent or close a unit (valid_to); tasks keep their unit id, so past
    tasks keep the unit as it was (its validity period says when it existed)."""
    _require_admin(principal)
    unit = repository.get_unit(uow.session, unit_id)
    if unit is None:
        raise not_found("đơn vị", "Unit")
    if changes.get("parent_id") and repository.get_unit(uow.session,
                                                        changes["parent_id"]) is None:
        raise ApiError(422, field_errors={"parent_id": [LocalizedText("unit_unknown")]})
    _check_validity(changes.get("valid_from", unit.valid_from),
                    changes.get("valid_to", unit.valid_to))
    before = jsonable(unit_event_data(unit))
    for key, value in changes.items():
        setattr(unit, key, value)
    bump_version(unit)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="update",
                 entity="org_unit", entity_id=unit.id, before=before,
                 after=jsonable(unit_event_data(unit)), now=now)
    outbox.add(uow.session, "unit.upserted", unit_event_data(unit), now=now)
    return unit


def admin_list_users(*, uow: UnitOfWork, principal: Principal) -> list[User]:
    """Admin: every user."""
    _require_admin(principal)
    return list(uow.session.execute(select(User).order_by(User.username)).scalars())


def admin_create_user(*, uow: UnitOfWork, principal: Principal, now: datetime,
                      **fields: Any) -> User:
    """Admin: add a user (username unique)."""
    _require_admin(principal)
    if repository.get_user_by_username(uow.session, fields["username"]) is not None:
        raise ApiError(409, "username_taken")
    return create_user(uow=uow, actor_id=principal.user_id, now=now, **fields)


def admin_update_user(*, uow: UnitOfWork, principal: Principal, user_id: uuid.UUID,
                      now: datetime, **changes: Any) -> User:
    """Admin: change a user's unit, roles, name, e-mail, language, or deactivate it."""
    _require_admin(principal)
    user = uow.session.get(User, user_id)
    if user is None:
        raise not_found("người dùng", "User")
    if "unit_id" in changes and repository.get_unit(uow.session, changes["unit_id"]) is None:
        raise ApiError(422, field_errors={"unit_id": [LocalizedText("unit_unknown")]})
    before = jsonable(user_event_data(user))
    rights_before = (sorted(user.roles), user.unit_id, user.active)
    for key, value in changes.items():
        setattr(user, key, list(value) if key == "roles" else value)
    bump_version(user)
    if (sorted(user.roles), user.unit_id, user.active) != rights_before:
        user.token_version += 1  # tokens issued before this change stop granting
    uow.session.flush()
    uow.session.refresh(user)
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="update",
                 entity="user", entity_id=user.id, before=before,
                 after=jsonable(user_event_data(user)), now=now)
    outbox.add(uow.session, "user.upserted", user_event_data(user), now=now)
    return user


def change_own_password(*, uow: UnitOfWork, principal: Principal, current_password: str,
                        new_password: str, now: datetime) -> None:
    """A user changes its own password after proving the current one."""
    user = uow.session.get(User, principal.user_id)
    if user is None or not verify_password(user.password_hash, current_password):
        raise ApiError(422, field_errors={
            "current_password": [LocalizedText("tasks_password_wrong")]})
    user.password_hash = hash_password(new_password)
    bump_version(user)
    user.token_version += 1  # every token issued before the change stops granting
    record_audit(uow.session, audit_log, actor_id=user.id, action="change_password",
                 entity="user", entity_id=user.id, before=None, after=None, now=now)
    outbox.add(uow.session, "user.upserted", user_event_data(user), now=now)
