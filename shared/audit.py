"""The append-only audit history: who changed what, when, before and after."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, MetaData, String, Table, Uuid, insert
from sqlalchemy.orm import Session

from shared.db import JsonType, UtcDateTime
from shared.logging import get_correlation_id


def define_audit_table(metadata: MetaData) -> Table:
    """Add the audit table to a service's metadata."""
    table = Table(
        "audit_log",
        metadata,
        Column("id", Uuid(), primary_key=True),
        Column("occurred_at", UtcDateTime(), nullable=False),
        Column("actor_id", Uuid(), nullable=True),  # None: the system (scanner, consumer)
        Column("action", String(64), nullable=False),
        Column("entity", String(64), nullable=False),
        Column("entity_id", String(64), nullable=False),
        Column("before", JsonType, nullable=True),
        Column("after", JsonType, nullable=True),
        Column("correlation_id", String(64), nullable=True),
    )
    Index("ix_audit_log_entity", table.c.entity, table.c.entity_id, table.c.occurred_at)
    return table


def audit_row(*, actor_id: uuid.UUID | None, action: str, entity: str, entity_id: Any,
              before: dict | None, after: dict | None, now: datetime) -> dict[str, Any]:
    """The values of one audit row, for record_audit or a caller's batched insert."""
    return {
        "id": uuid.uuid4(), "occurred_at": now, "actor_id": actor_id, "action": action,
        "entity": entity, "entity_id": str(entity_id), "before": before, "after": after,
        "correlation_id": get_correlation_id(),
    }


def record_audit(session: Session, table: Table, *, actor_id: uuid.UUID | None, action: str,
                 entity: str, entity_id: Any, before: dict | None, after: dict | None,
                 now: datetime) -> None:
    """Append one audit row in the caller's transaction."""
    # The values go as parameters of a plain INSERT (compiled once and cached), not into the
    # statement with .values(), which SQLAlchemy coerces and keys anew on every call.
    session.execute(insert(table), audit_row(actor_id=actor_id, action=action, entity=entity,
                                             entity_id=entity_id, before=before, after=after,
                                             now=now))


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of `values` that JSON can store (ids, dates and times as ISO text)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, uuid.UUID | datetime) or hasattr(value, "isoformat"):
            value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        elif isinstance(value, list | tuple):
            value = [str(v) if isinstance(v, uuid.UUID) else v for v in value]
        out[key] = value
    return out
