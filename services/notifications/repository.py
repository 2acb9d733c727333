"""Queries of the notifications service."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Text, cast, func, or_, select, update
from sqlalchemy.orm import Session

from services.notifications.domain import has_any_role
from services.notifications.models import InboxMessage, Recipient, Unit


def get_unit(session: Session, unit_id: uuid.UUID | None) -> Unit | None:
    """The directory copy of a unit, if known."""
    return session.get(Unit, unit_id) if unit_id is not None else None


def get_recipient(session: Session, user_id: uuid.UUID) -> Recipient | None:
    """The directory copy of a user, if known."""
    return session.get(Recipient, user_id)


def active_recipients(session: Session, *, unit_id: uuid.UUID | None = None,
                      roles: Collection[str] | None = None) -> list[Recipient]:
    """Active users, of one unit if given, holding any of `roles` if given."""
    query = select(Recipient).where(Recipient.active.is_(True))
    if unit_id is not None:
        query = query.where(Recipient.unit_id == unit_id)
    if roles:
        # A portable coarse filter on the JSON text (SQLite and PostgreSQL); exact check below.
        roles_text = cast(Recipient.roles, Text)
        query = query.where(or_(*(roles_text.like(f'%"{role}"%') for role in roles)))
    rows = session.execute(query.order_by(Recipient.user_id)).scalars()
    return [r for r in rows if not roles or has_any_role(r.roles, roles)]


def users_with_message(session: Session, *, event_id: uuid.UUID,
                       user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these users already have a message made from this event."""
    if not user_ids:
        return set()
    rows = session.execute(
        select(InboxMessage.user_id)
        .where(InboxMessage.event_id == event_id, InboxMessage.user_id.in_(list(user_ids)))
    ).scalars()
    return set(rows)


def inbox_query(user_id: uuid.UUID, *, unread_only: bool = False):
    """A select of one user's messages, unread ones only if asked."""
    query = select(InboxMessage).where(InboxMessage.user_id == user_id,
                                       InboxMessage.withdrawn_at.is_(None))
    if unread_only:
        query = query.where(InboxMessage.read_at.is_(None))
    return query


def list_inbox(session: Session, user_id: uuid.UUID, *, unread_only: bool, limit: int,
               offset: int) -> tuple[list[InboxMessage], int]:
    """A page of one user's messages, unread first then newest; with the total count."""
    query = inbox_query(user_id, unread_only=unread_only)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(InboxMessage.read_at.is_not(None), InboxMessage.created_at.desc(),
                       InboxMessage.id)
        .limit(limit).offset(offset)
    ).scalars()
    return list(rows), total


def count_unread(session: Session, user_id: uuid.UUID) -> int:
    """How many of one user's messages are unread."""
    query = inbox_query(user_id, unread_only=True)
    return session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def get_own_message(session: Session, user_id: uuid.UUID,
                    message_id: uuid.UUID) -> InboxMessage | None:
    """The message if it exists and belongs to this user."""
    return session.execute(
        inbox_query(user_id).where(InboxMessage.id == message_id)
    ).scalar_one_or_none()


def mark_all_read(session: Session, user_id: uuid.UUID, *, now: datetime) -> int:
    """Mark every unread message of one user read; returns how many changed."""
    result = session.execute(
        update(InboxMessage)
        .where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None),
               InboxMessage.withdrawn_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def mark_read(session: Session, user_id: uuid.UUID, message_id: uuid.UUID, *,
              now: datetime) -> bool:
    """Mark one of a user's messages read; False if it was already read (or is not theirs)."""
    result = session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == message_id, InboxMessage.user_id == user_id,
               InboxMessage.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
