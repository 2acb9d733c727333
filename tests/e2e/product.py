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
from tests.helpers import (
    AMQP_URL,
    PG_ADMIN_URL,
    TEST_SECRET,
    create_pg_database,
    drop_pg_database,
)

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


@dataclass
class DistributedOptions:
    """Where the distributed product's dependencies live, and how its processes start.

    By default: the shared PostgreSQL and a fresh vhost of the shared RabbitMQ. The proof
    suite points it at a private broker (through a fault proxy) or a private PostgreSQL
    server, adds environment per process (`"kpi-worker": {...}`) and runs more workers.
    """

    broker_url: str | None = None
    pg_admin_url: str = PG_ADMIN_URL
    process_env: dict[str, dict[str, str]] = field(default_factory=dict)
    worker_processes: dict[str, int] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class DistributedProduct(Product):
    """The distributed product, with what a test needs to restart its processes."""

    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    web_workers: int = 2

    def process(self, name: str) -> Process:
        """The running process called `name` (e.g. "kpi-worker", "tasks-web")."""
        return next(p for p in self.processes if p.name == name)

    def start_process(self, name: str, **env: str) -> Process:
        """Start (or start again) one web or worker process, with extra environment."""
        service, kind = name.split("-", 1)
        args = (self._web_args(service) if kind == "web"
                else python("-m", f"services.{service}.worker"))
        old = next((p for p in self.processes if p.name == name), None)
        if old is not None:
            old.stop()
            self.processes.remove(old)
        assert self.log_dir is not None
        process = Process(name, args, {**self.envs[name], **env}, self.log_dir)
        self.processes.append(process)
        return process

    def _web_args(self, service: str) -> list[str]:
        port = self.bases[service].rsplit(":", 1)[1]
        return python("-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                      "--bind", f"127.0.0.1:{port}", "--workers", str(self.web_workers),
                      f"services.{service}.app:create_app()")


def _seed(envs: dict[str, dict[str, str]]) -> None:
    tasks_env = envs["tasks"]
    subprocess.run(python("-m", "services.tasks.cli", "seed-demo-plan"), env=tasks_env,
                   check=True, timeout=120)
    for username, role, unit, name in DEMO_USERS:
        subprocess.run(python("-m", "services.tasks.cli", "create-user", username, role,
                              unit, name),
                       env={**tasks_env, "NEW_USER_PASSWORD": DEMO_PASSWORD},
                       check=True, timeout=60)
    subprocess.run(python("-m", "services.kpi.cli", "seed-indicators"), env=envs["kpi"],
                   check=True, timeout=60)


@contextmanager
def distributed_product(log_dir: Path, *, web_workers: int = 2,
                        options: DistributedOptions | None = None
                        ) -> Iterator[DistributedProduct]:
    """Each service as gunicorn plus its worker process, on PostgreSQL + RabbitMQ."""
    options = options or DistributedOptions()
    vhost = None
    broker_url = options.broker_url
    if broker_url is None:
        vhost = f"pt-e2e-{uuid.uuid4().hex[:8]}"
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        broker_url = AMQP_URL.rstrip("/") + "/" + vhost
    urls: dict[str, str] = {}
    product = DistributedProduct(bases={}, passwords={u[0]: DEMO_PASSWORD for u in DEMO_USERS},
                                 log_dir=log_dir, web_workers=web_workers)
    try:
        urls = {service: create_pg_database(service, options.pg_admin_url)
                for service in SERVICES}
        product.database_urls = urls
        common = dict(APP_MODE="production", SECRET_KEY=TEST_SECRET, BROKER_URL=broker_url,
                      **options.extra_env)
        envs = {s: base_env(DATABASE_URL=urls[s], **common) for s in SERVICES}
        _seed(envs)
        names = []
        for service in SERVICES:
            product.bases[service] = f"http://127.0.0.1:{free_port()}"
            names.append(f"{service}-web")
            count = options.worker_processes.get(service, 1)
            names += [f"{service}-worker" + (f"-{i + 1}" if i else "") for i in range(count)]
        for name in names:
            service = name.split("-", 1)[0]
            product.envs[name] = {**envs[service], **options.process_env.get(name, {})}
            product.start_process(name)
        for service in SERVICES:
            wait_http_ok(f"{product.bases[service]}/{service}/readyz",
                         product.process(f"{service}-web"), timeout=60)
        yield product
    finally:
        for process in product.processes:
            process.stop()
        for url in urls.values():
            drop_pg_database(url)
        if vhost:
            _rabbitmqctl("delete_vhost", vhost)
