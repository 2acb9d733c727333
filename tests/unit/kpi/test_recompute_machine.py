"""R10 on SQLite: incremental recomputes equal a full recompute under the state machine."""

from __future__ import annotations

from tests.helpers import sqlite_database
from tests.unit.kpi.kpi_machine import run_kpi_machine


def test_incremental_recompute_equals_full_recompute_under_the_state_machine(tmp_path):
    db = sqlite_database("kpi", tmp_path)
    try:
        run_kpi_machine(db, max_examples=60, steps=30)
    finally:
        db.dispose()
