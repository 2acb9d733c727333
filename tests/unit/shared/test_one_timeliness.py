"""One timeliness: the tasks service's stats, its list filter and kpi's dashboard count alike.

Generated task histories (creation, status moves with back-dated times, deadline changes,
submissions and completions of general and reporting tasks) run through the real tasks
service functions on SQLite; their events reach kpi's consumer reordered and repeated.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.kpi import timeliness as kpi_timeliness
from services.kpi.handlers import HANDLERS as KPI_HANDLERS
from services.kpi.models import messaging as kpi_messaging
from services.tasks import service
from services.tasks.models import Task
from services.tasks.models import messaging as tasks_messaging
from shared.db import Database
from shared.errors import ApiError
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import parse_event
from shared.timeliness import COUNTED, TIMELINESS_VALUES, task_timeliness
from tests.helpers import sqlite_database

START = datetime(2020, 3, 2, 2, 0, tzinfo=UTC)
UNITS = ("D1", "D2", "D3")
KPIS = ("AWARE", "APPLY", "SAVING")
# Weighted towards handing in and finishing, the moves that timeliness turns on.
STATUSES = ("in_progress", "submitted", "submitted", "returned", "blocked", "done", "done",
            "cancelled")

step = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(STATUSES), st.integers(-40, 40)),
    st.tuples(st.just("deadline"), st.integers(-30, 30), st.integers(-40, 40)),
)
history = st.fixed_dictionaries({
    "unit": st.sampled_from(UNITS),
    "kind": st.sampled_from(("general", "yearly_report")),
    "deadline": st.integers(-20, 20),
    "kpis": st.lists(st.sampled_from(KPIS), max_size=2, unique=True),
    "steps": st.lists(step, max_size=6),
})
# A report handed in on time and approved late, and one handed in on time still waiting.
REPORTS_IN_TIME = {"tasks": [
    {"unit": "D1", "kind": "yearly_report", "deadline": 0, "kpis": ["AWARE"],
     "steps": [("move", "submitted", -5), ("move", "done", 10)]},
    {"unit": "D2", "kind": "yearly_report", "deadline": 0, "kpis": ["AWARE", "APPLY"],
     "steps": [("move", "submitted", -3)]}], "today": 20, "seed": 1}
world = st.fixed_dictionaries({
    "tasks": st.lists(history, min_size=1, max_size=8),
    "today": st.integers(-25, 45),
    "seed": st.integers(0, 10_000),
})


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> Path:
    """Migrated empty SQLite databases of tasks and kpi, copied for each example."""
    folder = tmp_path_factory.mktemp("templates")
    for name in ("tasks", "kpi"):
        sqlite_database(name, folder).dispose()
    return folder


def _copy(templates: Path) -> tuple[Database, Database, Path]:
    folder = Path(tempfile.mkdtemp(prefix="timely-"))
    for name in ("tasks", "kpi"):
        shutil.copy(templates / f"{name}.db", folder / f"{name}.db")
    return (Database(f"sqlite:///{folder / 'tasks.db'}"),
            Database(f"sqlite:///{folder / 'kpi.db'}"), folder)


def _run(db: Database, spec: dict) -> tuple:
    """Units, a head and every generated history, through the tasks service's use cases."""
    with db.uow() as uow:
        sct = service.create_unit(uow=uow, actor_id=None, code="SCT", kind="department",
                                  name_vi="Sở Công Thương", name_en="DOIT", now=START)
        units = {code: service.create_unit(uow=uow, actor_id=None, code=code, kind="district",
                                           name_vi=code, name_en=code, now=START).id
                 for code in UNITS}
        head = service.create_user(uow=uow, actor_id=None, username="head", password="x" * 12,
                                   full_name="Giám đốc", unit_id=sct.id, roles=["head"],
                                   now=START)
        uow.commit()
        principal = service.principal_of(head)
        calendar = service.load_calendar(uow.session)
    for number, task in enumerate(spec["tasks"]):
        with db.uow() as uow:
            made = service.add_task(
                uow=uow, actor_id=None, lead_unit_id=sct.id, title=f"Việc {number}",
                assignee_unit_id=units[task["unit"]], kind=task["kind"],
                period_year=2000 + number if task["kind"] == "yearly_report" else None,
                deadline=(START + timedelta(days=task["deadline"])).date(),
                kpi_codes=task["kpis"], calendar=calendar, now=START)
            uow.commit()
            task_id = made.id
        for what, value, days in task["steps"]:
            at = START + timedelta(days=days)  # back-dated or later, in any order
            try:
                with db.uow() as uow:
                    if what == "move":
                        service.transition_task(uow=uow, principal=principal, task_id=task_id,
                                                to=value, reason="lý do", now=at)
                    else:
                        service.update_task(uow=uow, principal=principal, task_id=task_id,
                                            calendar=calendar, now=at,
                                            deadline=(START + timedelta(days=value)).date())
                    uow.commit()
            except ApiError:
                pass  # a move the workflow refuses, or a closed task: nothing changes
    return principal, units


