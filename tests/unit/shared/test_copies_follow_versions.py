"""Copies of the tasks service's objects follow its versions, whatever order events arrive in."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services.kpi.handlers import HANDLERS as KPI_HANDLERS
from services.kpi.models import TaskCopy, UserCopy
from services.kpi.models import Unit as KpiUnit
from services.kpi.models import messaging as kpi_messaging
from services.notifications.handlers import HANDLERS as NOTIFICATION_HANDLERS
from services.notifications.models import Recipient, TaskState
from services.notifications.models import Unit as NotificationUnit
from services.notifications.models import messaging as notification_messaging
from services.tasks import service
from services.tasks.models import OrgUnit, Task, User
from services.tasks.models import messaging as tasks_messaging
from shared.db import Database
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import parse_event
from tests.helpers import sqlite_database

START = datetime(2020, 3, 2, 2, 0, tzinfo=UTC)


def _staged_events(db: Database) -> list[dict]:
    """Every envelope the tasks service staged in its outbox, oldest first."""
    table = tasks_messaging.outbox
    with db.engine.connect() as conn:
        return list(conn.execute(select(table.c.payload).order_by(table.c.seq)).scalars())


def _history(db: Database) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A unit, a user and a task, each changed several times, with back-dated moments."""
    with db.uow() as uow:
        sct = service.create_unit(uow=uow, actor_id=None, code="SCT", kind="department",
                                  name_vi="Sở Công Thương", name_en="DOIT", now=START)
        unit = service.create_unit(uow=uow, actor_id=None, code="D1", kind="district",
                                   name_vi="Huyện Một", name_en="District One", now=START)
        user = service.create_user(uow=uow, actor_id=None, username="rep", password="x" * 12,
                                   full_name="Báo cáo", unit_id=unit.id, roles=["reporter"],
                                   now=START)
        admin = service.create_user(uow=uow, actor_id=None, username="admin", password="x" * 12,
                                    full_name="Quản trị", unit_id=sct.id, roles=["admin"],
                                    now=START)
        uow.commit()
        admin_principal = service.principal_of(admin)
        head = admin_principal
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=sct.id, title="Tập huấn",
                                assignee_unit_id=unit.id, deadline=date(2020, 6, 30),
                                calendar=service.load_calendar(uow.session), now=START)
        uow.commit()
        ids = (unit.id, user.id, task.id)
    # Changes whose stamps go backwards: the demo's history is back-dated, so the newest version
    # may carry the oldest occurred_at.
    moments = [START - timedelta(days=d) for d in (30, 60, 90, 120, 150)]
    steps = [
        lambda uow, at: service.transition_task(uow=uow, principal=head, task_id=ids[2],
                                                to="in_progress", reason=None, now=at),
        lambda uow, at: service.admin_update_unit(uow=uow, principal=admin_principal,
                                                  unit_id=ids[0], now=at,
                                                  name_vi="Thành phố Một"),
        lambda uow, at: service.admin_update_user(uow=uow, principal=admin_principal,
                                                  user_id=ids[1], now=at,
                                                  roles=["reporter", "viewer"]),
        lambda uow, at: service.transition_task(uow=uow, principal=head, task_id=ids[2],
                                                to="submitted", reason=None, now=at),
        lambda uow, at: service.transition_task(uow=uow, principal=head, task_id=ids[2],
                                                to="done", reason=None, now=at),
    ]
    for step, at in zip(steps, moments, strict=True):
        with db.uow() as uow:
            step(uow, at)
            uow.commit()
    return ids


@pytest.mark.parametrize("seed", range(6))
def test_late_repeated_and_reordered_events_leave_every_copy_equal_to_the_source(tmp_path,
                                                                                  seed):
    tasks_db = sqlite_database("tasks", tmp_path)
    kpi_db = sqlite_database("kpi", tmp_path)
    notifications_db = sqlite_database("notifications", tmp_path)
    unit_id, user_id, task_id = _history(tasks_db)
    events = _staged_events(tasks_db)
    shuffled = events + random.Random(seed).sample(events, len(events))  # twice, reordered
    random.Random(seed + 100).shuffle(shuffled)
    for db, tables, handlers, service_name in (
            (kpi_db, kpi_messaging, KPI_HANDLERS, "kpi"),
            (notifications_db, notification_messaging, NOTIFICATION_HANDLERS, "notifications")):
        consumer = EventConsumer(service=service_name, broker_url="memory://", db=db,
                                 tables=tables, handlers=handlers)
        for envelope in shuffled:
            # A repeat gets a new event id: only the version may keep it from applying twice.
            consumer.apply(parse_event({**envelope, "id": str(uuid.uuid4())}))

    with tasks_db.uow() as uow:
        task = uow.session.get(Task, task_id)
        unit = uow.session.get(OrgUnit, unit_id)
        user = uow.session.get(User, user_id)
        source = {"task": (task.version, task.status, task.submitted_at, task.completed_at),
                  "unit": (unit.version, unit.name_vi),
                  "user": (user.version, sorted(user.roles), user.token_version)}
    assert source["task"][1] == "done" and source["task"][0] == 4
    with kpi_db.uow() as uow:
        copy = uow.session.get(TaskCopy, task_id)
        assert (copy.version, copy.status, copy.submitted_at, copy.completed_at) \
            == source["task"]
        kpi_unit = uow.session.get(KpiUnit, unit_id)
        assert (kpi_unit.version, kpi_unit.name_vi) == source["unit"]
        kpi_user = uow.session.get(UserCopy, user_id)
        assert (kpi_user.version, kpi_user.token_version) == (source["user"][0],
                                                              source["user"][2])
    with notifications_db.uow() as uow:
        state = uow.session.get(TaskState, task_id)
        assert (state.version, state.status, state.submitted_at, state.completed_at) \
            == source["task"]
        notif_unit = uow.session.get(NotificationUnit, unit_id)
        assert (notif_unit.version, notif_unit.name_vi) == source["unit"]
        recipient = uow.session.get(Recipient, user_id)
        assert (recipient.version, sorted(recipient.roles), recipient.token_version) \
            == source["user"]
    for db in (tasks_db, kpi_db, notifications_db):
        db.dispose()
