"""No reminder about finished work, whatever order the events arrive in; after an outage,
missed reminders come as one summary per person instead of a flood."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from services.notifications.app import create_app
from services.notifications.models import InboxMessage, TaskState
from tests.unit.notifications.factories import (
    NOW,
    PEOPLE,
    UNITS,
    auth,
    make_event,
    task_data,
    unit_event,
    user_event,
)
from tests.unit.notifications.sending import (
    Clock,
    add_webhook,
    consumer_for,
    deliveries,
    drain,
    notify_settings,
    sender_for,
)

HEAD, REPORTER = PEOPLE["giamdoc.sct"], PEOPLE["baocao.tuky"]
API = "/notifications/api/v1"
OLD_DEADLINE = date(2016, 12, 15)  # a yearly report of 2016, filed on 10/12/2016
FILED = datetime(2016, 12, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def consumer(db, clock):
    consumer = consumer_for(db, notify_settings(), clock)
    for unit_id in UNITS:
        consumer.apply(unit_event(unit_id))
    for person in PEOPLE.values():
        consumer.apply(user_event(person))
    return consumer


@pytest.fixture
def sender(db, clock, smtp):
    return sender_for(db, notify_settings(), clock, smtp.port)


def old_report(**changes) -> dict:
    return {**task_data(title="Báo cáo SXSH năm 2016", deadline=OLD_DEADLINE), **changes}


def escalation(task: dict, *, at: datetime = NOW, level: int = 2):
    """The scanner's catch-up escalation of an old task, emitted at `at`."""
    days = (at.date() - task["effective_deadline"]).days
    return make_event("task.escalated", {**task, "occurrence": task["effective_deadline"]
                                         .isoformat(), "days": days,
                                         "escalation_level": level}, at=at)


def submitted(task: dict, *, at: datetime = NOW + timedelta(minutes=5), when=FILED):
    """The status change a report event causes, carrying the back-dated submission time."""
    return make_event("task.status_changed", {
        **task, "status": "submitted", "old_status": "not_started", "actor_id": None,
        "reason": "report.submitted", "submitted_at": when}, at=at)


def inbox_api(db, settings, person) -> list[dict]:
    client = create_app(settings, db=db, clock=lambda: NOW).test_client()
    return client.get(f"{API}/inbox", headers=auth(settings, person)).json


def mails_to(smtp, person) -> list:
    return [r for r in smtp.messages if r.envelope_to == [f"{person.username}@example.vn"]]


def test_a_report_submitted_before_the_moment_gets_no_escalation_when_the_status_comes_first(
        db, consumer, sender, smtp, settings):
    task = old_report()
    late = escalation(task, at=NOW - timedelta(minutes=10))  # scanned before the submission
    consumer.apply(submitted(task, at=NOW - timedelta(minutes=5)))
    consumer.apply(late)
    drain(sender)
    assert [m["event_type"] for m in inbox_api(db, settings, HEAD)] == []
    assert deliveries(db, event_type="task.escalated") == []
    assert mails_to(smtp, HEAD) == []


def test_a_moment_the_scanner_found_for_a_submitted_report_makes_nothing(db, consumer,
                                                                        settings):
    task = old_report(status="submitted", submitted_at=FILED)
    consumer.apply(escalation(task))
    assert inbox_api(db, settings, HEAD) == []


def test_a_submission_arriving_after_the_escalation_withdraws_its_inbox_message_and_mail(
        db, consumer, sender, smtp, settings, receiver):
    add_webhook(db, receiver.url, event_types=("task.escalated",))
    task = old_report()
    consumer.apply(escalation(task))
    assert [m["event_type"] for m in inbox_api(db, settings, HEAD)] == ["task.escalated"]
    consumer.apply(submitted(task))
    drain(sender)
    assert inbox_api(db, settings, HEAD) == []  # withdrawn: hidden, not deleted
    with db.session_factory() as session:
        [kept] = session.execute(select(InboxMessage).where(
            InboxMessage.event_type == "task.escalated")).scalars()
    assert kept.withdrawn_at is not None
    assert {(d.channel, d.status) for d in deliveries(db, event_type="task.escalated")} == {
        ("email", "skipped"), ("webhook", "skipped")}
    assert mails_to(smtp, HEAD) == [] and receiver.calls == []


