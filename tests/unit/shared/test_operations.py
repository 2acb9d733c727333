"""Readiness, production-mode refusals and correlation ids across requests and events."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.tasks import service as tasks_service
from services.tasks.app import create_app as tasks_app
from services.tasks.handlers import HANDLERS as TASKS_HANDLERS
from services.tasks.models import messaging as tasks_messaging
from shared.db import Database, utcnow
from shared.logging import JsonFormatter, reset_correlation_id, set_correlation_id
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import build_event, parse_event
from shared.settings import PROJECT_ROOT, Settings, SettingsError
from tests.helpers import bearer, settings_for_tests, sqlite_database, token_for


def test_readyz_is_503_and_names_the_broker_when_it_is_unreachable(tmp_path):
    settings = settings_for_tests(broker_url="amqp://guest:guest@127.0.0.1:1//",
                                  broker_connect_timeout=1)
    app = tasks_app(settings, db=sqlite_database("tasks", tmp_path))
    response = app.test_client().get("/tasks/readyz")
    assert response.status_code == 503
    assert set(response.json["reasons"]) == {"broker"}
    assert app.test_client().get("/tasks/healthz").status_code == 200


def test_readyz_is_503_and_names_the_database_when_it_is_unreachable(tmp_path):
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = tasks_app(settings_for_tests(), db=db).test_client().get("/tasks/readyz")
    assert response.status_code == 503
    assert "database" in response.json["reasons"]
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("env", [
    {"APP_MODE": "production"},
    {"APP_MODE": "production", "SECRET_KEY": ""},
    {"APP_MODE": "production", "SECRET_KEY": "short"},
])
def test_production_mode_refuses_a_default_or_weak_secret(env):
    full = {**env, "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/x",
            "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//"}
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env(full)


def test_production_mode_refuses_the_in_process_broker():
    with pytest.raises(SettingsError, match="BROKER_URL"):
        Settings.from_env({"APP_MODE": "production", "SECRET_KEY": "k" * 40,
                           "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/x"})


def test_a_worker_started_in_production_with_the_default_secret_exits_with_the_reason():
    result = subprocess.run(
        [sys.executable, "-m", "services.tasks.worker"], cwd=PROJECT_ROOT, timeout=60,
        capture_output=True, text=True,
        env={"APP_MODE": "production", "PATH": "/usr/bin:/bin",
             "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/x",
             "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_repr_masks_secrets():
    settings = Settings.from_env({"SECRET_KEY": "super-secret-value-0123456789-abcdef",
                                  "DATABASE_URL": "postgresql://app:pw123@db/tasks"})
    text = repr(settings)
    assert "super-secret" not in text and "pw123" not in text


def test_an_event_carries_the_correlation_id_of_the_request_that_caused_it(tmp_path):
    db = sqlite_database("tasks", tmp_path)
    settings = settings_for_tests()
    now = utcnow()
    with db.uow() as uow:
        unit = tasks_service.create_unit(uow=uow, actor_id=None, code="D1", kind="district",
                                         name_vi="Huyện 1", name_en="District 1", now=now)
        uow.commit()
    token = token_for(settings, unit_id=unit.id, roles=("coordinator",))
    response = tasks_app(settings, db=db).test_client().post(
        "/tasks/api/v1/tasks",
        json={"title": "t", "assignee_unit_id": str(unit.id), "deadline": "2099-01-02"},
        headers={**bearer(token), "X-Correlation-ID": "req-42"})
    assert response.status_code == 201
    assert response.headers["X-Correlation-ID"] == "req-42"
    with db.engine.connect() as conn:
        payloads = conn.execute(select(tasks_messaging.outbox.c.payload).where(
            tasks_messaging.outbox.c.event_type == "task.created")).scalars().all()
    assert [p["correlation_id"] for p in payloads] == ["req-42"]


def test_a_consumer_passes_the_correlation_id_on_to_the_events_it_causes(tmp_path):
    db = sqlite_database("tasks", tmp_path)
    now = utcnow()
    with db.uow() as uow:
        unit = tasks_service.create_unit(uow=uow, actor_id=None, code="D1", kind="district",
                                         name_vi="Huyện 1", name_en="District 1", now=now)
        tasks_service.add_task(uow=uow, actor_id=None, lead_unit_id=None, title="Báo cáo 2026",
                               assignee_unit_id=unit.id, deadline=now.date(), kind="yearly_report",
                               period_year=2026, calendar=tasks_service.WorkCalendar(), now=now)
        uow.commit()
    event = build_event("report.submitted", {
        "report_id": uuid.uuid4(), "unit_id": unit.id, "form_code": "CP_YEARLY", "year": 2026,
        "version": 1, "status": "submitted"}, producer="kpi", correlation_id="chain-7")
    consumer = EventConsumer(service="tasks", broker_url="memory://", db=db,
                             tables=tasks_messaging, handlers=TASKS_HANDLERS)
    assert consumer.apply(parse_event(event)) is True
    with db.engine.connect() as conn:
        changed = conn.execute(select(tasks_messaging.outbox.c.payload).where(
            tasks_messaging.outbox.c.event_type == "task.status_changed")).scalars().all()
    assert [p["correlation_id"] for p in changed] == ["chain-7"]
    assert changed[0]["data"]["status"] == "submitted"


def test_json_logs_carry_the_correlation_id_and_mask_secrets():
    record = logging.makeLogRecord({"msg": "login", "levelname": "INFO", "name": "t",
                                    "password": "hunter2",
                                    "created": datetime.now(UTC).timestamp()})
    token = set_correlation_id("abc")
    try:
        line = json.loads(JsonFormatter("tasks").format(record))
    finally:
        reset_correlation_id(token)
    assert line["correlation_id"] == "abc"
    assert line["password"] == "***"
