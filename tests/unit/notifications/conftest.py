"""Fixtures of the notifications tests: a migrated SQLite DB, a directory, an event consumer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.notifications.app import create_app
from services.notifications.handlers import make_handlers
from services.notifications.models import messaging
from shared.db import Database
from shared.messaging.consumer import EventConsumer
from tests import helpers
from tests.unit.notifications.factories import NOW, PEOPLE, UNITS, Person, unit_event, user_event


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    """A migrated SQLite database of the notifications service."""
    database = helpers.sqlite_database("notifications", tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def consumer(db) -> EventConsumer:
    """The service's real consumer (dedup by event id), fed directly with `apply`; it plans
    at NOW, the test events' time (a real clock would make them stale reminders one day)."""
    return EventConsumer(service="notifications", broker_url="memory://", db=db,
                         tables=messaging, handlers=make_handlers(clock=lambda: NOW))


@pytest.fixture
def directory(consumer) -> dict[str, Person]:
    """The test units and people, loaded through their directory events."""
    for unit_id in UNITS:
        consumer.apply(unit_event(unit_id))
    for person in PEOPLE.values():
        consumer.apply(user_event(person))
    return PEOPLE


@pytest.fixture
def client(settings, db):
    """A test client of the notifications app with the clock frozen at NOW."""
    return create_app(settings, db=db, clock=lambda: NOW).test_client()
