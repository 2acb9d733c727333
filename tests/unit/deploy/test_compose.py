"""docker-compose.yml is checked by a real compose parser (no Docker engine runs here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from shared.settings import PROJECT_ROOT
from tests.helpers import IN_CI

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
SECRETS = {"SECRET_KEY": "s" * 40, "RABBITMQ_PASSWORD": "r", "POSTGRES_PASSWORD": "p"}


def _compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        if IN_CI:
            pytest.fail("docker-compose (Debian package) is missing; `make test` "
                        "installs it (tools/system-packages.sh)")
        pytest.skip("docker-compose is not installed")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run([binary, "-f", str(COMPOSE_FILE), *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_compose_file_is_valid_and_describes_every_process():
    result = _compose("config", env=SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    expected = {"postgres", "rabbitmq", "smtp", "proxy"} | {
        f"{s}-{role}" for s in ("tasks", "notifications", "kpi")
        for role in ("migrate", "web", "worker")}
    assert set(services) == expected
    assert services["tasks-web"]["command"][-1] == "services.tasks.app:create_app()"
    for name in ("tasks", "notifications", "kpi"):
        url = services[f"{name}-web"]["environment"]["DATABASE_URL"]
        assert url.endswith(f"/{name}"), "each service owns its database"
    assert json.dumps(services["proxy"]["ports"]).count("8080") == 1


def test_compose_refuses_to_start_without_secrets():
    result = _compose("config", "-q", env={})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr or "PASSWORD" in result.stderr
