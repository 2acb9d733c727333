"""Demo reports 2016-2019 from the districts and the IZ board, filed through the use cases.

Numbers are the same for every reporting unit of a year (so the province value of a share is
easy to check by hand: Σ numerators / Σ denominators equals one unit's share), chosen so that
the head's summary shows every status. A few units are missing, a few late, one returned.
See tests/unit/kpi/test_demo_reports.py for the table computed by hand.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from services.kpi import repository, service
from services.kpi.models import Unit
from services.kpi.settings import KpiSettings
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.demo import seed_id

UNIT_CODES = ("BQLKCN", "TP-HAIDUONG", "TP-CHILINH", "TX-KINHMON", "H-BINHGIANG", "H-CAMGIANG",
              "H-GIALOC", "H-KIMTHANH", "H-NAMSACH", "H-NINHGIANG", "H-THANHHA", "H-THANHMIEN",
              "H-TUKY")
REVIEWER_UNIT = "SCT"

# year: (aware, applying, saving %, trained) of 40 facilities with CP potential, 5 officers
YEAR_VALUES: dict[int, tuple[int, int, float, int]] = {
    2016: (10, 1, 2.0, 2),
    2017: (16, 7, 3.0, 3),
    2018: (24, 11, 8.5, 4),
    2019: (37, 17, 5.5, 3),
}
MISSING = {2016: {"H-TUKY", "H-THANHMIEN"}, 2017: {"H-TUKY"}, 2018: set(),
           2019: {"H-NINHGIANG"}}
LATE = {2016: {"H-NAMSACH"}, 2017: {"H-KIMTHANH", "H-THANHHA"}, 2018: {"TX-KINHMON"},
        2019: {"H-BINHGIANG"}}
RETURNED = {2019: {"H-GIALOC"}}  # returned for a fix, not yet sent again
NOT_YET_APPROVED = {2019: {"TP-CHILINH", "H-CAMGIANG"}}  # counted provisionally


def demo_values(year: int) -> dict[str, Any]:
    """The values every reporting unit sends for a demo year."""
    aware, applying, saving, trained = YEAR_VALUES[year]
    return {"facilities_cp_potential": 40, "facilities_aware": aware,
            "facilities_applying": applying, "avg_saving_percent": saving,
            "officers_responsible": 5, "officers_trained": trained, "trainings_held": 1,
            "leaflets_issued": 200, "inspections": 1, "violations_handled": 0,
            "narrative": f"Báo cáo mẫu năm {year} / demo report {year}."}


def _principal(unit: Unit, role: str) -> Principal:
    return Principal(user_id=seed_id("demo-kpi", role, unit.code), username=f"demo-{role}",
                     unit_id=unit.unit_id, unit_code=unit.code, roles=(role,))


def units_ready(uow: UnitOfWork) -> bool:
    """True when the units copy holds every unit the demo reports need."""
    codes = {u.code for u in repository.list_units(uow.session)}
    return codes >= {*UNIT_CODES, REVIEWER_UNIT}


def seed_demo_reports(*, uow: UnitOfWork, config: KpiSettings) -> int:
    """File, approve and return the demo reports that are missing; returns how many were filed."""
    units = {u.code: u for u in repository.list_units(uow.session)}
    head = _principal(units[REVIEWER_UNIT], "head")
    filed = 0
    for year in sorted(YEAR_VALUES):
        submitted_on_time = datetime(year, 12, 10, 3, 0, tzinfo=UTC)
        submitted_late = datetime(year + 1, 1, 6, 3, 0, tzinfo=UTC)
        reviewed = datetime(year + 1, 1, 10, 3, 0, tzinfo=UTC)
        for code in UNIT_CODES:
            unit = units[code]
            if code in MISSING[year] or repository.find_report(
                    uow.session, unit_id=unit.unit_id, form_code="CP_YEARLY", year=year):
                continue
            now = submitted_late if code in LATE[year] else submitted_on_time
            report = service.create_report(uow=uow, principal=_principal(unit, "reporter"),
                                           year=year, values=demo_values(year), submit=True,
                                           now=now, config=config)
            filed += 1
            if code in RETURNED.get(year, ()):
                service.return_report(uow=uow, principal=head, report_id=report.id,
                                      reason="Số cơ sở áp dụng chưa khớp danh sách cơ sở; "
                                             "đề nghị rà soát.", now=reviewed, config=config)
            elif code not in NOT_YET_APPROVED.get(year, ()):
                service.approve_report(uow=uow, principal=head, report_id=report.id,
                                       now=reviewed, config=config)
    return filed


def seed_demo_reports_when_ready(db: Database, *, config: KpiSettings, timeout: float = 120.0,
                                 poll: float = 0.5) -> int:
    """Wait until `unit.upserted` events have filled the units copy, then seed the reports."""
    deadline = time.monotonic() + timeout
    while True:
        with db.uow() as uow:
            if units_ready(uow):
                filed = seed_demo_reports(uow=uow, config=config)
                uow.commit()
                return filed
        if time.monotonic() > deadline:
            return 0
        time.sleep(poll)
