"""Event handlers of the kpi service: plain functions (event, *, uow)."""

from __future__ import annotations

from services.kpi import service
from shared.db import UnitOfWork
from shared.messaging.events import Event


def on_unit_upserted(event: Event, *, uow: UnitOfWork) -> None:
    """Keep the local copy of the org unit (who is expected to report, and as what)."""
    service.upsert_unit(uow=uow, data=event.data, now=event.occurred_at)


HANDLERS = {
    "unit.upserted": on_unit_upserted,
}
