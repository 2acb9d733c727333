"""R10 on PostgreSQL: incremental recomputes equal a full recompute under the state machine."""

from __future__ import annotations

import pytest

from shared.db import Database
from tests.helpers import create_pg_database, drop_pg_database
from tests.unit.kpi.kpi_machine import run_kpi_machine

pytestmark = pytest.mark.integration


def test_incremental_recompute_equals_full_recompute_under_the_state_machine_on_postgresql():
    url = create_pg_database("kpi")
    db = Database(url)
    try:
        run_kpi_machine(db, max_examples=30, steps=25)
    finally:
        db.dispose()
        drop_pg_database(url)
