"""Pure rules of the tasks service: calendar, deadlines, workflow, timeliness."""

from datetime import UTC, date, datetime

from services.tasks.domain import (
    WorkCalendar,
    can_transition,
    effective_deadline,
    local_date,
    timeliness,
)

CAL = WorkCalendar()


def test_deadline_on_a_working_day_stays():
    assert effective_deadline(date(2026, 12, 1), CAL) == date(2026, 12, 1)


def test_deadline_on_a_saturday_moves_to_monday():
    assert effective_deadline(date(2026, 11, 28), CAL) == date(2026, 11, 30)


def test_deadline_in_tet_moves_past_the_whole_holiday():
    # Tết Bính Ngọ: 17/02/2026 is the first day of the lunar year.
    moved = effective_deadline(date(2026, 2, 17), CAL)
    assert moved > date(2026, 2, 17)
    assert CAL.is_working_day(moved)
    assert all(not CAL.is_working_day(date(2026, 2, d)) for d in range(17, moved.day))


def test_national_day_moves_the_deadline():
    assert not CAL.is_working_day(date(2025, 9, 2))
    assert effective_deadline(date(2025, 9, 2), CAL) == date(2025, 9, 3)


def test_announced_day_off_and_makeup_working_day_are_honoured():
    cal = WorkCalendar(extra_days_off=frozenset({date(2026, 12, 1)}),
                       makeup_working_days=frozenset({date(2026, 12, 5)}))
    assert effective_deadline(date(2026, 12, 1), cal) == date(2026, 12, 2)
    assert effective_deadline(date(2026, 12, 5), cal) == date(2026, 12, 5)


def test_local_date_uses_ho_chi_minh_time():
    assert local_date(datetime(2026, 12, 1, 17, 30, tzinfo=UTC)) == date(2026, 12, 2)


def test_assignee_may_submit_but_not_approve():
    assert can_transition("in_progress", "submitted", {"assignee"})
    assert not can_transition("submitted", "done", {"assignee"})
    assert can_transition("submitted", "done", {"lead"})


def test_nobody_moves_a_cancelled_task():
    assert not can_transition("cancelled", "in_progress", {"assignee", "lead", "head"})


def test_timeliness_counts_completion_against_the_effective_deadline():
    deadline = date(2026, 12, 21)
    on_time = datetime(2026, 12, 21, 16, 0, tzinfo=UTC)  # 23:00 local, same day
    late = datetime(2026, 12, 21, 17, 30, tzinfo=UTC)  # 00:30 local, next day
    assert timeliness(status="done", kind="general", effective=deadline, submitted_at=None,
                      completed_at=on_time,
                      today=date(2027, 1, 1)) == "done_on_time"
    assert timeliness(status="done", kind="general", effective=deadline, submitted_at=None,
                      completed_at=late,
                      today=date(2027, 1, 1)) == "done_late"
    assert timeliness(status="in_progress", kind="general", effective=deadline,
                      submitted_at=None, completed_at=None,
                      today=date(2026, 12, 21)) == "open_within_deadline"
    assert timeliness(status="in_progress", kind="general", effective=deadline,
                      submitted_at=None, completed_at=None,
                      today=date(2026, 12, 22)) == "overdue"
