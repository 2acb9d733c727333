"""The demo plan of `make run`: every duty of plan.md, its units, and a living mix of statuses."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from services.tasks import service
from services.tasks.domain import FastCalendar
from services.tasks.models import Duty, OrgUnit, Task
from services.tasks.seed import DEMO_TODAY, seed_demo_plan
from tests.helpers import sqlite_database


def test_the_demo_plan_has_every_duty_with_its_units_and_a_mix_of_statuses(tmp_path):
    db = sqlite_database("tasks", tmp_path)
    with db.uow() as uow:
        assert seed_demo_plan(uow=uow, now=datetime(2016, 9, 1, tzinfo=UTC),
                              calendar=FastCalendar())
        uow.commit()
    with db.uow() as uow:
        session = uow.session
        units = {u.id: u for u in session.execute(select(OrgUnit)).scalars()}
        duties = list(session.execute(select(Duty)).scalars())
        tasks = list(session.execute(select(Task)).scalars())
        leads = {units[d.lead_unit_id].code for d in duties}
        assert {"SCT", "SKHCN", "STC", "STNMT", "SKHDT", "BQLKCN"} <= leads
        assert sum(units[d.lead_unit_id].kind == "district" for d in duties) == 12
        reporting = next(d for d in duties if d.kind == "recurring")
        assert len(reporting.coordinating_units) == 13  # 12 districts and the IZ board
        yearly = [t for t in tasks if t.kind == "yearly_report"]
        assert sorted(Counter(t.period_year for t in yearly).items()) == [
            (year, 13) for year in range(2016, 2021)]
        assert {t.status for t in yearly} == {"not_started"}  # left to the kpi report events
        statuses = Counter(t.status for t in tasks if t.kind == "general")
        assert {"not_started", "in_progress", "submitted", "done", "blocked"} <= set(statuses)
        as_of = Counter(service.task_timeliness(t, today=DEMO_TODAY) for t in tasks
                        if t.kind == "general")
        assert as_of["done_on_time"] and as_of["done_late"] and as_of["overdue"]
        assert all(t.kpi_codes == next(d.kpi_codes for d in duties if d.id == t.duty_id)
                   for t in tasks)
