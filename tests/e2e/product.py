"""Starting the whole product as real processes, for e2e tests and benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shared.settings import SERVICES
from tests.e2e.processes import Process, free_port, python, wait_http_ok
from tests.helpers import AMQP_URL, TEST_SECRET, create_pg_database, drop_pg_database

DEMO_PASSWORD = "e2e-password-0123"
DEMO_USERS = [
    ("admin", "admin", "SCT", "Quản trị hệ thống"),
    ("giamdoc.sct", "head", "SCT", "Giám đốc Sở Công Thương"),
    ("dieuphoi.sct", "coordinator", "SCT", "Chuyên viên điều phối"),
    ("baocao.tphd", "reporter", "TP-HAIDUONG", "Cán bộ báo cáo TP Hải Dương"),
    ("baocao.chilinh", "reporter", "TP-CHILINH", "Cán bộ báo cáo TP Chí Linh"),
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


def base_env(**extra: str) -> dict[str, str]:
    """This process's environment without the product's own settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("DATABASE_URL") and k not in ("BROKER_URL", "APP_MODE", "PORT")}
    env.update(LOG_FORMAT="json", RELAY_POLL_INTERVAL="0.05", **extra)
    return env


@contextmanager
def embedded_product(data_dir: Path) -> Iterator[Product]:
    """`python -m services.embedded` on SQLite and the in-process broker."""
    port = free_port()
    env = base_env(DATA_DIR=str(data_dir), PORT=str(port))
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


@contextmanager
def distributed_product(log_dir: Path, *, web_workers: int = 2) -> Iterator[Product]:
    """Each service as gunicorn plus its worker process, on PostgreSQL + its own RabbitMQ vhost."""
    vhost = f"pt-e2e-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    urls: dict[str, str] = {}
    processes: list[Process] = []
    try:
        urls = {service: create_pg_database(service) for service in SERVICES}
        common = dict(APP_MODE="production", SECRET_KEY=TEST_SECRET,
                      BROKER_URL=AMQP_URL.rstrip("/") + "/" + vhost)
        envs = {s: base_env(DATABASE_URL=urls[s], **common) for s in SERVICES}
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
                       "--bind", f"127.0.0.1:{port}", "--workers", str(web_workers),
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
