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

from bench.brokers import pg_database, rabbit_vhost
from bench.harness import Comparison, Series, alternate
from shared.settings import PROJECT_ROOT
from tests.e2e.processes import Process, free_port, wait_http_ok
from tests.helpers import TEST_SECRET

GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread",
            "--log-level", "warning"]
WRK = ["wrk", "-t2", "-c16", "-d8s", "--latency"]
PASSWORD = "bench-password-0123"


def _wrk(url: str, script: str | None = None) -> float:
    """Requests per second that wrk measured (non-2xx responses make it fail)."""
    args = [*WRK, url] if script is None else [*WRK, "-s", script, url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout
    if "Non-2xx" in out:
        raise AssertionError(f"wrk saw errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _script(directory: Path, name: str, method: str, body: dict | None, token: str) -> str:
    path = directory / f"{name}.lua"
    lines = [f'wrk.method = "{method}"',
             'wrk.headers["Content-Type"] = "application/json"',
             f'wrk.headers["Authorization"] = "Bearer {token}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body, ensure_ascii=True))}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run(*, rounds: int = 3) -> list[Comparison]:
    """P1 (create a task) and P2 (list 50 tasks) against the bare app."""
    p1, p1_base = Series("POST /tasks/api/v1/tasks", "req/s"), Series("bare insert", "req/s")
    p2, p2_base = Series("GET 50 tasks, filtered", "req/s"), Series("bare select by PK", "req/s")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        tasks_url = stack.enter_context(pg_database("tasks"))
        bare_url = stack.enter_context(pg_database("tasks"))
        amqp_url = stack.enter_context(rabbit_vhost())
        env = {**os.environ, "APP_MODE": "production", "SECRET_KEY": TEST_SECRET,
               "BROKER_URL": amqp_url, "DATABASE_URL": tasks_url, "LOG_FORMAT": "json"}
        subprocess.run([sys.executable, "-m", "services.tasks.cli", "seed-demo-plan"],
                       env=env, check=True, cwd=PROJECT_ROOT, capture_output=True)
        subprocess.run([sys.executable, "-m", "services.tasks.cli", "create-user", "bench",
                        "coordinator", "SCT", "Bench"], env={**env, "NEW_USER_PASSWORD": PASSWORD},
                       check=True, cwd=PROJECT_ROOT, capture_output=True)
        ours_port, bare_port = free_port(), free_port()
        ours = Process("tasks-web", [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind",
                                     f"127.0.0.1:{ours_port}", "services.tasks.app:create_app()"],
                       env, tmp)
        stack.callback(ours.stop)
        bare = Process("bare-web", [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind",
                                    f"127.0.0.1:{bare_port}", "bench.bare_app:create_app()"],
                       {**env, "DATABASE_URL": bare_url}, tmp)
        stack.callback(bare.stop)
        base, bare_base = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}"
        wait_http_ok(f"{base}/tasks/healthz", ours)
        wait_http_ok(f"{bare_base}/bare/items/1", bare)
        token = requests.post(f"{base}/tasks/api/v1/auth/token", timeout=10, json={
            "username": "bench", "password": PASSWORD}).json()["access_token"]
        units = requests.get(f"{base}/tasks/api/v1/units", timeout=10,
                             headers={"Authorization": f"Bearer {token}"}).json()
        district = next(u["id"] for u in units if u["code"] == "TP-HAIDUONG")
        create = _script(tmp, "create", "POST", {
            "title": "Kiểm tra việc áp dụng SXSH", "assignee_unit_id": district,
            "deadline": "2099-12-21"}, token)
        listing = _script(tmp, "list", "GET", None, token)
        bare_create = _script(tmp, "bare", "POST", {"title": "row"}, token)
        alternate(rounds, [
            (p1, lambda: _wrk(f"{base}/tasks/api/v1/tasks", create)),
            (p1_base, lambda: _wrk(f"{bare_base}/bare/items", bare_create)),
            (p2, lambda: _wrk(f"{base}/tasks/api/v1/tasks?status=not_started&limit=50",
                              listing)),
            (p2_base, lambda: _wrk(f"{bare_base}/bare/items/42")),
        ])
    return [
        Comparison(id="P1", title="create a task over HTTP (validation, auth, audit, outbox)",
                   ours=p1, baselines=[p1_base], goal="≥ 0.5× bare insert", goal_ratio=0.5,
                   notes=["gunicorn 2 workers × 4 threads for both; wrk -t2 -c16 -d8s; "
                          "PostgreSQL"]),
        Comparison(id="P2", title="list 50 tasks with filters", ours=p2, baselines=[p2_base],
                   goal="≥ 0.5× bare select by PK", goal_ratio=0.5),
    ]
