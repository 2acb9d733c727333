"""P1 and P2: our HTTP endpoints against a bare Flask + SQLAlchemy app, same gunicorn settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import requests

from bench import bare_app
from bench.brokers import checkpoint, pg_database, rabbit_vhost
from bench.harness import Comparison, Series, alternate, scaled
from bench.seeding import PASSWORD, create_user, seed_kpi
from shared.settings import PROJECT_ROOT
from tests.e2e.processes import Process, free_port, wait_http_ok
from tests.helpers import TEST_SECRET

# Every contender gets these, the bare app included: the product's own start-up hook (its
# deploy/gunicorn.conf.py uses the same one), 2 workers × 4 threads, no access log.
GUNICORN = ["-c", "python:shared.runtime", "--workers", "2", "--threads", "4",
            "--worker-class", "gthread", "--log-level", "warning"]
WRK_SECONDS = scaled(8, 3)
KPI_YEAR = 2019


def wrk(url: str, script: str | None = None, *, seconds: int = WRK_SECONDS) -> float:
    """Requests per second that wrk measured (non-2xx responses make it fail)."""
    args = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "30s", "--latency", url]
    if script is not None:
        args[1:1] = ["-s", script]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise AssertionError(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def wrk_script(directory: Path, name: str, method: str, body: dict | None,
               token: str | None) -> str:
    """A wrk Lua script sending one request shape."""
    path = directory / f"{name}.lua"
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body, ensure_ascii=True))}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def gunicorn(name: str, app: str, env: dict[str, str], log_dir: Path,
             server: list[str] | None = None) -> tuple[Process, str]:
    """One app under gunicorn (the benchmark settings); returns the process and its base URL."""
    port = free_port()
    process = Process(name, [sys.executable, "-m", "gunicorn", *(server or GUNICORN), "--bind",
                             f"127.0.0.1:{port}", app], env, log_dir)
    return process, f"http://127.0.0.1:{port}"


def login(base: str, username: str) -> str:
    """A bearer token from the tasks service."""
    response = requests.post(f"{base}/tasks/api/v1/auth/token", timeout=30, json={
        "username": username, "password": PASSWORD})
    response.raise_for_status()
    return response.json()["access_token"]


def run(*, ids: set[str] | None = None, rounds: int = 3) -> list[Comparison]:
    """P1 (create a task), P2 (list 50 tasks; the head's KPI summary) against the bare app."""
    ids = ids or {"P1", "P2"}
    p1, p1_base = Series("POST /tasks/api/v1/tasks", "req/s"), Series("bare insert", "req/s")
    p2, p2_base = Series("GET 50 tasks, filtered", "req/s"), Series("bare select by PK", "req/s")
    kpi = Series(f"GET /kpi/api/v1/summary?year={KPI_YEAR}", "req/s")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        tasks_url = stack.enter_context(pg_database("tasks"))
        kpi_url = stack.enter_context(pg_database("kpi"))
        bare_url = stack.enter_context(pg_database("tasks"))
        amqp_url = stack.enter_context(rabbit_vhost())
        env = {**os.environ, "APP_MODE": "production", "SECRET_KEY": TEST_SECRET,
               "BROKER_URL": amqp_url, "DATABASE_URL": tasks_url, "LOG_FORMAT": "json"}
        subprocess.run([sys.executable, "-m", "services.tasks.cli", "seed-demo-plan"],
                       env=env, check=True, cwd=PROJECT_ROOT, capture_output=True)
        create_user(env, "bench", "coordinator", "SCT")
        create_user(env, "bench-head", "head", "SCT")
        seed_kpi(kpi_url)
        ours, base = gunicorn("tasks-web", "services.tasks.app:create_app()", env, tmp)
        stack.callback(ours.stop)
        kpi_web, kpi_base = gunicorn("kpi-web", "services.kpi.app:create_app()",
                                     {**env, "DATABASE_URL": kpi_url}, tmp)
        stack.callback(kpi_web.stop)
        bare_app.prepare(bare_url)
        bare, bare_base = gunicorn("bare-web", "bench.bare_app:create_app()",
                                   {**env, "DATABASE_URL": bare_url}, tmp)
        stack.callback(bare.stop)
        for url in (tasks_url, kpi_url, bare_url):
            checkpoint(url)
        wait_http_ok(f"{base}/tasks/healthz", ours)
        wait_http_ok(f"{kpi_base}/kpi/healthz", kpi_web)
        wait_http_ok(f"{bare_base}/bare/items/1", bare)
        loads = loads_for(ids, tmp, base, kpi_base, bare_base, p1=p1, p1_base=p1_base, p2=p2,
                          p2_base=p2_base, kpi=kpi)
        for _, url, script in loads:  # warm-up: pools, caches, lazy imports
            wrk(url, script, seconds=1)
        alternate(rounds, [(series, lambda u=url, s=script: wrk(u, s))
                           for series, url, script in loads])
    note = ("gunicorn 2 workers × 4 threads (gthread) for every app; wrk -t2 -c16 "
            f"-d{WRK_SECONDS}s; PostgreSQL")
    return [
        Comparison(id="P1", title="create a task over HTTP (validation, auth, audit, outbox)",
                   ours=p1, baselines=[p1_base], goal="≥ 0.5× bare insert", goal_ratio=0.5,
                   notes=[note]),
        Comparison(id="P2", title="list 50 tasks with filters (plan, status)", ours=p2,
                   baselines=[p2_base], goal="≥ 0.5× bare select by PK", goal_ratio=0.5),
        Comparison(id="P2", title=f"the head's KPI summary for {KPI_YEAR} (13 reporting units, "
                   "4 KPIs)", ours=kpi, baselines=[p2_base], goal="≥ 0.5× bare select by PK",
                   goal_ratio=0.5),
    ]


def loads_for(ids: set[str], tmp: Path, base: str, kpi_base: str, bare_base: str, *,
                   p1: Series, p1_base: Series, p2: Series, p2_base: Series, kpi: Series):
    """(series, URL, wrk script) of the wanted ids, in the order they alternate."""
    token = login(base, "bench")
    head = login(base, "bench-head")
    headers = {"Authorization": f"Bearer {token}"}
    units = requests.get(f"{base}/tasks/api/v1/units", timeout=10, headers=headers).json()
    district = next(u["id"] for u in units if u["code"] == "TP-HAIDUONG")
    plan = requests.get(f"{base}/tasks/api/v1/plans", timeout=10, headers=headers).json()[0]["id"]
    create = wrk_script(tmp, "create", "POST", {
        "title": "Kiểm tra việc áp dụng SXSH", "assignee_unit_id": district,
        "deadline": "2099-12-21"}, token)
    listing = wrk_script(tmp, "list", "GET", None, token)
    summary = wrk_script(tmp, "summary", "GET", None, head)
    bare_create = wrk_script(tmp, "bare", "POST", {"title": "row"}, None)
    loads = []
    if "P1" in ids:
        loads += [(p1, f"{base}/tasks/api/v1/tasks", create),
                  (p1_base, f"{bare_base}/bare/items", bare_create)]
    if "P2" in ids:
        loads += [(p2, f"{base}/tasks/api/v1/tasks?plan_id={plan}&status=not_started"
                       "&page_size=50", listing),
                  (kpi, f"{kpi_base}/kpi/api/v1/summary?year={KPI_YEAR}", summary),
                  (p2_base, f"{bare_base}/bare/items/42", None)]
    return loads
