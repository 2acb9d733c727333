"""The embedded default (SQLite, in-process broker, waitress) measured for P1, P2 and P5.

Baseline for P1/P2: the bare app on SQLite under waitress with the same 8 threads.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from unittest.mock import patch

import requests

from bench import bare_app
from bench.harness import Comparison, Series, alternate, percentile, scaled
from bench.http import KPI_YEAR, wrk, wrk_script
from bench.p5_latency import RATE, add_units, submission_job
from bench.pacing import paced
from shared.settings import Settings
from tests.e2e.processes import Process, free_port, wait_http_ok
from tests.e2e.product import embedded_product
from tests.helpers import TEST_SECRET

P5_SECONDS = scaled(10, 3)
P5_RATES = (10.0, 25.0, RATE)


def _login(base: str, username: str, password: str) -> str:
    response = requests.post(f"{base}/tasks/api/v1/auth/token", timeout=30,
                             json={"username": username, "password": password})
    response.raise_for_status()
    return response.json()["access_token"]


def _wait_for_demo_reports(base: str, token: str, timeout: float = 120) -> None:
    """The embedded default files its demo reports in a thread after start: wait for them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = requests.get(f"{base}/kpi/api/v1/reports", params={"year": KPI_YEAR},
                                headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if response.ok and int(response.headers.get("X-Total-Count", "0")) >= 10:
            return
        time.sleep(1)
    raise TimeoutError("the embedded default did not seed its demo reports")


def run(*, ids: set[str] | None = None, rounds: int = 3) -> list[Comparison]:
    """Requests/s of create, list and KPI summary, and report → KPI latency, embedded."""
    ids = ids or {"P1", "P2", "P5"}
    p1, p1_base = Series("embedded: POST task", "req/s"), Series("bare insert, SQLite", "req/s")
    p2, p2_base = (Series("embedded: GET 50 tasks", "req/s"),
                   Series("bare select by PK, SQLite", "req/s"))
    kpi = Series(f"embedded: KPI summary {KPI_YEAR}", "req/s")
    p5 = {rate: Series(f"embedded: report → KPI p99 at {rate:.0f}/s", "ms") for rate in P5_RATES}
    comparisons: list[Comparison] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (tmp / "data").mkdir()
        stack.enter_context(patch.dict(os.environ, SECRET_KEY=TEST_SECRET))  # bench signs
        product = stack.enter_context(embedded_product(tmp / "data"))
        base = product.bases["tasks"]
        port = free_port()
        bare_app.prepare(f"sqlite:///{tmp / 'bare.db'}")
        bare = Process("bare-waitress", [
            sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=8",
            "--call", "bench.bare_app:create_app"],
            {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bare.db'}"}, tmp)
        stack.callback(bare.stop)
        bare_base = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{bare_base}/bare/items/1", bare)
        coordinator = _login(base, "dieuphoi.sct", product.passwords["dieuphoi.sct"])
        head = _login(base, "giamdoc.sct", product.passwords["giamdoc.sct"])
        _wait_for_demo_reports(base, head)
        headers = {"Authorization": f"Bearer {coordinator}"}
        units = requests.get(f"{base}/tasks/api/v1/units", headers=headers, timeout=30).json()
        district = next(u["id"] for u in units if u["code"] == "TP-HAIDUONG")
        plan = requests.get(f"{base}/tasks/api/v1/plans", headers=headers,
                            timeout=30).json()[0]["id"]
        loads = []
        if "P1" in ids:
            loads += [(p1, f"{base}/tasks/api/v1/tasks", wrk_script(tmp, "create", "POST", {
                          "title": "Kiểm tra việc áp dụng SXSH", "assignee_unit_id": district,
                          "deadline": "2099-12-21"}, coordinator)),
                      (p1_base, f"{bare_base}/bare/items",
                       wrk_script(tmp, "bare", "POST", {"title": "row"}, None))]
        if "P2" in ids:
            loads += [(p2, f"{base}/tasks/api/v1/tasks?plan_id={plan}&status=not_started"
                           "&page_size=50", wrk_script(tmp, "list", "GET", None, coordinator)),
                      (kpi, f"{base}/kpi/api/v1/summary?year={KPI_YEAR}",
                       wrk_script(tmp, "summary", "GET", None, head)),
                      (p2_base, f"{bare_base}/bare/items/42", None)]
        for _, url, script in loads:
            wrk(url, script, seconds=1)
        alternate(rounds, [(series, lambda u=url, s=script: wrk(u, s))
                           for series, url, script in loads])
        if "P5" in ids:
            _measure_p5(product.processes[0], tmp / "data" / "kpi.db", base, p5)
    note = "waitress 8 threads (as `python -m services.embedded` serves) for both; SQLite"
    if "P1" in ids:
        comparisons.append(Comparison(
            id="P1", title="embedded default: create a task", ours=p1, baselines=[p1_base],
            goal="(informative)", notes=[note]))
    if "P2" in ids:
        comparisons += [
            Comparison(id="P2", title="embedded default: list 50 tasks", ours=p2,
                       baselines=[p2_base], goal="(informative)"),
            Comparison(id="P2", title=f"embedded default: KPI summary {KPI_YEAR}", ours=kpi,
                       baselines=[p2_base], goal="(informative)")]
    if "P5" in ids:
        comparisons += [Comparison(
            id="P5", title=f"embedded default: report → KPI status p99 at {rate:.0f}/s",
            ours=p5[rate], baselines=[], goal="(informative)", higher_is_better=False)
            for rate in P5_RATES]
    return comparisons


def _measure_p5(process: Process, kpi_db: Path, base: str, p5: dict[float, Series]) -> None:
    """Report → KPI latency at growing rates (one round each: it is informative)."""
    counts = {rate: int(rate * P5_SECONDS) for rate in P5_RATES}
    units = add_units(f"sqlite:///{kpi_db}", sum(counts.values()))
    job = submission_job(base, units, Settings(secret_key=TEST_SECRET))
    offset = 0
    for rate, count in counts.items():
        start = offset
        latencies = paced(lambda i, start=start: job(start + i), rate=rate, count=count)
        offset += count
        p5[rate].values.append(percentile(latencies, 0.99))
    if not process.alive():
        raise RuntimeError(process.log_tail())

