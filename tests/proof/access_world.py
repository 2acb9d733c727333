"""The three services in-process on their own PostgreSQL databases, seeded with the demo plan.

The tasks service seeds the plan of domain/plan.md and one account per role; the units and
users it publishes (its outbox) are fed to the kpi and notifications consumers, as the
broker would; the kpi service files the demo reports 2016-2019; the task events fill the
notifications inboxes. Tokens are made for two districts and two departments per role.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Table, func, select

from services.kpi import handlers as kpi_handlers
from services.kpi.app import create_app as kpi_app
from services.kpi.demo import seed_demo_reports
from services.kpi.models import audit_log as kpi_audit
from services.kpi.models import messaging as kpi_messaging
from services.kpi.seed import seed_indicators
from services.kpi.settings import KpiSettings
from services.notifications import handlers as notification_handlers
from services.notifications.app import create_app as notifications_app
from services.notifications.models import audit_log as notifications_audit
from services.notifications.models import messaging as notification_messaging
from services.notifications.settings import NotificationSettings
from services.tasks.app import create_app as tasks_app
from services.tasks.domain import WorkCalendar
from services.tasks.models import User
from services.tasks.models import audit_log as tasks_audit
from services.tasks.models import messaging as tasks_messaging
from services.tasks.seed import DEMO_ACCOUNTS, seed_demo_accounts, seed_demo_plan, seed_id
from services.tasks.settings import TasksSettings
from shared.auth import hash_password
from shared.db import Database
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import parse_event
from tests.helpers import (
    bearer,
    create_pg_database,
    drop_pg_database,
    settings_for_tests,
    token_for,
)

ROLES = ("admin", "head", "coordinator", "reporter", "viewer")
DISTRICTS = ("TP-HAIDUONG", "H-GIALOC")  # two district units
DEPARTMENTS = ("SCT", "SKHCN")  # two departments (sở)
SERVICES = ("tasks", "notifications", "kpi")
PASSWORD = "Mat-khau-demo-2026!"
HOOK_HOST = "127.0.0.1"  # the only host webhooks may target here
# The consumers of each service and the event types the tasks service feeds them here.
FEEDS = {"kpi": ("unit.upserted", "user.upserted"),
         "notifications": ("unit.upserted", "user.upserted", "task.created")}

CONSUMERS = {"kpi": (kpi_handlers.HANDLERS, kpi_messaging),
             "notifications": (notification_handlers.HANDLERS, notification_messaging)}
AUDIT = {"tasks": tasks_audit, "notifications": notifications_audit, "kpi": kpi_audit}


@dataclass
class World:
    """Apps, databases and the ids the tests need, on PostgreSQL."""

    settings: Any
    apps: dict[str, Flask]
    dbs: dict[str, Database]
    urls: dict[str, str]
    users: dict[str, uuid.UUID] = field(default_factory=dict)  # username -> id (tasks users)

    def unit_id(self, code: str) -> uuid.UUID:
        """The seeded id of a unit."""
        return seed_id("unit", code)

    def token(self, role: str, unit: str, *, user_id: uuid.UUID | None = None,
              **overrides: Any) -> str:
        """A valid token of a user of `unit` with one role (a stable id per role and unit),
        issued now: it carries the user's current token version, as a login's would (a
        scenario may have changed the user's password before)."""
        settings = settings_for_tests(**overrides) if overrides else self.settings
        user_id = user_id or identity_id(role, unit)
        token_version = self.dbs["tasks"].read_value(
            select(User.token_version).where(User.id == user_id))
        return token_for(settings, unit_id=self.unit_id(unit), roles=(role,), unit_code=unit,
                         user_id=user_id, username=f"{role}.{unit}".lower(),
                         token_version=token_version or 1)

    def headers(self, role: str, unit: str, **extra: str) -> dict[str, str]:
        """The Authorization header of such a user, plus any extra headers."""
        return {**bearer(self.token(role, unit)), **extra}

    def client(self, service: str):
        """A test client of one service."""
        return self.apps[service].test_client()

    def audit_rows(self, service: str) -> int:
        """Rows of one service's audit history."""
        return self.count(service, AUDIT[service])

    def feed(self, service: str) -> None:
        """Deliver what the tasks service staged since to one consumer (it skips repeats)."""
        _feed(service, self.dbs[service], _staged(self.dbs["tasks"]))

    def feed_notifications(self) -> None:
        """Deliver what the tasks service staged since to the notifications consumer."""
        self.feed("notifications")

    def count(self, service: str, table: Table) -> int:
        """Rows of a table in one service's database."""
        with self.dbs[service].engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()


def identity_id(role: str, unit: str) -> uuid.UUID:
    """The user id of the test identity with this role in this unit (a real tasks user).

    The district reporter is the demo account `baocao.tphd`, whose inbox the demo fills.
    """
    if (role, unit) == ("reporter", "TP-HAIDUONG"):
        return seed_id("user", "baocao.tphd")
    return seed_id("proof-user", role, unit)


def _seed_tasks(db: Database, now: datetime) -> list[dict[str, Any]]:
    """The demo plan and accounts; returns the envelopes the tasks service staged."""
    with db.uow() as uow:
        seed_demo_plan(uow=uow, now=now, calendar=WorkCalendar())
        seed_demo_accounts(uow=uow, passwords={a[0]: PASSWORD for a in DEMO_ACCOUNTS}, now=now)
        password_hash = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
        for role in ROLES:
            for unit in DISTRICTS + DEPARTMENTS:
                if uow.session.get(User, identity_id(role, unit)) is None:
                    uow.session.add(User(
                        id=identity_id(role, unit), username=f"{role}.{unit}".lower(),
                        password_hash=password_hash, full_name=f"{role} {unit}",
                        unit_id=seed_id("unit", unit), roles=[role], active=True,
                        language="vi", created_at=now))
        uow.commit()
    return _staged(db)


def _staged(db: Database) -> list[dict[str, Any]]:
    """Every envelope in the tasks outbox, oldest first."""
    outbox = tasks_messaging.outbox
    with db.engine.connect() as conn:
        return list(conn.execute(select(outbox.c.payload).order_by(outbox.c.seq)).scalars())


def _feed(service: str, db: Database, envelopes: list[dict[str, Any]]) -> None:
    """Apply the tasks events this service listens to, through its real consumer."""
    handlers, tables = CONSUMERS[service]
    consumer = EventConsumer(service=service, broker_url="memory://", db=db, tables=tables,
                             handlers=handlers)
    for envelope in envelopes:
        if envelope["type"] in FEEDS[service]:
            consumer.apply(parse_event(envelope))


def build_world(attachment_dir: Path) -> World:
    """Create, migrate and seed one database per service, and their apps."""
    settings = settings_for_tests()
    now = datetime.now(UTC)
    urls = {name: create_pg_database(name) for name in SERVICES}
    dbs = {name: Database(url) for name, url in urls.items()}
    envelopes = _seed_tasks(dbs["tasks"], now)
    for service in CONSUMERS:
        _feed(service, dbs[service], envelopes)
    kpi_config = KpiSettings()
    with dbs["kpi"].uow() as uow:
        seed_indicators(uow=uow, now=now)
        seed_demo_reports(uow=uow, config=kpi_config)
        uow.commit()
    tasks_settings = TasksSettings(attachment_dir=attachment_dir)
    apps = {"tasks": tasks_app(settings, db=dbs["tasks"], tasks_settings=tasks_settings),
            "notifications": notifications_app(settings, db=dbs["notifications"],
                                               notify=NotificationSettings(
                                                   webhook_allowlist=(HOOK_HOST,))),
            "kpi": kpi_app(settings, db=dbs["kpi"], kpi_settings=kpi_config)}
    users = {a[0]: seed_id("user", a[0]) for a in DEMO_ACCOUNTS}
    return World(settings=settings, apps=apps, dbs=dbs, urls=urls, users=users)


def dispose_world(world: World) -> None:
    """Close the engines and drop the databases."""
    for name, db in world.dbs.items():
        db.dispose()
        drop_pg_database(world.urls[name])


def world_fixture(attachment_dir: Path) -> Iterator[World]:
    """Body of a module-scoped fixture: build the world, hand it over, drop it."""
    world = build_world(attachment_dir)
    try:
        yield world
    finally:
        dispose_world(world)


def routes(world: World) -> Iterator[tuple[str, str]]:
    """(service, 'METHOD rule') of every route of every service, as the url_map has them."""
    for service in SERVICES:
        for rule in world.apps[service].url_map.iter_rules():
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield service, f"{method} {rule.rule}"
