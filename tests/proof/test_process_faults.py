"""Process faults: a process dies with exit status 137 at an exact point, then is restarted.

The crash points are the test-only `FAULT_POINT`s of shared/faults.py, each set on one
process and fired once (`FAULT_ONCE_FILE`). The product runs on PostgreSQL and its own vhost
of RabbitMQ; after each fault the events settle with nothing lost and nothing applied twice.
The scenarios share one product and run in file order (the scanner's crash is the first thing
its worker does).
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.processes import eventually, wait_http_ok
from tests.proof.events import rows
from tests.proof.stack import product_under_test, settle
from tests.proof.workload import Client, Workload, reporter

# Part of `make test` too (about 1 min); the broker, database and full fuzzing runs are `slow`.
pytestmark = [pytest.mark.timeout(900)]


def _fault(tmp_path, point: str, after: int = 1) -> dict[str, str]:
    return {"FAULT_POINT": point, "FAULT_AFTER": str(after),
            "FAULT_ONCE_FILE": str(tmp_path / f"{point}.fired")}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    """The product, its tasks worker set to crash while its scanner holds claims."""
    base = tmp_path_factory.mktemp("process-faults")
    env = {"tasks-worker": {**_fault(base, "scanner.after_claim"), "TASKS_SCAN_BATCH": "50"}}
    with product_under_test(base / "logs", process_env=env) as product:
        client = Client(product)
        workload = Workload(client)
        workload.prepare()
        yield product, workload, base


def _crashed(process) -> bool:
    return process.proc.poll() == 137


def _restart(product, name: str):
    """Start the process again with the environment it had, minus the fault."""
    product.envs[name] = {k: v for k, v in product.envs[name].items()
                          if not k.startswith("FAULT_")}
    return product.start_process(name)


def _restart_crashed(product) -> None:
    """Restart what an earlier scenario (or a deselected one) left crashed."""
    if product.envs["tasks-worker"].get("FAULT_POINT") == "scanner.after_claim":
        worker = product.process("tasks-worker")  # the scanner scenario did not run
        eventually(lambda: _crashed(worker), timeout=60, what="the scanner's crash")
    for process in list(product.processes):
        if _crashed(process):
            _restart(product, process.name)


def _count(url: str, sql: str) -> int:
    return int(rows(url, sql)[0][0])


def test_scanner_killed_holding_claims(faulty, proof):
    """Scanner killed while holding its claims: released, emitted once after restart (R14)"""
    product, _workload, _base = faulty
    worker = product.process("tasks-worker")
    eventually(lambda: _crashed(worker), timeout=60, what="the scanner's crash")
    tasks_db = product.database_urls["tasks"]
    held = _count(tasks_db, "SELECT count(*) FROM deadline_events")
    _restart(product, "tasks-worker")
    emitted = eventually(lambda: _count(tasks_db, "SELECT count(*) FROM deadline_events"),
                         timeout=60, what="deadline events after the restart")
    counts = settle(product)
    deadline_events = sum(n for t, n in counts.by_type.items()
                          if t in ("task.due_soon", "task.due_today", "task.overdue",
                                   "task.escalated"))
    proof.record(done=f"tasks worker exits 137 with a batch of 50 claimed; {held} claims "
                      f"survived it; restarted: {emitted} deadline events", **counts.columns())
    assert held == 0, "a dead scanner's claims must not stay committed"
    assert deadline_events == _count(tasks_db, "SELECT count(*) FROM deadline_events")
    assert counts.lost == [] and counts.duplicated == 0, counts.summary()


def test_web_worker_killed_mid_request(faulty, proof):
    """Web worker killed mid-request (change flushed, not committed): no half-write"""
    product, workload, base = faulty
    _restart_crashed(product)
    product.envs["kpi-web"].update(_fault(base, "uow.before_commit"))
    wait_http_ok(product.url("kpi", "/readyz"), product.start_process("kpi-web"))
    workload.wait_units_copied()
    unit, year = workload.pending_reports[0]
    kpi_db = product.database_urls["kpi"]
    before = {table: _count(kpi_db, f"SELECT count(*) FROM {table}")
              for table in ("reports", "report_versions", "outbox", "audit_log")}
    answer = workload.submit_next_report()
    after = {table: _count(kpi_db, f"SELECT count(*) FROM {table}") for table in before}
    listed = workload.client.get_json("kpi", f"/api/v1/reports?year={year}", reporter(unit))
    workload.finish_reports()  # the retry and the rest, on the restarted gunicorn worker
    counts = settle(product)
    problems = workload.mismatches()
    proof.record(done=f"POST report killed the gunicorn worker before commit (answer "
                      f"{answer.status}); nothing written; retried: 201", **counts.columns())
    assert answer.status is None or answer.status >= 500
    assert after == before, "a killed request left rows behind"
    assert listed == []
    assert (unit, year) in workload.reports
    assert not problems, problems
    assert counts.lost == [] and counts.duplicated == 0, counts.summary()


def test_relay_killed_between_confirm_and_mark(faulty, proof):
    """Relay killed between confirm and mark: published twice, applied once (R3)"""
    product, workload, base = faulty
    _restart_crashed(product)
    product.envs["tasks-worker"].update(_fault(base, "relay.after_confirm"))
    worker = product.start_process("tasks-worker")
    for _ in range(5):
        workload.move_next_task()
    eventually(lambda: _crashed(worker), timeout=60, what="the relay's crash")
    time.sleep(2)  # the consumers apply what the broker confirmed
    unsent = {str(r[0]) for r in rows(product.database_urls["tasks"],
                                      "SELECT event_id FROM outbox WHERE sent_at IS NULL")}
    applied = {str(r[0]) for r in rows(product.database_urls["notifications"],
                                       "SELECT event_id FROM handled_events")}
    republished = len(unsent & applied)
    _restart(product, "tasks-worker")
    counts = settle(product)
    proof.record(done=f"tasks relay exits 137 after the broker confirmed a batch; "
                      f"{len(unsent)} rows stayed unsent, {republished} of them already "
                      f"applied, published again after restart",
                 **counts.columns(), republished=republished)
    assert republished > 0, "the crash should leave confirmed, applied events unmarked"
    assert not workload.mismatches()
    assert counts.lost == [] and counts.duplicated == 0, counts.summary()


def _crash_consumer(product, workload, base, point: str) -> None:
    product.envs["notifications-worker"].update(_fault(base, point, after=3))
    worker = product.start_process("notifications-worker")
    for _ in range(30):  # spaced out, so that the events come in several batches
        workload.move_next_task()
        if _crashed(worker):
            break
        time.sleep(0.3)
    eventually(lambda: _crashed(worker), timeout=60, what=f"the consumer's crash at {point}")
    _restart(product, "notifications-worker")


def test_consumer_killed_before_and_after_commit(faulty, proof):
    """Consumer killed before commit, then between commit and ack: applied once (R7)"""
    product, workload, base = faulty
    _restart_crashed(product)
    _crash_consumer(product, workload, base, "consumer.before_commit")
    _crash_consumer(product, workload, base, "consumer.after_commit")
    counts = settle(product)
    proof.record(done="notifications consumer exits 137 at its 3rd batch of events, once "
                      "before the commit and once after it (before the acks); restarted each "
                      "time: the unacked events come again", **counts.columns())
    assert not workload.mismatches()
    assert counts.lost == [] and counts.duplicated == 0, counts.summary()
