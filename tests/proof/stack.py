"""The product the proof scenarios break: gunicorn + workers on PostgreSQL + a broker we own.

`broker_under_test` starts a private RabbitMQ node (tests/integration/messaging/rabbit.py)
behind the TCP fault proxy; `product_under_test` starts the distributed product with its
BROKER_URL pointing at the proxy, short broker timeouts so that faults are noticed in
seconds, and whatever extra process environment a scenario needs (FAULT_POINT …).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.product import DistributedOptions, DistributedProduct, distributed_product
from tests.helpers import require
from tests.integration.messaging.rabbit import PrivateRabbit
from tests.proof.events import EventCounts, count_events
from tests.proof.faultproxy import FaultProxy

# Faults must show within seconds: heartbeats of 4 s (a silent loss is seen after ~8 s),
# connect and confirm timeouts of a few seconds.
FAST_BROKER = {"BROKER_HEARTBEAT": "4", "BROKER_CONNECT_TIMEOUT": "3",
               "BROKER_CONFIRM_TIMEOUT": "5"}


@dataclass
class Broker:
    """A private RabbitMQ node and the fault proxy in front of it."""

    node: PrivateRabbit
    proxy: FaultProxy

    @property
    def url(self) -> str:
        """What the services connect to: the proxy, default vhost."""
        return f"amqp://guest:guest@127.0.0.1:{self.proxy.port}/%2F"

    def memory_alarm(self, on: bool) -> None:
        """Raise or clear the node's memory alarm (publishers get blocked while it is on)."""
        self.node.ctl("set_vm_memory_high_watermark", "0.0001" if on else "0.4")


@contextmanager
def broker_under_test(base: Path) -> Iterator[Broker]:
    """A private RabbitMQ node behind a fault proxy; both stopped afterwards."""
    require("rabbitmq")  # the same installation runs the private node
    node = PrivateRabbit(base)
    try:
        node.start()
        with FaultProxy("127.0.0.1", node.amqp_port) as proxy:
            yield Broker(node, proxy)
    finally:
        node.close()


@contextmanager
def product_under_test(log_dir: Path, *, broker: Broker | None = None,
                       pg_admin_url: str | None = None,
                       process_env: dict[str, dict[str, str]] | None = None,
                       worker_processes: dict[str, int] | None = None
                       ) -> Iterator[DistributedProduct]:
    """The distributed product, on our broker (if given) and PostgreSQL server (if given)."""
    options = DistributedOptions(broker_url=broker.url if broker else None,
                                 process_env=process_env or {},
                                 worker_processes=worker_processes or {},
                                 extra_env=dict(FAST_BROKER))
    if pg_admin_url:
        options.pg_admin_url = pg_admin_url
    log_dir.mkdir(parents=True, exist_ok=True)
    with distributed_product(log_dir, options=options) as product:
        yield product


def settle(product: DistributedProduct, *, timeout: float = 120) -> EventCounts:
    """Wait until every event was sent and applied; returns the final counts (or fails)."""
    deadline = time.monotonic() + timeout
    counts = count_events(product.database_urls)
    while not counts.settled and time.monotonic() < deadline:
        time.sleep(1)
        counts = count_events(product.database_urls)
    if not counts.settled:
        raise AssertionError(f"events did not settle in {timeout}s: {counts.summary()}\n"
                             + product.logs())
    time.sleep(2)  # late duplicates (a redelivery after the last ack) would show now
    return count_events(product.database_urls)


def exited(product: DistributedProduct) -> list[str]:
    """Names of the product's processes that are no longer running."""
    return [p.name for p in product.processes if not p.alive()]
