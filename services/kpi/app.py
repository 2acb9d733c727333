"""The kpi service's Flask app factory: `gunicorn 'services.kpi.app:create_app()'`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from services.kpi.api import kpis_blp, reports_blp
from services.kpi.models import UserCopy
from services.kpi.pages import pages_blp
from services.kpi.pages_admin import admin_pages_blp
from services.kpi.pages_excel import excel_pages_blp
from services.kpi.pages_head import head_pages_blp
from services.kpi.settings import KpiSettings
from shared.auth import ACCESS_CHECK, access_check
from shared.db import Database
from shared.settings import Settings
from shared.web import create_service_app

SERVICE = "kpi"


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               clock: Callable[[], datetime] | None = None,
               kpi_settings: KpiSettings | None = None) -> Flask:
    """Build the kpi web app; settings come from the environment unless given."""
    app = create_service_app(
        SERVICE,
        settings=settings,
        db=db,
        blueprints=[reports_blp, kpis_blp],
        title="KPI / Chỉ tiêu",
        clock=clock,
        pages=[pages_blp, excel_pages_blp, head_pages_blp, admin_pages_blp],
    )
    app.extensions["kpi_settings"] = kpi_settings or KpiSettings.from_env()
    app.extensions[ACCESS_CHECK] = access_check(  # from `user.upserted` events
        app.extensions["db"], id_column=UserCopy.user_id, active_column=UserCopy.active,
        token_version_column=UserCopy.token_version, copy=True)
    return app
