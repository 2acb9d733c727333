"""Event handlers of the kpi service: plain functions (event, *, uow)."""

from __future__ import annotations

from collections.abc import Callable

from services.kpi import copies
from services.kpi.settings import KpiSettings
from shared.db import UnitOfWork
from shared.messaging.events import Event


def on_task_event(event: Event, *, uow: UnitOfWork) -> None:
    """Keep the local copy of a task (its status, effective deadline and KPI codes)."""
    copies.upsert_task(uow=uow, data=event.data, occurred_at=event.occurred_at)


def on_user_upserted(event: Event, *, uow: UnitOfWork) -> None:
    """Keep whether the user is active and its token version: a deactivated user's tokens,
    and those issued before its roles, unit or password changed, stop working here too."""
    copies.upsert_user(uow=uow, data=event.data, occurred_at=event.occurred_at)


TASK_EVENTS = ("task.created", "task.updated", "task.status_changed", "task.due_soon",
               "task.due_today", "task.overdue", "task.escalated")

def build_handlers(config: KpiSettings) -> dict[str, Callable[..., None]]:
    """The handlers of every event type kpi consumes, bound to the service's settings."""

    def on_unit_upserted(event: Event, *, uow: UnitOfWork) -> None:
        """Keep the local copy of the org unit (who is expected to report, and as what)."""
        copies.upsert_unit(uow=uow, data=event.data, now=event.occurred_at, config=config)

    return {"unit.upserted": on_unit_upserted, "user.upserted": on_user_upserted,
            **{event_type: on_task_event for event_type in TASK_EVENTS}}


HANDLERS = build_handlers(KpiSettings())
