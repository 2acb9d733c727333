"""The tasks service's Flask app factory: `gunicorn 'services.tasks.app:create_app()'`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from services.tasks.api import (
    admin_blp,
    auth_blp,
    calendar_blp,
    directory_blp,
    feeds_blp,
    plans_blp,
    tasks_blp,
)
from services.tasks.models import User
from services.tasks.pages import pages_blp
from services.tasks.pages_admin import admin_pages_blp
from services.tasks.pages_duties import duty_pages_blp
from services.tasks.pages_task import task_page_blp
from services.tasks.pages_tasks import task_pages_blp
from services.tasks.settings import TasksSettings
from services.tasks.storage import DiskStore
from shared.auth import ACCESS_CHECK, access_check
from shared.db import Database
from shared.settings import Settings
from shared.web import create_service_app

SERVICE = "tasks"


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               clock: Callable[[], datetime] | None = None,
               tasks_settings: TasksSettings | None = None) -> Flask:
    """Build the tasks web app; settings come from the environment unless given."""
    app = create_service_app(
        SERVICE,
        settings=settings,
        db=db,
        blueprints=[auth_blp, directory_blp, tasks_blp, calendar_blp, plans_blp, feeds_blp,
                    admin_blp],
        title="Tasks / Nhiệm vụ",
        public_endpoints={"auth.create_token", "feeds.feed_ics"},
        clock=clock,
        pages=[pages_blp, task_pages_blp, task_page_blp, duty_pages_blp, admin_pages_blp],
    )
    app.extensions[ACCESS_CHECK] = access_check(
        app.extensions["db"], id_column=User.id, active_column=User.active,
        token_version_column=User.token_version, copy=False)
    tasks_settings = tasks_settings or TasksSettings.from_env()
    app.extensions["tasks_settings"] = tasks_settings
    root = tasks_settings.attachment_dir or app.extensions["settings"].data_dir / "attachments"
    app.extensions["attachment_store"] = DiskStore(root)
    return app
