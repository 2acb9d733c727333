"""The demo plan of ../shared/domain/plan.md: units, the plan, its duties and their tasks."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from dateutil.rrule import rrulestr
from sqlalchemy import select

from services.tasks import repository, service
from services.tasks.domain import LOCAL_TZ, WorkCalendar
from services.tasks.models import Duty, OrgUnit, Plan
from shared import vocabulary
from shared.db import UnitOfWork

SEED_NAMESPACE = uuid.UUID("6f1d3c52-8a4e-4c1b-9a57-2b7e0c3d9f10")
PLAN_CODE = "SXSH-HD-2016-2020"
DISTRICT_LEVEL_ENDS = date(2025, 6, 30)  # the 2025 reform removed the district level

# (code, kind, Vietnamese name, English name, valid_to)
UNITS: list[tuple[str, str, str, str, date | None]] = [
    ("UBND-HD", "province", "Ủy ban nhân dân tỉnh Hải Dương", "Hai Duong Provincial People's "
     "Committee", None),
    ("SCT", "department", "Sở Công Thương", "Department of Industry and Trade", None),
    ("SKHCN", "department", "Sở Khoa học và Công nghệ", "Department of Science and Technology",
     None),
    ("STC", "department", "Sở Tài chính", "Department of Finance", None),
    ("STNMT", "department", "Sở Tài nguyên và Môi trường",
     "Department of Natural Resources and Environment", None),
    ("SKHDT", "department", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment",
     None),
    ("BQLKCN", "iz_board", "Ban Quản lý các khu công nghiệp tỉnh",
     "Industrial Zones Management Board", None),
    ("TP-HAIDUONG", "district", "Thành phố Hải Dương", "Hai Duong City", DISTRICT_LEVEL_ENDS),
    ("TP-CHILINH", "district", "Thành phố Chí Linh", "Chi Linh City", DISTRICT_LEVEL_ENDS),
    ("TX-KINHMON", "district", "Thị xã Kinh Môn", "Kinh Mon Town", DISTRICT_LEVEL_ENDS),
    ("H-BINHGIANG", "district", "Huyện Bình Giang", "Binh Giang District", DISTRICT_LEVEL_ENDS),
    ("H-CAMGIANG", "district", "Huyện Cẩm Giàng", "Cam Giang District", DISTRICT_LEVEL_ENDS),
    ("H-GIALOC", "district", "Huyện Gia Lộc", "Gia Loc District", DISTRICT_LEVEL_ENDS),
    ("H-KIMTHANH", "district", "Huyện Kim Thành", "Kim Thanh District", DISTRICT_LEVEL_ENDS),
    ("H-NAMSACH", "district", "Huyện Nam Sách", "Nam Sach District", DISTRICT_LEVEL_ENDS),
    ("H-NINHGIANG", "district", "Huyện Ninh Giang", "Ninh Giang District", DISTRICT_LEVEL_ENDS),
    ("H-THANHHA", "district", "Huyện Thanh Hà", "Thanh Ha District", DISTRICT_LEVEL_ENDS),
    ("H-THANHMIEN", "district", "Huyện Thanh Miện", "Thanh Mien District", DISTRICT_LEVEL_ENDS),
    ("H-TUKY", "district", "Huyện Tứ Kỳ", "Tu Ky District", DISTRICT_LEVEL_ENDS),
]

# (code, lead unit, title, coordinating units, KPI codes)
ONE_OFF_DUTIES: list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("SCT-01", "SCT", "Tổ chức tập huấn, hội thảo, tọa đàm, phổ biến quy định và chính sách SXSH",
     ("BQLKCN",), ("AWARE", "TRAINED")),
    ("SCT-02", "SCT", "Tổ chức tham quan, khảo sát học tập kinh nghiệm SXSH tại các tỉnh, "
     "doanh nghiệp điển hình", (), ("APPLY",)),
    ("SCT-03", "SCT", "Xây dựng, vận hành cơ sở dữ liệu SXSH và chuyên mục SXSH trên trang "
     "thông tin điện tử", (), ("AWARE",)),
    ("SCT-04", "SCT", "Kiểm tra định kỳ việc chấp hành quy định về SXSH, xử lý vi phạm", (), ()),
    ("SCT-05", "SCT", "Tiếp nhận, triển khai các chương trình, dự án SXSH của Trung ương", (),
     ("APPLY", "SAVING")),
    ("SKHCN-01", "SKHCN", "Nghiên cứu giải pháp SXSH theo từng lĩnh vực cùng doanh nghiệp và "
     "triển khai ứng dụng", ("SCT",), ("APPLY", "SAVING")),
    ("SKHCN-02", "SKHCN", "Hỗ trợ kinh phí sự nghiệp khoa học cho doanh nghiệp áp dụng SXSH, "
     "đổi mới công nghệ", ("STC",), ("APPLY",)),
    ("STC-01", "STC", "Thẩm định kinh phí thực hiện các hoạt động của Kế hoạch", ("SCT",), ()),
    ("STNMT-01", "STNMT", "Lồng ghép nhiệm vụ SXSH vào kế hoạch, chương trình bảo vệ môi trường "
     "của tỉnh", ("SCT",), ()),
    ("SKHDT-01", "SKHDT", "Tiếp cận nguồn đầu tư, tài trợ trong và ngoài nước cho dự án SXSH",
     ("SCT",), ()),
    ("BQLKCN-01", "BQLKCN", "Tuyên truyền, phổ biến kế hoạch SXSH đến doanh nghiệp trong khu "
     "công nghiệp; hướng dẫn xây dựng kế hoạch và biện pháp SXSH", ("SCT",), ("AWARE", "APPLY")),
]
ONE_OFF_DUTIES += [
    ("SCT-06", "SCT", "Đề xuất khen thưởng tổ chức, cá nhân thực hiện tốt và xử lý vi phạm về SXSH",
     (), ()),
]
# The districts carry out the plan in their area, each as lead unit with DOIT coordinating.
DISTRICT_DUTY_TITLE = "Triển khai Kế hoạch SXSH trên địa bàn"

# The demo's "today" for the one-off duties' progress: 15/10/2020, the plan's last quarter.
# (code: deadline, [(status, local date of the move)...], progress %). The districts' yearly
# reporting tasks are left to the kpi service's report events.
DEMO_TODAY = date(2020, 10, 15)
PLAN_ADOPTED = datetime(2016, 9, 5, 2, 0, tzinfo=UTC)  # the tasks' creation time in the demo
PROGRESS: dict[str, tuple[date, list[tuple[str, date]], int]] = {
    "SCT-01": (date(2020, 12, 31), [("in_progress", date(2016, 10, 3))], 80),
    "SCT-02": (date(2019, 12, 31), [("in_progress", date(2017, 3, 1)),
                                    ("submitted", date(2019, 12, 20)),
                                    ("done", date(2020, 1, 6))], 100),
    "SCT-03": (date(2017, 6, 30), [("in_progress", date(2016, 11, 1)),
                                   ("submitted", date(2017, 6, 26)),
                                   ("done", date(2017, 6, 29))], 100),
    "SCT-04": (date(2020, 12, 31), [("in_progress", date(2017, 1, 9))], 60),
    "SCT-05": (date(2020, 12, 31), [("in_progress", date(2018, 5, 2)),
                                    ("blocked", date(2020, 4, 1))], 40),
    "SCT-06": (date(2020, 12, 31), [], 0),
    "SKHCN-01": (date(2020, 6, 30), [("in_progress", date(2017, 2, 6)),
                                     ("submitted", date(2020, 9, 10))], 90),
    "SKHCN-02": (date(2019, 12, 31), [("in_progress", date(2017, 4, 3)),
                                      ("submitted", date(2019, 12, 16)),
                                      ("returned", date(2019, 12, 23)),
                                      ("in_progress", date(2020, 1, 6))], 70),
    "STC-01": (date(2016, 12, 31), [("in_progress", date(2016, 9, 5)),
                                    ("submitted", date(2017, 1, 16)),
                                    ("done", date(2017, 1, 20))], 100),
    "STNMT-01": (date(2017, 12, 31), [("in_progress", date(2017, 3, 6)),
                                      ("submitted", date(2017, 12, 18)),
                                      ("done", date(2017, 12, 27))], 100),
    "SKHDT-01": (date(2020, 12, 31), [], 0),
    "BQLKCN-01": (date(2018, 12, 31), [("in_progress", date(2016, 12, 5)),
                                       ("submitted", date(2018, 11, 30)),
                                       ("done", date(2018, 12, 10))], 100),
}
# Districts: most are carrying the plan out, two have finished their first phase, one has not
# started.
DISTRICT_STATUS = {"TP-HAIDUONG": ("done", 100), "H-CAMGIANG": ("done", 100),
                   "H-THANHMIEN": ("not_started", 0)}

YEARLY_REPORT_RULE = "DTSTART:20161220\nRRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20;UNTIL=20201220"

# (username, role, unit code, full name)
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("admin", "admin", "SCT", vocabulary.label("role", "admin", "vi")),
    ("giamdoc.sct", "head", "SCT", "Giám đốc Sở Công Thương"),
    ("dieuphoi.sct", "coordinator", "SCT", "Chuyên viên điều phối Sở Công Thương"),
    ("baocao.tphd", "reporter", "TP-HAIDUONG", "Cán bộ báo cáo TP Hải Dương"),
    ("baocao.chilinh", "reporter", "TP-CHILINH", "Cán bộ báo cáo TP Chí Linh"),
    ("xem.skhcn", "viewer", "SKHCN", "Cán bộ Sở Khoa học và Công nghệ"),
]


def seed_id(*parts: str) -> uuid.UUID:
    """A stable id for seeded objects, the same in every install."""
    return uuid.uuid5(SEED_NAMESPACE, "/".join(parts))


def seed_demo_units(*, uow: UnitOfWork, now: datetime) -> bool:
    """Seed the plan's org units once; False if they exist already."""
    if repository.get_unit_by_code(uow.session, "SCT") is not None:
        return False
    for code, kind, name_vi, name_en, valid_to in UNITS:
        service.create_unit(
            uow=uow, actor_id=None, code=code, kind=kind, name_vi=name_vi, name_en=name_en,
            parent_id=None if kind == "province" else seed_id("unit", "UBND-HD"),
            valid_from=date(2016, 1, 1), valid_to=valid_to, now=now,
            unit_id=seed_id("unit", code))
    return True


