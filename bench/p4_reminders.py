"""P4: 10,000 due tasks → scanner → broker → notifications → in-app inbox and SMTP sink.

Baseline in the same run: the same reminders done with Celery (bench/celery_reminders.py) on the
same RabbitMQ, PostgreSQL and SMTP sink. Each round starts from fresh databases and a fresh
vhost; the clock runs from the commit of the due rows until the inbox and the sink both hold
every reminder. Lost = expected − distinct; duplicated = delivered − distinct.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.brokers import pg_database, rabbit_vhost
from bench.celery_reminders import SCHEMA
from bench.harness import Comparison, Series, alternate, scaled
from bench.smtp_sink import count as count_emails
from services.tasks import service
from services.tasks.domain import FastCalendar, local_date
from services.tasks.seed import seed_demo_units
from shared.db import Database, utcnow
from shared.demo import seed_id
from tests.e2e.processes import Process, eventually, free_port
from tests.helpers import TEST_SECRET, create_pg_database, drop_pg_database

REMINDERS = scaled(10_000, 1_000)
TIMEOUT_S = scaled(900, 300)
BUDGET_S = 300  # no second round when the first pair took longer than this
EMAIL = "baocao.tphd@bench.example.vn"
# As Celery's prefork ×2 on the other side: two notifications worker processes, each with
# its consumers (batches of up to 50 events) and its 2 sending loops.
WORKER_PROCESSES = int(os.environ.get("BENCH_P4_WORKERS", "2"))
CONSUMERS = int(os.environ.get("BENCH_P4_CONSUMERS", "1"))  # per worker process


@dataclass
class Tally:
    """What reached the inbox and the sink after one round."""

    inbox: int = 0
    inbox_distinct: int = 0
    emails: int = 0
    emails_distinct: int = 0

    def lost_and_duplicated(self, expected: int) -> tuple[int, int]:
        lost = (expected - self.inbox_distinct) + (expected - self.emails_distinct)
        duplicated = (self.inbox - self.inbox_distinct) + (self.emails - self.emails_distinct)
        return lost, duplicated


def _deadline() -> date:
    """A working day 3 working days ahead: exactly one due_soon reminder per task today."""
    return FastCalendar().add_working_days(local_date(utcnow()), 3)


def _sink(stack: ExitStack, tmp: Path) -> tuple[int, Path]:
    port, path = free_port(), tmp / f"emails-{time.monotonic_ns()}.txt"
    sink = Process("smtp-sink", [sys.executable, "-m", "bench.smtp_sink", str(port), str(path)],
                   dict(os.environ), tmp)
    stack.callback(sink.stop)
    eventually(lambda: "listening" in sink.log_tail(), timeout=30, what="the SMTP sink")
    return port, path


def _wait_all(expected: int, tally: Callable[[], Tally]) -> Tally:
    """Poll until both the inbox and the sink hold `expected` distinct reminders."""
    start = time.monotonic()
    deadline, report = start + TIMEOUT_S, start + 5
    while time.monotonic() < deadline:
        now = tally()
        if now.inbox_distinct >= expected and now.emails_distinct >= expected:
            return now
        if time.monotonic() > report:  # progress, so that a slow pipeline shows where it is
            print(f"[bench]   {time.monotonic() - start:5.0f} s: inbox {now.inbox_distinct}, "
                  f"e-mails {now.emails_distinct}", file=sys.stderr, flush=True)
            report += 5
        time.sleep(0.2)
    raise TimeoutError(f"only {tally()} of {expected} reminders after {TIMEOUT_S} s")


def measure_ours(tallies: list[Tally]) -> float:
    """One round of our pipeline: tasks worker (scanner, relay) → notifications worker."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        tasks_url = stack.enter_context(pg_database("tasks"))
        notes_url = stack.enter_context(pg_database("notifications"))
        amqp_url = stack.enter_context(rabbit_vhost())
        smtp_port, emails = _sink(stack, tmp)
        district = seed_id("unit", "TP-HAIDUONG")
        tasks_db = Database(tasks_url)
        stack.callback(tasks_db.dispose)
        with tasks_db.uow() as uow:
            seed_demo_units(uow=uow, now=utcnow())
            service.create_user(uow=uow, actor_id=None, username="baocao.tphd",
                                password="bench-password-0123", full_name="Cán bộ báo cáo",
                                unit_id=district, roles=["reporter"], email=EMAIL, now=utcnow())
            uow.commit()
        env = {**os.environ, "APP_MODE": "production", "SECRET_KEY": TEST_SECRET,
               "BROKER_URL": amqp_url, "LOG_FORMAT": "json", "RELAY_POLL_INTERVAL": "0.05",
               "TASKS_SCAN_INTERVAL": "1", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
               "NOTIFY_SENDER_POLL_INTERVAL": "0.2", "DATA_DIR": str(tmp),
               "WORKER_CONSUMERS": str(CONSUMERS)}
        workers = [("tasks", tasks_url)] + [("notifications", notes_url)] * WORKER_PROCESSES
        for n, (name, url) in enumerate(workers):
            worker = Process(f"{name}-worker-{n}",
                             [sys.executable, "-m", f"services.{name}.worker"],
                             {**env, "DATABASE_URL": url}, tmp)
            stack.callback(worker.stop)
        notes = create_engine(notes_url, pool_size=1)
        stack.callback(notes.dispose)
        eventually(lambda: _scalar(notes, "SELECT count(*) FROM recipients") >= 1, timeout=120,
                 what="the reporter reaching notifications")

        def tally() -> Tally:
            inbox, distinct = _row(notes, "SELECT count(*), count(DISTINCT body_vi) "
                                          "FROM inbox_messages")
            sent, sent_distinct = count_emails(emails)
            return Tally(inbox, distinct, sent, sent_distinct)

        deadline = _deadline()
        with tasks_db.engine.begin() as conn:
            start = time.perf_counter()
            conn.execute(text(
                "INSERT INTO tasks (id, title, description, kind, assignee_unit_id, deadline, "
                "effective_deadline, status, progress, created_at, updated_at) "
                "SELECT gen_random_uuid(), 'Nhắc việc số ' || n, '', 'general', :unit, :d, :d, "
                "'not_started', 0, now(), now() FROM generate_series(1, :count) AS n"),
                {"unit": district, "d": deadline, "count": REMINDERS})
        _wait_all(REMINDERS, tally)
        elapsed = time.perf_counter() - start
        time.sleep(2)  # room for a late duplicate to show up
        tallies.append(tally())
        return REMINDERS / elapsed


