"""Use cases of the notifications service: keep the directory, fill inboxes, read them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from services.notifications import domain, repository
from services.notifications.domain import MessageText, Names
from services.notifications.models import InboxMessage, Recipient, Unit, audit_log
from shared.audit import jsonable, record_audit
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import not_found
from shared.text import printable

RECIPIENT_FIELDS = ("username", "full_name", "email", "unit_id", "roles", "active", "language",
                    "token_version")
UNIT_FIELDS = ("code", "kind", "name_vi", "name_en")
TEXT_FIELDS = ("title_vi", "title_en", "body_vi", "body_en")


def _upsert(uow: UnitOfWork, model: type, key_field: str, fields: tuple[str, ...],
            data: dict[str, Any], *, entity: str, at: datetime) -> Any:
    # Events may arrive late, twice or out of order: a row changes only for a newer version
    # of the owner's object.
    key = data[key_field]
    row = uow.session.get(model, key)
    # Names are shown in inboxes and e-mails: kept without control characters.
    values = {name: printable(data[name]) if isinstance(data[name], str) else data[name]
              for name in fields}
    version = data["version"]
    if row is not None and row.version >= version:
        return row
    before = None if row is None else {name: getattr(row, name) for name in fields}
    if row is None:
        row = model(**{key_field: key}, **values, updated_at=at, version=version)
        uow.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = at
        row.version = version
    if before == values:
        return row
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=None, action="upsert", entity=entity,
                 entity_id=key, before=jsonable(before) if before else None,
                 after=jsonable(values), now=at)
    return row


def upsert_unit(*, uow: UnitOfWork, data: dict[str, Any], at: datetime) -> Unit:
    """Keep the directory copy of a unit in step with a `unit.upserted` event."""
    return _upsert(uow, Unit, "unit_id", UNIT_FIELDS, data, entity="unit", at=at)


def upsert_recipient(*, uow: UnitOfWork, data: dict[str, Any], at: datetime) -> Recipient:
    """Keep the directory copy of a user in step with a `user.upserted` event."""
    data = {**data, "roles": list(data["roles"])}
    return _upsert(uow, Recipient, "user_id", RECIPIENT_FIELDS, data, entity="recipient",
                   at=at)


def unit_names(unit: Unit | None) -> Names:
    """A unit's names, or a placeholder while the directory does not know it yet."""
    return Names(unit.name_vi, unit.name_en) if unit is not None else domain.UNKNOWN_UNIT


def deliver(*, uow: UnitOfWork, event_id: uuid.UUID, event_type: str,
            user_ids: Iterable[uuid.UUID], text: MessageText, at: datetime,
            known_new: bool = False, task_id: uuid.UUID | None = None,
            due_at: datetime | None = None) -> int:
    """Put one message per user in their inboxes, never two for the same event and user.

    `known_new`: the caller knows no message of this event exists yet (the consumer's
    handled-event record), so none is looked for and the rows are written at commit.
    """
    wanted = list(dict.fromkeys(user_ids))
    already = set() if known_new else repository.users_with_message(
        uow.session, event_id=event_id, user_ids=wanted)
    fresh = [user_id for user_id in wanted if user_id not in already]
    uow.session.add_all(
        InboxMessage(id=uuid.uuid4(), user_id=user_id, event_id=event_id, event_type=event_type,
                     title_vi=text.title_vi, title_en=text.title_en, body_vi=text.body_vi,
                     body_en=text.body_en, link=text.link, created_at=at, read_at=None,
                     task_id=task_id, due_at=due_at)
        for user_id in fresh
    )
    if not known_new:
        uow.session.flush()
    return len(fresh)


def list_inbox(*, uow: UnitOfWork, principal: Principal, unread_only: bool = False,
               limit: int = 50, offset: int = 0) -> tuple[list[InboxMessage], int]:
    """The caller's own messages, unread first then newest; with the total count."""
    return repository.list_inbox(uow.session, principal.user_id, unread_only=unread_only,
                                 limit=limit, offset=offset)


def unread_count(*, uow: UnitOfWork, principal: Principal) -> dict[str, int]:
    """How many of the caller's messages are unread."""
    return {"unread": repository.count_unread(uow.session, principal.user_id)}


def mark_read(*, uow: UnitOfWork, principal: Principal, message_id: uuid.UUID,
              now: datetime) -> InboxMessage:
    """Mark one of the caller's messages read (again is a no-op); 404 if it is not theirs."""
    message = repository.get_own_message(uow.session, principal.user_id, message_id)
    if message is None:
        raise not_found("thông báo", "Notification")
    if repository.mark_read(uow.session, principal.user_id, message_id, now=now):
        record_audit(uow.session, audit_log, actor_id=principal.user_id, action="read",
                     entity="inbox_message", entity_id=message_id, before={"read_at": None},
                     after={"read_at": now.isoformat()}, now=now)
        uow.session.refresh(message)
    return message


def mark_all_read(*, uow: UnitOfWork, principal: Principal, now: datetime) -> dict[str, int]:
    """Mark every unread message of the caller read."""
    marked = repository.mark_all_read(uow.session, principal.user_id, now=now)
    if marked:
        record_audit(uow.session, audit_log, actor_id=principal.user_id, action="read_all",
                     entity="inbox", entity_id=principal.user_id, before=None,
                     after={"marked": marked, "read_at": now.isoformat()}, now=now)
    return {"marked": marked}


def message_view(message: InboxMessage, *, lang: str) -> dict[str, Any]:
    """A message for the API: its texts in the caller's language and in both languages."""
    view = {c.key: getattr(message, c.key) for c in InboxMessage.__table__.columns}
    view["title"] = message.title_vi if lang == "vi" else message.title_en
    view["body"] = message.body_vi if lang == "vi" else message.body_en
    view["language"] = lang
    view["read"] = message.read_at is not None
    return view
