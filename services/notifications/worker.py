"""`python -m services.notifications.worker`: outbox relay, consumer and the sender loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.notifications.handlers import make_handlers
from services.notifications.models import messaging
from services.notifications.outbound import OutboundContext, prepare_batch
from services.notifications.sender import Sender
from services.notifications.settings import NotificationSettings
from shared.db import Database, utcnow
from shared.settings import Settings
from shared.worker import ServiceWorker, run_worker

SERVICE = "notifications"


def build_worker(settings: Settings, db: Database | None = None, *,
                 notify: NotificationSettings | None = None,
                 clock: Callable[[], datetime] = utcnow) -> ServiceWorker:
    """The notifications worker: relay, consumer (plans deliveries) and senders."""
    notify = notify or NotificationSettings.from_env()
    db = db or Database(settings.database_url(SERVICE))
    context = OutboundContext(base_url=settings.public_base_url, settings=notify)
    senders = {"sender" if n == 1 else f"sender-{n}":
               Sender(db=db, settings=settings, notify=notify, clock=clock).run_forever
               for n in range(1, notify.senders + 1)}
    return ServiceWorker(service=SERVICE, settings=settings, db=db, tables=messaging,
                         handlers=make_handlers(context, clock), loops=senders,
                         prepare=prepare_batch)


def main() -> None:
    """Run the worker until SIGTERM."""
    run_worker(SERVICE, build_worker)


if __name__ == "__main__":
    main()
