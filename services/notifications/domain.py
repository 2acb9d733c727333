"""Pure rules of the notifications service: who is told, and what the message says (vi, en)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from shared import vocabulary
from shared.calendar import WorkCalendar

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE_MAX = 600
CLOSED_STATUSES = ("done", "cancelled")

# Reasons that the system (not a person) writes on a status change, shown in words.
SYSTEM_REASONS: dict[str, tuple[str, str]] = {
    "report.submitted": ("đơn vị đã gửi báo cáo", "the unit submitted its report"),
}


@dataclass(frozen=True)
class Names:
    """A name in Vietnamese and English."""

    vi: str
    en: str


UNKNOWN_UNIT = Names("đơn vị chưa xác định", "an unknown unit")
PROVINCE = Names("toàn tỉnh", "the province")


@dataclass(frozen=True)
class MessageText:
    """What an inbox message says, in both languages, and where it leads."""

    title_vi: str
    title_en: str
    body_vi: str
    body_en: str
    link: str | None


def local_date(moment: datetime) -> date:
    """The calendar date of a UTC moment in Asia/Ho_Chi_Minh."""
    return moment.astimezone(LOCAL_TZ).date()


def format_date(day: date) -> str:
    """A date as Vietnamese state documents write it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def days_left(deadline: date, *, now: datetime, calendar: WorkCalendar) -> int:
    """Working days from the local date of `now` to the deadline; negative when overdue."""
    return vocabulary.working_days_left(deadline, today=local_date(now), calendar=calendar)


def deadline_phrase(days: int) -> Names:
    """'còn 3 ngày làm việc' / '3 working days left', 'đến hạn hôm nay' / 'due today', or
    working days overdue (the shared vocabulary's phrase)."""
    return Names(vocabulary.deadline_phrase(days, "vi"), vocabulary.deadline_phrase(days, "en"))


def kind_name(event_type: str) -> Names:
    """The name of a kind of event (as the preferences page shows it)."""
    return Names(*vocabulary.both("event_kind", event_type))


def format_number(value: float | None, lang: str) -> str:
    """A number with at most two decimals: 1.234,5 in Vietnamese, 1,234.5 in English."""
    if value is None:
        return "chưa có" if lang == "vi" else "n/a"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans({",": ".", ".": ","})) if lang == "vi" else text


def has_any_role(roles: Iterable[str], wanted: Iterable[str]) -> bool:
    """True if the user holds any of the wanted roles."""
    return bool(set(roles) & set(wanted))


def task_link(task_id: uuid.UUID) -> str:
    """The page of a task."""
    return f"/tasks/tasks/{task_id}"


def report_link(report_id: uuid.UUID) -> str:
    """The page of a report."""
    return f"/kpi/reports/{report_id}"


def indicator_link(indicator_code: str, year: int) -> str:
    """The page of an indicator for a year."""
    return f"/kpi/indicators/{quote(indicator_code, safe='')}?year={year}"


def _clip(text: str, limit: int = TITLE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _status(code: str, kind: str) -> Names:
    return Names(*vocabulary.both(kind, code))


def _deadline_clause(deadline: date, *, now: datetime, with_days: bool,
                     calendar: WorkCalendar) -> Names:
    when = format_date(deadline)
    if not with_days:
        return Names(f"Hạn hoàn thành: {when}.", f"Deadline: {when}.")
    phrase = deadline_phrase(days_left(deadline, now=now, calendar=calendar))
    return Names(f"Hạn hoàn thành: {when} ({phrase.vi}).", f"Deadline: {when} ({phrase.en}).")


def task_created_text(*, task_id: uuid.UUID, title: str, unit: Names, effective_deadline: date,
                      now: datetime, calendar: WorkCalendar) -> MessageText:
    """The message that tells a unit it has a new task."""
    deadline = _deadline_clause(effective_deadline, now=now, with_days=True, calendar=calendar)
    kind = kind_name("task.created")
    return MessageText(
        title_vi=_clip(f"{kind.vi}: {title}"),
        title_en=_clip(f"{kind.en}: {title}"),
        body_vi=f'Công việc "{title}" đã được giao cho {unit.vi}. {deadline.vi}',
        body_en=f'Task "{title}" was assigned to {unit.en}. {deadline.en}',
        link=task_link(task_id),
    )


def task_status_changed_text(*, task_id: uuid.UUID, title: str, unit: Names, old_status: str,
                             new_status: str, reason: str | None, effective_deadline: date,
                             now: datetime, calendar: WorkCalendar) -> MessageText:
    """The message that tells the lead and the assignee that a task changed status."""
    old, new = _status(old_status, "task_status"), _status(new_status, "task_status")
    deadline = _deadline_clause(effective_deadline, now=now,
                                with_days=new_status not in CLOSED_STATUSES, calendar=calendar)
    why_vi = why_en = ""
    if reason:
        vi, en = SYSTEM_REASONS.get(reason, (reason, reason))
        why_vi, why_en = f" Lý do: {_sentence(vi)}", f" Reason: {_sentence(en)}"
    return MessageText(
        title_vi=_clip(f"{new.vi}: {title}"),
        title_en=_clip(f"{new.en}: {title}"),
        body_vi=(f'Công việc "{title}" (giao cho {unit.vi}) đã chuyển từ "{old.vi}" sang '
                 f'"{new.vi}".{why_vi} {deadline.vi}'),
        body_en=(f'Task "{title}" (assigned to {unit.en}) moved from "{old.en}" to '
                 f'"{new.en}".{why_en} {deadline.en}'),
        link=task_link(task_id),
    )


def report_returned_text(*, report_id: uuid.UUID, form_code: str, year: int, version: int,
                         unit: Names, reason: str | None) -> MessageText:
    """The message that tells a unit its report came back and must be fixed."""
    why_vi = f" Lý do: {_sentence(reason)}" if reason else ""
    why_en = f" Reason: {_sentence(reason)}" if reason else ""
    kind = kind_name("report.returned")
    return MessageText(
        title_vi=_clip(f"{kind.vi}: {form_code} năm {year}"),
        title_en=_clip(f"{kind.en}: {form_code} {year}"),
        body_vi=(f"Báo cáo {form_code} năm {year} (lần {version}) của {unit.vi} đã bị trả lại."
                 f"{why_vi} Vui lòng chỉnh sửa và gửi lại."),
        body_en=(f"The {year} report {form_code} (version {version}) of {unit.en} was returned."
                 f"{why_en} Please correct it and submit it again."),
        link=report_link(report_id),
    )


def kpi_status_changed_text(*, indicator_code: str, year: int, unit: Names | None,
                            old_status: str, new_status: str, value: float | None,
                            target: float | None) -> MessageText:
    """The message that tells the head an indicator changed status."""
    old, new = _status(old_status, "kpi_status"), _status(new_status, "kpi_status")
    scope = unit or PROVINCE
    return MessageText(
        title_vi=_clip(f"Chỉ tiêu {indicator_code} năm {year}: {new.vi}"),
        title_en=_clip(f"Indicator {indicator_code} {year}: {new.en}"),
        body_vi=(f'Chỉ tiêu {indicator_code} năm {year} ({scope.vi}) đã chuyển từ "{old.vi}" '
                 f'sang "{new.vi}". Giá trị hiện tại: {format_number(value, "vi")}; '
                 f'mục tiêu: {format_number(target, "vi")}.'),
        body_en=(f'Indicator {indicator_code} for {year} ({scope.en}) moved from "{old.en}" '
                 f'to "{new.en}". Current value: {format_number(value, "en")}; '
                 f'target: {format_number(target, "en")}.'),
        link=indicator_link(indicator_code, year),
    )
