"""The three service apps on migrated SQLite databases, for tests that walk every endpoint."""

from __future__ import annotations

import pytest

from services.kpi.app import create_app as kpi_app
from services.notifications.app import create_app as notifications_app
from services.tasks.app import create_app as tasks_app
from tests.helpers import settings_for_tests, sqlite_database

FACTORIES = {"tasks": tasks_app, "notifications": notifications_app, "kpi": kpi_app}


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """service name -> Flask app, each on its own SQLite database."""
    settings = settings_for_tests()
    path = tmp_path_factory.mktemp("apps")
    return {name: factory(settings, db=sqlite_database(name, path))
            for name, factory in FACTORIES.items()}
