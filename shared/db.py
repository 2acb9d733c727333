"""Database engines and the unit of work: SQLite (WAL, BEGIN IMMEDIATE) or PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Executable,
    MetaData,
    Uuid,
    create_engine,
    event,
    exc,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from shared.faults import fault_point

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")
# A pooled PostgreSQL connection idle longer than this is pinged before use; a busy pool is not
# (pinging every checkout cost one round trip per request, ~9% of a create-task request).
PING_IDLE_AFTER_S = 10.0


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; times are stored in UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def new_metadata() -> MetaData:
    """A MetaData with the project's constraint naming convention (stable Alembic names)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def make_base() -> type[DeclarativeBase]:
    """A declarative base with its own metadata, one per service."""

    class Base(DeclarativeBase):
        metadata = new_metadata()
        type_annotation_map = {
            uuid.UUID: Uuid(), datetime: UtcDateTime(), dict: JsonType, list: JsonType,
        }

    return Base


def utcnow() -> datetime:
    """The current time in UTC; callers pass it into domain code as `now`."""
    return datetime.now(UTC)


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for every transaction."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=5,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5},
    )
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a connection on checkout only when it sat idle: a dead one is replaced, not used."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_AFTER_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: the pool retries with a fresh connection
            raise exc.DisconnectionError() from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself so that it can be BEGIN IMMEDIATE: a plain BEGIN
        # loses read-then-write transactions to "database is locked" under concurrent writers.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class UnitOfWork:
    """One transaction: the business change, its outbox rows and audit rows commit together."""

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory
        self.session: Session | None = None
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._committed = False
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            if not self._committed:
                # Detach what was read first, so that objects loaded in a read-only unit of
                # work stay readable (e.g. dumped by the view) after it ends.
                self.session.expunge_all()
                self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def commit(self) -> None:
        """Commit everything added in this unit of work."""
        assert self.session is not None
        fault_point("uow.before_commit")
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        """Drop everything added in this unit of work."""
        assert self.session is not None
        self.session.rollback()

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Send the writes inside together and wait for their results once at the end.

        On PostgreSQL (psycopg) this is pipeline mode: an insert of the change, its audit
        row and its outbox row cost one round trip instead of three. Errors surface at the
        end of the block at the latest. On SQLite (in-process) it changes nothing. Statements
        inside must not read results (no RETURNING, no row counts): what was pending is flushed
        first, and changes to loaded rows made inside are flushed after the block, not in it.
        """
        assert self.session is not None
        self.session.flush()
        connection = self.session.connection()
        driver = connection.connection.driver_connection
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with self.session.no_autoflush, (
                    driver.pipeline() if hasattr(driver, "pipeline") else nullcontext()):
                yield
        except dbapi_error as error:
            # Raised by the driver when the batch is synced, outside SQLAlchemy: wrap it as
            # SQLAlchemy would (IntegrityError for a refused insert), so callers catch it alike.
            raise exc.DBAPIError.instance(None, None, error, dbapi_error) from error


class Database:
    """An engine and its session factory for one service; created in factories, never at import."""

    def __init__(self, url: str, *, pool_size: int = 5):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # Reads on PostgreSQL run in autocommit: no BEGIN and ROLLBACK round trips around a
        # request that only selects (READ COMMITTED takes a snapshot per statement anyway).
        # SQLite keeps its transactions (BEGIN IMMEDIATE is how it orders writers).
        self.read_engine = self.engine if self.is_sqlite else self.engine.execution_options(
            isolation_level="AUTOCOMMIT")
        self.reader_factory = self.session_factory if self.is_sqlite else sessionmaker(
            self.read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded default's SQLite files."""
        return self.engine.dialect.name == "sqlite"

    def uow(self) -> UnitOfWork:
        """A new unit of work on this database."""
        return UnitOfWork(self.session_factory)

    def reader(self) -> UnitOfWork:
        """A unit of work for requests that only read (it must not be committed)."""
        return UnitOfWork(self.reader_factory)

    def read_value(self, statement: Executable, params: dict[str, Any] | None = None) -> Any:
        """The one value a read-only statement selects (None without a row), read on a bare
        connection like `reader` reads (autocommit on PostgreSQL): no session is set up, which
        matters for a check that runs on every request."""
        with self.read_engine.connect() as conn:
            return conn.execute(statement, params).scalar_one_or_none()

    def read_row(self, statement: Executable, params: dict[str, Any] | None = None) -> Any:
        """The one row a read-only statement selects (None without a row), read on a bare
        connection like `read_value`."""
        with self.read_engine.connect() as conn:
            return conn.execute(statement, params).one_or_none()

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        """Close pooled connections (after a fork, or at shutdown)."""
        self.engine.dispose()
