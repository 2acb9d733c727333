"""The transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    insert,
)
from sqlalchemy.orm import Session

from shared.db import JsonType, UtcDateTime, utcnow
from shared.logging import get_correlation_id
from shared.messaging.events import build_event


@dataclass(frozen=True)
class MessagingTables:
    """The outbox and handled-event tables of one service's database."""

    outbox: Table
    handled: Table


def define_messaging_tables(metadata: MetaData) -> MessagingTables:
    """Add the outbox and handled-event tables to a service's metadata."""
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
               autoincrement=True),
        Column("event_id", Uuid(), nullable=False, unique=True),
        Column("event_type", String(64), nullable=False),
        Column("payload", JsonType, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("available_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer(), nullable=False, default=0),
        Column("last_error", Text(), nullable=True),
    )
    Index(
        "ix_outbox_pending",
        outbox.c.available_at,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    handled = Table(
        "handled_events",
        metadata,
        Column("event_id", Uuid(), primary_key=True),
        Column("event_type", String(64), nullable=False),
        Column("handled_at", UtcDateTime(), nullable=False),
    )
    return MessagingTables(outbox=outbox, handled=handled)


class Outbox:
    """Adds events to the outbox inside the caller's session; only the relay talks to the broker."""

    def __init__(self, tables: MessagingTables, *, producer: str):
        self.tables = tables
        self.producer = producer
        self._insert = insert(tables.outbox).inline()

    def add(
        self,
        session: Session,
        event_type: str,
        data: dict[str, Any],
        *,
        now: datetime | None = None,
        correlation_id: str | None = None,
    ) -> uuid.UUID:
        """Validate the event against its contract and stage it in the current transaction."""
        now = now or utcnow()
        envelope = build_event(
            event_type,
            data,
            producer=self.producer,
            correlation_id=correlation_id or get_correlation_id(),
            now=now,
        )
        event_id = uuid.UUID(envelope["id"])
        # inline: no RETURNING of the serial id, so it can be pipelined; the values go as
        # parameters of a statement made once (see record_audit).
        session.execute(self._insert, {
            "event_id": event_id, "event_type": event_type, "payload": envelope,
            "created_at": now, "available_at": now, "attempts": 0,
        })
        return event_id


def encode(envelope: dict[str, Any]) -> bytes:
    """The wire form of an envelope."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
