"""The worker process of a service: outbox relay and event consumer (plus service loops)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from shared.db import Database
from shared.logging import configure_logging
from shared.messaging.consumer import EventConsumer, Handler
from shared.messaging.outbox import MessagingTables
from shared.messaging.publisher import make_publisher
from shared.messaging.relay import OutboxRelay
from shared.runtime import tune_process
from shared.settings import Settings

log = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]


class ServiceWorker:
    """Runs one service's relay, consumer and extra loops in threads until stopped."""

    def __init__(self, *, service: str, settings: Settings, db: Database | None,
                 tables: MessagingTables, handlers: dict[str, Handler],
                 loops: dict[str, Loop] | None = None,
                 prepare: Callable[..., object] | None = None):
        self.service = service
        db = db or Database(settings.database_url(service))
        self.stop_event = threading.Event()
        self.relay = OutboxRelay(db=db, tables=tables, publisher=make_publisher(settings),
                                 batch_size=settings.relay_batch_size,
                                 poll_interval=settings.relay_poll_interval,
                                 name=f"{service}-relay")
        # Several consumers (each with its own connection) compete for the queue: the
        # handled-event record makes that safe, and a latency-bound handler goes faster.
        self.consumers = [
            EventConsumer(service=service, broker_url=settings.broker_url, db=db, tables=tables,
                          handlers=handlers, heartbeat=settings.broker_heartbeat,
                          connect_timeout=settings.broker_connect_timeout,
                          batch_size=settings.consumer_batch_size, prepare=prepare)
            for _ in range(max(1, settings.worker_consumers))]
        self.consumer = self.consumers[0]
        self.loops = loops or {}
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start every loop in its own daemon thread."""
        targets: dict[str, Callable[[], None]] = {
            "relay": lambda: self.relay.run_forever(self.stop_event),
        }
        for n, consumer in enumerate(self.consumers, start=1):
            targets["consumer" if n == 1 else f"consumer-{n}"] = consumer.run
        for name, loop in self.loops.items():
            targets[name] = lambda loop=loop: loop(self.stop_event)
        for name, target in targets.items():
            thread = threading.Thread(target=target, name=f"{self.service}-{name}", daemon=True)
            thread.start()
            self.threads.append(thread)
        log.info("worker started", extra={"worker": self.service, "loops": list(targets)})

    def stop(self, timeout: float = 10.0) -> None:
        """Ask every loop to finish and wait for them."""
        self.stop_event.set()
        for consumer in self.consumers:
            consumer.should_stop = True
        self.relay.wakeup.set()
        for thread in self.threads:
            thread.join(timeout)
        self.threads.clear()

    def run_until_signalled(self) -> None:
        """Start, then block until SIGTERM or SIGINT, then stop cleanly."""
        done = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: done.set())
        self.start()
        done.wait()
        log.info("worker stopping", extra={"worker": self.service})
        self.stop()


def run_worker(service: str, build: Callable[[Settings], ServiceWorker]) -> None:
    """The body of `python -m services.<name>.worker`: settings, logging, run until SIGTERM."""
    settings = Settings.from_env()
    configure_logging(service, json_format=settings.log_json)
    worker = build(settings)
    tune_process()
    worker.run_until_signalled()
