"""The one vocabulary: every status, role, unit kind, event kind and timeliness class by name.

Each code has exactly one Vietnamese name (full diacritics, NFC) and one English name, kept
here and nowhere else; pages, inbox messages, e-mails, the calendar feed and the Excel exports
all look them up with `label(kind, code, language)`. The choices:

- task statuses: Chưa bắt đầu, Đang thực hiện, Đã nộp, chờ duyệt, Hoàn thành, Bị trả lại,
  Gặp vướng mắc, Đã hủy;
- report statuses: Bản nháp, Đã nộp, chờ duyệt, Đã duyệt, Bị trả lại;
- KPI statuses: Đạt, Đúng tiến độ, Có nguy cơ không đạt, Chậm tiến độ, Chưa có số liệu;
- timeliness, in the Government Office's terms: Hoàn thành đúng hạn, Hoàn thành quá hạn,
  Đang thực hiện trong hạn, Quá hạn, Đã hủy, and the pages' Sắp đến hạn;
- event kinds are named as the inbox subjects begin (Sắp đến hạn, Quá hạn, ...).

Days left or overdue are always counted in working days (`deadline_phrase`), the days by which
deadlines themselves move: "còn 3 ngày làm việc" / "3 working days left".
"""

from __future__ import annotations

from datetime import date

from shared.calendar import WorkCalendar, working_days_between

Names = dict[str, tuple[str, str]]

TASK_STATUS: Names = {
    "not_started": ("Chưa bắt đầu", "Not started"),
    "in_progress": ("Đang thực hiện", "In progress"),
    "submitted": ("Đã nộp, chờ duyệt", "Submitted, awaiting approval"),
    "done": ("Hoàn thành", "Done"),
    "returned": ("Bị trả lại", "Returned"),
    "blocked": ("Gặp vướng mắc", "Blocked"),
    "cancelled": ("Đã hủy", "Cancelled"),
}
REPORT_STATUS: Names = {
    "draft": ("Bản nháp", "Draft"),
    "submitted": ("Đã nộp, chờ duyệt", "Submitted, awaiting approval"),
    "approved": ("Đã duyệt", "Approved"),
    "returned": ("Bị trả lại", "Returned"),
}
KPI_STATUS: Names = {
    "achieved": ("Đạt", "Achieved"),
    "on_track": ("Đúng tiến độ", "On track"),
    "at_risk": ("Có nguy cơ không đạt", "At risk"),
    "off_track": ("Chậm tiến độ", "Off track"),
    "no_data": ("Chưa có số liệu", "No data"),
}
ROLE: Names = {
    "admin": ("Quản trị hệ thống", "Administrator"),
    "head": ("Lãnh đạo Sở", "Department head"),
    "coordinator": ("Cán bộ điều phối", "Coordinator"),
    "reporter": ("Cán bộ báo cáo", "Reporter"),
    "viewer": ("Người theo dõi", "Viewer"),
}
UNIT_KIND: Names = {
    "province": ("Tỉnh", "Province"),
    "department": ("Sở, ngành", "Department"),
    "district": ("Huyện, thị xã, thành phố", "District"),
    "iz_board": ("Ban quản lý khu công nghiệp", "Industrial-zone board"),
    "enterprise": ("Doanh nghiệp", "Enterprise"),
}
EVENT_KIND: Names = {
    "task.created": ("Công việc mới", "New task"),
    "task.updated": ("Công việc được cập nhật", "Task updated"),
    "task.status_changed": ("Công việc chuyển trạng thái", "Task status changed"),
    "task.due_soon": ("Sắp đến hạn", "Due soon"),
    "task.due_today": ("Đến hạn hôm nay", "Due today"),
    "task.overdue": ("Quá hạn", "Overdue"),
    "task.escalated": ("Cảnh báo quá hạn", "Escalation"),
    "report.returned": ("Báo cáo bị trả lại", "Report returned"),
    "kpi.status_changed": ("Chỉ tiêu đổi trạng thái", "KPI status changed"),
}
TIMELINESS: Names = {
    "done_on_time": ("Hoàn thành đúng hạn", "Done on time"),
    "done_late": ("Hoàn thành quá hạn", "Done late"),
    "open_within_deadline": ("Đang thực hiện trong hạn", "In progress, within deadline"),
    "due_soon": ("Sắp đến hạn", "Due soon"),
    "overdue": ("Quá hạn", "Overdue"),
    "cancelled": ("Đã hủy", "Cancelled"),
}

KINDS: dict[str, Names] = {
    "task_status": TASK_STATUS, "report_status": REPORT_STATUS, "kpi_status": KPI_STATUS,
    "role": ROLE, "unit_kind": UNIT_KIND, "event_kind": EVENT_KIND, "timeliness": TIMELINESS,
}


def label(kind: str, code: str, language: str) -> str:
    """The name of a code of a kind ("task_status", "blocked") in "vi" or "en"; unknown codes
    are shown as they are."""
    vi, en = KINDS[kind].get(code, (code, code))
    return vi if language == "vi" else en


def both(kind: str, code: str) -> tuple[str, str]:
    """The (Vietnamese, English) names of a code; unknown codes are shown as they are."""
    return KINDS[kind].get(code, (code, code))


def working_days_left(deadline: date, *, today: date, calendar: WorkCalendar) -> int:
    """Working days from today to the deadline; negative (working days late) when overdue."""
    if deadline >= today:
        return working_days_between(calendar, today, deadline)
    return -working_days_between(calendar, deadline, today)


def deadline_phrase(days: int, language: str) -> str:
    """'còn 3 ngày làm việc' / '3 working days left', 'đến hạn hôm nay' / 'due today', or
    'quá hạn 2 ngày làm việc' / '2 working days overdue'; `days` counts working days."""
    if days == 0:
        return "đến hạn hôm nay" if language == "vi" else "due today"
    count = abs(days)
    if language == "vi":
        return f"còn {count} ngày làm việc" if days > 0 else f"quá hạn {count} ngày làm việc"
    noun = "working day" if count == 1 else "working days"
    return f"{count} {noun} left" if days > 0 else f"{count} {noun} overdue"
