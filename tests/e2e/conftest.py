"""The product as real processes: the embedded default, and gunicorn + workers on PG + RabbitMQ."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass, field

import pytest

from shared.settings import SERVICES
from tests.e2e.processes import Process, free_port, python, wait_http_ok
from tests.helpers import AMQP_URL, create_pg_database, drop_pg_database, require
from tests.helpers import TEST_SECRET as SECRET

DEMO_PASSWORD = "e2e-password-0123"
DEMO_USERS = [
    ("admin", "admin", "SCT", "Quản trị hệ thống"),
    ("giamdoc.sct", "head", "SCT", "Giám đốc Sở Công Thương"),
    ("dieuphoi.sct", "coordinator", "SCT", "Chuyên viên điều phối"),
    ("baocao.tphd", "reporter", "TP-HAIDUONG", "Cán bộ báo cáo TP Hải Dương"),
    ("xem.skhcn", "viewer", "SKHCN", "Cán bộ Sở KH&CN"),
]


@dataclass
class Product:
    """Where each service answers, and the accounts to log in with."""

    bases: dict[str, str]
    passwords: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    def url(self, service: str, path: str) -> str:
        return f"{self.bases[service]}/{service}{path}"

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_tail(3000)}" for p in self.processes)


def _base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("DATABASE_URL") and k not in ("BROKER_URL", "APP_MODE", "PORT")}
    env.update(LOG_FORMAT="json", RELAY_POLL_INTERVAL="0.05", **extra)
    return env


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """`python -m services.embedded` on SQLite and the in-process broker."""
    data_dir = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = _base_env(DATA_DIR=str(data_dir), PORT=str(port))
    process = Process("embedded", python("-m", "services.embedded"), env, data_dir)
    try:
        base = f"http://127.0.0.1:{port}"
        for service in SERVICES:
            wait_http_ok(f"{base}/{service}/readyz", process, timeout=90)
        accounts = json.loads((data_dir / "demo-accounts.json").read_text("utf-8"))
        yield Product(bases=dict.fromkeys(SERVICES, base),
                      passwords={a["username"]: a["password"] for a in accounts},
                      processes=[process])
    finally:
        process.stop()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def distributed(tmp_path_factory):
    """Each service as gunicorn (2 workers) plus its worker process, on PostgreSQL + RabbitMQ."""
    require("postgresql")
    require("rabbitmq")
    log_dir = tmp_path_factory.mktemp("distributed")
    vhost = f"pt-e2e-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    urls = {service: create_pg_database(service) for service in SERVICES}
    processes: list[Process] = []
    try:
        common = dict(APP_MODE="production", SECRET_KEY=SECRET,
                      BROKER_URL=AMQP_URL.rstrip("/") + "/" + vhost)
        envs = {s: _base_env(DATABASE_URL=urls[s], **common) for s in SERVICES}
        subprocess.run(python("-m", "services.tasks.cli", "seed-demo-plan"), env=envs["tasks"],
                       check=True, timeout=120)
        for username, role, unit, name in DEMO_USERS:
            subprocess.run(python("-m", "services.tasks.cli", "create-user", username, role,
                                  unit, name),
                           env={**envs["tasks"], "NEW_USER_PASSWORD": DEMO_PASSWORD},
                           check=True, timeout=60)
        subprocess.run(python("-m", "services.kpi.cli", "seed-indicators"), env=envs["kpi"],
                       check=True, timeout=60)
        bases = {}
        for service in SERVICES:
            port = free_port()
            bases[service] = f"http://127.0.0.1:{port}"
            processes.append(Process(
                f"{service}-web",
                python("-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                       "--bind", f"127.0.0.1:{port}", "--workers", "2",
                       f"services.{service}.app:create_app()"),
                envs[service], log_dir))
            processes.append(Process(f"{service}-worker",
                                     python("-m", f"services.{service}.worker"),
                                     envs[service], log_dir))
        for service in SERVICES:
            web = next(p for p in processes if p.name == f"{service}-web")
            wait_http_ok(f"{bases[service]}/{service}/readyz", web, timeout=60)
        yield Product(bases=bases, passwords={u[0]: DEMO_PASSWORD for u in DEMO_USERS},
                      processes=processes)
    finally:
        for process in processes:
            process.stop()
        for url in urls.values():
            drop_pg_database(url)
        _rabbitmqctl("delete_vhost", vhost)
