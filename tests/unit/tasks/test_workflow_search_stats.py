"""The transition table over HTTP, unit scope, search and lists, timeliness counts, calendar."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from services.tasks import service
from services.tasks.domain import TRANSITIONS, FastCalendar
from services.tasks.models import Task, audit_log, messaging
from shared.messaging.events import TASK_STATUSES
from tests.unit.tasks.conftest import PASSWORD

TASKS = "/tasks/api/v1/tasks"
PARTY_OF = {"rep1": "assignee", "coord": "lead", "head": "head"}


def _task(world, **overrides):
    now = datetime.now(UTC)
    values = dict(title="Báo cáo tình hình áp dụng SXSH", assignee_unit_id=world.units["D1"],
                  lead_unit_id=world.units["SCT"],
                  deadline=date.today() + timedelta(days=30))
    values.update(overrides)
    with world.db.uow() as uow:
        task = service.add_task(uow=uow, actor_id=None, calendar=FastCalendar(), now=now,
                                **values)
        uow.commit()
    return task.id


def _set_status(world, task_id, status):
    with world.db.engine.begin() as conn:
        conn.execute(update(Task).where(Task.id == task_id).values(status=status))


def _count(world, table, **where):
    query = select(func.count()).select_from(table)
    for key, value in where.items():
        query = query.where(table.c[key] == value)
    with world.db.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def test_every_move_outside_the_transition_table_is_refused_and_every_allowed_one_works(world):
    task_id = _task(world)
    headers = {user: world.login(user) for user in PARTY_OF}
    refused = allowed = 0
    for (current, target), user in itertools.product(
            itertools.permutations(TASK_STATUSES, 2), PARTY_OF):
        _set_status(world, task_id, current)
        response = world.client.post(f"{TASKS}/{task_id}/transitions", headers=headers[user],
                                     json={"to": target, "reason": "lý do"})
        if PARTY_OF[user] in TRANSITIONS.get((current, target), ()):
            assert response.status_code == 200, (current, target, user, response.json)
            assert response.json["status"] == target
            allowed += 1
        else:
            assert response.status_code in (403, 409), (current, target, user)
            assert response.content_type == "application/problem+json"
            refused += 1
    assert refused > 50 and allowed > 20


def test_a_refused_transition_writes_nothing(world):
    task_id = _task(world)
    before = (_count(world, audit_log), _count(world, messaging.outbox))
    response = world.client.post(f"{TASKS}/{task_id}/transitions", headers=world.login("rep1"),
                                 json={"to": "done"})
    assert response.status_code == 409
    assert (_count(world, audit_log), _count(world, messaging.outbox)) == before


def test_a_reporter_of_one_district_gets_404_for_every_task_of_another(world):
    ids = [_task(world, assignee_unit_id=world.units["D2"], title=f"Việc {i}") for i in range(5)]
    headers = world.login("rep1")
    for task_id in ids:
        assert world.client.get(f"{TASKS}/{task_id}", headers=headers).status_code == 404
        moved = world.client.post(f"{TASKS}/{task_id}/transitions", headers=headers,
                                  json={"to": "in_progress"})
        assert moved.status_code == 404
    listed = world.client.get(f"{TASKS}?unit_id={world.units['D2']}", headers=headers)
    assert listed.json["total"] == 0


def test_search_ignores_vietnamese_diacritics_in_titles_and_unit_names(world):
    wanted = _task(world, title="Tập huấn sản xuất sạch hơn cho doanh nghiệp")
    _task(world, title="Kiểm tra định kỳ")
    headers = world.login("head")
    found = world.client.get(f"{TASKS}?q=tap huan san xuat", headers=headers).json
    assert [t["id"] for t in found["items"]] == [str(wanted)]
    by_unit = world.client.get(f"{TASKS}?q=don vi d1", headers=headers).json  # "Đơn vị D1"
    assert by_unit["total"] == 2
    assert world.client.get(f"{TASKS}?q=%25", headers=headers).json["total"] == 0


def test_lists_filter_sort_and_paginate_with_the_total(world):
    today = date.today()
    for i in range(7):
        _task(world, title=f"Việc {i}", deadline=today + timedelta(days=20 + i),
              kpi_codes=["AWARE"] if i % 2 else [])
    headers = world.login("head")
    first = world.client.get(f"{TASKS}?page_size=3&sort=-deadline", headers=headers).json
    assert first["total"] == 7 and len(first["items"]) == 3 and first["page"] == 1
    deadlines = [t["effective_deadline"] for t in first["items"]]
    assert deadlines == sorted(deadlines, reverse=True)
    last = world.client.get(f"{TASKS}?page_size=3&page=3", headers=headers).json
    assert len(last["items"]) == 1 and last["total"] == 7
    beyond = world.client.get(f"{TASKS}?page_size=3&page=4", headers=headers).json
    assert beyond["items"] == [] and beyond["total"] == 7  # no row to carry the window count
    assert world.client.get(f"{TASKS}?kpi_code=AWARE", headers=headers).json["total"] == 3
    window = (today + timedelta(days=21)).isoformat(), (today + timedelta(days=23)).isoformat()
    ranged = world.client.get(f"{TASKS}?deadline_from={window[0]}&deadline_to={window[1]}",
                              headers=headers).json
    assert all(window[0] <= t["effective_deadline"] <= window[1] for t in ranged["items"])
    assert world.client.get(f"{TASKS}?timeliness=overdue", headers=headers).json["total"] == 0
    assert world.client.get(f"{TASKS}?sort=sideways", headers=headers).status_code == 422


def test_timeliness_counts_per_unit_plan_and_year(world):
    past = date.today() - timedelta(days=40)
    late = _task(world, deadline=past)
    on_time = _task(world, deadline=past)
    _task(world, deadline=past)  # overdue
    _task(world)  # open within its deadline
    with world.db.uow() as uow:
        for task_id, when in ((late, datetime.now(UTC)),
                              (on_time, datetime.combine(past, datetime.min.time(), UTC))):
            task = uow.session.get(Task, task_id)
            service._change_status(uow, task, to="done", actor_id=None, reason=None, now=when)
        uow.commit()
    headers = world.login("head")
    stats = world.client.get("/tasks/api/v1/stats/timeliness", headers=headers).json
    unit = next(u for u in stats["units"] if u["unit_id"] == str(world.units["D1"]))
    assert (unit["done_on_time"], unit["done_late"], unit["overdue"],
            unit["open_within_deadline"], unit["fallen_due"]) == (1, 1, 1, 1, 3)
    assert unit["on_time_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert sum(y["total"] for y in stats["years"]) == 4
    listed = world.client.get(f"{TASKS}?timeliness=done_late", headers=headers).json
    assert [t["id"] for t in listed["items"]] == [str(late)]


def test_report_events_submit_then_complete_the_reporting_task_idempotently(world):
    task_id = _task(world, kind="yearly_report", period_year=2026,
                    deadline=date(2026, 12, 21))
    submitted_at = datetime(2026, 12, 18, 3, 0, tzinfo=UTC)
    approved_at = datetime(2027, 1, 10, 3, 0, tzinfo=UTC)
    for _ in range(2):
        with world.db.uow() as uow:
            service.reporting_task_submitted(uow=uow, unit_id=world.units["D1"], year=2026,
                                             at=submitted_at)
            uow.commit()
    with world.db.uow() as uow:
        task = uow.session.get(Task, task_id)
        assert task.status == "submitted"
    for _ in range(2):
        with world.db.uow() as uow:
            service.reporting_task_approved(uow=uow, unit_id=world.units["D1"], year=2026,
                                            at=approved_at)
            uow.commit()
    with world.db.uow() as uow:  # a late re-delivery of report.submitted never goes backwards
        service.reporting_task_submitted(uow=uow, unit_id=world.units["D1"], year=2026,
                                         at=approved_at)
        uow.commit()
    with world.db.uow() as uow:
        task = uow.session.get(Task, task_id)
        assert task.status == "done"
        # approved after the deadline, submitted before it: the submission counts
        assert service.task_timeliness(task, today=date(2027, 2, 1)) == "done_on_time"
    assert _count(world, messaging.outbox, event_type="task.status_changed") == 2


def test_an_announced_day_off_moves_open_deadlines_and_only_an_admin_may_announce(world):
    monday = date(2030, 3, 11)  # a Monday without holidays, Tuesday a working day too
    task_id = _task(world, deadline=monday)
    with world.db.uow() as uow:
        service.create_user(uow=uow, actor_id=None, username="root", password=PASSWORD,
                            full_name="root", unit_id=world.units["SCT"], roles=["admin"],
                            now=datetime.now(UTC))
        uow.commit()
    path = f"/tasks/api/v1/calendar/overrides/{monday.isoformat()}"
    refused = world.client.put(path, json={"kind": "day_off"}, headers=world.login("coord"))
    assert refused.status_code == 403
    response = world.client.put(path, json={"kind": "day_off", "note": "Nghỉ bù"},
                                headers=world.login("root"))
    assert response.status_code == 200, response.json
    task = world.client.get(f"{TASKS}/{task_id}", headers=world.login("head")).json
    assert task["deadline"] == monday.isoformat()
    assert task["effective_deadline"] == (monday + timedelta(days=1)).isoformat()
    assert _count(world, messaging.outbox, event_type="task.updated") == 1
    bad = world.client.put("/tasks/api/v1/calendar/overrides/31-12-2026",
                           json={"kind": "day_off"}, headers=world.login("root"))
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "day"
    assert world.client.delete(path, headers=world.login("root")).status_code == 204
    task = world.client.get(f"{TASKS}/{task_id}", headers=world.login("head")).json
    assert task["effective_deadline"] == monday.isoformat()


def test_task_events_carry_the_kpi_codes_of_the_duty(world):
    _task(world, kpi_codes=["AWARE", "APPLY"])
    with world.db.engine.connect() as conn:
        payload = conn.execute(select(messaging.outbox.c.payload).where(
            messaging.outbox.c.event_type == "task.created")).scalar_one()
    assert payload["data"]["kpi_codes"] == ["AWARE", "APPLY"]


def test_the_assignee_reports_progress_and_only_the_lead_moves_the_deadline(world):
    task_id = _task(world)
    rep1, coord = world.login("rep1"), world.login("coord")
    progress = world.client.patch(f"{TASKS}/{task_id}", headers=rep1, json={"progress": 40})
    assert progress.status_code == 200 and progress.json["progress"] == 40
    refused = world.client.patch(f"{TASKS}/{task_id}", headers=rep1,
                                 json={"deadline": "2030-03-09"})
    assert refused.status_code == 403
    moved = world.client.patch(f"{TASKS}/{task_id}", headers=coord,
                               json={"deadline": "2030-03-09"})  # a Saturday
    assert moved.json["effective_deadline"] == "2030-03-11"
    world.client.patch(f"{TASKS}/{task_id}", headers=coord, json={"title": "Hội thảo Đề án"})
    found = world.client.get(f"{TASKS}?q=hoi thao de an", headers=coord).json
    assert [t["id"] for t in found["items"]] == [str(task_id)]
    assert world.client.patch(f"{TASKS}/{task_id}", headers=world.login("rep2"),
                              json={"progress": 1}).status_code == 404
    assert world.client.patch(f"{TASKS}/{task_id}", headers=rep1,
                              json={"progress": 101}).status_code == 422
    assert _count(world, messaging.outbox, event_type="task.updated") == 3


def test_a_viewer_of_the_assignee_unit_reads_but_moves_nothing(world):
    task_id = _task(world)
    with world.db.uow() as uow:
        service.create_user(uow=uow, actor_id=None, username="viewer1", password=PASSWORD,
                            full_name="v", unit_id=world.units["D1"], roles=["viewer"],
                            now=datetime.now(UTC))
        uow.commit()
    viewer = world.login("viewer1")
    assert world.client.get(f"{TASKS}/{task_id}", headers=viewer).status_code == 200
    moved = world.client.post(f"{TASKS}/{task_id}/transitions", headers=viewer,
                              json={"to": "in_progress"})
    assert moved.status_code == 409
    assert world.client.patch(f"{TASKS}/{task_id}", headers=viewer,
                              json={"progress": 5}).status_code == 403
