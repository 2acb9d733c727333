"""The notifications handlers and inbox on a real, migrated PostgreSQL database."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from services.notifications.app import create_app
from services.notifications.handlers import HANDLERS
from services.notifications.models import messaging
from shared.db import Database
from shared.messaging.consumer import EventConsumer
from tests import helpers
from tests.unit.notifications.factories import (
    GIA_LOC,
    NOW,
    PEOPLE,
    UNITS,
    auth,
    inbox_of,
    make_event,
    recipients_of,
    task_data,
    unit_event,
    user_event,
)

pytestmark = pytest.mark.integration
API = "/notifications/api/v1"


@pytest.fixture
def db() -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database of the notifications service."""
    url = helpers.create_pg_database("notifications")
    database = Database(url)
    yield database
    database.dispose()
    helpers.drop_pg_database(url)


def _consumer(db: Database) -> EventConsumer:
    return EventConsumer(service="notifications", broker_url="memory://", db=db,
                         tables=messaging, handlers=HANDLERS)


@pytest.fixture
def consumer(db) -> EventConsumer:
    """A consumer with the test directory loaded."""
    consumer = _consumer(db)
    for unit_id in UNITS:
        consumer.apply(unit_event(unit_id))
    for person in PEOPLE.values():
        consumer.apply(user_event(person))
    return consumer


def test_role_filters_work_on_jsonb_roles(db, consumer):
    created = make_event("task.created", task_data())
    kpi = make_event("kpi.status_changed", dict(
        indicator_code="APPLY", unit_id=GIA_LOC, year=2026, old_status="on_track",
        new_status="at_risk", value=30.0, target=50.0))
    consumer.apply(created)
    consumer.apply(kpi)
    assert recipients_of(db, created) == {"baocao.tuky", "dieuphoi.tuky"}
    assert recipients_of(db, kpi) == {"giamdoc.sct"}


def test_two_consumers_racing_on_one_event_make_one_message_per_user(db, consumer):
    event = make_event("task.created", task_data())
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def deliver() -> None:
        barrier.wait()
        results.append(_consumer(db).apply(event))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, False, False, True]
    assert len(inbox_of(db, PEOPLE["baocao.tuky"])) == 1


def test_inbox_api_orders_unread_first_and_marks_read_on_postgres(db, consumer, settings):
    for hour in range(3):
        consumer.apply(make_event("task.created", task_data(title=f"Nhiệm vụ {hour}"),
                                  at=NOW.replace(hour=hour)))
    client = create_app(settings, db=db, clock=lambda: NOW).test_client()
    headers = auth(settings, PEOPLE["baocao.tuky"])
    newest = client.get(f"{API}/inbox", headers=headers).json[0]
    assert newest["title"] == "Công việc mới: Nhiệm vụ 2"
    assert client.post(f"{API}/inbox/{newest['id']}/read", headers=headers).status_code == 200
    titles = [m["title"] for m in client.get(f"{API}/inbox", headers=headers).json]
    assert titles[-1] == "Công việc mới: Nhiệm vụ 2"
    assert client.post(f"{API}/inbox/read-all", headers=headers).json == {"marked": 2}
    assert client.get(f"{API}/inbox/unread-count", headers=headers).json == {"unread": 0}
