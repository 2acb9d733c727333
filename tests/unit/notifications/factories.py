"""Test data of the notifications tests: units, people, events, and inbox look-ups."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from services.notifications.models import InboxMessage
from shared.db import Database
from shared.messaging.events import Event, build_event, parse_event
from tests import helpers

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # Monday 30/11/2026, 10:00 in Hà Nội
DEADLINE = date(2026, 12, 4)


@dataclass(frozen=True)
class Person:
    """A user of the test directory."""

    user_id: uuid.UUID
    username: str
    unit_id: uuid.UUID
    roles: tuple[str, ...]
    active: bool = True
    language: str = "vi"


TU_KY = uuid.UUID("00000000-0000-0000-0000-00000000a001")
GIA_LOC = uuid.UUID("00000000-0000-0000-0000-00000000a002")
SCT = uuid.UUID("00000000-0000-0000-0000-00000000a003")
UNITS = {
    TU_KY: ("H-TUKY", "district", "Huyện Tứ Kỳ", "Tu Ky District"),
    GIA_LOC: ("H-GIALOC", "district", "Huyện Gia Lộc", "Gia Loc District"),
    SCT: ("SCT", "department", "Sở Công Thương", "Department of Industry and Trade"),
}


def _person(n: int, username: str, unit_id: uuid.UUID, roles: tuple[str, ...],
            **extra: Any) -> Person:
    return Person(uuid.UUID(int=n), username, unit_id, roles, **extra)


PEOPLE = {
    p.username: p
    for p in (
        _person(1, "baocao.tuky", TU_KY, ("reporter",)),
        _person(2, "dieuphoi.tuky", TU_KY, ("coordinator",), language="en"),
        _person(3, "xem.tuky", TU_KY, ("viewer",)),
        _person(4, "nghi.tuky", TU_KY, ("reporter",), active=False),
        _person(5, "baocao.gialoc", GIA_LOC, ("reporter",)),
        _person(6, "dieuphoi.sct", SCT, ("coordinator",)),
        _person(7, "giamdoc.sct", SCT, ("head",)),
        _person(8, "xem.sct", SCT, ("viewer",)),
        _person(9, "admin", SCT, ("admin",)),
    )
}


def make_event(event_type: str, data: dict[str, Any], *, at: datetime = NOW,
               event_id: uuid.UUID | None = None) -> Event:
    """An event as a consumer receives it: built to the contract, then parsed."""
    if event_type.startswith(("task.", "unit.", "user.")):
        data = {"version": helpers.version_at(at), **data}
    if event_type == "user.upserted":
        data = {"token_version": 1, **data}
    return parse_event(build_event(event_type, data, producer="tests", now=at,
                                   event_id=event_id))


def unit_event(unit_id: uuid.UUID, *, at: datetime = NOW, **changes: Any) -> Event:
    """A `unit.upserted` event for one of the test units."""
    code, kind, name_vi, name_en = UNITS[unit_id]
    data = dict(unit_id=unit_id, code=code, kind=kind, name_vi=name_vi, name_en=name_en)
    return make_event("unit.upserted", {**data, **changes}, at=at)


def user_event(person: Person, *, at: datetime = NOW, **changes: Any) -> Event:
    """A `user.upserted` event for one of the test people."""
    data = dict(user_id=person.user_id, username=person.username,
                full_name=person.username.title(), email=f"{person.username}@example.vn",
                unit_id=person.unit_id, roles=list(person.roles), active=person.active,
                language=person.language)
    return make_event("user.upserted", {**data, **changes}, at=at)


def task_data(*, task_id: uuid.UUID | None = None, title: str = "Báo cáo SXSH năm 2026",
              assignee: uuid.UUID = TU_KY, lead: uuid.UUID | None = SCT,
              deadline: date = DEADLINE, status: str = "not_started") -> dict[str, Any]:
    """The payload of a `task.*` event."""
    return dict(task_id=task_id or uuid.uuid4(), title=title, assignee_unit_id=assignee,
                lead_unit_id=lead, deadline=deadline, effective_deadline=deadline,
                status=status, kind="yearly_report", period_year=2026)


def inbox_of(db: Database, person: Person) -> list[InboxMessage]:
    """Every inbox row of one person, oldest first."""
    with db.session_factory() as session:  # close() keeps loaded rows readable
        return list(session.execute(
            select(InboxMessage).where(InboxMessage.user_id == person.user_id)
            .order_by(InboxMessage.created_at)).scalars())


def recipients_of(db: Database, event: Event) -> set[str]:
    """The usernames that got a message from this event."""
    by_id = {p.user_id: name for name, p in PEOPLE.items()}
    with db.session_factory() as session:
        rows = session.execute(
            select(InboxMessage.user_id).where(InboxMessage.event_id == event.id)).scalars()
        return {by_id[user_id] for user_id in rows}


def auth(settings, person: Person, *, language: str | None = None) -> dict[str, str]:
    """The Authorization header of a person."""
    token = helpers.token_for(settings, unit_id=person.unit_id, roles=person.roles,
                              user_id=person.user_id, username=person.username,
                              language=language or person.language)
    return helpers.bearer(token)
