"""Events applied several to a transaction give what they give one by one."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from services.notifications.handlers import make_handlers
from services.notifications.models import Delivery, InboxMessage, TaskState, messaging
from services.notifications.outbound import prepare_batch
from shared.messaging.consumer import EventConsumer
from tests import helpers
from tests.unit.notifications.factories import (
    NOW,
    PEOPLE,
    TU_KY,
    UNITS,
    Person,
    make_event,
    recipients_of,
    task_data,
    unit_event,
    user_event,
)
from tests.unit.notifications.sending import reminder


def batching(db) -> EventConsumer:
    """The consumer as the worker makes it: batches, with the batch's task copies read first."""
    return EventConsumer(service="notifications", broker_url="memory://", db=db,
                         tables=messaging, handlers=make_handlers(clock=lambda: NOW),
                         batch_size=50,
                         prepare=prepare_batch)


def deadline_event(event_type: str, task: dict, *, days: int, minutes: int = 0):
    data = {**task, "occurrence": task["deadline"].isoformat(), "days": days,
            "escalation_level": None}
    return make_event(event_type, data, at=NOW + timedelta(minutes=minutes))


def status_changed(task: dict, *, old: str, new: str, minutes: int):
    data = {**task, "status": new, "old_status": old, "actor_id": None, "reason": None}
    return make_event("task.status_changed", data, at=NOW + timedelta(minutes=minutes))


def test_a_task_closed_earlier_in_the_batch_gets_no_late_reminder(db, directory):
    task = task_data()
    events = [deadline_event("task.due_soon", task, days=4),
              status_changed(task, old="not_started", new="done", minutes=2),
              deadline_event("task.due_today", task, days=0, minutes=1)]  # scanned before
    assert batching(db).apply_batch(events) == [True, True, True]
    with db.session_factory() as session:
        states = session.execute(select(TaskState)).scalars().all()
        types = Counter(session.execute(select(InboxMessage.event_type)).scalars())
    assert [(s.task_id, s.status) for s in states] == [(task["task_id"], "done")]
    assert types["task.due_today"] == 0 and types["task.due_soon"] == 2


def test_a_user_added_mid_batch_hears_of_the_events_after_it_only(db, directory):
    newcomer = Person(uuid.uuid4(), "moi.tuky", TU_KY, ("reporter",))
    before, after = (make_event("task.created", task_data(title=title))
                     for title in ("Trước", "Sau"))
    batching(db).apply_batch([before, user_event(newcomer), after])
    with db.session_factory() as session:
        told = {event.id: set(session.execute(select(InboxMessage.user_id).where(
            InboxMessage.event_id == event.id)).scalars()) for event in (before, after)}
    assert newcomer.user_id not in told[before.id]
    assert newcomer.user_id in told[after.id]
    assert told[after.id] - told[before.id] == {newcomer.user_id}


def test_the_same_event_twice_in_a_batch_is_applied_once(db, directory):
    event = reminder("task.due_soon")
    assert batching(db).apply_batch([event, event]) == [True, False]
    assert batching(db).apply_batch([event]) == [False]
    assert recipients_of(db, event) == {"baocao.tuky", "dieuphoi.tuky"}


def _outcome(db) -> tuple[Counter, Counter]:
    with db.session_factory() as session:
        inbox = Counter(session.execute(select(
            InboxMessage.event_id, InboxMessage.user_id, InboxMessage.title_vi,
            InboxMessage.body_en)).all())
        sends = Counter(session.execute(select(
            Delivery.event_id, Delivery.channel, Delivery.recipient, Delivery.subject,
            Delivery.status)).all())
    return inbox, sends


def test_batches_and_single_events_give_the_same_inboxes_and_deliveries(tmp_path):
    tasks = [task_data(title=f"Nhiệm vụ {n}") for n in range(6)]
    events = [make_event("task.created", t) for t in tasks]
    events += [deadline_event("task.due_soon", t, days=4) for t in tasks]
    events += [status_changed(t, old="not_started", new="cancelled", minutes=5)
               for t in tasks[::2]]
    events += [deadline_event("task.overdue", t, days=-2, minutes=6) for t in tasks]
    events += [user_event(PEOPLE["xem.tuky"], at=NOW + timedelta(minutes=9), roles=["reporter"])]
    events += [make_event("task.created", task_data(title="Cuối"),
                          at=NOW + timedelta(minutes=10))]
    outcomes = []
    for name, batch in (("single", 1), ("batched", 7)):
        (tmp_path / name).mkdir()
        db = helpers.sqlite_database("notifications", tmp_path / name)
        consumer = batching(db)
        for unit_id in UNITS:
            consumer.apply(unit_event(unit_id))
        for person in PEOPLE.values():
            consumer.apply(user_event(person))
        for start in range(0, len(events), batch):
            consumer.apply_batch(events[start:start + batch])
        outcomes.append(_outcome(db))
        db.dispose()
    assert outcomes[0] == outcomes[1]
    inbox, _ = outcomes[0]
    assert sum(inbox.values()) > 30
