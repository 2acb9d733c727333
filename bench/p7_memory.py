"""P7: resident memory of every process after a warm-up load, against the budget."""

from __future__ import annotations

import tempfile
from pathlib import Path

import requests

from bench.harness import Comparison, Series
from tests.e2e.product import Product, distributed_product, embedded_product

WEB_BUDGET_MB = 120.0
EMBEDDED_BUDGET_MB = 300.0


def rss_mb(pid: int) -> float:
    """Resident set size of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def warm_up(product: Product, rounds: int = 100) -> None:
    """Log in and read the main lists, so that caches and pools are filled."""
    token = requests.post(product.url("tasks", "/api/v1/auth/token"), timeout=10, json={
        "username": "giamdoc.sct", "password": product.passwords["giamdoc.sct"]}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    for _ in range(rounds):
        for service, path in (("tasks", "/api/v1/tasks?limit=50"),
                              ("notifications", "/api/v1/inbox"),
                              ("kpi", "/api/v1/kpis?year=2020")):
            requests.get(product.url(service, path), headers=headers, timeout=10)


def run(*, ids: set[str] | None = None, rounds: int = 1) -> list[Comparison]:
    """RSS of the embedded default, of each gunicorn worker and of each worker process."""
    embedded = Series("embedded default (one process)", "MiB")
    web = Series("largest gunicorn web worker", "MiB")
    workers = Series("largest worker process", "MiB")
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "embedded").mkdir()
        with embedded_product(Path(tmp) / "embedded") as product:
            warm_up(product)
            embedded.values.append(rss_mb(product.processes[0].proc.pid))
        (Path(tmp) / "distributed").mkdir()
        with distributed_product(Path(tmp) / "distributed") as product:
            warm_up(product)
            for process in product.processes:
                pid = process.proc.pid
                if process.name.endswith("-web"):
                    sizes = [rss_mb(child) for child in children(pid)]
                    web.values.append(max(sizes))
                    notes.append(f"{process.name}: master {rss_mb(pid):.0f} MiB, workers "
                                 + ", ".join(f"{s:.0f}" for s in sizes) + " MiB")
                else:
                    workers.values.append(rss_mb(pid))
                    notes.append(f"{process.name}: {rss_mb(pid):.0f} MiB")
    budget = Series("budget", "MiB", [WEB_BUDGET_MB])
    return [
        Comparison(id="P7", title="memory of the embedded default", ours=embedded,
                   baselines=[Series("budget", "MiB", [EMBEDDED_BUDGET_MB])],
                   goal="≤ 300 MiB", goal_ratio=1.0, higher_is_better=False, notes=notes),
        Comparison(id="P7", title="memory of each web worker (max over services)", ours=web,
                   baselines=[budget], goal="≤ 120 MiB", goal_ratio=1.0, higher_is_better=False),
        Comparison(id="P7", title="memory of each worker process (max over services)",
                   ours=Series(workers.name, "MiB", [max(workers.values)]),
                   baselines=[budget], goal="≤ 120 MiB", goal_ratio=1.0,
                   higher_is_better=False),
    ]