def _deliver(tasks_db: Database, kpi_db: Database, seed: int) -> None:
    """Every staged event to kpi's consumer, reordered and repeated with new event ids."""
    table = tasks_messaging.outbox
    with tasks_db.engine.connect() as conn:
        events = list(conn.execute(select(table.c.payload).order_by(table.c.seq)).scalars())
    rng = random.Random(seed)
    shuffled = events + rng.sample(events, len(events) // 2)
    rng.shuffle(shuffled)
    consumer = EventConsumer(service="kpi", broker_url="memory://", db=kpi_db,
                             tables=kpi_messaging, handlers=KPI_HANDLERS)
    for envelope in shuffled:
        consumer.apply(parse_event({**envelope, "id": str(uuid.uuid4())}))


def _today(spec: dict) -> tuple[date, datetime]:
    now = START + timedelta(days=spec["today"])
    return now.date(), now


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(spec=world)
@example(spec=REPORTS_IN_TIME)
def test_kpis_per_agency_figures_and_overdue_per_kpi_equal_the_tasks_services_stats(templates,
                                                                                    spec):
    tasks_db, kpi_db, folder = _copy(templates)
    try:
        principal, units = _run(tasks_db, spec)
        _deliver(tasks_db, kpi_db, spec["seed"])
        today, now = _today(spec)
        with tasks_db.uow() as uow:
            stats = service.timeliness_stats(uow=uow, principal=principal, now=now)
            tasks = list(uow.session.execute(select(Task)).scalars())
            overdue_by_kpi = kpi_timeliness.overdue_by_kpi(tasks, today=today)
        with kpi_db.uow() as uow:
            agencies = {row["unit_id"]: row
                        for row in kpi_timeliness.agency_timeliness(uow=uow, today=today)}
            kpi_overdue = kpi_timeliness.overdue_tasks_by_kpi(uow=uow, today=today)
        for row in stats["units"]:
            source = {value: row[value] for value in COUNTED}
            shown = agencies.get(row["unit_id"])
            if not any(source.values()):
                assert shown is None  # only cancelled tasks: not on the dashboard
                continue
            assert {value: shown[value] for value in COUNTED} == source
            assert (shown["due"], shown["on_time_rate"] is None) \
                == (row["fallen_due"], row["on_time_share"] is None)
        assert set(agencies) <= {row["unit_id"] for row in stats["units"]}
        expected = {}
        for task in tasks:
            if task_timeliness(task, today=today) == "overdue":
                for code in task.kpi_codes:
                    expected[code] = expected.get(code, 0) + 1
        assert kpi_overdue == overdue_by_kpi == expected
    finally:
        tasks_db.dispose()
        kpi_db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(spec=world)
@example(spec=REPORTS_IN_TIME)
def test_the_task_lists_timeliness_filter_picks_the_tasks_the_pure_rule_names(templates, spec):
    tasks_db, kpi_db, folder = _copy(templates)
    try:
        principal, _ = _run(tasks_db, spec)
        today, now = _today(spec)
        with tasks_db.uow() as uow:
            tasks = list(uow.session.execute(select(Task)).scalars())
            for value in TIMELINESS_VALUES:
                listed, _ = service.list_tasks(uow=uow, principal=principal, now=now,
                                               timeliness=value, page_size=100)
                assert {t.id for t in listed} == \
                    {t.id for t in tasks if task_timeliness(t, today=today) == value}, value
    finally:
        tasks_db.dispose()
        kpi_db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
