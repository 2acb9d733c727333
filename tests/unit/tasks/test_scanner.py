"""The deadline scanner on SQLite: which moments it announces, once each, never for closed tasks."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from services.tasks import service
from services.tasks.domain import FastCalendar, deadline_moments
from services.tasks.models import Task, messaging
from services.tasks.scanner import scan_once
from services.tasks.settings import TasksSettings
from shared.calendar import LOCAL_TZ

DEADLINE = date(2030, 10, 16)  # a Wednesday; the 7 working days before it hold no holiday
SETTINGS = TasksSettings()


def at(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), LOCAL_TZ).astimezone(UTC)


def _events(world):
    with world.db.engine.connect() as conn:
        return [p["type"] + (f":{p['data']['escalation_level']}"
                             if p["data"].get("escalation_level") else "")
                for p in conn.execute(select(messaging.outbox.c.payload).where(
                    messaging.outbox.c.event_type.like("task.%"),
                    messaging.outbox.c.event_type.notin_(("task.created",
                                                          "task.status_changed")))
                ).scalars()]


def _add(world, status="not_started", deadline=DEADLINE):
    with world.db.uow() as uow:
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=world.units["SCT"],
                                title="Báo cáo", assignee_unit_id=world.units["D1"],
                                deadline=deadline, calendar=FastCalendar(),
                                now=at(date(2030, 1, 2)),
                                kpi_codes=["AWARE"])
        task.status = status
        uow.commit()
    return task.id


def test_the_moments_follow_the_working_calendar():
    cal = FastCalendar()
    def keys(today):
        return [m.key for m in deadline_moments(effective=DEADLINE, today=today, calendar=cal,
                                                soon_offsets=(7, 1), escalation_delays=(2, 5))]
    assert keys(date(2030, 10, 4)) == []
    assert keys(date(2030, 10, 7)) == ["due_soon:7"]  # 7 working days before
    assert keys(date(2030, 10, 15)) == ["due_soon:1"]
    assert keys(DEADLINE) == ["due_today"]
    assert keys(date(2030, 10, 17)) == ["overdue:0"]
    assert keys(date(2030, 10, 18)) == ["overdue:0", "escalated:1"]
    assert keys(date(2030, 10, 23)) == ["overdue:0", "escalated:1", "escalated:2"]
    assert keys(date(2030, 10, 24)) == ["overdue:1", "escalated:1", "escalated:2"]


def test_days_overdue_are_counted_in_working_days_like_days_left():
    cal = FastCalendar()
    def days(today):
        return {m.event_type: m.days for m in deadline_moments(
            effective=DEADLINE, today=today, calendar=cal, soon_offsets=(7, 1),
            escalation_delays=(2, 5))}
    assert days(date(2030, 10, 7)) == {"task.due_soon": 7}
    # Monday 21/10 is 5 calendar days after Wednesday 16/10 but 3 working days.
    assert days(date(2030, 10, 21)) == {"task.overdue": 3, "task.escalated": 3}


def test_due_soon_counts_working_days_across_tet():
    # Tết 2030 (lunar new year 03/02/2030): 7 working days before 15/02/2030 reach back to
    # late January, past the whole holiday.
    cal = FastCalendar()
    assert cal.add_working_days(date(2030, 2, 15), -7) < date(2030, 2, 1)
    makeup = FastCalendar(makeup_working_days=frozenset({date(2030, 2, 9)}))  # a Saturday
    assert makeup.add_working_days(date(2030, 2, 15), -7) > cal.add_working_days(
        date(2030, 2, 15), -7)


def test_each_moment_is_announced_once_and_closed_tasks_never(world):
    task_id = _add(world)
    _add(world, status="done")
    _add(world, status="cancelled")
    for day in (date(2030, 10, 7), date(2030, 10, 7), date(2030, 10, 15), DEADLINE,
                date(2030, 10, 17), date(2030, 10, 23), date(2030, 10, 23)):
        scan_once(db=world.db, settings=SETTINGS, now=at(day))
    assert sorted(_events(world)) == sorted([
        "task.due_soon", "task.due_soon", "task.due_today", "task.overdue",
        "task.escalated:1", "task.escalated:2"])
    with world.db.engine.connect() as conn:
        payload = conn.execute(select(messaging.outbox.c.payload).where(
            messaging.outbox.c.event_type == "task.due_today")).scalar_one()
    assert payload["data"]["task_id"] == str(task_id)
    assert payload["data"]["occurrence"] == DEADLINE.isoformat()
    assert payload["data"]["kpi_codes"] == ["AWARE"]


def test_a_task_done_before_its_deadline_gets_no_more_reminders(world):
    task_id = _add(world)
    scan_once(db=world.db, settings=SETTINGS, now=at(date(2030, 10, 7)))
    with world.db.uow() as uow:
        task = uow.session.get(Task, task_id)
        service._change_status(uow, task, to="done", actor_id=None, reason=None,
                               now=at(date(2030, 10, 8)))
        uow.commit()
    for day in (date(2030, 10, 15), DEADLINE, date(2030, 10, 30)):
        scan_once(db=world.db, settings=SETTINGS, now=at(day))
    assert _events(world) == ["task.due_soon"]


def test_scanners_in_parallel_threads_on_sqlite_announce_each_moment_once(world):
    for _ in range(30):
        _add(world)
    errors = []

    def scan():
        try:
            scan_once(db=world.db, settings=TasksSettings(scan_batch=7), now=at(DEADLINE))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _events(world) == ["task.due_today"] * 30


def test_settings_come_from_the_environment():
    settings = TasksSettings.from_env({"TASKS_DUE_SOON_DAYS": "3,10",
                                       "TASKS_ESCALATE_AFTER": "4,1"})
    assert settings.due_soon_days == (10, 3)
    assert settings.escalate_after == (1, 4)
    assert TasksSettings.from_env({}).due_soon_days == (7, 1)


def test_the_tasks_worker_runs_the_scanner_as_one_of_its_loops(world):
    from services.tasks.worker import build_worker
    from tests.helpers import settings_for_tests
    _add(world, deadline=date.today())  # due today, or soon if today is a day off
    worker = build_worker(settings_for_tests(), world.db, TasksSettings(scan_interval=0.05))
    assert "scanner" in worker.loops
    stop = threading.Event()
    runner = threading.Thread(target=worker.loops["scanner"], args=(stop,))
    runner.start()
    try:
        deadline = datetime.now(UTC).timestamp() + 10
        while not _events(world):
            assert datetime.now(UTC).timestamp() < deadline, "the scanner loop emitted nothing"
            stop.wait(0.05)
    finally:
        stop.set()
        runner.join(5)
    assert _events(world) in (["task.due_today"], ["task.due_soon"])
