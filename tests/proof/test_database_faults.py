"""Database faults: the product's PostgreSQL server restarts under load.

The product runs on a private PostgreSQL server (tests/proof/postgres.py). While districts
submit reports and the coordinator moves tasks, the server is shut down (fast shutdown: every
connection cut), kept down for a few seconds and started again. During the outage every
request gets 503 with Retry-After as problem+json, never a 500 and never a hang; afterwards
the services answer again by themselves (pooled connections are checked before use), no
process exited, and the end state equals what the accepted requests imply.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers import IN_CI
from tests.proof.postgres import PrivatePostgres
from tests.proof.stack import exited, product_under_test, settle
from tests.proof.workload import Client, Workload

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

OUTAGE_SECONDS = 8


@pytest.fixture
def private_postgres():
    """A PostgreSQL server of our own, stopped and deleted afterwards."""
    if not PrivatePostgres.available():
        if IN_CI:
            pytest.fail("PostgreSQL 15 server binaries are needed (CI=true)")
        pytest.skip("PostgreSQL 15 server binaries are not installed")
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.close()


def _recovered(workload: Workload, timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        answer = workload.move_next_task()
        if answer.status == 200:
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError("the services did not recover after the database came back")


def test_database_restarted_under_load(tmp_path, private_postgres, proof):
    """PostgreSQL restarted under load: 503 with Retry-After meanwhile, recovery by itself"""
    with product_under_test(tmp_path / "logs",
                            pg_admin_url=private_postgres.admin_url) as product:
        client = Client(product)
        workload = Workload(client)
        workload.prepare()
        workload.wait_units_copied()
        workload.run_for(3, report_every=4)

        private_postgres.stop()
        outage_from = len(client.answers)
        try:
            workload.run_for(OUTAGE_SECONDS, report_every=2)
        finally:
            private_postgres.start()
        during = client.answers[outage_from:]
        recovery = _recovered(workload)
        workload.run_for(3, report_every=4)
        workload.finish_reports()

        counts = settle(product)
        problems = workload.mismatches()
        unavailable = [a for a in during if a.status == 503]
        proof.record(
            done=f"server down {OUTAGE_SECONDS} s under load: {len(during)} requests, "
                 f"{len(unavailable)} got 503 + Retry-After; answered again {recovery:.1f} s "
                 f"after restart; {len(workload.reports)} reports accepted", **counts.columns())
        statuses = client.statuses()
        assert not [s for s in statuses if s is None or s >= 500 and s != 503], statuses
        assert during and all(a.status == 503 and a.retry_after
                           and a.content_type == "application/problem+json" for a in during), \
            [(a.what, a.status, a.body[:100]) for a in during if a.status != 503][:5]
        assert not problems, problems
        assert counts.lost == [] and counts.duplicated == 0, counts.summary()
        assert not exited(product), f"processes exited: {exited(product)}\n{product.logs()}"
