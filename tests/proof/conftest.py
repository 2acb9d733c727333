"""Collects the proof table (tests/proof/ledger.py) and prints it after the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.proof import ledger

RESULTS = Path("var/proof/results.md")


def _scenario_name(item: pytest.Item) -> str:
    doc = getattr(item, "function", None).__doc__ if hasattr(item, "function") else None
    title = (doc or "").strip().splitlines()[0] if doc else item.name
    return title.rstrip(".")


@pytest.fixture
def proof(request) -> ledger.Row:
    """This scenario's row of the proof table."""
    return ledger.ROWS.setdefault(request.node.nodeid, ledger.Row(_scenario_name(request.node)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    row = ledger.ROWS.setdefault(item.nodeid, ledger.Row(_scenario_name(item)))
    if report.when == "call" or (report.when == "setup" and not report.passed):
        row.outcome = "skipped" if report.skipped else ("pass" if report.passed else "FAIL")
    elif report.when == "teardown" and report.failed:
        row.outcome = "FAIL"


def pytest_terminal_summary(terminalreporter):
    if not ledger.ROWS:
        return
    terminalreporter.section("proof table")
    terminalreporter.write_line(ledger.table())
    ledger.write(RESULTS)
    terminalreporter.write_line(f"(written to {RESULTS})")
