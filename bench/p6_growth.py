"""P6: how the cost of one scanner tick and one KPI recompute grows with the data.

Scanner: 10k → 100k → 1M open tasks (bulk-loaded with generate_series), of which a fixed 20
are due; one tick (`scan_once`) is timed at each size. KPI: 12 → 1,000 → 10,000 reporting
units, each with a submitted report; one report change with its incremental recompute is timed
at each size, and a full recompute beside it. Ratio = cost at the largest size / at the smallest.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import timedelta

from sqlalchemy import select, text, update

from bench.brokers import pg_database
from bench.harness import Comparison, Series, scaled
from services.kpi.change import Change
from services.kpi.demo import demo_values
from services.kpi.kpis import recompute_kpis
from services.kpi.models import Report
from services.kpi.seed import seed_indicators
from services.tasks.domain import OPEN_STATUSES, FastCalendar, local_date
from services.tasks.models import Task
from services.tasks.scanner import scan_once
from services.tasks.seed import seed_demo_units
from services.tasks.settings import TasksSettings
from shared.db import Database, utcnow
from shared.demo import seed_id

TASK_SIZES = scaled((10_000, 100_000, 1_000_000), (2_000, 10_000, 50_000))
UNIT_SIZES = scaled((12, 1_000, 10_000), (12, 200, 1_000))
DUE = 20
YEAR = 2019


def _ms(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _load_tasks(db: Database, count: int, *, start: int, due: bool = False) -> None:
    """`count` open tasks: due ones 3 working days ahead, the others months ahead."""
    today = local_date(utcnow())
    soon = FastCalendar().add_working_days(today, 3)
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO tasks (id, title, description, kind, assignee_unit_id, deadline, "
            "effective_deadline, status, progress, created_at, updated_at) "
            "SELECT gen_random_uuid(), :prefix || n, '', 'general', :unit, d, d, "
            "'not_started', 0, now(), now() FROM (SELECT n, CASE WHEN :due THEN CAST(:soon AS "
            "date) ELSE CAST(:far AS date) + (n % 300) END AS d "
            "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n) AS s"),
            {"prefix": "due " if due else "later ", "unit": seed_id("unit", "TP-HAIDUONG"),
             "due": due, "soon": soon, "far": today + timedelta(days=60), "first": start,
             "last": start + count - 1})
        conn.execute(text("ANALYZE tasks"))


def _reset_due(db: Database) -> None:
    """The due tasks unscanned again, their claims and events gone: the next tick redoes them."""
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE tasks SET scanned_on = NULL WHERE title LIKE 'due %'"))
        conn.execute(text("DELETE FROM deadline_events"))
        conn.execute(text("DELETE FROM outbox"))


def _explain_scanner(db: Database, settings: TasksSettings) -> str:
    today = local_date(utcnow())
    horizon = FastCalendar().add_working_days(today, max(settings.due_soon_days))
    query = (select(Task.id).where(Task.status.in_(OPEN_STATUSES),
                                   (Task.scanned_on.is_(None)) | (Task.scanned_on < today),
                                   Task.effective_deadline <= horizon)
             .order_by(Task.effective_deadline, Task.id).limit(settings.scan_batch)
             .with_for_update(skip_locked=True))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        plan = conn.execute(text(f"EXPLAIN {compiled}")).scalars().all()
    return " / ".join(line.strip() for line in plan if "Scan" in line)


def scanner_growth(rounds: int) -> tuple[list[Series], list[str]]:
    """One scanner tick's time at each size of the task table."""
    series = [Series(f"{n:,} open tasks", "ms") for n in TASK_SIZES]
    notes = []
    settings = TasksSettings()
    with pg_database("tasks") as url:
        db = Database(url)
        with db.uow() as uow:
            seed_demo_units(uow=uow, now=utcnow())
            uow.commit()
        _load_tasks(db, DUE, start=1, due=True)
        loaded = DUE
        for size, s in zip(TASK_SIZES, series, strict=True):
            load_ms = _ms(lambda size=size, done=loaded: _load_tasks(
                db, size - done, start=done + 1))
            loaded = size
            for _ in range(rounds + 1):  # the first tick warms caches and is dropped
                _reset_due(db)
                s.values.append(_ms(lambda: scan_once(db=db, settings=settings,
                                                      now=utcnow())))
            s.values.pop(0)
            notes.append(f"scanner at {size:,} tasks (loaded in {load_ms / 1000:.0f} s): "
                         f"EXPLAIN → {_explain_scanner(db, settings)}")
        db.dispose()
    return series, notes


