"""A tasks app on a migrated SQLite database with two districts and a department."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.tasks import service
from services.tasks.app import create_app
from shared.db import utcnow
from tests.helpers import settings_for_tests, sqlite_database

PASSWORD = "correct horse battery"


@dataclass
class World:
    app: object
    client: object
    db: object
    settings: object
    units: dict
    users: dict

    def login(self, username: str) -> dict[str, str]:
        response = self.client.post("/tasks/api/v1/auth/token",
                                    json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}


@pytest.fixture
def world(tmp_path) -> World:
    settings = settings_for_tests()
    db = sqlite_database("tasks", tmp_path)
    now = utcnow()
    units, users = {}, {}
    with db.uow() as uow:
        for code, kind in (("SCT", "department"), ("D1", "district"), ("D2", "district")):
            units[code] = service.create_unit(uow=uow, actor_id=None, code=code, kind=kind,
                                              name_vi=f"Đơn vị {code}", name_en=f"Unit {code}",
                                              now=now).id
        for username, unit, role in (("coord", "SCT", "coordinator"), ("head", "SCT", "head"),
                                     ("rep1", "D1", "reporter"), ("rep2", "D2", "reporter")):
            users[username] = service.create_user(
                uow=uow, actor_id=None, username=username, password=PASSWORD,
                full_name=username, unit_id=units[unit], roles=[role], now=now).id
        uow.commit()
    app = create_app(settings, db=db)
    return World(app=app, client=app.test_client(), db=db, settings=settings, units=units,
                 users=users)
