"""`python -m services.tasks.worker`: outbox relay and consumer of the tasks service."""

from __future__ import annotations

from services.tasks.handlers import HANDLERS
from services.tasks.models import messaging
from shared.db import Database
from shared.settings import Settings
from shared.worker import ServiceWorker, run_worker

SERVICE = "tasks"


def build_worker(settings: Settings, db: Database | None = None) -> ServiceWorker:
    """The tasks worker with its relay and consumer."""
    return ServiceWorker(service=SERVICE, settings=settings, db=db, tables=messaging,
                         handlers=HANDLERS)


def main() -> None:
    """Run the worker until SIGTERM."""
    run_worker(SERVICE, build_worker)


if __name__ == "__main__":
    main()
