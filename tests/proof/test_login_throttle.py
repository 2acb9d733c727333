"""S5: login is rate-limited across gunicorn's web workers (the count is in PostgreSQL)."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.product import DEMO_PASSWORD
from tests.proof.stack import product_under_test

pytestmark = [pytest.mark.timeout(600)]
ACCOUNT, OTHER = "baocao.tphd", "baocao.chilinh"


def _log_in(product, username: str, password: str) -> requests.Response:
    # A new connection each time (no session): gunicorn's two workers share the accepts.
    return requests.post(product.url("tasks", "/api/v1/auth/token"), timeout=30,
                         json={"username": username, "password": password})


def _workers_that_counted(product, account: str) -> Counter[int]:
    """Failed logins of the account by the gunicorn worker (pid) that counted them."""
    lines = product.process("tasks-web").log_path.read_text("utf-8", errors="replace")
    pids: Counter[int] = Counter()
    for line in lines.splitlines():
        if line.startswith("{") and '"login failed"' in line:
            entry = json.loads(line)
            if entry.get("account") == account:
                pids[entry["worker_pid"]] += 1
    return pids


def test_login_throttled_across_two_gunicorn_workers(tmp_path, proof):
    """Login throttled across 2 gunicorn workers: 429 after 10 failures (S5)"""
    with product_under_test(tmp_path / "logs") as product:
        with ThreadPoolExecutor(5) as pool:  # at once, so that both workers take some
            failures = list(pool.map(lambda _: _log_in(product, ACCOUNT, "wrong-password"),
                                     range(10)))
        eleventh = _log_in(product, ACCOUNT, "wrong-password")
        right_password = _log_in(product, ACCOUNT, DEMO_PASSWORD)
        other = _log_in(product, OTHER, DEMO_PASSWORD)
        workers = _workers_that_counted(product, ACCOUNT)
        split = " + ".join(str(n) for n in sorted(workers.values(), reverse=True))
        proof.record(done=f"10 wrong passwords for {ACCOUNT} at once, counted by gunicorn's 2 "
                          f"workers ({split}) → "
                          f"{sorted({r.status_code for r in failures})}; 11th try "
                          f"{eleventh.status_code} Retry-After "
                          f"{eleventh.headers.get('Retry-After')} s; right password "
                          f"{right_password.status_code}; {OTHER} {other.status_code}")
        assert [r.status_code for r in failures] == [401] * 10
        assert len(workers) == 2, f"the failures were all handled by one worker: {workers}"
        assert eleventh.status_code == 429
        assert 0 < int(eleventh.headers["Retry-After"]) <= 900
        assert eleventh.headers["Content-Type"] == "application/problem+json"
        assert eleventh.json()["details"]["vi"].startswith("Đăng nhập sai quá nhiều lần.")
        assert eleventh.json()["details"]["en"].startswith("Too many failed logins.")
        assert right_password.status_code == 429
        assert other.status_code == 200, other.text
