"""Event handlers of the notifications service: plain functions (event, *, uow)."""

from __future__ import annotations

from services.notifications import service
from shared.db import UnitOfWork
from shared.messaging.events import Event


def on_unit_upserted(event: Event, *, uow: UnitOfWork) -> None:
    """A unit was added or changed: keep the directory copy current."""
    service.upsert_unit(uow=uow, data=event.data, at=event.occurred_at)


def on_user_upserted(event: Event, *, uow: UnitOfWork) -> None:
    """A user was added or changed: keep the directory copy current."""
    service.upsert_recipient(uow=uow, data=event.data, at=event.occurred_at)


def on_task_created(event: Event, *, uow: UnitOfWork) -> None:
    """A unit got a new task: its reporters and coordinators are told."""
    service.notify_task_created(uow=uow, event_id=event.id, event_type=event.type,
                                task=event.data, at=event.occurred_at)


def on_task_status_changed(event: Event, *, uow: UnitOfWork) -> None:
    """A task moved in its workflow: the lead and the assignee are told."""
    service.notify_task_status_changed(uow=uow, event_id=event.id, event_type=event.type,
                                       task=event.data, at=event.occurred_at)


def on_report_returned(event: Event, *, uow: UnitOfWork) -> None:
    """A report was returned: the users of its unit are told."""
    service.notify_report_returned(uow=uow, event_id=event.id, event_type=event.type,
                                   report=event.data, at=event.occurred_at)


def on_kpi_status_changed(event: Event, *, uow: UnitOfWork) -> None:
    """An indicator changed status: the department heads are told."""
    service.notify_kpi_status_changed(uow=uow, event_id=event.id, event_type=event.type,
                                      kpi=event.data, at=event.occurred_at)


HANDLERS = {
    "unit.upserted": on_unit_upserted,
    "user.upserted": on_user_upserted,
    "task.created": on_task_created,
    "task.status_changed": on_task_status_changed,
    "report.returned": on_report_returned,
    "kpi.status_changed": on_kpi_status_changed,
}
