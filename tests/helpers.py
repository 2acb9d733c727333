"""Helpers shared by every test tier: service availability, databases, tokens."""

from __future__ import annotations

import itertools
import os
import socket
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from shared.auth import Principal, issue_token
from shared.db import Database
from shared.migrate import upgrade
from shared.settings import Settings

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(service: str) -> None:
    """Skip (or, under CI=true, fail) a test whose real dependency is not running."""
    host, port = {"postgresql": ("127.0.0.1", 5432), "rabbitmq": ("127.0.0.1", 5672)}[service]
    if _port_open(host, port):
        return
    message = f"{service} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true: tests that need it fail instead of skipping)")
    pytest.skip(message)


_EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
_built = itertools.count()


def version_at(at: datetime) -> int:
    """An owner's version for a test event: later events (then later-built ones) are newer.

    The tasks service raises a version on every change; tests that do not set one explicitly
    get one that grows with the event's time, and among events of one minute with build order.
    """
    minutes = int((at - _EPOCH).total_seconds() // 60)
    return minutes * 100 + next(_built) % 100 + 1


def settings_for_tests(**overrides) -> Settings:
    """Settings for tests: embedded mode, a fixed secret, fast polling."""
    values = dict(secret_key=TEST_SECRET, relay_poll_interval=0.05, log_json=False)
    values.update(overrides)
    return Settings(**values)


def sqlite_database(service: str, path) -> Database:
    """A migrated SQLite database for one service in a temporary folder."""
    url = f"sqlite:///{path / (service + '.db')}"
    upgrade(service, url)
    return Database(url)


def create_pg_database(service: str, admin_url: str = PG_ADMIN_URL) -> str:
    """Create and migrate a fresh PostgreSQL database (on the shared server by default)."""
    require("postgresql")
    name = f"pt_{service}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(service, url)
    return url


def drop_pg_database(url: str) -> None:
    """Drop a database made by create_pg_database (on whichever server it lives)."""
    server, name = url.rsplit("/", 1)
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def token_for(settings: Settings, *, unit_id: uuid.UUID, roles: tuple[str, ...],
              unit_code: str = "TEST", user_id: uuid.UUID | None = None,
              username: str = "tester", language: str = "vi", token_version: int = 1) -> str:
    """A valid bearer token for a made-up principal (of a user's first token version)."""
    principal = Principal(user_id=user_id or uuid.uuid4(), username=username, unit_id=unit_id,
                          unit_code=unit_code, roles=roles, language=language,
                          token_version=token_version)
    return issue_token(settings, principal, now=datetime.now(UTC))


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}
