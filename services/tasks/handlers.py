"""Event handlers of the tasks service: plain functions (event, *, uow)."""

from __future__ import annotations

from services.tasks import service
from shared.db import UnitOfWork
from shared.messaging.events import Event


def on_report_submitted(event: Event, *, uow: UnitOfWork) -> None:
    """A unit's yearly report arrived: its reporting task is `submitted`."""
    service.reporting_task_submitted(uow=uow, unit_id=event.data["unit_id"],
                                     year=event.data["year"], at=event.occurred_at)


def on_report_approved(event: Event, *, uow: UnitOfWork) -> None:
    """A unit's yearly report was approved: its reporting task is `done`."""
    service.reporting_task_approved(uow=uow, unit_id=event.data["unit_id"],
                                    year=event.data["year"], at=event.occurred_at)


HANDLERS = {
    "report.submitted": on_report_submitted,
    "report.approved": on_report_approved,
}
