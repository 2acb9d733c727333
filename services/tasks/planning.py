"""Plans and duties: a duty's tasks are its occurrences, generated ahead for the plan period."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from dateutil.rrule import rrulestr
from sqlalchemy import select

from services.tasks import repository
from services.tasks.domain import OPEN_STATUSES, WorkCalendar, local_date
from services.tasks.models import Duty, OrgUnit, Plan, Task, audit_log
from services.tasks.service import _change_status, add_task
from shared.audit import jsonable, record_audit
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import ApiError, not_found
from shared.i18n import LocalizedText

MAX_OCCURRENCES = 500


def plan_data(plan: Plan) -> dict[str, Any]:
    """What the audit keeps of a plan."""
    return jsonable({c.key: getattr(plan, c.key) for c in Plan.__table__.columns})


def duty_data(duty: Duty) -> dict[str, Any]:
    """A duty as the API shows it (and the audit keeps it)."""
    data = {c.key: getattr(duty, c.key) for c in Duty.__table__.columns}
    data["coordinating_unit_ids"] = [u.id for u in duty.coordinating_units]
    return data


def occurrences(rule: str, *, start: date, end: date) -> list[date]:
    """The dates of an RFC 5545 rule within [start, end]; 422 if the rule is not valid or
    has no date there."""
    try:
        parsed = rrulestr(rule, dtstart=datetime(start.year, start.month, start.day),
                          ignoretz=True)
        days = []
        for moment in parsed:
            if moment.date() > end or len(days) >= MAX_OCCURRENCES:
                break
            if moment.date() >= start:
                days.append(moment.date())
    except (ValueError, TypeError):
        raise ApiError(422, field_errors={"rrule": [LocalizedText("tasks_rrule_invalid")]}) \
            from None
    if not days:  # a recurring duty with no task at all is a mistake in the rule
        raise ApiError(422, field_errors={"rrule": [LocalizedText(
            "tasks_rrule_no_occurrence", start=start.strftime("%d/%m/%Y"),
            end=end.strftime("%d/%m/%Y"))]})
    return days


def create_plan(*, uow: UnitOfWork, principal: Principal, code: str, name_vi: str,
                name_en: str, legal_basis: str, period_start: date, period_end: date,
                lead_unit_id: uuid.UUID, status: str = "active", now: datetime) -> Plan:
    """The head or an admin opens a plan."""
    if not principal.has_role("head", "admin"):
        raise ApiError(403, "role_required", roles="head, admin")
    if period_end < period_start:
        raise ApiError(422, field_errors={"period_end": [LocalizedText("tasks_period_order")]})
    if repository.get_unit(uow.session, lead_unit_id) is None:
        raise ApiError(422, field_errors={"lead_unit_id": [LocalizedText("unit_unknown")]})
    if uow.session.execute(select(Plan).where(Plan.code == code)).scalar_one_or_none():
        raise ApiError(409, "tasks_code_taken", taken=code)
    plan = Plan(id=uuid.uuid4(), code=code, name_vi=name_vi, name_en=name_en,
                legal_basis=legal_basis, period_start=period_start, period_end=period_end,
                lead_unit_id=lead_unit_id, status=status)
    uow.session.add(plan)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="create",
                 entity="plan", entity_id=plan.id, before=None, after=plan_data(plan), now=now)
    return plan


def list_plans(*, uow: UnitOfWork) -> list[Plan]:
    """Every plan (plans are public within the province)."""
    return list(uow.session.execute(select(Plan).order_by(Plan.period_start, Plan.code))
                .scalars())


def get_plan(*, uow: UnitOfWork, plan_id: uuid.UUID) -> Plan:
    """A plan by id, 404 if unknown."""
    plan = uow.session.get(Plan, plan_id)
    if plan is None:
        raise not_found("kế hoạch", "Plan")
    return plan


def list_duties(*, uow: UnitOfWork, plan_id: uuid.UUID) -> list[Duty]:
    """The duties of a plan, by code."""
    get_plan(uow=uow, plan_id=plan_id)
    return list(uow.session.execute(select(Duty).where(Duty.plan_id == plan_id)
                                    .order_by(Duty.code)).scalars())


def _may_manage(principal: Principal, lead_unit_id: uuid.UUID) -> None:
    if principal.has_role("head", "admin"):
        return
    if principal.has_role("coordinator") and principal.unit_id == lead_unit_id:
        return
    raise ApiError(403, "tasks_not_lead_coordinator")


def _units(uow: UnitOfWork, ids: list[uuid.UUID], field: str) -> list[OrgUnit]:
    units = [repository.get_unit(uow.session, unit_id) for unit_id in ids]
    if any(u is None for u in units):
        raise ApiError(422, field_errors={field: [LocalizedText("unit_unknown")]})
    return units


def _assignees(duty: Duty, lead: OrgUnit) -> list[OrgUnit]:
    """A reporting duty's tasks go to its coordinating units, any other duty's to its lead."""
    return list(duty.coordinating_units) if duty.task_kind == "yearly_report" else [lead]


def create_duty(*, uow: UnitOfWork, principal: Principal, plan_id: uuid.UUID, code: str,
                title: str, lead_unit_id: uuid.UUID, description: str = "",
                coordinating_unit_ids: list[uuid.UUID] | None = None,
                doc_number: str | None = None, doc_date: date | None = None,
                kpi_codes: list[str] | None = None, rrule: str | None = None,
                deadline: date | None = None, task_kind: str = "general",
                calendar: WorkCalendar, now: datetime) -> Duty:
    """Add a duty to a plan and generate its tasks (one-off: one; recurring: every occurrence
    of the rule within the plan period that has not passed)."""
    plan = get_plan(uow=uow, plan_id=plan_id)
    _may_manage(principal, lead_unit_id)
    lead = _units(uow, [lead_unit_id], "lead_unit_id")[0]
    coordinating = _units(uow, coordinating_unit_ids or [], "coordinating_unit_ids")
    if rrule is None and deadline is None:
        raise ApiError(422, field_errors={"deadline": [LocalizedText("tasks_deadline_or_rule")]})
    days = occurrences(rrule, start=plan.period_start, end=plan.period_end) if rrule else []
    if uow.session.execute(select(Duty).where(Duty.plan_id == plan_id, Duty.code == code)
                           ).scalar_one_or_none():
        raise ApiError(409, "tasks_code_taken", taken=code)
    duty = Duty(id=uuid.uuid4(), plan_id=plan_id, code=code, title=title,
                description=description, lead_unit_id=lead_unit_id,
                kind="recurring" if rrule else "one_off", rrule=rrule, task_kind=task_kind,
                kpi_codes=list(kpi_codes or []), doc_number=doc_number, doc_date=doc_date,
                assigned_by_doc=doc_number, coordinating_units=coordinating)
    uow.session.add(duty)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="create",
                 entity="duty", entity_id=duty.id, before=None,
                 after=jsonable(duty_data(duty)), now=now)
    today = local_date(now)
    for day in days or [deadline]:
        if rrule and day < today:
            continue  # occurrences that have passed are not invented after the fact
        _add_occurrence(uow, duty, plan, lead, day, principal.user_id, calendar, now)
    return duty


def _add_occurrence(uow, duty: Duty, plan: Plan, lead: OrgUnit, day: date, actor_id,
                    calendar: WorkCalendar, now: datetime) -> None:
    for unit in _assignees(duty, lead):
        title = duty.title if duty.kind == "one_off" else f"{duty.title} — {day.year}"
        if duty.task_kind == "yearly_report":
            title = f"{duty.title} — {day.year} — {unit.name_vi}"
        add_task(uow=uow, actor_id=actor_id, lead_unit_id=duty.lead_unit_id, title=title,
                 description=duty.description, assignee_unit_id=unit.id, deadline=day,
                 plan_id=plan.id, duty_id=duty.id, kind=duty.task_kind,
                 period_year=day.year if duty.task_kind == "yearly_report" else None,
                 calendar=calendar, now=now, kpi_codes=list(duty.kpi_codes))


def change_duty_rule(*, uow: UnitOfWork, principal: Principal, duty_id: uuid.UUID, rrule: str,
                     calendar: WorkCalendar, now: datetime) -> Duty:
    """Change a recurring duty's rule: only the future is regenerated, never the past.

    Future occurrences (deadline after today) that are still `not_started` and that the new
    rule no longer has are cancelled (with their history kept); new future dates get tasks;
    started, submitted, done and past tasks are never touched.
    """
    duty = uow.session.get(Duty, duty_id)
    if duty is None:
        raise not_found("nhiệm vụ", "Duty")
    _may_manage(principal, duty.lead_unit_id)
    plan = uow.session.get(Plan, duty.plan_id)
    new_days = set(occurrences(rrule, start=plan.period_start, end=plan.period_end))
    today = local_date(now)
    before = jsonable(duty_data(duty))
    future = list(uow.session.execute(
        select(Task).where(Task.duty_id == duty.id, Task.deadline > today)).scalars())
    kept = set()
    for task in future:
        if task.deadline in new_days or task.status not in OPEN_STATUSES:
            kept.add(task.deadline)
        elif task.status == "not_started":
            _change_status(uow, task, to="cancelled", actor_id=principal.user_id,
                           reason="duty_rule_changed", now=now)
        else:
            kept.add(task.deadline)
    duty.rrule, duty.kind = rrule, "recurring"
    lead = uow.session.get(OrgUnit, duty.lead_unit_id)
    for day in sorted(new_days):
        if day > today and day not in kept:
            _add_occurrence(uow, duty, plan, lead, day, principal.user_id, calendar, now)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="change_rule",
                 entity="duty", entity_id=duty.id, before=before,
                 after=jsonable(duty_data(duty)), now=now)
    return duty


def get_duty(*, uow: UnitOfWork, duty_id: uuid.UUID) -> Duty:
    """A duty by id, 404 if unknown (duties are public within the province, like plans)."""
    duty = uow.session.get(Duty, duty_id)
    if duty is None:
        raise not_found("nhiệm vụ", "Duty")
    return duty


def update_duty(*, uow: UnitOfWork, principal: Principal, duty_id: uuid.UUID, now: datetime,
                **changes: Any) -> Duty:
    """Change a duty's title, description, coordinating units, KPI codes or document.

    The lead unit stays (tasks were given by it); tasks already generated keep their titles.
    A recurring duty's rule changes through `change_duty_rule`.
    """
    duty = get_duty(uow=uow, duty_id=duty_id)
    _may_manage(principal, duty.lead_unit_id)
    before = jsonable(duty_data(duty))
    if "coordinating_unit_ids" in changes:
        duty.coordinating_units = _units(uow, changes.pop("coordinating_unit_ids"),
                                         "coordinating_unit_ids")
    for key, value in changes.items():
        setattr(duty, key, list(value) if key == "kpi_codes" else value)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="update",
                 entity="duty", entity_id=duty.id, before=before,
                 after=jsonable(duty_data(duty)), now=now)
    return duty


def kpi_codes_in_use(*, uow: UnitOfWork) -> list[str]:
    """Every KPI code some duty contributes to, sorted (the choices of a KPI filter)."""
    codes: set[str] = set()
    for duty_codes in uow.session.execute(select(Duty.kpi_codes)).scalars():
        codes.update(duty_codes or [])
    return sorted(codes)
