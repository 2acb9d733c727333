"""A kpi app on a migrated SQLite database, with units copied from `unit.upserted` events."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from services.kpi.app import create_app
from services.kpi.handlers import HANDLERS
from services.kpi.models import messaging
from services.kpi.seed import seed_indicators
from shared.auth import Principal
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import build_event, parse_event
from tests.helpers import bearer, settings_for_tests, sqlite_database, token_for, version_at

API = "/kpi/api/v1"
# 10/12/2019 10:00 in Hanoi: inside the 2019 data period, before the 20/12 deadline.
ON_TIME = datetime(2019, 12, 10, 3, 0, tzinfo=UTC)
UNITS = (("SCT", "department", None), ("D1", "district", None), ("D2", "district", None),
         ("IZ", "iz_board", None), ("OLD", "district", date(2018, 6, 30)))

VALID_VALUES: dict[str, Any] = {
    "facilities_cp_potential": 100, "facilities_aware": 70, "facilities_applying": 30,
    "avg_saving_percent": 9.5, "officers_responsible": 10, "officers_trained": 8,
    "trainings_held": 2, "leaflets_issued": 500, "narrative": "Đã tổ chức 2 lớp tập huấn.",
}


def unit_event(code: str, kind: str, unit_id: uuid.UUID, valid_to: date | None = None,
               name_vi: str | None = None) -> dict[str, Any]:
    """A `unit.upserted` envelope as the tasks service publishes it."""
    return build_event("unit.upserted", {
        "unit_id": unit_id, "code": code, "kind": kind, "name_vi": name_vi or f"Đơn vị {code}",
        "name_en": f"Unit {code}", "parent_id": None, "valid_from": date(2016, 1, 1),
        "valid_to": valid_to, "version": version_at(ON_TIME)}, producer="tasks", now=ON_TIME)


@dataclass
class World:
    app: Any
    client: Any
    db: Any
    settings: Any
    consumer: EventConsumer
    units: dict[str, uuid.UUID]
    now: datetime = ON_TIME
    users: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)

    def principal(self, unit: str, *roles: str) -> Principal:
        """The identity a token of this unit and roles carries."""
        user_id = self.users.setdefault((unit, ",".join(roles)), uuid.uuid4())
        return Principal(user_id=user_id, username=f"{unit}-{roles[0]}",
                         unit_id=self.units[unit], unit_code=unit, roles=roles)

    def headers(self, unit: str, *roles: str, language: str = "vi") -> dict[str, str]:
        """Authorization header for a user of `unit` with `roles`."""
        p = self.principal(unit, *roles)
        return bearer(token_for(self.settings, unit_id=p.unit_id, roles=roles, unit_code=unit,
                                user_id=p.user_id, username=p.username, language=language))

    def create(self, unit: str = "D1", *, role: str = "reporter", **body: Any):
        """POST a report as a user of `unit`; the body defaults to a valid 2019 report."""
        payload = {"year": 2019, "values": dict(VALID_VALUES), **body}
        return self.client.post(f"{API}/reports", json=payload, headers=self.headers(unit, role))

    def count(self, table, **where: Any) -> int:
        """Rows of a table matching the equalities."""
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        with self.db.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def outbox(self, event_type: str) -> list[dict[str, Any]]:
        """The envelopes of one type staged in the outbox, oldest first."""
        table = messaging.outbox
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(table.c.payload).where(table.c.event_type == event_type)
                                .order_by(table.c.seq)).scalars()
            return list(rows)


@pytest.fixture
def world(tmp_path) -> Iterator[World]:
    settings = settings_for_tests()
    db = sqlite_database("kpi", tmp_path)
    consumer = EventConsumer(service="kpi", broker_url=settings.broker_url, db=db,
                             tables=messaging, handlers=HANDLERS)
    units = {}
    for code, kind, valid_to in UNITS:
        units[code] = uuid.uuid4()
        assert consumer.apply(parse_event(unit_event(code, kind, units[code], valid_to)))
    with db.uow() as uow:
        seed_indicators(uow=uow, now=ON_TIME)
        uow.commit()
    holder: dict[str, World] = {}
    app = create_app(settings, db=db, clock=lambda: holder["world"].now)
    holder["world"] = World(app=app, client=app.test_client(), db=db, settings=settings,
                            consumer=consumer, units=units)
    yield holder["world"]
    db.dispose()
