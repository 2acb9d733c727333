"""Fixtures for the messaging core's integration tests: a private RabbitMQ node and PG databases."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from shared.db import Database
from tests import helpers
from tests.integration.messaging.rabbit import RABBIT_BIN, PrivateRabbit, process_alive


@pytest.fixture(scope="session")
def rabbit(tmp_path_factory) -> Iterator[PrivateRabbit]:
    """A private RabbitMQ node (own ports, epmd, data dir, cookie), stopped at the end."""
    if not (RABBIT_BIN / "rabbitmq-server").exists() or shutil.which("epmd") is None:
        message = "rabbitmq-server 3.10 is not installed"
        if helpers.IN_CI:
            pytest.fail(message + " (CI=true)")
        pytest.skip(message)
    node = PrivateRabbit(tmp_path_factory.mktemp("rabbit"))
    try:
        node.start()
        yield node
    finally:
        pids = [p for p in (node.beam_pid, node.proc and node.proc.pid,
                            node.epmd and node.epmd.pid) if p]
        node.close()
        survivors = [p for p in pids if process_alive(p)]
        assert not survivors, f"processes of the private node survived: {survivors}"


@pytest.fixture
def amqp_url(rabbit) -> Iterator[str]:
    """A fresh virtual host on the private node for one test (own queues, nothing left over)."""
    vhost = f"t-{uuid.uuid4().hex[:10]}"
    rabbit.ctl("add_vhost", vhost)
    rabbit.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield rabbit.vhost_url(vhost)
    rabbit.ensure_running()  # a failed test may have left the node stopped or killed
    rabbit.ctl("delete_vhost", vhost)


@pytest.fixture
def producer_db() -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database of the tasks service (the producing side)."""
    helpers.require("postgresql")
    url = helpers.create_pg_database("tasks")
    db = Database(url)
    yield db
    db.dispose()
    helpers.drop_pg_database(url)


@pytest.fixture
def consumer_db() -> Iterator[Database]:
    """A fresh, migrated notifications database plus a test-only effect table.

    The effect table has no unique key on the event: a duplicate application would show up
    as a second row, so only the consumer's handled-event bookkeeping can keep it at one.
    """
    helpers.require("postgresql")
    url = helpers.create_pg_database("notifications")
    db = Database(url, pool_size=10)
    with db.engine.begin() as conn:
        conn.execute(text(
            "CREATE TABLE test_effects (id bigserial PRIMARY KEY, event_id uuid NOT NULL, "
            "task_id uuid NOT NULL, title text NOT NULL, applied_at timestamptz DEFAULT now())"
        ))
    yield db
    db.dispose()
    helpers.drop_pg_database(url)

