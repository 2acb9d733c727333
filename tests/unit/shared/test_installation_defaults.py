"""The embedded default's own signing key, and links that follow the port it serves on."""

from __future__ import annotations

import stat
import uuid
from datetime import UTC, date, datetime

import pytest

from services.notifications.domain import Names
from services.notifications.rendering import render_event
from services.tasks import service
from services.tasks.app import create_app
from services.tasks.domain import FastCalendar
from shared import settings as settings_module
from shared.settings import Settings, SettingsError
from tests.helpers import sqlite_database

PRODUCTION = {"APP_MODE": "production", "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/x",
              "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//"}


def test_the_embedded_default_makes_its_signing_key_once_and_keeps_it_private(tmp_path):
    first = Settings.from_env({"DATA_DIR": str(tmp_path)})
    again = Settings.from_env({"DATA_DIR": str(tmp_path)})
    key_file = tmp_path / "secret-key"
    assert len(first.secret_key) >= 32
    assert again.secret_key == first.secret_key  # tokens survive a restart
    assert key_file.read_text("utf-8").strip() == first.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_two_installations_never_share_a_signing_key(tmp_path):
    one = Settings.from_env({"DATA_DIR": str(tmp_path / "one")})
    other = Settings.from_env({"DATA_DIR": str(tmp_path / "other")})
    assert one.secret_key != other.secret_key


def test_no_signing_key_is_written_in_the_code():
    assert not hasattr(settings_module, "DEFAULT_SECRET")
    assert Settings().secret_key == ""


def test_production_mode_does_not_take_the_embedded_key_file_for_a_secret(tmp_path):
    Settings.from_env({"DATA_DIR": str(tmp_path)})  # an embedded run made var/secret-key
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({**PRODUCTION, "DATA_DIR": str(tmp_path)})
    assert Settings.from_env({**PRODUCTION, "DATA_DIR": str(tmp_path),
                              "SECRET_KEY": "k" * 40}).secret_key == "k" * 40


def test_links_follow_the_port_the_embedded_default_serves(tmp_path):
    settings = Settings.from_env({"PORT": "9123", "DATA_DIR": str(tmp_path)})
    assert settings.public_base_url == "http://127.0.0.1:9123"
    explicit = Settings.from_env({"PORT": "9123", "DATA_DIR": str(tmp_path),
                                  "PUBLIC_BASE_URL": "https://kehoach.example.vn"})
    assert explicit.public_base_url == "https://kehoach.example.vn"


def test_an_email_links_to_the_port_of_the_embedded_default(tmp_path):
    settings = Settings.from_env({"PORT": "9123", "DATA_DIR": str(tmp_path)})
    task_id = uuid.uuid4()
    data = dict(task_id=task_id, title="Báo cáo SXSH", assignee_unit_id=uuid.uuid4(),
                lead_unit_id=None, deadline=date(2030, 1, 7),
                effective_deadline=date(2030, 1, 7), status="not_started")
    mail = render_event("task.created", data, lang="vi", unit=Names("Huyện Tứ Kỳ", "Tu Ky"),
                        at=datetime(2030, 1, 1, tzinfo=UTC), base_url=settings.public_base_url)
    assert f"http://127.0.0.1:9123/tasks/tasks/{task_id}" in mail.body


def test_the_calendar_feed_links_to_the_port_of_the_embedded_default(tmp_path):
    settings = Settings.from_env({"PORT": "9123", "DATA_DIR": str(tmp_path)})
    db = sqlite_database("tasks", tmp_path)
    now = datetime.now(UTC)
    with db.uow() as uow:
        unit = service.create_unit(uow=uow, actor_id=None, code="D1", kind="district",
                                   name_vi="Huyện 1", name_en="District 1", now=now)
        service.create_user(uow=uow, actor_id=None, username="rep", password="mật khẩu dài 123",
                            full_name="rep", unit_id=unit.id, roles=["reporter"], now=now)
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=None, title="Tập huấn",
                                assignee_unit_id=unit.id, deadline=date(2030, 1, 7),
                                calendar=FastCalendar(), now=now)
        uow.commit()
    client = create_app(settings, db=db).test_client()
    token = client.post("/tasks/api/v1/auth/token",
                        json={"username": "rep", "password": "mật khẩu dài 123"}).json
    feed = client.post("/tasks/api/v1/calendar/feeds",
                       headers={"Authorization": f"Bearer {token['access_token']}"}).json
    assert feed["url"].startswith("http://127.0.0.1:9123/tasks/api/v1/calendar/feeds/")
    ics = client.get(f"/tasks/api/v1/calendar/feeds/{feed['token']}.ics").data.decode()
    assert f"URL:http://127.0.0.1:9123/tasks/tasks/{task.id}" in ics.replace("\r\n ", "")
