"""The notifications Flask app factory: `gunicorn 'services.notifications.app:create_app()'`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from services.notifications.api import inbox_blp
from services.notifications.api_manage import manage_blp
from services.notifications.models import Recipient
from services.notifications.pages import pages_blp
from services.notifications.pages_admin import admin_pages_blp
from services.notifications.pages_preferences import preferences_pages_blp
from services.notifications.settings import NotificationSettings
from shared.auth import ACCESS_CHECK, access_check
from shared.db import Database
from shared.settings import Settings
from shared.web import create_service_app

SERVICE = "notifications"


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               clock: Callable[[], datetime] | None = None,
               notify: NotificationSettings | None = None) -> Flask:
    """Build the notifications web app; settings come from the environment unless given."""
    notify = notify or NotificationSettings.from_env()

    def _extra(app: Flask, _api) -> None:
        app.extensions["notify"] = notify
        app.extensions[ACCESS_CHECK] = access_check(  # from `user.upserted` events
            app.extensions["db"], id_column=Recipient.user_id, active_column=Recipient.active,
            token_version_column=Recipient.token_version, copy=True)

    return create_service_app(
        SERVICE,
        settings=settings,
        db=db,
        blueprints=[inbox_blp, manage_blp],
        title="Notifications / Thông báo",
        clock=clock,
        extra=_extra,
        pages=[pages_blp, preferences_pages_blp, admin_pages_blp],
    )
