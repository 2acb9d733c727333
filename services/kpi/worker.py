"""`python -m services.kpi.worker`: outbox relay and consumer of the kpi service."""

from __future__ import annotations

from services.kpi.handlers import HANDLERS
from services.kpi.models import messaging
from shared.db import Database
from shared.logging import configure_logging
from shared.settings import Settings
from shared.worker import ServiceWorker

SERVICE = "kpi"


def build_worker(settings: Settings, db: Database | None = None) -> ServiceWorker:
    """The kpi worker with its relay and consumer."""
    db = db or Database(settings.database_url(SERVICE))
    return ServiceWorker(service=SERVICE, settings=settings, db=db, tables=messaging,
                         handlers=HANDLERS)


def main() -> None:
    """Run the worker until SIGTERM."""
    settings = Settings.from_env()
    configure_logging(SERVICE, json_format=settings.log_json)
    build_worker(settings).run_until_signalled()


if __name__ == "__main__":
    main()
