"""Four scanner processes at once on PostgreSQL announce each deadline moment exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, insert, select

from services.tasks import service
from services.tasks.domain import fold
from services.tasks.models import DeadlineEvent, Task, messaging
from shared.db import Database
from tests.helpers import create_pg_database, drop_pg_database

DEADLINE = date(2030, 10, 16)  # a Wednesday
TASKS = 1000
ROUNDS = [date(2030, 10, 7),  # 7 working days before: due_soon
          DEADLINE,  # due_today
          date(2030, 10, 30)]  # two weeks late: overdue (week 1), escalated to levels 1 and 2


@pytest.fixture
def pg_db():
    url = create_pg_database("tasks")
    db = Database(url)
    yield db
    db.dispose()
    drop_pg_database(url)


def _seed(db: Database) -> None:
    now = datetime(2030, 1, 2, tzinfo=UTC)
    with db.uow() as uow:
        sct = service.create_unit(uow=uow, actor_id=None, code="SCT", kind="department",
                                  name_vi="Sở Công Thương", name_en="DoIT", now=now)
        district = service.create_unit(uow=uow, actor_id=None, code="D1", kind="district",
                                       name_vi="Huyện 1", name_en="District 1", now=now)
        rows = [dict(id=uuid.uuid4(), title=f"Việc {i}", description="", kind="general",
                     assignee_unit_id=district.id, lead_unit_id=sct.id, deadline=DEADLINE,
                     effective_deadline=DEADLINE, status="not_started", progress=0,
                     created_at=now, updated_at=now, kpi_codes=["AWARE"],
                     search_text=fold(f"Việc {i}")) for i in range(TASKS)]
        closed = [dict(row, id=uuid.uuid4(), status=status)
                  for row, status in zip(rows[:20], ["done", "cancelled"] * 10, strict=True)]
        uow.session.execute(insert(Task), rows + closed)
        uow.commit()


def _run_round(db: Database, day: date, go_dir, **extra_env: str) -> list[int]:
    go = go_dir / f"go-{day.isoformat()}"
    env = {"SCAN_GO": str(go), "PATH": "/usr/bin:/bin", **extra_env}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tests.integration.tasks.scan_process", db.url, day.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(4)]
    go.touch()
    emitted = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        emitted.append(int(out.strip()))
    return emitted


def test_four_scanners_at_once_over_1000_due_tasks_emit_exactly_1000_events_per_kind(
        pg_db, tmp_path):
    _seed(pg_db)
    per_round = [_run_round(pg_db, day, tmp_path) for day in ROUNDS]
    outbox = messaging.outbox
    with pg_db.engine.connect() as conn:
        by_type = dict(conn.execute(
            select(outbox.c.event_type, func.count()).where(
                outbox.c.event_type.in_(("task.due_soon", "task.due_today", "task.overdue",
                                         "task.escalated")))
            .group_by(outbox.c.event_type)).all())
        by_kind = dict(conn.execute(select(DeadlineEvent.kind, func.count())
                                    .group_by(DeadlineEvent.kind)).all())
        due_today = conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "task.due_today")).scalars().all()
        distinct_tasks = len({p["data"]["task_id"] for p in due_today})
    assert by_kind == {"due_soon:7": TASKS, "due_today": TASKS, "overdue:1": TASKS,
                       "escalated:1": TASKS, "escalated:2": TASKS}
    assert by_type == {"task.due_soon": TASKS, "task.due_today": TASKS,
                       "task.overdue": TASKS, "task.escalated": 2 * TASKS}
    assert distinct_tasks == TASKS  # and none for the 20 done or cancelled tasks
    assert [sum(r) for r in per_round] == [TASKS, TASKS, 3 * TASKS]
    # every process took part in at least one round (the work was really shared)
    assert all(any(r[i] for r in per_round) for i in range(4))


def test_a_scanner_killed_while_holding_50_claims_loses_and_duplicates_nothing(pg_db, tmp_path):
    _seed(pg_db)
    held = tmp_path / "held"
    go = tmp_path / "go-crash"
    crashing = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.tasks.scan_process", pg_db.url,
         DEADLINE.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"SCAN_GO": str(go), "PATH": "/usr/bin:/bin", "SCAN_HANG_AFTER_CLAIM": str(held)})
    try:
        go.touch()
        deadline = time.monotonic() + 60
        while not held.exists() or not held.read_text():
            assert crashing.poll() is None, crashing.communicate()[1]
            assert time.monotonic() < deadline, "the scanner never claimed a batch"
            time.sleep(0.05)
        assert held.read_text() == "50"
        crashing.send_signal(signal.SIGKILL)
        crashing.wait(timeout=10)
    finally:
        if crashing.poll() is None:
            crashing.kill()
            crashing.wait()
    assert sum(_run_round(pg_db, DEADLINE, tmp_path)) == TASKS
    with pg_db.engine.connect() as conn:
        kinds = dict(conn.execute(select(DeadlineEvent.kind, func.count())
                                  .group_by(DeadlineEvent.kind)).all())
        due_today = conn.execute(select(func.count()).select_from(messaging.outbox).where(
            messaging.outbox.c.event_type == "task.due_today")).scalar_one()
    assert kinds == {"due_today": TASKS} and due_today == TASKS
