"""P5: a report submitted → its KPI status readable over the API, at 50 submissions/s.

Baseline in the same run: the broker's own publish → consume round trip (kombu), same pace.
"""

from __future__ import annotations

import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack, suppress
from pathlib import Path

import requests
from kombu import Connection, Exchange, Queue
from sqlalchemy import insert

from bench.brokers import checkpoint, pg_database, rabbit_vhost
from bench.harness import Comparison, Series, percentile, scaled
from bench.http import gunicorn
from bench.pacing import paced
from bench.seeding import seed_kpi
from services.kpi.change import Change
from services.kpi.demo import demo_values
from services.kpi.kpis import recompute_kpis
from services.kpi.models import Unit
from services.kpi.repository import years_with_values
from shared.db import Database, utcnow
from shared.settings import Settings
from tests.e2e.processes import Process, wait_http_ok
from tests.helpers import TEST_SECRET, token_for

RATE = 50.0
SECONDS = scaled(20, 4)
YEAR = 2019  # the demo reports' year: the new units' reports join the 13 demo ones
INDICATOR = "APPLY"


def add_units(url: str, count: int) -> list[uuid.UUID]:
    """`count` more districts in the KPI service's copy of the units (no report yet).

    Written in bulk, as thousands of `unit.upserted` events would leave them; the years with
    stored values are recomputed once at the end, as the last of those events would do.
    """
    db = Database(url)
    ids = [uuid.uuid4() for _ in range(count)]
    now = utcnow()
    with db.uow() as uow:
        uow.session.execute(insert(Unit), [
            {"unit_id": unit_id, "code": f"BENCH-{n:05d}", "kind": "district",
             "name_vi": f"Huyện thử {n}", "name_en": f"Bench district {n}",
             "valid_from": None, "valid_to": None, "updated_at": now}
            for n, unit_id in enumerate(ids)])
        for year in years_with_values(uow.session):
            recompute_kpis(uow=uow, change=Change.of_unit_validity(year=year), now=now)
        uow.commit()
    db.dispose()
    return ids


def submission_job(base: str, units: list[uuid.UUID], settings: Settings):
    """job(i): unit i files and submits its report, then reads its KPI status until it counts."""
    tokens = [token_for(settings, unit_id=u, roles=("reporter",), unit_code=f"BENCH-{n:05d}")
              for n, u in enumerate(units)]
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))

    def job(i: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        response = session.post(f"{base}/kpi/api/v1/reports", headers=headers, timeout=30,
                                json={"year": YEAR, "values": demo_values(YEAR), "submit": True})
        if response.status_code != 201:
            raise AssertionError(f"{response.status_code}: {response.text[:300]}")
        for _ in range(200):
            status = session.get(f"{base}/kpi/api/v1/kpis/{INDICATOR}/explain", headers=headers,
                                 params={"year": YEAR, "unit_id": str(units[i])}, timeout=30)
            status.raise_for_status()
            if status.json()["status"] != "no_data":
                return
            time.sleep(0.005)
        raise AssertionError(f"unit {i}: the KPI never reflected the report")

    return job


def broker_job(amqp_url: str):
    """job(i): publish one persistent message and wait until a consumer thread has it."""
    exchange = Exchange("bench-p5", type="direct", durable=True)
    bench_queue = Queue(f"bench-p5-{uuid.uuid4().hex[:6]}", exchange, routing_key="p5",
                        durable=True)
    arrived: dict[int, threading.Event] = {}
    stop = threading.Event()

    def consume() -> None:
        with Connection(amqp_url) as conn:
            def on_message(body, message):
                message.ack()
                arrived[body["i"]].set()
            with conn.Consumer(bench_queue, callbacks=[on_message], prefetch_count=50):
                while not stop.is_set():
                    with suppress(TimeoutError):
                        conn.drain_events(timeout=0.5)

    producers: queue.SimpleQueue = queue.SimpleQueue()
    connection = Connection(amqp_url)
    bench_queue(connection.default_channel).declare()
    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    time.sleep(0.5)

    def job(i: int) -> None:
        arrived[i] = threading.Event()
        try:
            producer = producers.get_nowait()
        except queue.Empty:
            producer = Connection(amqp_url).Producer(exchange=exchange, serializer="json")
        producer.publish({"i": i}, routing_key="p5", delivery_mode=2)
        producers.put(producer)
        if not arrived[i].wait(30):
            raise AssertionError(f"message {i} never arrived")

    def close() -> None:
        stop.set()
        thread.join(5)
        connection.close()

    return job, close


def run(*, ids: set[str] | None = None, rounds: int = 3) -> list[Comparison]:
    """p50 / p95 / p99 of submission → KPI readable, against the broker round trip."""
    count = int(RATE * SECONDS)
    ours = {p: Series("report → KPI status over HTTP", "ms") for p in (50, 95, 99)}
    broker = {p: Series("kombu publish → consume", "ms") for p in (50, 95, 99)}
    settings = Settings(secret_key=TEST_SECRET)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        kpi_url = stack.enter_context(pg_database("kpi"))
        amqp_url = stack.enter_context(rabbit_vhost())
        seed_kpi(kpi_url)
        units = add_units(kpi_url, count * (rounds + 1))
        checkpoint(kpi_url)
        env = {**os.environ, "APP_MODE": "production", "SECRET_KEY": TEST_SECRET,
               "BROKER_URL": amqp_url, "DATABASE_URL": kpi_url, "LOG_FORMAT": "json",
               "RELAY_POLL_INTERVAL": "0.05"}
        web, base = gunicorn("kpi-web", "services.kpi.app:create_app()", env, tmp)
        stack.callback(web.stop)
        worker = Process("kpi-worker", [sys.executable, "-m", "services.kpi.worker"], env, tmp)
        stack.callback(worker.stop)
        wait_http_ok(f"{base}/kpi/readyz", web)
        broker_measure, close = broker_job(amqp_url)
        stack.callback(close)
        submit = submission_job(base, units, settings)
        used = 0

        def measure_ours(record: bool = True) -> None:
            nonlocal used
            offset = used
            used += count
            latencies = paced(lambda i: submit(offset + i), rate=RATE, count=count)
            if record:
                for p in ours:
                    ours[p].values.append(percentile(latencies, p / 100))

        def measure_broker(record: bool = True) -> None:
            latencies = paced(broker_measure, rate=RATE, count=count)
            if record:
                for p in broker:
                    broker[p].values.append(percentile(latencies, p / 100))

        measure_broker(record=False)  # warm-up of both: pools, caches, lazy imports
        measure_ours(record=False)  # (the units were made for rounds + 1)
        for _ in range(rounds):
            measure_ours()
            measure_broker()
    note = (f"{count:,} submissions per round at {RATE:.0f}/s (open loop, latency from the "
            "moment each was due); each one POSTs a new unit's report with submit=true, then "
            f"GETs /kpi/api/v1/kpis/{INDICATOR}/explain for that unit until it is no longer "
            "no_data; kpi under gunicorn 2 × 4 threads, PostgreSQL, its worker running")
    return [Comparison(id="P5", title=f"report submitted → KPI status readable, p{p}",
                       ours=ours[p], baselines=[broker[p]], higher_is_better=False,
                       goal="≤ 50 ms" if p == 99 else "—",
                       goal_value=50.0 if p == 99 else None, notes=[note] if p == 50 else [])
            for p in (50, 95, 99)]
