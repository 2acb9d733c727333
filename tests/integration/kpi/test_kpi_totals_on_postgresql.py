"""The running province totals on PostgreSQL: change by change equals a full recompute."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from services.kpi import service, totals
from services.kpi.domain import counted_values
from services.kpi.models import KpiCounted, KpiStatusChange, KpiTotal, KpiValue, Report
from services.kpi.settings import KpiSettings
from shared.auth import Principal
from tests.integration.kpi.test_reports_on_postgresql import VALUES, _add_district, db

pytestmark = pytest.mark.integration
__all__ = ["db"]  # the fixture, shared with the reports' tests

T0 = datetime(2019, 12, 10, 3, 0, tzinfo=UTC)
HEAD = Principal(user_id=uuid.uuid4(), username="head", unit_id=uuid.uuid4(), unit_code="SCT",
                 roles=("head",))
STRICT = dataclasses.replace(KpiSettings(), count_submitted=False)
# Percentages whose float sums depend on the order they are added in: the totals are exact.
SAVINGS = (0.1, 0.2, 0.3, 33.3, 12.7, 9.95)


def _stored(db) -> dict:
    with db.uow() as uow:
        return {(r.indicator_code, r.scope): tuple(getattr(r, f) for f in (
            "value", "numerator", "denominator", "status", "units_reported", "units_expected",
            "provisional")) for r in uow.session.execute(select(KpiValue)).scalars()}


def _full_recompute(db, config: KpiSettings) -> dict:
    """The stored values after a full recompute in place (rows it would change show), rolled
    back: the database is left as it was."""
    with db.uow() as uow:
        service.recompute_year(uow=uow, year=2019, now=T0,
                               count_submitted=config.count_submitted)
        uow.session.flush()
        rows = {(r.indicator_code, r.scope): tuple(getattr(r, f) for f in (
            "value", "numerator", "denominator", "status", "units_reported", "units_expected",
            "provisional")) for r in uow.session.execute(select(KpiValue)).scalars()}
        uow.rollback()
    return rows


def _file_and_review(db, config: KpiSettings) -> list[uuid.UUID]:
    """Six districts report, some are approved, one is returned and one resubmitted."""
    reporters = [_add_district(db, f"D{i}") for i in range(len(SAVINGS))]
    ids = []
    for i, (reporter, saving) in enumerate(zip(reporters, SAVINGS, strict=True)):
        with db.uow() as uow:
            report = service.create_report(
                uow=uow, principal=reporter, year=2019, submit=True, config=config,
                values={**VALUES, "avg_saving_percent": saving, "facilities_applying": 3 + i},
                now=T0 + timedelta(minutes=i))
            ids.append(report.id)
            uow.commit()
    for step, (action, i) in enumerate((("approve", 0), ("approve", 1), ("approve", 2),
                                        ("return", 1), ("return", 3))):
        with db.uow() as uow:
            now = T0 + timedelta(hours=1, minutes=step)
            if action == "approve":
                service.approve_report(uow=uow, principal=HEAD, report_id=ids[i], now=now,
                                       config=config)
            else:
                service.return_report(uow=uow, principal=HEAD, report_id=ids[i], now=now,
                                      reason="Sửa lại số liệu", config=config)
            uow.commit()
    with db.uow() as uow:
        service.update_report(uow=uow, principal=reporters[1], report_id=ids[1],
                              values={**VALUES, "avg_saving_percent": 7.77}, now=T0 + timedelta(
                                  hours=2), config=config)
        service.submit_report(uow=uow, principal=reporters[1], report_id=ids[1],
                              now=T0 + timedelta(hours=2), config=config)
        uow.commit()
    return ids


@pytest.mark.parametrize("config", [KpiSettings(), STRICT], ids=["provisional", "approved"])
def test_change_by_change_equals_a_full_recompute_exactly(db, config):
    _file_and_review(db, config)
    stored = _stored(db)
    assert stored == _full_recompute(db, config)  # exact floats, not rounded
    with db.uow() as uow:
        totals = uow.session.execute(select(KpiTotal)).scalars().all()
    assert {t.count_submitted for t in totals} == {True, False}  # both kept up to date


def test_the_other_count_submitted_setting_is_kept_up_to_date_too(db):
    ids = _file_and_review(db, KpiSettings())
    with db.uow() as uow:  # the setting changes: the next change counts approved reports only
        service.approve_report(uow=uow, principal=HEAD, report_id=ids[4], now=T0 + timedelta(
            hours=3), config=STRICT)
        uow.commit()
    stored = _stored(db)
    province = {k: v for k, v in stored.items() if k[1] == "province"}
    assert province == {k: v for k, v in _full_recompute(db, STRICT).items()
                        if k[1] == "province"}
    assert province[("SAVING", "province")][4] == 4  # approved: D0, D2, D4, and D1's old one


def test_missing_totals_are_made_again_from_every_report(db):
    ids = _file_and_review(db, KpiSettings())
    with db.uow() as uow:  # as after the migration, on a database that already had reports
        uow.session.execute(delete(KpiCounted))
        uow.session.execute(delete(KpiTotal))
        uow.commit()
    with db.uow() as uow:
        service.approve_report(uow=uow, principal=HEAD, report_id=ids[5], now=T0 + timedelta(
            hours=3))
        uow.commit()
    assert _stored(db) == _full_recompute(db, KpiSettings())


def test_a_province_status_change_lists_the_reports_behind_it(db):
    ids = _file_and_review(db, KpiSettings())
    with db.uow() as uow:
        reports = uow.session.execute(select(Report).order_by(Report.unit_id)).scalars().all()
        counted = [r.id for r in reports if counted_values(
            status=r.status, values=r.values, approved_values=r.approved_values,
            count_submitted=True) is not None]
        held = totals.counted_report_ids(uow.session, form_code="CP_YEARLY", year=2019,
                                         count_submitted=True)
        first = uow.session.execute(select(KpiStatusChange).where(
            KpiStatusChange.scope == "province", KpiStatusChange.indicator_code == "AWARE")
            .order_by(KpiStatusChange.changed_at)).scalars().first()
    assert len(counted) == 5  # D3 was returned before it was ever approved
    assert held == counted  # by unit
    assert first.old_status == "no_data"
    assert first.report_ids == [str(ids[0])]  # the first report made the first status
