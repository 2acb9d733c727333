"""Reports on a real PostgreSQL: concurrent creates and submits (R9, R10)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from services.kpi import service
from services.kpi.handlers import HANDLERS
from services.kpi.models import KpiValue, Report, messaging
from services.kpi.seed import seed_indicators
from shared.auth import Principal
from shared.db import Database
from shared.errors import ApiError
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import build_event, parse_event
from tests.helpers import create_pg_database, drop_pg_database

pytestmark = pytest.mark.integration

NOW = datetime(2019, 12, 10, 3, 0, tzinfo=UTC)
VALUES = {"facilities_cp_potential": 100, "facilities_aware": 70, "facilities_applying": 30,
          "avg_saving_percent": 9.5, "officers_responsible": 10, "officers_trained": 8,
          "trainings_held": 2, "leaflets_issued": 500}


@pytest.fixture
def db() -> Iterator[Database]:
    url = create_pg_database("kpi")
    database = Database(url, pool_size=12)
    with database.uow() as uow:
        seed_indicators(uow=uow, now=NOW)
        uow.commit()
    yield database
    database.dispose()
    drop_pg_database(url)


def _add_district(db: Database, code: str) -> Principal:
    unit_id = uuid.uuid4()
    consumer = EventConsumer(service="kpi", broker_url="memory://", db=db, tables=messaging,
                             handlers=HANDLERS)
    consumer.apply(parse_event(build_event("unit.upserted", {
        "unit_id": unit_id, "code": code, "kind": "district", "name_vi": code, "name_en": code,
        "valid_from": date(2016, 1, 1), "version": 1}, producer="tasks", now=NOW)))
    return Principal(user_id=uuid.uuid4(), username=code, unit_id=unit_id, unit_code=code,
                     roles=("reporter",))


def _race(count: int, action: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except ApiError as exc:
            results[i] = exc.status

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_twenty_concurrent_identical_creates_give_one_report_and_409s(db):
    reporter = _add_district(db, "D1")

    def create(_i: int) -> str:
        with db.uow() as uow:
            service.create_report(uow=uow, principal=reporter, year=2019, values=VALUES,
                                  submit=True, now=NOW)
            uow.commit()
        return "created"

    results = _race(20, create)
    assert results.count("created") == 1
    assert results.count(409) == 19
    with db.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Report)).scalar_one() == 1


def test_concurrent_submits_of_every_district_equal_a_full_recompute(db):
    reporters = [_add_district(db, f"D{i}") for i in range(8)]

    def submit(i: int) -> str:
        with db.uow() as uow:
            service.create_report(uow=uow, principal=reporters[i], year=2019,
                                  values={**VALUES, "facilities_aware": 10 * i}, submit=True,
                                  now=NOW)
            uow.commit()
        return "submitted"

    assert _race(8, submit) == ["submitted"] * 8
    with db.uow() as uow:
        province = {k["indicator_code"]: k for k in service.list_kpis(uow=uow, year=2019)}
    assert province["AWARE"]["numerator"] == sum(10 * i for i in range(8))
    assert province["AWARE"]["completeness"] == {"reported": 8, "expected": 8}

    def snapshot() -> dict:
        with db.uow() as uow:
            rows = uow.session.execute(select(KpiValue)).scalars()
            return {(r.indicator_code, r.scope): (r.value, r.status, r.units_reported)
                    for r in rows}

    before = snapshot()
    with db.uow() as uow:
        service.recompute_year(uow=uow, year=2019, now=NOW)
        uow.commit()
    assert snapshot() == before
