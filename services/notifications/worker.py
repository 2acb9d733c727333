"""`python -m services.notifications.worker`: outbox relay, consumer and the sender loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.notifications.handlers import make_handlers
from services.notifications.models import messaging
from services.notifications.outbound import OutboundContext
from services.notifications.sender import Sender
from services.notifications.settings import NotificationSettings
from shared.db import Database, utcnow
from shared.settings import Settings
from shared.worker import ServiceWorker, run_worker

SERVICE = "notifications"


def build_worker(settings: Settings, db: Database | None = None, *,
                 notify: NotificationSettings | None = None,
                 clock: Callable[[], datetime] = utcnow) -> ServiceWorker:
    """The notifications worker: relay, consumer (plans deliveries) and sender."""
    notify = notify or NotificationSettings.from_env()
    db = db or Database(settings.database_url(SERVICE))
    context = OutboundContext(base_url=settings.public_base_url, settings=notify)
    sender = Sender(db=db, settings=settings, notify=notify, clock=clock)
    return ServiceWorker(service=SERVICE, settings=settings, db=db, tables=messaging,
                         handlers=make_handlers(context, clock),
                         loops={"sender": sender.run_forever})


def main() -> None:
    """Run the worker until SIGTERM."""
    run_worker(SERVICE, build_worker)


if __name__ == "__main__":
    main()
