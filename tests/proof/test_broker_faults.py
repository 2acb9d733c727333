"""Broker faults across the real services (RELIABILITY.md R1, R5, R6, R12).

Districts submit reports and the coordinator moves tasks while the private RabbitMQ node is
killed with -9 and restarted, its memory alarm raised and cleared, and the connection cut
and blackholed through the fault proxy. The web processes never talk to the broker, so
every request is accepted; afterwards every KPI value, task status and the head's inbox
equal what the accepted requests imply, no event is lost and none applied twice, and no
process exited.
"""

from __future__ import annotations

import pytest

from tests.proof.stack import broker_under_test, exited, product_under_test, settle
from tests.proof.workload import Client, Workload

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

def _phase(workload: Workload, seconds: float) -> None:
    workload.run_for(seconds, report_every=8)  # reports spread over every fault

def test_broker_killed_alarmed_cut_and_blackholed_under_load(tmp_path, proof):
    """Broker faults under load: kill -9, memory alarm, reset, blackhole (R1 R5 R6 R12)"""
    with broker_under_test(tmp_path / "rabbit") as broker, \
            product_under_test(tmp_path / "logs", broker=broker) as product:
        client = Client(product)
        workload = Workload(client)
        workload.prepare()
        workload.wait_units_copied()
        _phase(workload, 3)

        broker.node.kill9()  # R1 + R6: the broker dies under load
        _phase(workload, 6)
        broker.node.start()
        _phase(workload, 4)

        broker.memory_alarm(True)  # R5: publishers blocked, web latency unaffected
        alarm_from = len(client.answers)
        _phase(workload, 8)
        alarm_latency = max(a.seconds for a in client.answers[alarm_from:])
        broker.memory_alarm(False)
        _phase(workload, 3)

        broker.proxy.set_mode("reset")  # R12: the connection is cut
        _phase(workload, 4)
        broker.proxy.set_mode("pass")
        _phase(workload, 3)

        broker.proxy.set_mode("blackhole")  # R12: silent loss, only heartbeats can tell
        _phase(workload, 12)
        broker.proxy.set_mode("pass")
        workload.finish_reports()

        counts = settle(product, timeout=180)
        problems = workload.mismatches()
        refused = {s: n for s, n in client.statuses().items() if s is None or s >= 300}
        proof.record(
            done=f"{len(workload.reports)} reports and "
                 f"{sum(1 for a in client.answers if a.what in workload.tasks)} task moves "
                 f"through kill -9 + restart, memory alarm, reset, 12 s blackhole; "
                 f"max latency under alarm {alarm_latency:.2f}s", **counts.columns())
        assert not refused, f"requests refused during broker faults: {refused}"
        assert alarm_latency < 3, "web latency suffered from the broker's memory alarm"
        assert not problems, problems
        assert counts.lost == [] and counts.duplicated == 0, counts.summary()
        assert not exited(product), f"processes exited: {exited(product)}\n{product.logs()}"
        relay_log = product.process("kpi-worker").log_tail(200_000)
        assert "broker unavailable" in relay_log or "not published" in relay_log
