"""What the benchmarks need around them: a PostgreSQL database and a RabbitMQ vhost of their own."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine

from tests.helpers import AMQP_URL, create_pg_database, drop_pg_database


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def rabbit_vhost() -> Iterator[str]:
    """A fresh vhost on the machine's RabbitMQ; yields its AMQP URL and deletes it after."""
    vhost = f"pt-bench-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield AMQP_URL.rstrip("/") + "/" + vhost
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@contextmanager
def pg_database(service: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of one service; dropped after."""
    url = create_pg_database(service)
    try:
        yield url
    finally:
        drop_pg_database(url)


def checkpoint(url: str) -> None:
    """Write out what the set-up wrote (a CHECKPOINT) before anything is measured.

    Seeding thousands of rows fills the WAL; without this, PostgreSQL's own checkpoint of that
    WAL started in the first measured round (seen: 5.7 s of writes at its start, the round's
    p50 at 0.5 s) and was counted as the product's latency.
    """
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
    finally:
        engine.dispose()
