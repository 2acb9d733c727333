"""Sending for real: an SMTP sink and a local HTTP receiver see exactly what the rules promise."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from services.notifications import rules
from services.notifications.models import Preference, Webhook
from tests.unit.notifications.factories import (
    NOW,
    PEOPLE,
    TU_KY,
    UNITS,
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
    reminder,
    sender_for,
)
from tests.unit.notifications.sinks import WebhookReceiver

REPORTER, COORDINATOR = PEOPLE["baocao.tuky"], PEOPLE["dieuphoi.tuky"]




@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notify():
    return notify_settings()


@pytest.fixture
def consumer(db, notify, clock):
    consumer = consumer_for(db, notify, clock)
    for unit_id in UNITS:
        consumer.apply(unit_event(unit_id))
    for person in PEOPLE.values():
        consumer.apply(user_event(person))
    return consumer


@pytest.fixture
def sender(db, notify, clock, smtp):
    return sender_for(db, notify, clock, smtp.port)


def _set_preferences(db, person, **values) -> None:
    with db.uow() as uow:
        uow.session.add(Preference(user_id=person.user_id, channels=values.pop("channels", {}),
                                   updated_at=NOW, **values))
        uow.commit()


def test_a_reminder_is_one_email_per_person_and_one_webhook_call_with_distinct_keys(
        db, consumer, sender, smtp, receiver):
    add_webhook(db, receiver.url, unit_id=TU_KY)
    consumer.apply(reminder())
    drain(sender)
    assert sorted(r.envelope_to[0] for r in smtp.messages) == [
        "baocao.tuky@example.vn", "dieuphoi.tuky@example.vn"]
    assert len(receiver.calls) == 1
    keys = smtp.message_ids() + receiver.keys()
    assert len(set(keys)) == 3
    assert {d.status for d in deliveries(db)} == {"sent"}


def test_vietnamese_email_has_encoded_utf8_subject_and_body(db, consumer, sender, smtp):
    consumer.apply(reminder(title="Báo cáo sản xuất sạch hơn năm 2026"))
    drain(sender)
    [received] = [r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]]
    assert b"=?utf-8?" in received.raw.split(b"\r\n\r\n", 1)[0].lower()  # RFC 2047 header
    message = received.message
    assert message["Subject"] == ("Sắp đến hạn (còn 4 ngày làm việc): "
                                  "Báo cáo sản xuất sạch hơn năm 2026")
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "Huyện Tứ Kỳ" in body and "04/12/2026" in body
    assert "https://theodoi.example.vn/tasks/tasks/" in body


def test_english_email_for_an_english_speaking_user(db, consumer, sender, smtp):
    consumer.apply(reminder("task.overdue", days=2))
    drain(sender)
    [received] = [r for r in smtp.messages if r.envelope_to == ["dieuphoi.tuky@example.vn"]]
    message = received.message
    assert message["Subject"] == "Overdue: Báo cáo SXSH năm 2026"
    body = message.get_content()
    assert "Tu Ky District" in body and "04/12/2026 (2 working days overdue)" in body


def test_a_task_done_before_its_reminder_sends_nothing(db, consumer, sender, smtp, receiver):
    add_webhook(db, receiver.url, unit_id=TU_KY)
    data = task_data()
    done = {**data, "status": "done", "old_status": "submitted", "actor_id": None,
            "reason": None}
    # The scanner saw the task open at NOW; it was done a minute later, and that event
    # happens to arrive first.
    consumer.apply(make_event("task.status_changed", done, at=NOW + timedelta(minutes=1)))
    drain(sender)
    smtp.messages.clear()
    receiver.calls.clear()
    consumer.apply(reminder(task_id=data["task_id"]))
    assert deliveries(db, event_type="task.due_soon") == []
    drain(sender)
    assert smtp.messages == [] and receiver.calls == []


def test_a_task_done_after_planning_but_before_sending_is_skipped(
        db, consumer, sender, smtp, clock):
    data = task_data()
    consumer.apply(reminder(task_id=data["task_id"]))
    done = {**data, "status": "done", "old_status": "submitted", "actor_id": None,
            "reason": None}
    consumer.apply(make_event("task.status_changed", done, at=NOW + timedelta(minutes=1)))
    _only_reminders = [d for d in deliveries(db) if d.event_type == "task.due_soon"]
    assert len(_only_reminders) == 2
    drain(sender)
    subjects = [r.message["Subject"] for r in smtp.messages]
    assert not [s for s in subjects if "Sắp đến hạn" in s or "Due soon" in s]
    assert {d.status for d in deliveries(db, event_type="task.due_soon")} == {"skipped"}


def test_a_digest_groups_a_days_reminders_into_one_email(db, consumer, sender, smtp, clock):
    _set_preferences(db, REPORTER, digest=True)
    for n in range(3):
        consumer.apply(reminder(title=f"Nhiệm vụ {n}"))
    drain(sender)
    mine = [r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]]
    assert mine == []  # held until the digest hour
    clock.now = NOW.replace(hour=1) + timedelta(days=1)  # Tuesday 08:00 in Hà Nội
    drain(sender)
    [digest] = [r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]]
    message = digest.message
    assert message["Subject"] == "Tổng hợp thông báo ngày 01/12/2026 (3 thông báo)"
    body = message.get_content()
    assert all(f"Nhiệm vụ {n}" in body for n in range(3))
    other = [r for r in smtp.messages if r.envelope_to == ["dieuphoi.tuky@example.vn"]]
    assert len(other) == 3  # no digest chosen: one e-mail each


def test_the_digest_waits_for_a_working_day(db, consumer, sender, smtp, clock):
    _set_preferences(db, REPORTER, digest=True)
    clock.now = NOW + timedelta(days=4)  # Friday 04/12/2026 10:00: after that day's digest
    consumer.apply(reminder(at=clock.now))
    clock.now = NOW.replace(hour=1) + timedelta(days=5)  # Saturday 08:00
    drain(sender)
    assert [r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]] == []
    clock.now = NOW.replace(hour=1) + timedelta(days=7)  # Monday 07/12 08:00
    drain(sender)
    assert len([r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]]) == 1


def test_quiet_hours_hold_emails_until_they_end(db, consumer, sender, smtp, clock):
    _set_preferences(db, REPORTER, quiet_start="22:00", quiet_end="07:00")
    clock.now = NOW.replace(hour=16)  # 23:00 in Hà Nội
    consumer.apply(reminder())
    drain(sender)
    assert [r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]] == []
    assert len([r for r in smtp.messages if r.envelope_to == ["dieuphoi.tuky@example.vn"]]) == 1
    clock.now = NOW.replace(hour=23, minute=59)  # 06:59 next morning
    drain(sender)
    assert [r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]] == []
    clock.now = NOW.replace(hour=0) + timedelta(days=1)  # 07:00
    drain(sender)
    assert len([r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]]) == 1


def test_an_escalation_to_the_head_ignores_the_digest_and_keeps_the_inbox(
        db, consumer, sender, smtp):
    head = PEOPLE["giamdoc.sct"]
    _set_preferences(db, head, digest=True, channels={"task.escalated": []})
    event = reminder("task.escalated", days=5, level=2)
    consumer.apply(event)
    drain(sender)
    assert [d.status for d in deliveries(db, user_id=head.user_id)] == []  # e-mail off...
    from tests.unit.notifications.factories import inbox_of
    [message] = inbox_of(db, head)  # ...but the inbox is never silenced
    assert message.title_vi == "Cảnh báo quá hạn (cấp 2): Báo cáo SXSH năm 2026"


def test_the_webhook_signature_verifies_with_the_documented_algorithm(
        db, consumer, sender, receiver, clock):
    add_webhook(db, receiver.url, unit_id=TU_KY, secret="bí-mật")
    consumer.apply(reminder())
    drain(sender)
    [call] = receiver.calls
    timestamp = call.headers[rules.TIMESTAMP_HEADER]
    expected = hmac.new("bí-mật".encode(), timestamp.encode() + b"." + call.body,
                        hashlib.sha256).hexdigest()
    assert call.headers[rules.SIGNATURE_HEADER] == f"sha256={expected}"
    assert int(timestamp) == int(clock.now.timestamp())
    assert rules.verify("bí-mật", timestamp, call.body, call.headers[rules.SIGNATURE_HEADER],
                        now=clock.now)
    assert not rules.verify("bí-mật", timestamp, call.body, call.headers[rules.SIGNATURE_HEADER],
                            now=clock.now + timedelta(minutes=10))  # a replay, too late
    payload = json.loads(call.body)
    assert payload["event"]["type"] == "task.due_soon"
    assert payload["delivery_id"] == call.headers[rules.IDEMPOTENCY_HEADER]


def test_a_failing_receiver_gets_retries_with_backoff_then_is_disabled(
        db, consumer, sender, clock):
    failing = WebhookReceiver(status=500).start()
    try:
        hook_id = add_webhook(db, failing.url, unit_id=TU_KY)
        consumer.apply(reminder())
        waits = []
        for _ in range(6):
            drain(sender)
            [delivery] = deliveries(db, channel="webhook")
            if delivery.status != "pending":
                break
            waits.append((delivery.next_attempt_at - clock.now).total_seconds())
            clock.now = delivery.next_attempt_at
        assert waits == [10, 20]  # exponential: 10 s, then 20 s
        assert len(failing.calls) == 3
        assert len({c.headers["Idempotency-Key"] for c in failing.calls}) == 1
        with db.session_factory() as session:
            hook = session.get(Webhook, hook_id)
            assert (hook.active, hook.consecutive_failures) == (False, 3)
        [delivery] = deliveries(db, channel="webhook")
        assert (delivery.status, delivery.last_error) == ("dead", "HTTP 500")
        consumer.apply(reminder())
        drain(sender)
        assert len(failing.calls) == 3  # a disabled webhook is not called again
    finally:
        failing.stop()


def test_a_crashed_senders_claims_are_sent_after_the_lease_with_the_same_key(
        db, consumer, notify, clock, smtp):
    consumer.apply(reminder())
    crashing = sender_for(db, notify, clock, smtp.port)

    def crash(_delivery):
        raise SystemExit("killed between send and mark")

    crashing.on_sent = crash
    token, batch, _closed = crashing.claim()
    with pytest.raises(SystemExit):
        crashing.send(batch[0], token)
    assert len(smtp.messages) == 1
    other = sender_for(db, notify, clock, smtp.port)
    assert other.run_once() == 0  # the claims are leased
    clock.advance(seconds=notify.lease_seconds + 1)
    drain(other)
    ids = smtp.message_ids()
    assert len(ids) == 3 and len(set(ids)) == 2  # one duplicate, with the same Message-ID
    assert {d.status for d in deliveries(db)} == {"sent"}


def test_a_held_reminder_whose_task_closed_is_left_out_of_the_digest(
        db, consumer, sender, smtp, clock):
    _set_preferences(db, REPORTER, digest=True)
    open_task, closed_task = task_data(title="Còn mở"), task_data(title="Đã xong")
    consumer.apply(reminder(task_id=open_task["task_id"], title="Còn mở"))
    consumer.apply(reminder(task_id=closed_task["task_id"], title="Đã xong"))
    consumer.apply(make_event("task.status_changed", {
        **closed_task, "status": "done", "old_status": "submitted", "actor_id": None,
        "reason": None}, at=NOW + timedelta(hours=1)))
    clock.now = NOW.replace(hour=1) + timedelta(days=1)
    drain(sender)
    [digest] = [r for r in smtp.messages if r.envelope_to == ["baocao.tuky@example.vn"]
                and "Tổng hợp" in r.message["Subject"]]
    body = digest.message.get_content()
    assert "Sắp đến hạn (còn 4 ngày làm việc): Còn mở" in body
    assert "Sắp đến hạn (còn 4 ngày làm việc): Đã xong" not in body
    assert "Hoàn thành: Đã xong" in body  # the news that it was done is kept