def seed_demo_plan(*, uow: UnitOfWork, now: datetime, calendar: WorkCalendar) -> bool:
    """Seed the plan, its duties and their tasks once (units first); False if already seeded."""
    session = uow.session
    seed_demo_units(uow=uow, now=now)
    if session.execute(select(Plan).where(Plan.code == PLAN_CODE)).scalar_one_or_none():
        return False
    units = {code: session.get(OrgUnit, seed_id("unit", code)) for code, *_ in UNITS}
    plan = Plan(
        id=seed_id("plan", PLAN_CODE), code=PLAN_CODE,
        name_vi="Kế hoạch thực hiện Chiến lược sản xuất sạch hơn trong công nghiệp trên địa bàn "
                "tỉnh Hải Dương giai đoạn 2016 - 2020",
        name_en="Plan to implement the Cleaner Production in Industry Strategy in Hai Duong "
                "province, 2016-2020",
        legal_basis="Quyết định 1419/QĐ-TTg ngày 07/09/2009 của Thủ tướng Chính phủ",
        period_start=date(2016, 1, 1), period_end=date(2020, 12, 31),
        lead_unit_id=units["SCT"].id, status="active")
    session.add(plan)
    session.flush()
    for code, lead, title, coordinating, kpis in ONE_OFF_DUTIES:
        duty = _add_duty(uow, plan, code=code, lead=units[lead], title=title, kind="one_off",
                         coordinating=[units[c] for c in coordinating], kpi_codes=list(kpis))
        deadline, moves, progress = PROGRESS[code]
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=units["SCT"].id,
                                title=title, assignee_unit_id=units[lead].id,
                                deadline=deadline, plan_id=plan.id, duty_id=duty.id,
                                calendar=calendar, now=PLAN_ADOPTED)
        _replay(uow, task, moves, progress)
    districts = [u for u in units.values() if u.kind == "district"]
    for unit in districts:
        duty = _add_duty(uow, plan, code=f"HUYEN-{unit.code}", lead=unit, kind="one_off",
                         title=f"{DISTRICT_DUTY_TITLE} {unit.name_vi}",
                         coordinating=[units["SCT"]], kpi_codes=["AWARE", "APPLY"])
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=units["SCT"].id,
                                title=duty.title, assignee_unit_id=unit.id,
                                deadline=plan.period_end, plan_id=plan.id, duty_id=duty.id,
                                calendar=calendar, now=PLAN_ADOPTED)
        status, progress = DISTRICT_STATUS.get(unit.code, ("in_progress", 50))
        moves = {"done": [("in_progress", date(2016, 10, 3)), ("submitted", date(2020, 9, 1)),
                          ("done", date(2020, 9, 15))],
                 "in_progress": [("in_progress", date(2016, 10, 3))],
                 "not_started": []}[status]
        _replay(uow, task, moves, progress)
    reporters = [u for u in units.values() if u.kind in ("district", "iz_board")]
    duty = _add_duty(uow, plan, code="BC-NAM", lead=units["SCT"], kind="recurring",
                     title="Báo cáo hằng năm về tình hình thực hiện Kế hoạch SXSH gửi Sở Công "
                           "Thương", coordinating=reporters,
                     kpi_codes=["AWARE", "APPLY", "SAVING", "TRAINED"], rrule=YEARLY_REPORT_RULE,
                     task_kind="yearly_report")
    for occurrence in rrulestr(YEARLY_REPORT_RULE):
        for unit in reporters:
            service.add_task(
                uow=uow, actor_id=None, lead_unit_id=units["SCT"].id,
                title=f"Báo cáo SXSH năm {occurrence.year} — {unit.name_vi}",
                assignee_unit_id=unit.id, deadline=occurrence.date(), plan_id=plan.id,
                duty_id=duty.id, kind="yearly_report", period_year=occurrence.year,
                calendar=calendar, now=PLAN_ADOPTED)
    return True


