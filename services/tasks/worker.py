"""`python -m services.tasks.worker`: outbox relay, consumer and deadline scanner of tasks."""

from __future__ import annotations

import threading

from services.tasks.handlers import HANDLERS
from services.tasks.models import messaging
from services.tasks.scanner import scanner_loop
from services.tasks.settings import TasksSettings
from shared.db import Database, utcnow
from shared.settings import Settings
from shared.worker import ServiceWorker, run_worker

SERVICE = "tasks"


def build_worker(settings: Settings, db: Database | None = None,
                 tasks_settings: TasksSettings | None = None,
                 scan_after: threading.Event | None = None) -> ServiceWorker:
    """The tasks worker with its relay, consumer and the deadline scanner loop (which starts
    once `scan_after` is set, if given)."""
    db = db or Database(settings.database_url(SERVICE))
    scanner = scanner_loop(db, tasks_settings or TasksSettings.from_env(), utcnow,
                           ready=scan_after)
    return ServiceWorker(service=SERVICE, settings=settings, db=db, tables=messaging,
                         handlers=HANDLERS, loops={"scanner": scanner})


def main() -> None:
    """Run the worker until SIGTERM."""
    run_worker(SERVICE, build_worker)


if __name__ == "__main__":
    main()
