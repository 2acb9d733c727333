"""The P4 baseline: the same reminders done the way a team would with Celery.

A beat-like scanner (`python -m bench.celery_reminders scan`) finds due rows every second and
queues one `send_reminder` task each; `celery -A bench.celery_reminders worker` (prefork,
`acks_late=True`) writes the in-app inbox row in PostgreSQL and sends the e-mail over SMTP
(one connection kept per worker process, as our sender does). Same RabbitMQ, same sink.
"""

from __future__ import annotations

import os
import signal
import smtplib
import sys
import threading
from datetime import UTC, date, datetime
from email.message import EmailMessage

from celery import Celery
from sqlalchemy import Engine, create_engine, text

app = Celery("bench_reminders", broker=os.environ.get("CELERY_BROKER_URL", "memory://"))
app.conf.update(task_acks_late=True, task_ignore_result=True, worker_prefetch_multiplier=4,
                task_default_queue="reminders", broker_connection_retry_on_startup=True,
                worker_hijack_root_logger=False)

SCHEMA = [
    """CREATE TABLE due_tasks (id uuid PRIMARY KEY, title text NOT NULL,
       recipient text NOT NULL, effective_deadline date NOT NULL, reminded_on date)""",
    "CREATE INDEX ix_due_tasks_deadline ON due_tasks (effective_deadline) "
    "WHERE reminded_on IS NULL",
    """CREATE TABLE inbox (id bigserial PRIMARY KEY, task_id uuid NOT NULL,
       recipient text NOT NULL, title text NOT NULL, body text NOT NULL,
       created_at timestamptz NOT NULL)""",
]
_local: dict[str, object] = {}


def engine() -> Engine:
    """This process's engine (made after the fork)."""
    if "engine" not in _local:
        _local["engine"] = create_engine(os.environ["REMINDER_DB_URL"], pool_size=2)
    return _local["engine"]  # type: ignore[return-value]


def smtp() -> smtplib.SMTP:
    """This process's SMTP connection, opened on first use."""
    if "smtp" not in _local:
        _local["smtp"] = smtplib.SMTP("127.0.0.1", int(os.environ["SMTP_PORT"]), timeout=10)
    return _local["smtp"]  # type: ignore[return-value]


@app.task(name="send_reminder", acks_late=True)
def send_reminder(task_id: str) -> None:
    """Inbox row, then the e-mail."""
    with engine().begin() as conn:
        row = conn.execute(text("SELECT title, recipient, effective_deadline FROM due_tasks "
                                "WHERE id = :id"), {"id": task_id}).one()
        body = f"Hạn chót {row.effective_deadline:%d/%m/%Y}: {row.title}"
        conn.execute(text("INSERT INTO inbox (task_id, recipient, title, body, created_at) "
                          "VALUES (:id, :to, :title, :body, :now)"),
                     {"id": task_id, "to": row.recipient, "title": row.title, "body": body,
                      "now": datetime.now(UTC)})
    message = EmailMessage()
    message["From"], message["To"] = "nhacviec@bench.example.vn", row.recipient
    message["Subject"] = f"Sắp đến hạn: {row.title}"
    message["Message-ID"] = f"<reminder-{task_id}@bench.example.vn>"
    message.set_content(body)
    try:
        smtp().send_message(message)
    except (OSError, smtplib.SMTPException):
        _local.pop("smtp", None)
        smtp().send_message(message)


def scan_once(today: date, batch: int = 500) -> int:
    """Queue one task per due row not yet reminded, marking them in the same transaction."""
    queued = 0
    while True:
        with engine().begin() as conn:
            ids = conn.execute(text(
                "SELECT id FROM due_tasks WHERE reminded_on IS NULL "
                "AND effective_deadline <= :horizon ORDER BY effective_deadline, id "
                "LIMIT :batch FOR UPDATE SKIP LOCKED"),
                {"horizon": date.fromordinal(today.toordinal() + 7), "batch": batch}
            ).scalars().all()
            if not ids:
                return queued
            for task_id in ids:
                send_reminder.delay(str(task_id))
            conn.execute(text("UPDATE due_tasks SET reminded_on = :today WHERE id = ANY(:ids)"),
                         {"today": today, "ids": list(ids)})
            queued += len(ids)


def main() -> None:
    """`scan`: every second, until SIGTERM."""
    if sys.argv[1:] != ["scan"]:
        raise SystemExit("usage: python -m bench.celery_reminders scan")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    while not done.is_set():
        scan_once(date.today())
        done.wait(1.0)


if __name__ == "__main__":
    main()
