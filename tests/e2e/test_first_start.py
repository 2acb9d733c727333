"""The demo's first start: no reminder or escalation about a report finished years ago."""

from __future__ import annotations

import sqlite3
import time

import pytest
import requests

from tests.e2e.product import embedded_product

REMINDERS = ("task.due_soon", "task.due_today", "task.overdue", "task.escalated")
FINISHED = ("submitted", "done", "cancelled")
DEMO_REPORTS = 48  # services/kpi/demo.py: 13 units x 4 years, 4 missing


@pytest.fixture(scope="module")
def first_start(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("NOTIFY_EMAIL_MODE", "log")  # e-mails count as sent, no SMTP server needed
    data_dir = tmp_path_factory.mktemp("first-start")
    try:
        with embedded_product(data_dir) as product:
            settle(data_dir)
            yield product, data_dir
    finally:
        patch.undo()


def query(data_dir, service: str, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data_dir / f"{service}.db", timeout=30) as connection:
        return connection.execute(sql, params).fetchall()


def settle(data_dir, *, quiet: float = 15.0, timeout: float = 240.0) -> None:
    """Wait until the demo reports are filed and nothing changes for `quiet` seconds."""
    last, since, deadline = None, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = (query(data_dir, "kpi", "SELECT count(*) FROM reports"),
                    query(data_dir, "tasks", "SELECT status, count(*) FROM tasks GROUP BY 1"),
                    query(data_dir, "notifications", "SELECT count(*) FROM handled_events"),
                    query(data_dir, "notifications",
                          "SELECT status, count(*) FROM deliveries GROUP BY 1"))
        if snapshot != last:
            last, since = snapshot, time.monotonic()
        elif snapshot[0][0][0] >= DEMO_REPORTS and time.monotonic() - since > quiet:
            return
        time.sleep(1)
    raise AssertionError(f"the demo did not settle: {last}")


def finished_tasks(data_dir) -> set[str]:
    marks = ",".join("?" * len(FINISHED))
    return {row[0] for row in query(
        data_dir, "tasks", f"SELECT lower(replace(id, '-', '')) FROM tasks "
        f"WHERE kind = 'yearly_report' AND status IN ({marks})", *FINISHED)}


def test_at_first_start_the_head_sees_no_escalation_of_a_finished_report(first_start):
    product, data_dir = first_start
    done = finished_tasks(data_dir)
    assert len(done) >= 40  # the demo reports moved their tasks
    token = requests.post(product.url("tasks", "/api/v1/auth/token"), json={
        "username": "giamdoc.sct", "password": product.passwords["giamdoc.sct"]},
        timeout=10).json()["access_token"]
    inbox = requests.get(product.url("notifications", "/api/v1/inbox?limit=200"),
                         headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    about_finished = [m for m in inbox if m["event_type"] in REMINDERS
                      and m["link"].rsplit("/", 1)[-1].replace("-", "") in done]
    assert about_finished == []


def test_at_first_start_no_email_goes_out_about_a_finished_report(first_start):
    _, data_dir = first_start
    done = finished_tasks(data_dir)
    rows = query(data_dir, "notifications",
                 "SELECT lower(replace(task_id, '-', '')), status FROM deliveries "
                 f"WHERE channel = 'email' AND event_type IN ({','.join('?' * 4)})", *REMINDERS)
    sent = [row for row in rows if row[0] in done and row[1] in ("pending", "sending", "sent")]
    assert sent == []
