"""Pure rules of the notifications service: dates, days left, message texts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.notifications.domain import (
    TITLE_MAX,
    UNKNOWN_UNIT,
    Names,
    days_left,
    deadline_phrase,
    format_date,
    format_number,
    has_any_role,
    indicator_link,
    kpi_status_changed_text,
    report_returned_text,
    task_created_text,
    task_status_changed_text,
)
from shared.calendar import WorkCalendar

TU_KY = Names("Huyện Tứ Kỳ", "Tu Ky District")
TASK_ID = uuid.UUID("11111111-2222-3333-4444-555555555555")
MORNING = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 on Monday 30/11/2026 in Hà Nội
OFFICES = WorkCalendar()


def test_dates_are_written_day_month_year_with_leading_zeros():
    assert format_date(date(2026, 3, 5)) == "05/03/2026"


def test_days_left_counts_working_days_in_ho_chi_minh_time():
    assert days_left(date(2026, 12, 4), now=MORNING, calendar=OFFICES) == 4
    # 17:30 UTC on 30/11 is already 00:30 on 01/12 in Hà Nội.
    assert days_left(date(2026, 12, 4), now=datetime(2026, 11, 30, 17, 30, tzinfo=UTC),
                     calendar=OFFICES) == 3
    # From Friday 04/12 the Monday after is one working day away, not three days.
    assert days_left(date(2026, 12, 7), now=datetime(2026, 12, 4, 3, tzinfo=UTC),
                     calendar=OFFICES) == 1


def test_days_left_is_negative_in_working_days_once_the_deadline_has_passed():
    # Friday 27/11 to Monday 30/11: one working day late, not three calendar days.
    assert days_left(date(2026, 11, 27), now=MORNING, calendar=OFFICES) == -1


def test_deadline_phrase_says_working_days_left_due_today_or_overdue_in_both_languages():
    assert deadline_phrase(3) == Names("còn 3 ngày làm việc", "3 working days left")
    assert deadline_phrase(1) == Names("còn 1 ngày làm việc", "1 working day left")
    assert deadline_phrase(0) == Names("đến hạn hôm nay", "due today")
    assert deadline_phrase(-1) == Names("quá hạn 1 ngày làm việc", "1 working day overdue")
    assert deadline_phrase(-12) == Names("quá hạn 12 ngày làm việc", "12 working days overdue")


def test_numbers_use_a_decimal_comma_in_vietnamese_and_a_point_in_english():
    assert format_number(1234.5, "vi") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(90.0, "vi") == "90"
    assert format_number(None, "vi") == "chưa có"
    assert format_number(None, "en") == "n/a"


def test_role_match_needs_any_one_of_the_wanted_roles():
    assert has_any_role(["viewer", "reporter"], ("reporter", "coordinator"))
    assert not has_any_role(["viewer"], ("reporter", "coordinator"))


def test_new_task_message_names_the_task_unit_deadline_and_days_left():
    text = task_created_text(task_id=TASK_ID, title="Báo cáo SXSH năm 2026", unit=TU_KY,
                             effective_deadline=date(2026, 12, 4), now=MORNING,
                             calendar=OFFICES)
    assert text.title_vi == "Công việc mới: Báo cáo SXSH năm 2026"
    assert text.title_en == "New task: Báo cáo SXSH năm 2026"
    assert text.body_vi == ('Công việc "Báo cáo SXSH năm 2026" đã được giao cho Huyện Tứ Kỳ. '
                            "Hạn hoàn thành: 04/12/2026 (còn 4 ngày làm việc).")
    assert text.body_en == ('Task "Báo cáo SXSH năm 2026" was assigned to Tu Ky District. '
                            "Deadline: 04/12/2026 (4 working days left).")
    assert text.link == f"/tasks/tasks/{TASK_ID}"


def test_new_task_message_for_a_unit_not_yet_in_the_directory_still_reads_well():
    text = task_created_text(task_id=TASK_ID, title="T", unit=UNKNOWN_UNIT,
                             effective_deadline=date(2026, 12, 4), now=MORNING,
                             calendar=OFFICES)
    assert "giao cho đơn vị chưa xác định." in text.body_vi
    assert "assigned to an unknown unit." in text.body_en


def test_very_long_task_titles_are_clipped_in_the_message_title_only():
    title = "x" * 500
    text = task_created_text(task_id=TASK_ID, title=title, unit=TU_KY,
                             effective_deadline=date(2026, 12, 4), now=MORNING,
                             calendar=OFFICES)
    assert len(text.title_vi) <= TITLE_MAX and len(text.title_en) <= TITLE_MAX
    assert title in text.body_vi


def test_returned_task_message_gives_both_statuses_the_reason_and_days_overdue():
    text = task_status_changed_text(
        task_id=TASK_ID, title="Kiểm tra SXSH", unit=TU_KY, old_status="submitted",
        new_status="returned", reason="Thiếu số liệu quý 4", effective_deadline=date(2026, 11, 27),
        now=MORNING, calendar=OFFICES)
    assert text.title_vi == "Bị trả lại: Kiểm tra SXSH"
    assert text.title_en == "Returned: Kiểm tra SXSH"
    assert text.body_vi == ('Công việc "Kiểm tra SXSH" (giao cho Huyện Tứ Kỳ) đã chuyển từ '
                            '"Đã nộp, chờ duyệt" sang "Bị trả lại". Lý do: Thiếu số liệu quý 4. '
                            "Hạn hoàn thành: 27/11/2026 (quá hạn 1 ngày làm việc).")
    assert text.body_en == ('Task "Kiểm tra SXSH" (assigned to Tu Ky District) moved from '
                            '"Submitted, awaiting approval" to "Returned". Reason: Thiếu số liệu '
                            'quý 4. Deadline: 27/11/2026 (1 working day overdue).')


def test_a_finished_task_message_shows_the_deadline_without_counting_days():
    text = task_status_changed_text(
        task_id=TASK_ID, title="T", unit=TU_KY, old_status="in_progress", new_status="done",
        reason="report.submitted", effective_deadline=date(2026, 12, 4), now=MORNING,
                             calendar=OFFICES)
    assert text.body_vi.endswith("Lý do: đơn vị đã gửi báo cáo. Hạn hoàn thành: 04/12/2026.")
    assert text.body_en.endswith("Reason: the unit submitted its report. Deadline: 04/12/2026.")


def test_returned_report_message_asks_the_unit_to_fix_and_resubmit():
    report_id = uuid.uuid4()
    text = report_returned_text(report_id=report_id, form_code="SXSH-BC", year=2026, version=2,
                                unit=TU_KY, reason="Số cơ sở áp dụng lớn hơn số cơ sở tiềm năng")
    assert text.title_vi == "Báo cáo bị trả lại: SXSH-BC năm 2026"
    assert text.body_vi == ("Báo cáo SXSH-BC năm 2026 (lần 2) của Huyện Tứ Kỳ đã bị trả lại. "
                            "Lý do: Số cơ sở áp dụng lớn hơn số cơ sở tiềm năng. "
                            "Vui lòng chỉnh sửa và gửi lại.")
    assert text.body_en.startswith("The 2026 report SXSH-BC (version 2) of Tu Ky District")
    assert text.link == f"/kpi/reports/{report_id}"


def test_kpi_message_for_the_province_gives_statuses_value_and_target():
    text = kpi_status_changed_text(indicator_code="APPLY", year=2026, unit=None,
                                   old_status="on_track", new_status="at_risk", value=32.5,
                                   target=50.0)
    assert text.title_vi == "Chỉ tiêu APPLY năm 2026: Có nguy cơ không đạt"
    assert text.title_en == "Indicator APPLY 2026: At risk"
    assert text.body_vi == ('Chỉ tiêu APPLY năm 2026 (toàn tỉnh) đã chuyển từ "Đúng tiến độ" '
                            'sang "Có nguy cơ không đạt". Giá trị hiện tại: 32,5; mục tiêu: 50.')
    assert "(the province)" in text.body_en and "Current value: 32.5; target: 50." in text.body_en
    assert text.link == "/kpi/indicators/APPLY?year=2026"


def test_indicator_links_escape_the_code():
    assert indicator_link("A/B C", 2026) == "/kpi/indicators/A%2FB%20C?year=2026"
