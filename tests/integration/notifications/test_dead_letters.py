"""An admin's requeue request puts dead-lettered events back on the queue (real RabbitMQ)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kombu import Connection, Producer

from services.notifications import management
from services.notifications.models import RequeueRequest
from services.notifications.sender import Sender
from services.notifications.settings import NotificationSettings
from shared.auth import Principal
from shared.db import Database, utcnow
from shared.messaging.events import build_event
from shared.messaging.topology import dead_letter_exchange, declare_all, service_queue
from tests import helpers
from tests.e2e.processes import eventually
from tests.unit.notifications.factories import task_data

pytestmark = pytest.mark.integration


@pytest.fixture
def db() -> Iterator[Database]:
    url = helpers.create_pg_database("notifications")
    database = Database(url)
    yield database
    database.dispose()
    helpers.drop_pg_database(url)


def test_requeued_dead_letters_return_to_the_service_queue(db, amqp_url):
    envelope = build_event("task.created", {**task_data(), "version": 1}, producer="tests")
    with Connection(amqp_url) as conn:
        declare_all(conn, ("notifications",))
        Producer(conn.channel()).publish(envelope, exchange=dead_letter_exchange,
                                         routing_key="notifications", serializer="json",
                                         message_id=envelope["id"], delivery_mode=2)
    admin = Principal(user_id=uuid.uuid4(), username="admin", unit_id=uuid.uuid4(),
                      unit_code="SCT", roles=("admin",))
    with db.uow() as uow:
        management.request_requeue(uow=uow, principal=admin, now=utcnow())
        uow.commit()
    sender = Sender(db=db, settings=helpers.settings_for_tests(broker_url=amqp_url),
                    notify=NotificationSettings())
    assert sender.requeue_if_asked() == 1
    with db.session_factory() as session:
        [request] = session.query(RequeueRequest).all()
        assert request.moved == 1 and request.done_at is not None
    assert sender.requeue_if_asked() == 0  # done once
    with Connection(amqp_url) as conn:
        queue = service_queue("notifications")(conn.channel())
        message = eventually(lambda: queue.get(no_ack=True), timeout=10,
                             what="the requeued event on the service queue")
        assert message.payload["id"] == envelope["id"]
