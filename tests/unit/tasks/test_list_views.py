"""The API's task list (plain rows, fast dump) says exactly what the ORM path says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from marshmallow import Schema
from sqlalchemy import update

from services.tasks import service
from services.tasks.domain import FastCalendar
from services.tasks.models import Task
from services.tasks.schemas import TaskOut
from shared.auth import Principal

TASKS = "/tasks/api/v1/tasks"
PlainTaskOut = Schema.from_dict(dict(TaskOut._declared_fields), name="PlainTaskOut")


def _seed(world) -> None:
    now = datetime.now(UTC)
    today = date.today()
    with world.db.uow() as uow:
        for n, (unit, days, kind, kpis) in enumerate((
                ("D1", 30, "general", ["AWARE"]), ("D2", -3, "general", []),
                ("D1", -40, "yearly_report", ["APPLY", "SAVING"]), ("D2", 5, "general", None),
                ("D1", 0, "general", []), ("D2", -10, "general", []))):
            task = service.add_task(
                uow=uow, actor_id=None, lead_unit_id=world.units["SCT"], title=f"Việc số {n}",
                description="Mô tả" * n, assignee_unit_id=world.units[unit],
                deadline=today + timedelta(days=days), kind=kind,
                period_year=2026 if kind == "yearly_report" else None, calendar=FastCalendar(),
                now=now, kpi_codes=kpis)
            if n == 1:
                task.status, task.completed_at, task.progress = "done", now, 100
            if n == 2:
                task.status, task.submitted_at = "submitted", now - timedelta(days=50)
        uow.commit()
    with world.db.engine.begin() as conn:  # one cancelled task
        conn.execute(update(Task).where(Task.title == "Việc số 3").values(status="cancelled"))


def test_list_views_equal_the_views_of_the_listed_tasks(world):
    _seed(world)
    now = datetime.now(UTC)
    head = Principal(user_id=world.users["head"], username="head", unit_id=world.units["SCT"],
                     unit_code="SCT", roles=("head",))
    rep = Principal(user_id=world.users["rep1"], username="rep1", unit_id=world.units["D1"],
                    unit_code="D1", roles=("reporter",))
    listed = 0
    for principal, filters in ((head, {}), (rep, {}), (head, {"status": "not_started"}),
                               (head, {"sort": "-title", "page_size": 2, "page": 2}),
                               (head, {"timeliness": "overdue"}), (head, {"q": "viec so 2"}),
                               (head, {"kpi_code": "APPLY"}), (head, {"status": "returned"})):
        with world.db.reader() as uow:
            tasks, total = service.list_tasks(uow=uow, principal=principal, now=now, **filters)
            expected = [service.task_view(t, now=now) for t in tasks]
        with world.db.reader() as uow:
            views, views_total = service.list_task_views(uow=uow, principal=principal, now=now,
                                                         **filters)
        assert (views, views_total) == (expected, total), filters
        assert TaskOut(many=True).dump(views) == PlainTaskOut(many=True).dump(expected)
        listed += bool(views)
    assert listed == 7  # every case but the last lists something


def test_the_api_list_dumps_every_field_as_before(world):
    _seed(world)
    response = world.client.get(f"{TASKS}?page_size=3&sort=-deadline",
                                headers=world.login("head"))
    assert response.status_code == 200, response.json
    assert response.headers["X-Total-Count"] == "6"
    body = response.json
    assert (body["total"], body["page"], body["page_size"]) == (6, 1, 3)
    now = datetime.now(UTC)
    head = Principal(user_id=world.users["head"], username="head", unit_id=world.units["SCT"],
                     unit_code="SCT", roles=("head",))
    with world.db.reader() as uow:
        tasks, _ = service.list_tasks(uow=uow, principal=head, now=now, sort="-deadline",
                                      page_size=3)
        expected = PlainTaskOut(many=True).dump([service.task_view(t, now=now) for t in tasks])
    assert body["items"] == expected
    assert set(body["items"][0]) == set(TaskOut._declared_fields)
