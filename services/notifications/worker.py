"""`python -m services.notifications.worker`: outbox relay and consumer of notifications."""

from __future__ import annotations

from services.notifications.handlers import HANDLERS
from services.notifications.models import messaging
from shared.db import Database
from shared.logging import configure_logging
from shared.settings import Settings
from shared.worker import ServiceWorker

SERVICE = "notifications"


def build_worker(settings: Settings, db: Database | None = None) -> ServiceWorker:
    """The notifications worker with its relay and consumer."""
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
