"""Who is told of deadline events and task updates, and what they read (inbox, vi and en)."""

from __future__ import annotations

from services.notifications.models import TaskState
from tests.unit.notifications.factories import (
    NOW,
    PEOPLE,
    inbox_of,
    make_event,
    recipients_of,
    task_data,
)
from tests.unit.notifications.sending import deliveries, reminder


def test_due_today_reaches_the_assignee_units_reporters_and_coordinators(db, consumer,
                                                                        directory):
    event = reminder("task.due_today", days=0)
    consumer.apply(event)
    assert recipients_of(db, event) == {"baocao.tuky", "dieuphoi.tuky"}
    [message] = inbox_of(db, PEOPLE["baocao.tuky"])
    assert message.title_vi == "Đến hạn hôm nay: Báo cáo SXSH năm 2026"
    assert "04/12/2026" in message.body_vi and "Huyện Tứ Kỳ" in message.body_vi


def test_a_first_escalation_goes_to_the_lead_units_coordinators(db, consumer, directory):
    event = reminder("task.escalated", days=3, level=1)
    consumer.apply(event)
    assert recipients_of(db, event) == {"dieuphoi.sct"}
    [message] = inbox_of(db, PEOPLE["dieuphoi.sct"])
    assert message.title_en == "Escalation (level 1): Báo cáo SXSH năm 2026"
    assert "3 working days overdue" in message.body_en


def test_a_second_escalation_goes_to_the_department_head(db, consumer, directory):
    event = reminder("task.escalated", days=10, level=2)
    consumer.apply(event)
    assert recipients_of(db, event) == {"giamdoc.sct"}


def test_overdue_counts_the_days_from_the_scanner(db, consumer, directory):
    consumer.apply(reminder("task.overdue", days=6))
    [message] = inbox_of(db, PEOPLE["baocao.tuky"])
    assert "quá hạn 6 ngày làm việc" in message.body_vi


def test_a_task_update_reaches_the_inbox_but_sends_no_email_by_default(db, consumer,
                                                                      directory):
    event = make_event("task.updated", task_data(title="Tên mới"))
    consumer.apply(event)
    assert recipients_of(db, event) == {"baocao.tuky", "dieuphoi.tuky"}
    assert deliveries(db) == []


def test_task_events_keep_a_local_copy_of_the_task_state(db, consumer, directory):
    data = task_data()
    consumer.apply(make_event("task.created", data))
    consumer.apply(make_event("task.status_changed", {
        **data, "status": "cancelled", "old_status": "not_started", "actor_id": None,
        "reason": "Trùng việc"}, at=NOW.replace(hour=5)))
    consumer.apply(make_event("task.updated", {**data, "title": "Cũ"}, at=NOW.replace(hour=4)))
    with db.session_factory() as session:
        state = session.get(TaskState, data["task_id"])
        assert (state.status, state.title) == ("cancelled", data["title"])  # late event ignored
    consumer.apply(reminder(task_id=data["task_id"]))
    assert [m.event_type for m in inbox_of(db, PEOPLE["baocao.tuky"])] == [
        "task.created", "task.updated", "task.status_changed"]  # no reminder: cancelled