def measure_celery(tallies: list[Tally]) -> float:
    """One round of the Celery baseline on the same kind of fresh databases and vhost."""
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        db_url = create_pg_database("notifications")  # any migrated db will do; tables added
        stack.callback(drop_pg_database, db_url)
        amqp_url = stack.enter_context(rabbit_vhost())
        smtp_port, emails = _sink(stack, tmp)
        db = create_engine(db_url, pool_size=1)
        stack.callback(db.dispose)
        with db.begin() as conn:
            for statement in SCHEMA:
                conn.execute(text(statement))
        env = {**os.environ, "CELERY_BROKER_URL": amqp_url.replace("amqp://", "pyamqp://"),
               "REMINDER_DB_URL": db_url, "SMTP_PORT": str(smtp_port)}
        worker = Process("celery-worker", [
            sys.executable, "-m", "celery", "-A", "bench.celery_reminders", "worker",
            "--pool", "prefork", "--concurrency", "2", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat"], env, tmp)
        stack.callback(worker.stop)
        scanner = Process("celery-scanner", [sys.executable, "-m", "bench.celery_reminders",
                                             "scan"], env, tmp)
        stack.callback(scanner.stop)
        time.sleep(3)  # the worker's processes up and consuming

        def tally() -> Tally:
            inbox, distinct = _row(db, "SELECT count(*), count(DISTINCT task_id) FROM inbox")
            sent, sent_distinct = count_emails(emails)
            return Tally(inbox, distinct, sent, sent_distinct)

        with db.begin() as conn:
            start = time.perf_counter()
            conn.execute(text(
                "INSERT INTO due_tasks (id, title, recipient, effective_deadline) "
                "SELECT gen_random_uuid(), 'Nhắc việc số ' || n, :to, :d "
                "FROM generate_series(1, :count) AS n"),
                {"to": EMAIL, "d": _deadline(), "count": REMINDERS})
        _wait_all(REMINDERS, tally)
        elapsed = time.perf_counter() - start
        time.sleep(2)
        tallies.append(tally())
        return REMINDERS / elapsed


def _scalar(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def _row(engine, sql: str) -> tuple[int, int]:
    with engine.connect() as conn:
        first, second = conn.execute(text(sql)).one()
        return first, second


def run(*, ids: set[str] | None = None, rounds: int = 3) -> list[Comparison]:
    """Reminders/s end to end, ours against Celery, with lost and duplicated counts."""
    ours, celery = (Series(f"scanner → relay → notifications ({WORKER_PROCESSES} worker "
                           f"processes × {CONSUMERS} consumer, 2 senders)", "reminders/s"),
                    Series("Celery (beat-like scan, acks_late, prefork ×2)", "reminders/s"))
    ours_tallies: list[Tally] = []
    celery_tallies: list[Tally] = []
    started = time.monotonic()
    for _ in range(min(rounds, scaled(2, 1))):
        alternate(1, [(ours, lambda: measure_ours(ours_tallies)),
                      (celery, lambda: measure_celery(celery_tallies))])
        if time.monotonic() - started > BUDGET_S:  # keep make bench within its 20 minutes
            break
    notes = [f"{REMINDERS:,} due tasks per round, every one with one recipient: one inbox row "
             "and one e-mail each; the clock runs from the commit of the due rows until both "
             "the inbox and the SMTP sink (a separate aiosmtpd process) hold all of them"]
    for name, tallies in (("ours", ours_tallies), ("Celery", celery_tallies)):
        for n, t in enumerate(tallies, 1):
            lost, duplicated = t.lost_and_duplicated(REMINDERS)
            notes.append(f"{name} round {n}: inbox {t.inbox:,} rows ({t.inbox_distinct:,} "
                         f"distinct), e-mails {t.emails:,} ({t.emails_distinct:,} distinct): "
                         f"lost {lost}, duplicated {duplicated}")
    return [Comparison(id="P4", title=f"reminder pipeline, {REMINDERS:,} due tasks → inbox + "
                       "SMTP", ours=ours, baselines=[celery], goal="≥ 1× Celery",
                       goal_ratio=1.0, notes=notes)]
