"""On the running demo, the head's dashboard counts each agency's tasks as the tasks service."""

from __future__ import annotations

import re
import time

import pytest
import requests

from shared.timeliness import COUNTED

pytestmark = pytest.mark.e2e
YEAR = 2019  # a plan year with demo reports: their events have moved the reporting tasks


def _token(product, username: str) -> str:
    response = requests.post(product.url("tasks", "/api/v1/auth/token"),
                             json={"username": username, "password": product.passwords[username]},
                             timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def _figures(product, token: str) -> tuple[dict, dict, str]:
    """stats/timeliness per unit, the summary's per-agency rows, and the dashboard page."""
    auth = {"Authorization": f"Bearer {token}"}
    stats = requests.get(product.url("tasks", "/api/v1/stats/timeliness"), headers=auth,
                         timeout=30).json()
    summary = requests.get(product.url("kpi", f"/api/v1/summary?year={YEAR}"), headers=auth,
                           timeout=30).json()
    page = requests.get(product.url("kpi", f"/dashboard?year={YEAR}"),
                        cookies={"access_token": token}, timeout=30).text
    return ({r["unit_id"]: {v: r[v] for v in COUNTED} | {"fallen_due": r["fallen_due"]}
             for r in stats["units"]},
            {r["unit_id"]: r for r in summary["agencies"]}, page)


def _settled(product, token: str, timeout: float = 60.0) -> tuple[dict, dict, str]:
    """The figures once the demo's events have settled: the same on two polls a second apart."""
    deadline = time.monotonic() + timeout
    last = _figures(product, token)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _figures(product, token)
        if now[:2] == last[:2]:
            return now
        last = now
    raise AssertionError("the figures kept changing for a minute")


def test_the_heads_per_agency_table_equals_the_tasks_services_timeliness_for_every_unit(
        embedded):
    token = _token(embedded, "giamdoc.sct")
    stats, agencies, page = _settled(embedded, token)
    assert stats, "the demo plan has tasks"
    for unit_id, source in stats.items():
        row = agencies.get(unit_id)
        if not any(source[v] for v in COUNTED):
            assert row is None
            continue
        assert row is not None, f"unit {unit_id} missing from the dashboard"
        assert {v: row[v] for v in COUNTED} == {v: source[v] for v in COUNTED}, row["code"]
        assert row["due"] == source["fallen_due"]
        # The page shows the same row: overdue, open, due and done on time / due.
        cells = re.search(
            rf"<tr><td>{re.escape(row['name_vi'] or row['code'])}</td>(.*?)</tr>", page, re.S)
        assert cells, row["code"]
        numbers = [int(n) for n in re.findall(r">(\d+)<", cells.group(1))]
        assert numbers[:3] == [row["overdue"], row["open"], row["due"]], row["code"]
        if row["due"]:
            assert f"({row['done_on_time']}/{row['due']})" in cells.group(1), row["code"]
    assert set(agencies) <= set(stats)
