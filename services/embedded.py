"""The embedded default: all three services in one process on SQLite and an in-process broker.

`python -m services.embedded` migrates, seeds the demo plan and accounts, starts every relay and
consumer in threads and serves http://127.0.0.1:8000 (PORT overrides). It runs the same code
paths as production; only the transports differ.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import threading
import time
from pathlib import Path

from flask import Flask, redirect
from sqlalchemy import func, select

from services.kpi.app import create_app as create_kpi_app
from services.kpi.demo import seed_demo_reports_when_ready
from services.kpi.models import messaging as kpi_messaging
from services.kpi.seed import seed_indicators
from services.kpi.settings import KpiSettings
from services.kpi.worker import build_worker as build_kpi_worker
from services.notifications.app import create_app as create_notifications_app
from services.notifications.worker import build_worker as build_notifications_worker
from services.tasks.app import create_app as create_tasks_app
from services.tasks.domain import WorkCalendar
from services.tasks.handlers import HANDLERS as TASKS_HANDLERS
from services.tasks.models import messaging as tasks_messaging
from services.tasks.seed import (
    DEMO_ACCOUNTS,
    seed_demo_accounts,
    seed_demo_plan,
    seed_demo_units,
)
from services.tasks.worker import build_worker as build_tasks_worker
from shared.db import Database, utcnow
from shared.dispatch import PrefixDispatcher
from shared.errors import install_error_handlers
from shared.logging import configure_logging
from shared.migrate import upgrade
from shared.pages import install_pages
from shared.runtime import tune_process
from shared.settings import SERVICES, Settings
from shared.web import install_security_headers
from shared.worker import ServiceWorker

log = logging.getLogger(__name__)

def demo_passwords(path: Path) -> dict[str, str]:
    """The demo accounts' passwords: reused from var/demo-accounts.json, else made up once."""
    known: dict[str, str] = {}
    if path.exists():
        known = {a["username"]: a["password"] for a in json.loads(path.read_text("utf-8"))}
    return {username: known.get(username) or secrets.token_urlsafe(9)
            for username, *_ in DEMO_ACCOUNTS}


def prepare(settings: Settings, databases: dict[str, Database]) -> list[dict[str, str]]:
    """Migrate every database and seed the demo plan; demo accounts only outside production."""
    for service in SERVICES:
        upgrade(service, settings.database_url(service))
    now = utcnow()
    accounts: list[dict[str, str]] = []
    with databases["tasks"].uow() as uow:
        seed_demo_units(uow=uow, now=now)
        if not settings.is_production:  # accounts before tasks, so their events reach them
            accounts = seed_demo_accounts(
                uow=uow, passwords=demo_passwords(settings.data_dir / "demo-accounts.json"),
                now=now)
        seeded = seed_demo_plan(uow=uow, now=now, calendar=WorkCalendar())
        uow.commit()
    with databases["kpi"].uow() as uow:
        seed_indicators(uow=uow, now=now)
        uow.commit()
    log.info("demo plan ready", extra={"newly_seeded": seeded})
    if accounts:
        (settings.data_dir / "demo-accounts.json").write_text(
            json.dumps(accounts, ensure_ascii=False, indent=2), "utf-8")
    return accounts


def report_events_applied(databases: dict[str, Database]) -> bool:
    """True when the tasks service has applied every report event the kpi service made."""
    outbox, handled = kpi_messaging.outbox, tasks_messaging.handled
    with databases["kpi"].reader() as uow:
        made = set(uow.session.execute(select(outbox.c.event_id).where(
            outbox.c.event_type.in_([t for t in TASKS_HANDLERS if t.startswith("report.")])
        )).scalars())
    if not made:
        return True
    with databases["tasks"].reader() as uow:
        applied = uow.session.execute(select(func.count()).select_from(handled).where(
            handled.c.event_id.in_(list(made)))).scalar_one()
    return applied == len(made)


def seed_demo_history(databases: dict[str, Database], settled: threading.Event, *,
                      timeout: float = 180.0, poll: float = 0.5) -> None:
    """File the demo reports, wait until their events have moved the reporting tasks, then
    let the deadline scanner start (`settled`): no moment is announced at first start for a
    report filed years ago. The scanner starts anyway after `timeout` seconds."""
    try:
        seed_demo_reports_when_ready(databases["kpi"], config=KpiSettings.from_env(),
                                     timeout=timeout)
        deadline = time.monotonic() + timeout
        while not report_events_applied(databases) and time.monotonic() < deadline:
            time.sleep(poll)
    except Exception:  # the demo must not keep the scanner from ever starting
        log.exception("demo reports not seeded")
    finally:
        settled.set()


def build(settings: Settings, scan_after: threading.Event | None = None
          ) -> tuple[PrefixDispatcher, list[ServiceWorker], dict[str, Database]]:
    """The combined WSGI app, the three workers (not started) and the databases; the deadline
    scanner waits for `scan_after` if given."""
    databases = {s: Database(settings.database_url(s)) for s in SERVICES}
    apps = {
        "tasks": create_tasks_app(settings, db=databases["tasks"]),
        "notifications": create_notifications_app(settings, db=databases["notifications"]),
        "kpi": create_kpi_app(settings, db=databases["kpi"]),
    }
    workers = [
        build_tasks_worker(settings, databases["tasks"], scan_after=scan_after),
        build_notifications_worker(settings, databases["notifications"]),
        build_kpi_worker(settings, databases["kpi"]),
    ]
    index = Flask("index")
    index.extensions["settings"] = settings
    install_pages(index, settings)  # an unknown path outside the services: the 404 page
    install_error_handlers(index)
    install_security_headers(index)

    @index.get("/")
    def home():
        return redirect("/tasks/")

    return PrefixDispatcher(apps, index), workers, databases


def main() -> None:
    """Prepare, start the workers and serve until interrupted."""
    settings = Settings.from_env()
    configure_logging("embedded", json_format=settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settled = threading.Event()
    app, workers, databases = build(settings, scan_after=settled)
    accounts = prepare(settings, databases)
    for worker in workers:
        worker.start()
    if settings.is_production:
        settled.set()
    else:  # demo reports need the units that events bring to kpi; the scanner waits for them
        threading.Thread(target=seed_demo_history, args=(databases, settled),
                         name="kpi-demo-reports", daemon=True).start()
    url = f"http://127.0.0.1:{settings.port}"
    print(f"\nĐang chạy / Running at {url}", file=sys.stderr)
    if accounts:
        print(f"Tài khoản demo / Demo accounts ({settings.data_dir / 'demo-accounts.json'}):",
              file=sys.stderr)
        for a in accounts:
            print(f"  {a['role']:<12} {a['username']:<14} {a['password']}  ({a['unit_code']})",
                  file=sys.stderr)
    from waitress import serve

    tune_process()
    try:
        serve(app, host="127.0.0.1", port=settings.port, threads=8, ident="plan-tracker")
    finally:
        for worker in workers:
            worker.stop()


if __name__ == "__main__":
    main()
