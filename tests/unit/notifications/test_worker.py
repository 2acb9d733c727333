"""The worker on the in-process broker: a published event ends up in the inbox, once."""

from __future__ import annotations

import time
from collections.abc import Callable

from services.notifications.worker import build_worker
from shared.messaging.events import build_event
from shared.messaging.outbox import encode
from shared.messaging.publisher import KombuPublisher, OutgoingMessage
from tests.helpers import version_at
from tests.unit.notifications.factories import (
    NOW,
    PEOPLE,
    TU_KY,
    UNITS,
    inbox_of,
    task_data,
)


def _wait_for(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def _message(event_type: str, data: dict) -> OutgoingMessage:
    data = {"version": version_at(NOW), **data}
    if event_type == "user.upserted":
        data = {"token_version": 1, **data}
    envelope = build_event(event_type, data, producer="tests", now=NOW)
    return OutgoingMessage(message_id=envelope["id"], routing_key=event_type,
                           body=encode(envelope))


def test_the_worker_turns_published_events_into_one_inbox_message(settings, db):
    reporter = PEOPLE["baocao.tuky"]
    code, kind, name_vi, name_en = UNITS[TU_KY]
    created = _message("task.created", task_data(assignee=TU_KY))
    messages = [
        _message("unit.upserted", dict(unit_id=TU_KY, code=code, kind=kind, name_vi=name_vi,
                                       name_en=name_en)),
        _message("user.upserted", dict(user_id=reporter.user_id, username=reporter.username,
                                       full_name="Cán bộ báo cáo", unit_id=TU_KY,
                                       roles=["reporter"], active=True)),
        created,
        created,  # a redelivery of the same event
    ]
    assert settings.uses_memory_broker
    worker = build_worker(settings, db=db)
    publisher = KombuPublisher("memory://")
    worker.start()
    try:
        assert publisher.publish_batch(messages) == [None] * len(messages)
        assert _wait_for(lambda: len(inbox_of(db, reporter)) == 1)
        time.sleep(0.3)  # give the duplicate time to be (not) applied
        [message] = inbox_of(db, reporter)
        assert "Huyện Tứ Kỳ" in message.body_vi
    finally:
        worker.stop()
        publisher.close()
