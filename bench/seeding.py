"""Data the benchmarks start from: users, the KPI service's units, indicators and demo reports."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from services.kpi.copies import upsert_unit
from services.kpi.demo import seed_demo_reports
from services.kpi.seed import seed_indicators
from services.kpi.settings import KpiSettings
from services.tasks.seed import UNITS
from shared.db import Database, utcnow
from shared.demo import seed_id
from shared.settings import PROJECT_ROOT

PASSWORD = "bench-password-0123"


def create_user(env: dict[str, str], username: str, role: str, unit: str,
                email: str | None = None) -> None:
    """A tasks user through the service's own CLI (its `user.upserted` event included)."""
    extra = ["--email", email] if email else []
    subprocess.run([sys.executable, "-m", "services.tasks.cli", "create-user", username, role,
                    unit, f"Bench {username}", *extra],
                   env={**env, "NEW_USER_PASSWORD": PASSWORD}, check=True, cwd=PROJECT_ROOT,
                   capture_output=True, timeout=120)


def unit_data(code: str, kind: str, name_vi: str, name_en: str,
              valid_to: date | None) -> dict:
    """The `unit.upserted` payload of one of the plan's units (ids as the tasks seed makes them)."""
    return {"unit_id": seed_id("unit", code), "code": code, "kind": kind, "name_vi": name_vi,
            "name_en": name_en, "valid_from": date(2016, 1, 1), "valid_to": valid_to,
            "version": 1}


def seed_kpi(url: str, *, reports: bool = True) -> None:
    """The plan's units (as their events would bring them), the indicators and demo reports."""
    db = Database(url)
    now = utcnow()
    with db.uow() as uow:
        for row in UNITS:
            upsert_unit(uow=uow, data=unit_data(*row), now=now)
        seed_indicators(uow=uow, now=now)
        uow.commit()
    if reports:
        with db.uow() as uow:
            seed_demo_reports(uow=uow, config=KpiSettings())
            uow.commit()
    db.dispose()
