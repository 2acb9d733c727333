"""WORKER_CONSUMERS: several consumers of one queue in a worker process."""

from __future__ import annotations

from services.tasks.worker import build_worker
from shared.settings import Settings
from tests.helpers import settings_for_tests, sqlite_database


def test_worker_consumers_is_read_from_the_environment_and_is_at_least_one():
    assert Settings.from_env({"WORKER_CONSUMERS": "3"}).worker_consumers == 3
    assert Settings.from_env({"WORKER_CONSUMERS": "0"}).worker_consumers == 1
    assert Settings.from_env({}).worker_consumers == 1


def test_a_worker_runs_one_consumer_thread_per_consumer_and_stops_them_all(tmp_path):
    settings = settings_for_tests(worker_consumers=3)
    worker = build_worker(settings, sqlite_database("tasks", tmp_path))
    assert len(worker.consumers) == 3 and worker.consumer is worker.consumers[0]
    assert len({id(c.connection) for c in worker.consumers}) == 3  # one connection each
    worker.start()
    try:
        names = {t.name for t in worker.threads}
        assert {"tasks-consumer", "tasks-consumer-2", "tasks-consumer-3"} <= names
    finally:
        worker.stop()
    assert all(c.should_stop for c in worker.consumers)
    assert not worker.threads
