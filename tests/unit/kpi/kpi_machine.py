"""R10 as a Hypothesis state machine: stored KPI values always equal a full recompute.

Reports are filed, edited, submitted, approved and returned; commands are sent twice; unit
events are delivered twice and out of order; a use case crashes before commit. After every
step the values the incremental recomputes stored must equal those of a full recompute.
Used by the unit tier (SQLite) and the integration tier (PostgreSQL).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from services.kpi import kpis, service
from services.kpi.handlers import HANDLERS
from services.kpi.models import (
    Base,
    KpiCounted,
    KpiStatusChange,
    KpiTotal,
    KpiValue,
    Report,
    ReportVersion,
    TaskCopy,
    Unit,
    audit_log,
    messaging,
)
from services.kpi.seed import seed_indicators
from services.kpi.settings import KpiSettings
from shared.auth import Principal
from shared.db import Database
from shared.errors import ApiError
from shared.messaging.consumer import EventConsumer
from shared.messaging.events import build_event, parse_event
from tests.helpers import version_at

YEARS = (2018, 2019)
DISTRICTS = ("D1", "D2", "D3")
T0 = datetime(2019, 12, 10, 3, 0, tzinfo=UTC)
COMPARED = ("indicator_code", "scope", "year", *kpis.STORED_FIELDS)
CONFIG = KpiSettings()


@st.composite
def report_values(draw) -> dict[str, Any]:
    """Valid yearly report values (the cross-field rules hold)."""
    potential = draw(st.integers(0, 60))
    applying = draw(st.integers(0, potential))
    responsible = draw(st.integers(0, 12))
    return {"facilities_cp_potential": potential,
            "facilities_aware": draw(st.integers(0, potential)),
            "facilities_applying": applying,
            "avg_saving_percent": draw(st.sampled_from([0.0, 4.5, 8.0, 12.5, 20.0]))
            if applying else 0.0,
            "officers_responsible": responsible,
            "officers_trained": draw(st.integers(0, responsible)),
            "trainings_held": 1, "leaflets_issued": 10}


def _rows(session) -> set[tuple]:
    return {tuple(round(v, 9) if isinstance(v, float) else v for v in
                  (getattr(row, f) for f in COMPARED))
            for row in session.execute(select(KpiValue)).scalars()}


def _with_data(rows: set[tuple]) -> set[tuple]:
    # unit scopes without any counted report are left behind by returns; compare the rest
    reported = COMPARED.index("units_reported")
    return {r for r in rows if r[1] == "province" or r[reported] > 0}


class KpiMachine(RuleBasedStateMachine):
    """One fresh kpi database state per example; steps are use cases and event deliveries."""

    db: Database  # set by run_kpi_machine

    def __init__(self) -> None:
        super().__init__()
        self.clock = T0
        self.consumer = EventConsumer(service="kpi", broker_url="memory://", db=self.db,
                                      tables=messaging, handlers=HANDLERS)
        self.unit_ids = {code: uuid.uuid4() for code in (*DISTRICTS, "SCT")}
        self.sent_events: list[dict[str, Any]] = []

    def _now(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def _unit_event(self, code: str, valid_to: date | None) -> dict[str, Any]:
        kind = "department" if code == "SCT" else "district"
        now = self._now()
        return build_event("unit.upserted", {
            "unit_id": self.unit_ids[code], "code": code, "kind": kind, "name_vi": code,
            "name_en": code, "parent_id": None, "valid_from": date(2016, 1, 1),
            "valid_to": valid_to, "version": version_at(now)}, producer="tasks", now=now)

    def _principal(self, code: str, role: str) -> Principal:
        return Principal(user_id=uuid.uuid5(self.unit_ids[code], role), username=role,
                         unit_id=self.unit_ids[code], unit_code=code, roles=(role,))

    def _call(self, action, **kwargs) -> bool:
        """Run one use case in its own transaction; an ApiError leaves nothing behind."""
        with self.db.uow() as uow:
            try:
                action(uow=uow, now=self._now(), config=CONFIG, **kwargs)
            except ApiError:
                return False
            uow.commit()
            return True

    def _report(self, code: str, year: int) -> Report | None:
        with self.db.uow() as uow:
            return uow.session.execute(select(Report).where(
                Report.unit_id == self.unit_ids[code], Report.year == year)).scalar_one_or_none()

    @initialize()
    def fresh_database(self) -> None:
        with self.db.engine.begin() as conn:
            for table in (ReportVersion.__table__, KpiStatusChange.__table__,
                          KpiValue.__table__, KpiCounted.__table__, KpiTotal.__table__,
                          Report.__table__, Unit.__table__,
                          TaskCopy.__table__, audit_log, messaging.outbox,
                          messaging.handled):
                conn.execute(delete(table))
        with self.db.uow() as uow:
            seed_indicators(uow=uow, now=T0)
            uow.commit()
        for code in (*DISTRICTS, "SCT"):
            event = self._unit_event(code, None)
            self.sent_events.append(event)
            assert self.consumer.apply(parse_event(event))

    @rule(code=st.sampled_from(DISTRICTS), year=st.sampled_from(YEARS),
          values=report_values(), submit=st.booleans())
    def file_report(self, code, year, values, submit) -> None:
        self._call(service.create_report, principal=self._principal(code, "reporter"),
                   year=year, values=values, submit=submit)

    @rule(code=st.sampled_from(DISTRICTS), year=st.sampled_from(YEARS), values=report_values())
    def edit_and_resubmit(self, code, year, values) -> None:
        report = self._report(code, year)
        if report is None:
            return
        principal = self._principal(code, "reporter")
        self._call(service.update_report, principal=principal, report_id=report.id,
                   values=values)
        self._call(service.submit_report, principal=principal, report_id=report.id)

    @rule(code=st.sampled_from(DISTRICTS), year=st.sampled_from(YEARS), twice=st.booleans())
    def approve(self, code, year, twice) -> None:
        report = self._report(code, year)
        if report is None:
            return
        for _ in range(2 if twice else 1):  # the second is a duplicate command: 409
            self._call(service.approve_report, principal=self._principal("SCT", "head"),
                       report_id=report.id)

    @rule(code=st.sampled_from(DISTRICTS), year=st.sampled_from(YEARS))
    def send_back(self, code, year) -> None:
        report = self._report(code, year)
        if report is not None:
            self._call(service.return_report, principal=self._principal("SCT", "head"),
                       report_id=report.id, reason="Sửa lại số liệu")

    @rule(code=st.sampled_from(DISTRICTS), year=st.sampled_from(YEARS))
    def crash_before_commit(self, code, year) -> None:
        report = self._report(code, year)
        with self.db.uow() as uow:  # leaves without commit: the unit of work rolls back
            if report is not None and report.status == "submitted":
                service.approve_report(uow=uow, principal=self._principal("SCT", "head"),
                                       report_id=report.id, now=self._now(), config=CONFIG)

    @rule(code=st.sampled_from(DISTRICTS), gone=st.booleans(), swap=st.booleans())
    def unit_events_out_of_order(self, code, gone, swap) -> None:
        older = self._unit_event(code, date(2019, 1, 1) if gone else None)
        newer = self._unit_event(code, None if gone else date(2019, 1, 1))
        for event in ((newer, older) if swap else (older, newer)):
            self.sent_events.append(event)
            self.consumer.apply(parse_event(event))

    @precondition(lambda self: bool(self.sent_events))
    @rule(index=st.integers(0, 1000))
    def redeliver_an_event(self, index) -> None:
        event = self.sent_events[index % len(self.sent_events)]
        assert not self.consumer.apply(parse_event(event))  # recorded: changes nothing

    @invariant()
    def stored_values_equal_a_full_recompute(self) -> None:
        with self.db.uow() as uow:
            incremental = _rows(uow.session)
            kpis.recompute_all(uow=uow, now=T0)  # in place: nothing may change
            assert _rows(uow.session) == incremental
            uow.session.execute(delete(KpiValue))  # from scratch
            kpis.recompute_all(uow=uow, now=T0)
            assert _with_data(_rows(uow.session)) == _with_data(incremental)
            uow.rollback()


def run_kpi_machine(db: Database, *, max_examples: int, steps: int) -> None:
    """Run the machine against a migrated kpi database."""
    assert Base.metadata is not None
    KpiMachine.db = db
    run_state_machine_as_test(KpiMachine, settings=settings(
        max_examples=max_examples, stateful_step_count=steps, deadline=None,
        suppress_health_check=list(HealthCheck), derandomize=False))