def _add_units_with_reports(db: Database, first: int, last: int) -> None:
    values = json.dumps(demo_values(YEAR))
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO units (unit_id, code, kind, name_vi, name_en) "
            "SELECT (md5('bench-unit-' || n))::uuid, 'U' || n, 'district', 'Huyện ' || n, "
            "'District ' || n "
            "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n"),
            {"first": first, "last": last})
        conn.execute(text(
            "INSERT INTO reports (id, unit_id, form_code, year, status, version, values, late, "
            "submitted_at, created_at, updated_at) "
            "SELECT gen_random_uuid(), (md5('bench-unit-' || n))::uuid, 'CP_YEARLY', :year, "
            "'submitted', 1, CAST(:values AS jsonb), false, now(), now(), now() "
            "FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n"),
            {"first": first, "last": last, "year": YEAR, "values": values})
        conn.execute(text("ANALYZE"))


def _change_one_report(db: Database, n: int) -> None:
    """One unit's report gets new numbers and the KPIs are recomputed for what it touches."""
    unit_id = uuid.UUID(bytes=bytes.fromhex(_md5(f"bench-unit-{n}")))
    with db.uow() as uow:
        values = {**demo_values(YEAR), "facilities_applying": 10 + n % 7}
        uow.session.execute(update(Report).where(Report.unit_id == unit_id,
                                                 Report.year == YEAR).values(values=values))
        report = uow.session.execute(select(Report).where(
            Report.unit_id == unit_id, Report.year == YEAR)).scalar_one()
        recompute_kpis(uow=uow, change=Change.of_report(report), now=utcnow())
        uow.commit()


def _full_recompute(db: Database) -> None:
    with db.uow() as uow:
        recompute_kpis(uow=uow, change=Change.of_year(year=YEAR), now=utcnow())
        uow.commit()


def _md5(value: str) -> str:
    return hashlib.md5(value.encode()).hexdigest()  # noqa: S324 - an id, not a secret


def kpi_growth(rounds: int) -> tuple[list[Series], list[Series]]:
    """One incremental recompute and one full recompute at each number of units."""
    incremental = [Series(f"{n:,} units", "ms") for n in UNIT_SIZES]
    full = [Series(f"full recompute, {n:,} units", "ms") for n in UNIT_SIZES]
    with pg_database("kpi") as url:
        db = Database(url)
        with db.uow() as uow:
            seed_indicators(uow=uow, now=utcnow())
            uow.commit()
        loaded = 0
        for size, inc, whole in zip(UNIT_SIZES, incremental, full, strict=True):
            _add_units_with_reports(db, loaded + 1, size)
            loaded = size
            whole.values.append(_ms(lambda: _full_recompute(db)))  # stores every unit's values
            for r in range(rounds + 1):
                inc.values.append(_ms(lambda n=1 + r % size: _change_one_report(db, n)))
            inc.values.pop(0)
        db.dispose()
    return incremental, full


def run(*, ids: set[str] | None = None, rounds: int = 3) -> list[Comparison]:
    """Growth of the scanner tick and the KPI recompute, largest size against smallest."""
    ticks, notes = scanner_growth(rounds)
    incremental, full = kpi_growth(rounds)
    return [
        Comparison(id="P6", title=f"one scanner tick ({DUE} due) as open tasks grow",
                   ours=ticks[-1], baselines=ticks[:-1],
                   goal="≤ 2× the smallest", goal_ratio=2.0, higher_is_better=False,
                   notes=notes),
        Comparison(id="P6", title="one report change + incremental KPI recompute as units grow",
                   ours=incremental[-1], baselines=incremental[:-1],
                   goal="≤ 2× the smallest", goal_ratio=2.0, higher_is_better=False),
        Comparison(id="P6", title="full KPI recompute of a year (for comparison)",
                   ours=full[-1], baselines=full[:-1], goal="(informative)",
                   higher_is_better=False),
    ]
