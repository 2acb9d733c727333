"""The tasks service's Flask app factory: `gunicorn 'services.tasks.app:create_app()'`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from services.tasks.api import auth_blp, directory_blp, tasks_blp
from services.tasks.pages import pages_blp
from shared.db import Database
from shared.settings import Settings
from shared.web import create_service_app

SERVICE = "tasks"


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               clock: Callable[[], datetime] | None = None) -> Flask:
    """Build the tasks web app; settings come from the environment unless given."""
    return create_service_app(
        SERVICE,
        settings=settings,
        db=db,
        blueprints=[auth_blp, directory_blp, tasks_blp],
        title="Tasks / Nhiệm vụ",
        public_endpoints={"auth.create_token"},
        clock=clock,
        pages=[pages_blp],
    )
