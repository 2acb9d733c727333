"""`python -m services.kpi.worker`: outbox relay and consumer of the kpi service."""

from __future__ import annotations

from services.kpi.handlers import build_handlers
from services.kpi.models import messaging
from services.kpi.settings import KpiSettings
from shared.db import Database
from shared.settings import Settings
from shared.worker import ServiceWorker, run_worker

SERVICE = "kpi"


def build_worker(settings: Settings, db: Database | None = None) -> ServiceWorker:
    """The kpi worker with its relay and consumer."""
    return ServiceWorker(service=SERVICE, settings=settings, db=db, tables=messaging,
                         handlers=build_handlers(KpiSettings.from_env()))


def main() -> None:
    """Run the worker until SIGTERM."""
    run_worker(SERVICE, build_worker)


if __name__ == "__main__":
    main()
