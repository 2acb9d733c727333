"""Concurrency across real processes (RELIABILITY.md R9, R10).

Reporters of eight districts submit the same report many times at once (threads over HTTP
against gunicorn's two workers), the head returns every report, and the reporters correct
and resubmit it many times at once; two kpi worker processes consume the kpi queue. Each
race has exactly one winner and 409s for the rest; one report per unit, form and year; the
KPI values the API shows equal a full recompute from the stored reports; every event applied
once.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.kpi import kpis
from services.kpi.models import KpiValue
from shared.db import Database, utcnow
from tests.proof.events import rows
from tests.proof.stack import exited, product_under_test, settle
from tests.proof.workload import DISTRICTS, HEAD, Client, Workload, report_values, reporter

# Part of `make test` too (about 1 min); the broker, database and full fuzzing runs are `slow`.
pytestmark = [pytest.mark.timeout(900)]

YEARS = (2019, 2020)
RACERS = 6
KPI_COLUMNS = "indicator_code, scope, year, value, numerator, denominator, status"
KPI_VALUES = KpiValue.__table__


def _race(client: Client, calls: list[tuple]) -> list[int | None]:
    """Run the calls `RACERS` at a time, identical ones together; returns their statuses."""
    def one(call):
        method, path, username, body = call
        response = client.call(method, "kpi", path, username, json=body, what="race")
        return response.status_code if response is not None else None

    with ThreadPoolExecutor(RACERS * 2) as pool:
        return list(pool.map(one, calls))


def _kpi_values(url: str) -> list[tuple]:
    return sorted(rows(url, f"SELECT {KPI_COLUMNS} FROM kpi_values"), key=repr)


def _full_recompute(url: str) -> list[tuple]:
    """The KPI values recomputed from scratch from the stored reports (then rolled back)."""
    db = Database(url)
    try:
        with db.uow() as uow:
            uow.session.execute(KPI_VALUES.delete())
            kpis.recompute_all(uow=uow, now=utcnow())
            uow.session.flush()
            values = sorted((tuple(r) for r in uow.session.execute(
                KPI_VALUES.select().with_only_columns(
                    *(KPI_VALUES.c[c.strip()] for c in KPI_COLUMNS.split(","))))),
                key=repr)
            uow.rollback()
            return values
    finally:
        db.dispose()


def _winners(statuses: list[int | None], ok: int) -> Counter:
    """Per group of RACERS identical calls: how many won (status ok)."""
    groups = [statuses[i:i + RACERS] for i in range(0, len(statuses), RACERS)]
    return Counter(sum(1 for s in group if s == ok) for group in groups)


def test_reporters_race_and_two_kpi_workers_share_the_queue(tmp_path, proof):
    """Racing submits and resubmits, two kpi workers: one winner, KPIs = recompute (R9 R10)"""
    with product_under_test(tmp_path / "logs", worker_processes={"kpi": 2}) as product:
        client = Client(product)
        workload = Workload(client)
        workload.prepare(years=YEARS)
        workload.wait_units_copied()
        keys = [(unit, year) for year in YEARS for unit in DISTRICTS]

        first = _race(client, [
            ("POST", "/api/v1/reports", reporter(unit), {
                "year": year, "values": report_values(unit, year), "submit": True})
            for unit, year in keys for _ in range(RACERS)])
        reports = {(unit, r["year"]): r["id"] for unit in DISTRICTS
                   for r in client.get_json("kpi", "/api/v1/reports?limit=200",
                                            reporter(unit))}
        for key in keys:
            returned = client.call("POST", "kpi", f"/api/v1/reports/{reports[key]}/return",
                                   HEAD, json={"reason": "Số liệu cần rà soát lại."})
            assert returned is not None and returned.status_code == 200, returned.text

        corrected = {key: {**report_values(*key), "facilities_aware": 5} for key in keys}
        patches = _race(client, [
            ("PATCH", f"/api/v1/reports/{reports[key]}", reporter(key[0]),
             {"values": corrected[key]}) for key in keys for _ in range(RACERS)])
        second = _race(client, [
            ("POST", f"/api/v1/reports/{reports[key]}/submit", reporter(key[0]), {})
            for key in keys for _ in range(RACERS)])
        workload.reports = corrected
        workload.pending_reports = []

        counts = settle(product)
        problems = workload.mismatches()
        kpi_db = product.database_urls["kpi"]
        stored, recomputed = _kpi_values(kpi_db), _full_recompute(kpi_db)
        report_rows = Counter(tuple(r) for r in rows(
            kpi_db, "SELECT unit_id, form_code, year FROM reports"))
        proof.record(
            done=f"{len(keys)} reports × {RACERS} identical submits at once, returned, then "
                 f"× {RACERS} corrections and resubmits at once; 2 kpi workers; "
                 f"{len(stored)} KPI values equal a full recompute", **counts.columns())
        assert _winners(first, 201) == Counter({1: len(keys)}), Counter(first)
        assert set(first) <= {201, 409}, Counter(first)
        assert set(patches) == {200}, Counter(patches)
        assert _winners(second, 200) == Counter({1: len(keys)}), Counter(second)
        assert set(second) <= {200, 409}, Counter(second)
        assert set(report_rows.values()) == {1} and len(report_rows) == len(keys)
        assert stored == recomputed
        assert not problems, problems
        assert counts.lost == [] and counts.duplicated == 0, counts.summary()
        assert not exited(product), exited(product)