def _replay(uow: UnitOfWork, task, moves: list[tuple[str, date]], progress: int) -> None:
    """Walk a seeded task through its workflow on the given (past) dates, with history."""
    for status, day in moves:
        at = datetime.combine(day, time(9, 0), LOCAL_TZ).astimezone(UTC)
        service._change_status(uow, task, to=status, actor_id=None, reason=(
            "Cần bổ sung số liệu" if status in ("returned", "blocked") else None), now=at)
    task.progress = progress


def _add_duty(uow: UnitOfWork, plan: Plan, *, code: str, lead: OrgUnit, title: str, kind: str,
              coordinating: list[OrgUnit], kpi_codes: list[str], rrule: str | None = None,
              task_kind: str = "general") -> Duty:
    duty = Duty(id=seed_id("duty", plan.code, code), plan_id=plan.id, code=code, title=title,
                description="", lead_unit_id=lead.id, kind=kind, rrule=rrule,
                task_kind=task_kind, kpi_codes=kpi_codes,
                assigned_by_doc="Kế hoạch SXSH giai đoạn 2016 - 2020 (08/2016)",
                coordinating_units=coordinating)
    uow.session.add(duty)
    uow.session.flush()
    return duty


def seed_demo_accounts(*, uow: UnitOfWork, passwords: dict[str, str],
                       now: datetime) -> list[dict[str, str]]:
    """One demo account per role (created once; existing ones are kept as they are)."""
    accounts = []
    for username, role, unit_code, full_name in DEMO_ACCOUNTS:
        unit = repository.get_unit_by_code(uow.session, unit_code)
        if repository.get_user_by_username(uow.session, username) is None:
            service.create_user(uow=uow, actor_id=None, username=username,
                                password=passwords[username], full_name=full_name,
                                unit_id=unit.id, roles=[role],
                                email=f"{username}@demo.plan-tracker.local", now=now,
                                user_id=seed_id("user", username))
        accounts.append({"username": username, "password": passwords[username], "role": role,
                         "unit_code": unit_code})
    return accounts