def test_the_sender_rechecks_a_submission_it_learned_of_after_the_mail_was_planned(
        db, consumer, sender, smtp):
    task = old_report()
    consumer.apply(escalation(task))
    with db.uow() as uow:  # as a parallel consumer would have committed it
        uow.session.execute(update(TaskState).where(TaskState.task_id == task["task_id"])
                            .values(status="submitted", submitted_at=FILED))
        uow.commit()
    drain(sender)
    assert mails_to(smtp, HEAD) == []
    assert [d.status for d in deliveries(db, event_type="task.escalated")] == ["skipped"]


def test_a_task_submitted_after_the_moment_fell_due_keeps_its_reminder(
        db, consumer, settings):
    task = old_report()
    consumer.apply(escalation(task))
    consumer.apply(submitted(task, when=NOW + timedelta(minutes=1)))  # late, but after it
    assert [m["event_type"] for m in inbox_api(db, settings, HEAD)] == ["task.escalated"]


def test_repeated_and_reordered_events_withdraw_once_and_never_bring_a_reminder_back(
        db, consumer, sender, smtp, settings):
    task = old_report()
    first, status = escalation(task), submitted(task)
    for event in (first, status, first, status, first):
        consumer.apply(event)
    drain(sender)
    assert inbox_api(db, settings, HEAD) == []
    with db.session_factory() as session:
        rows = session.execute(select(InboxMessage).where(
            InboxMessage.user_id == HEAD.user_id)).scalars().all()
    assert len(rows) == 1 and rows[0].withdrawn_at is not None
    assert len(deliveries(db, event_type="task.escalated")) == 1
    assert mails_to(smtp, HEAD) == []


def overdue(task: dict, *, days: int, at: datetime):
    return make_event("task.overdue", {**task, "occurrence": task["effective_deadline"]
                                       .isoformat(), "days": days,
                                       "escalation_level": None}, at=at)


def test_after_an_outage_missed_reminders_come_as_one_summary_per_person(
        db, consumer, sender, smtp, settings, clock):
    tasks = [task_data(title=f"Nhiệm vụ {n}", deadline=date(2026, 11, 20)) for n in range(5)]
    events = [overdue(t, days=10, at=NOW) for t in tasks]
    clock.advance(days=3)  # the notifications worker was down for three days
    for event in events + events[:2]:  # and the broker redelivers two of them
        consumer.apply(event)
    [summary] = inbox_api(db, settings, REPORTER)
    assert summary["title_vi"] == ("Bạn có 5 nhắc việc bị lỡ trong thời gian hệ thống "
                                   "gián đoạn")
    assert all(f"Nhiệm vụ {n}" in summary["body_vi"] for n in range(5))
    assert "30/11/2026" in summary["body_vi"]  # when each moment fell due
    clock.advance(minutes=10)
    drain(sender)
    [mail] = mails_to(smtp, REPORTER)
    assert "5 nhắc việc bị lỡ" in mail.message["Subject"]
    assert deliveries(db, event_type="task.overdue") == []


def test_a_reminder_consumed_in_time_is_not_summed_up(db, consumer, settings, clock):
    task = task_data(deadline=date(2026, 11, 20))
    clock.advance(hours=2)
    consumer.apply(overdue(task, days=10, at=NOW))
    [message] = inbox_api(db, settings, REPORTER)
    assert message["event_type"] == "task.overdue"


def test_a_status_change_handled_long_after_it_happened_is_in_the_inbox_but_not_e_mailed(
        db, consumer, settings, clock):
    task = old_report()
    consumer.apply(make_event("task.created", task, at=FILED - timedelta(days=30)))
    consumer.apply(submitted(task, at=FILED))  # handled at NOW: years after it happened
    assert deliveries(db, event_type="task.status_changed", channel="email") == []
    assert deliveries(db, event_type="task.created", channel="email") == []
    with db.session_factory() as session:
        told = session.execute(select(InboxMessage.user_id).where(
            InboxMessage.event_type == "task.status_changed")).scalars().all()
    assert told  # the lead unit's coordinators see it in their inbox


def test_a_status_change_handled_at_once_is_e_mailed(db, consumer, settings, clock):
    task = old_report(deadline=NOW.date() + timedelta(days=10),
                      effective_deadline=NOW.date() + timedelta(days=10))
    consumer.apply(make_event("task.created", task, at=NOW - timedelta(minutes=10)))
    consumer.apply(submitted(task, at=NOW - timedelta(minutes=1), when=NOW - timedelta(minutes=1)))
    assert deliveries(db, event_type="task.status_changed", channel="email") != []
