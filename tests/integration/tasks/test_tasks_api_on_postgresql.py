"""The tasks API on PostgreSQL: diacritic-free search, KPI and timeliness filters, unit scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from services.tasks import service
from services.tasks.app import create_app
from services.tasks.domain import FastCalendar
from shared.db import Database
from tests.helpers import (
    bearer,
    create_pg_database,
    drop_pg_database,
    settings_for_tests,
    token_for,
)

TASKS = "/tasks/api/v1/tasks"


@pytest.fixture
def pg_world():
    url = create_pg_database("tasks")
    db = Database(url)
    now = datetime.now(UTC)
    with db.uow() as uow:
        units = {code: service.create_unit(uow=uow, actor_id=None, code=code, kind=kind,
                                           name_vi=name, name_en=code, now=now).id
                 for code, kind, name in (("SCT", "department", "Sở Công Thương"),
                                          ("D1", "district", "Huyện Tứ Kỳ"),
                                          ("D2", "district", "Huyện Gia Lộc"))}
        for title, unit, kpis, deadline in (
                ("Tập huấn sản xuất sạch hơn", "D1", ["AWARE", "TRAINED"], 30),
                ("Kiểm tra định kỳ", "D2", ["APPLY"], -20),
                ("Báo cáo đánh giá", "D2", [], 10)):
            service.add_task(uow=uow, actor_id=None, lead_unit_id=units["SCT"], title=title,
                             assignee_unit_id=units[unit],
                             deadline=date.today() + timedelta(days=deadline),
                             calendar=FastCalendar(), now=now, kpi_codes=kpis)
        uow.commit()
    settings = settings_for_tests()
    app = create_app(settings, db=db)
    yield app.test_client(), settings, units
    db.dispose()
    drop_pg_database(url)


def test_search_filters_and_scope_work_the_same_on_postgresql(pg_world):
    client, settings, units = pg_world
    head = bearer(token_for(settings, unit_id=units["SCT"], roles=("head",)))
    def titles(query, headers=head):
        response = client.get(f"{TASKS}?{query}", headers=headers)
        assert response.status_code == 200, response.json
        return sorted(t["title"] for t in response.json["items"])
    assert titles("q=tap huan") == ["Tập huấn sản xuất sạch hơn"]
    assert titles("q=so cong thuong") == sorted(["Tập huấn sản xuất sạch hơn",
                                                 "Kiểm tra định kỳ", "Báo cáo đánh giá"])
    assert titles("q=gia loc bao cao") == ["Báo cáo đánh giá"]
    assert titles("kpi_code=TRAINED") == ["Tập huấn sản xuất sạch hơn"]
    assert titles("timeliness=overdue") == ["Kiểm tra định kỳ"]
    reporter = bearer(token_for(settings, unit_id=units["D1"], roles=("reporter",)))
    assert titles("", reporter) == ["Tập huấn sản xuất sạch hơn"]
    stats = client.get("/tasks/api/v1/stats/timeliness", headers=head).json
    assert sum(u["overdue"] for u in stats["units"]) == 1


def test_creating_a_task_reads_each_unit_once(pg_world):
    client, settings, units = pg_world
    db = client.application.extensions["db"]
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        coordinator = bearer(token_for(settings, unit_id=units["SCT"], roles=("coordinator",)))
        response = client.post(TASKS, headers=coordinator, json={
            "title": "Kiểm tra", "assignee_unit_id": str(units["D1"]), "deadline": "2099-12-21"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 201, response.json
    assert sum("FROM org_units" in s for s in statements) == 1  # both units in one select
    head = bearer(token_for(settings, unit_id=units["SCT"], roles=("head",)))
    found = client.get(f"{TASKS}?q=kiem tra tu ky so cong thuong", headers=head).json["items"]
    assert [t["id"] for t in found] == [response.json["id"]]  # both units' names searchable
