"""Fewer round trips, same guarantees: pipelined writes and pinging only idle connections."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

import shared.db
from services.tasks.models import audit_log, messaging
from shared.audit import record_audit
from shared.db import utcnow
from shared.messaging.outbox import Outbox
from tests import helpers

pytestmark = pytest.mark.integration
outbox = Outbox(messaging, producer="tests")
DATA = {"task_id": uuid.uuid4(), "title": "Việc", "assignee_unit_id": uuid.uuid4(),
        "deadline": date(2099, 12, 21), "effective_deadline": date(2099, 12, 21),
        "status": "not_started", "version": 1}


def _counts(db) -> tuple[int, int]:
    with db.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(messaging.outbox)).scalar_one(),
                conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def test_batched_audit_and_outbox_rows_commit_together(producer_db):
    with producer_db.uow() as uow, uow.batched():
        for _ in range(3):
            record_audit(uow.session, audit_log, actor_id=None, action="create", entity="task",
                         entity_id=uuid.uuid4(), before=None, after={"n": 1}, now=utcnow())
            outbox.add(uow.session, "task.created", DATA, now=utcnow())
    assert _counts(producer_db) == (0, 0)  # not committed: nothing stays
    with producer_db.uow() as uow:
        with uow.batched():
            record_audit(uow.session, audit_log, actor_id=None, action="create", entity="task",
                         entity_id=uuid.uuid4(), before=None, after={"n": 1}, now=utcnow())
            outbox.add(uow.session, "task.created", DATA, now=utcnow())
        uow.commit()
    assert _counts(producer_db) == (1, 1)


def test_an_error_inside_a_batch_surfaces_and_leaves_no_half_write(producer_db):
    with producer_db.uow() as uow:
        event_id = outbox.add(uow.session, "task.created", DATA, now=utcnow())
        uow.commit()
    with pytest.raises(IntegrityError), producer_db.uow() as uow:
        with uow.batched():
            record_audit(uow.session, audit_log, actor_id=None, action="create", entity="task",
                         entity_id=uuid.uuid4(), before=None, after=None, now=utcnow())
            uow.session.execute(messaging.outbox.insert().inline().values(
                event_id=event_id, event_type="task.created", payload={}, created_at=utcnow(),
                available_at=utcnow(), attempts=0))  # the same event id again: refused
        uow.commit()
    assert _counts(producer_db) == (1, 0)


def _kill_connections(url: str) -> None:
    admin = create_engine(helpers.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :name AND pid <> pg_backend_pid()"),
                     {"name": url.rsplit("/", 1)[1]})
    admin.dispose()


def _read_once(db) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar_one()


def test_a_pooled_connection_killed_while_idle_is_replaced_before_use(producer_db, monkeypatch):
    monkeypatch.setattr(shared.db, "PING_IDLE_AFTER_S", 0.0)
    assert _read_once(producer_db) == 1
    _kill_connections(producer_db.url)
    assert _read_once(producer_db) == 1  # pinged on checkout, found dead, replaced


def test_a_busy_pool_is_not_pinged_so_a_killed_connection_fails_once(producer_db, monkeypatch):
    monkeypatch.setattr(shared.db, "PING_IDLE_AFTER_S", 3600.0)
    assert _read_once(producer_db) == 1
    _kill_connections(producer_db.url)
    with pytest.raises(OperationalError):
        _read_once(producer_db)
    assert _read_once(producer_db) == 1  # the pool was invalidated: the next one is fresh


def _open_transactions(url: str) -> int:
    admin = create_engine(helpers.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                                  "AND state LIKE 'idle in transaction%'"),
                             {"name": url.rsplit("/", 1)[1]}).scalar_one()
    admin.dispose()
    return count


def test_a_reader_sees_committed_rows_without_opening_a_transaction(producer_db):
    with producer_db.uow() as uow:
        outbox.add(uow.session, "task.created", DATA, now=utcnow())
        uow.commit()
    with producer_db.reader() as uow:
        assert uow.session.execute(select(func.count()).select_from(messaging.outbox)
                                   ).scalar_one() == 1
        assert _open_transactions(producer_db.url) == 0  # autocommit: no BEGIN was sent
    with producer_db.uow() as uow:
        uow.session.execute(select(func.count()).select_from(messaging.outbox)).scalar_one()
        assert _open_transactions(producer_db.url) == 1  # a unit of work does open one
