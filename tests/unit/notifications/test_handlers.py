"""Event handlers through the real consumer: directory copy, recipients, once per event."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.notifications import service
from services.notifications.domain import Names
from services.notifications.models import InboxMessage, Recipient, Unit, audit_log
from services.notifications.outbound import inbox_text
from tests.unit.notifications.factories import (
    GIA_LOC,
    NOW,
    PEOPLE,
    SCT,
    TU_KY,
    inbox_of,
    make_event,
    recipients_of,
    task_data,
    unit_event,
    user_event,
)


def _count(db, table) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_directory_events_fill_the_local_copy_of_users_and_units(db, directory):
    with db.session_factory() as session:
        reporter = session.get(Recipient, PEOPLE["baocao.tuky"].user_id)
        unit = session.get(Unit, TU_KY)
    assert reporter.unit_id == TU_KY and reporter.roles == ["reporter"] and reporter.active
    assert reporter.email == "baocao.tuky@example.vn" and reporter.updated_at == NOW
    assert (unit.code, unit.kind, unit.name_vi) == ("H-TUKY", "district", "Huyện Tứ Kỳ")


def test_a_later_user_event_changes_the_copy_and_is_audited(db, consumer, directory):
    later = NOW + timedelta(minutes=5)
    consumer.apply(user_event(PEOPLE["xem.tuky"], roles=["reporter"], language="en", at=later))
    with db.session_factory() as session:
        copy = session.get(Recipient, PEOPLE["xem.tuky"].user_id)
        audits = session.execute(
            select(audit_log).where(audit_log.c.entity_id == str(copy.user_id))
            .order_by(audit_log.c.occurred_at)).all()
    assert copy.roles == ["reporter"] and copy.language == "en" and copy.updated_at == later
    assert [a.action for a in audits] == ["upsert", "upsert"]
    assert audits[-1].before["roles"] == ["viewer"] and audits[-1].after["roles"] == ["reporter"]


def test_an_older_user_event_arriving_late_does_not_overwrite_a_newer_one(db, consumer, directory):
    consumer.apply(user_event(PEOPLE["baocao.tuky"], unit_id=GIA_LOC, at=NOW - timedelta(days=1)))
    with db.uow() as uow:
        assert uow.session.get(Recipient, PEOPLE["baocao.tuky"].user_id).unit_id == TU_KY


def test_a_renamed_unit_is_renamed_in_the_copy(db, consumer, directory):
    consumer.apply(unit_event(TU_KY, name_vi="Thị xã Tứ Kỳ", name_en="Tu Ky Town",
                              at=NOW + timedelta(hours=1)))
    with db.uow() as uow:
        assert uow.session.get(Unit, TU_KY).name_en == "Tu Ky Town"


def test_new_task_reaches_active_reporters_and_coordinators_of_the_assignee_unit(db, consumer,
                                                                                 directory):
    event = make_event("task.created", task_data(assignee=TU_KY))
    consumer.apply(event)
    # Not the viewer, not the deactivated reporter, not other units, not the lead unit.
    assert recipients_of(db, event) == {"baocao.tuky", "dieuphoi.tuky"}


def test_new_task_message_names_task_unit_deadline_and_days_left(db, consumer, directory):
    task = task_data(title="Báo cáo SXSH năm 2026", deadline=date(2026, 12, 4))
    consumer.apply(make_event("task.created", task))
    [message] = inbox_of(db, PEOPLE["baocao.tuky"])
    assert message.event_type == "task.created"
    assert message.title_vi == "Công việc mới: Báo cáo SXSH năm 2026"
    assert message.body_vi == ('Công việc "Báo cáo SXSH năm 2026" đã được giao cho Huyện Tứ Kỳ. '
                               "Hạn hoàn thành: 04/12/2026 (còn 4 ngày làm việc).")
    assert message.body_en.endswith("assigned to Tu Ky District. Deadline: 04/12/2026 "
                                    "(4 working days left).")
    assert message.link == f"/tasks/tasks/{task['task_id']}"
    assert message.created_at == NOW and message.read_at is None


def test_days_left_are_counted_from_the_event_time_in_ho_chi_minh(db, consumer, directory):
    late_evening_utc = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 01/12 00:30 in Hà Nội
    consumer.apply(make_event("task.created", task_data(deadline=date(2026, 12, 4)),
                              at=late_evening_utc))
    [message] = inbox_of(db, PEOPLE["baocao.tuky"])
    assert "(còn 3 ngày làm việc)" in message.body_vi and "(3 working days left)" in message.body_en


def test_applying_the_same_event_twice_gives_one_inbox_row_per_user(db, consumer, directory):
    event = make_event("task.created", task_data())
    assert consumer.apply(event) is True
    assert consumer.apply(event) is False
    assert len(inbox_of(db, PEOPLE["baocao.tuky"])) == 1
    assert len(inbox_of(db, PEOPLE["dieuphoi.tuky"])) == 1


def service_text(event):
    """The inbox text the consumer made for a task.created event."""
    return inbox_text(event.type, event.data, unit=Names("Huyện Tứ Kỳ", "Tu Ky District"),
                      at=event.occurred_at, base_url="")


def test_delivering_an_event_again_outside_the_consumer_adds_no_second_row(db, consumer,
                                                                           directory):
    event = make_event("task.created", task_data())
    consumer.apply(event)
    with db.uow() as uow:
        added = service.deliver(uow=uow, event_id=event.id, event_type=event.type,
                                user_ids=[PEOPLE["baocao.tuky"].user_id],
                                text=service_text(event), at=event.occurred_at)
        uow.commit()
    assert added == 0
    assert len(inbox_of(db, PEOPLE["baocao.tuky"])) == 1


def test_the_database_refuses_a_second_message_for_the_same_event_and_user(db, consumer,
                                                                           directory):
    event = make_event("task.created", task_data())
    consumer.apply(event)
    [first] = inbox_of(db, PEOPLE["baocao.tuky"])
    with db.uow() as uow, pytest.raises(IntegrityError):
        uow.session.add(InboxMessage(id=uuid.uuid4(), user_id=first.user_id, event_id=event.id,
                                     event_type=event.type, title_vi="x", title_en="x",
                                     body_vi="x", body_en="x", link=None, created_at=NOW))
        uow.session.flush()


def test_status_change_reaches_lead_coordinators_and_assignee_users_but_not_the_actor(
        db, consumer, directory):
    data = {**task_data(status="submitted"), "old_status": "in_progress",
            "actor_id": PEOPLE["baocao.tuky"].user_id, "reason": None}
    event = make_event("task.status_changed", data)
    consumer.apply(event)
    assert recipients_of(db, event) == {"dieuphoi.tuky", "xem.tuky", "dieuphoi.sct"}


def test_status_change_message_shows_old_and_new_status_and_the_reason(db, consumer, directory):
    data = {**task_data(status="returned", deadline=date(2026, 11, 27)),
            "old_status": "submitted", "actor_id": PEOPLE["dieuphoi.sct"].user_id,
            "reason": "Thiếu số liệu"}
    consumer.apply(make_event("task.status_changed", data))
    [message] = inbox_of(db, PEOPLE["baocao.tuky"])
    assert message.title_vi == "Bị trả lại: Báo cáo SXSH năm 2026"
    assert '"Đã nộp, chờ duyệt" sang "Bị trả lại". Lý do: Thiếu số liệu.' in message.body_vi
    # Friday 27/11 to Monday 30/11: one working day late (three calendar days).
    assert "(quá hạn 1 ngày làm việc)" in message.body_vi
    assert "(1 working day overdue)" in message.body_en
    assert inbox_of(db, PEOPLE["dieuphoi.sct"]) == []  # the actor


def test_a_lead_unit_that_is_also_the_assignee_gets_one_message_per_person(db, consumer,
                                                                            directory):
    data = {**task_data(assignee=TU_KY, lead=TU_KY, status="in_progress"),
            "old_status": "not_started", "actor_id": None, "reason": None}
    event = make_event("task.status_changed", data)
    consumer.apply(event)
    assert recipients_of(db, event) == {"baocao.tuky", "dieuphoi.tuky", "xem.tuky"}
    assert len(inbox_of(db, PEOPLE["dieuphoi.tuky"])) == 1


def test_returned_report_reaches_the_active_users_of_its_unit(db, consumer, directory):
    report_id = uuid.uuid4()
    event = make_event("report.returned", dict(
        report_id=report_id, unit_id=TU_KY, form_code="SXSH-BC", year=2026, version=1,
        status="returned", actor_id=PEOPLE["giamdoc.sct"].user_id, reason="Sai số liệu"))
    consumer.apply(event)
    assert recipients_of(db, event) == {"baocao.tuky", "dieuphoi.tuky", "xem.tuky"}
    [message] = inbox_of(db, PEOPLE["baocao.tuky"])
    assert message.title_vi == "Báo cáo bị trả lại: SXSH-BC năm 2026"
    assert "Lý do: Sai số liệu." in message.body_vi
    assert message.link == f"/kpi/reports/{report_id}"


def test_kpi_status_change_reaches_every_active_head(db, consumer, directory):
    event = make_event("kpi.status_changed", dict(
        indicator_code="AWARE", unit_id=GIA_LOC, year=2026, old_status="on_track",
        new_status="off_track", value=40.0, target=90.0))
    consumer.apply(event)
    assert recipients_of(db, event) == {"giamdoc.sct"}
    [message] = inbox_of(db, PEOPLE["giamdoc.sct"])
    assert message.title_en == "Indicator AWARE 2026: Off track"
    assert "(Huyện Gia Lộc)" in message.body_vi


def test_a_deactivated_user_gets_no_new_messages(db, consumer, directory):
    consumer.apply(user_event(PEOPLE["baocao.tuky"], active=False, at=NOW + timedelta(hours=1)))
    event = make_event("task.created", task_data())
    consumer.apply(event)
    assert recipients_of(db, event) == {"dieuphoi.tuky"}


def test_a_task_for_a_unit_not_yet_in_the_directory_still_reaches_its_known_users(
        db, consumer):
    consumer.apply(user_event(PEOPLE["baocao.tuky"]))  # the user, but not the unit, is known
    consumer.apply(make_event("task.created", task_data(assignee=TU_KY)))
    [message] = inbox_of(db, PEOPLE["baocao.tuky"])
    assert "đơn vị chưa xác định" in message.body_vi


def test_events_without_a_handler_are_recorded_and_change_nothing(db, consumer, directory):
    event = make_event("report.submitted", dict(
        report_id=uuid.uuid4(), unit_id=TU_KY, form_code="SXSH-BC", year=2026, version=1,
        status="submitted"))
    assert consumer.apply(event) is True
    assert consumer.apply(event) is False
    assert _count(db, InboxMessage.__table__) == 0


def test_lead_unit_viewers_and_heads_are_not_told_of_status_changes(db, consumer, directory):
    data = {**task_data(lead=SCT, status="in_progress"), "old_status": "not_started",
            "actor_id": None, "reason": None}
    event = make_event("task.status_changed", data)
    consumer.apply(event)
    assert not {"xem.sct", "giamdoc.sct", "admin"} & recipients_of(db, event)
