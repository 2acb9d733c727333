"""S5: login is rate-limited across gunicorn's web workers (the count is in PostgreSQL).

Which worker answers is the kernel's choice, so the scenario first finds one kept-alive
connection to each worker (a failed login of a probe account on each of a few connections
opened at once; the worker logs its pid with each counted failure), keeps them from idling
out, then sends the account's failures alternately over the two: five counted by each worker.
"""

from __future__ import annotations

import json
from collections import Counter
from http.client import HTTPConnection, HTTPResponse
from urllib.parse import urlsplit

import pytest

from tests.e2e.product import DEMO_PASSWORD
from tests.proof.stack import product_under_test

pytestmark = [pytest.mark.timeout(600)]
ACCOUNT, OTHER = "baocao.tphd", "baocao.chilinh"
TOKEN = "/tasks/api/v1/auth/token"


class Answer:
    """Status, headers and JSON body of one answer."""

    def __init__(self, response: HTTPResponse):
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.body = json.loads(response.read() or b"null")


def _log_in(conn: HTTPConnection, username: str, password: str) -> Answer:
    conn.request("POST", TOKEN, body=json.dumps({"username": username, "password": password}),
                 headers={"Content-Type": "application/json"})
    return Answer(conn.getresponse())


def _ping(conn: HTTPConnection) -> None:
    conn.request("GET", "/tasks/healthz")
    assert Answer(conn.getresponse()).status == 200


def _counted_by(product, account: str) -> Counter[int]:
    """Failed logins of the account by the gunicorn worker (pid) that counted them."""
    text = product.process("tasks-web").log_path.read_text("utf-8", errors="replace")
    pids: Counter[int] = Counter()
    for line in text.splitlines():
        if line.startswith("{") and '"login failed"' in line:
            entry = json.loads(line)
            if entry.get("account") == account:
                pids[entry["worker_pid"]] += 1
    return pids


def _one_connection_per_worker(product, *, batch: int = 4, batches: int = 4):
    """Kept-alive connections to two different gunicorn workers (pid -> connection)."""
    address = urlsplit(product.bases["tasks"])
    found: dict[int, HTTPConnection] = {}
    for b in range(batches):
        conns = [HTTPConnection(address.hostname, address.port, timeout=30)
                 for _ in range(batch)]
        for conn in conns:  # all accepted before any is used
            conn.connect()
        for i, conn in enumerate(conns):
            probe = f"tham-do-{b}-{i}"
            assert _log_in(conn, probe, "sai").status == 401
            (pid,) = _counted_by(product, probe)
            found.setdefault(pid, conn)
            for kept in found.values():  # gunicorn closes a connection idle for 5 s
                _ping(kept)
        if len(found) >= 2:
            return found
    raise AssertionError(f"every probe connection went to one worker: {sorted(found)}")


def test_login_throttled_across_two_gunicorn_workers(tmp_path, proof):
    """Login throttled across 2 gunicorn workers: 429 after 10 failures (S5)"""
    with product_under_test(tmp_path / "logs") as product:
        first, second = list(_one_connection_per_worker(product).values())[:2]
        failures = [_log_in((first, second)[n % 2], ACCOUNT, "wrong-password")
                    for n in range(10)]
        workers = _counted_by(product, ACCOUNT)
        eleventh = _log_in(first, ACCOUNT, "wrong-password")
        right_password = _log_in(second, ACCOUNT, DEMO_PASSWORD)
        other = _log_in(first, OTHER, DEMO_PASSWORD)
        split = " + ".join(str(n) for n in sorted(workers.values(), reverse=True))
        proof.record(done=f"10 wrong passwords for {ACCOUNT}, counted by gunicorn's 2 workers "
                          f"({split}) → {sorted({r.status for r in failures})}; 11th try "
                          f"{eleventh.status} Retry-After {eleventh.headers.get('retry-after')} "
                          f"s; right password {right_password.status}; {OTHER} {other.status}")
        assert [r.status for r in failures] == [401] * 10
        assert sorted(workers.values()) == [5, 5], workers
        assert eleventh.status == 429
        assert 0 < int(eleventh.headers["retry-after"]) <= 900
        assert eleventh.headers["content-type"] == "application/problem+json"
        assert eleventh.body["details"]["vi"].startswith("Đăng nhập sai quá nhiều lần.")
        assert eleventh.body["details"]["en"].startswith("Too many failed logins.")
        assert right_password.status == 429
        assert other.status == 200, other.body
