"""Pure sending rules: channels, quiet hours, digest moments around Tết, backoff, allow-list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifications import rules
from shared.calendar import WorkCalendar


def _hanoi(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def test_defaults_send_email_for_reminders_but_not_for_task_updates():
    assert rules.channels_for("task.due_soon", None) == {"inbox", "email"}
    assert rules.channels_for("task.updated", None) == {"inbox"}


def test_a_user_who_turns_everything_off_still_gets_escalations_in_the_inbox():
    chosen = {"task.escalated": [], "kpi.status_changed": [], "task.due_soon": []}
    assert rules.channels_for("task.escalated", chosen) == {"inbox"}
    assert rules.channels_for("kpi.status_changed", chosen) == {"inbox"}
    assert rules.channels_for("task.due_soon", chosen) == set()


def test_quiet_hours_over_midnight_release_at_their_end():
    late = _hanoi(2026, 12, 1, 23, 30)
    assert rules.quiet_until(late, "22:00", "07:00") == _hanoi(2026, 12, 2, 7)
    early = _hanoi(2026, 12, 2, 5)
    assert rules.quiet_until(early, "22:00", "07:00") == _hanoi(2026, 12, 2, 7)
    day = _hanoi(2026, 12, 2, 12)
    assert rules.quiet_until(day, "22:00", "07:00") == day
    assert rules.quiet_until(day, None, None) == day


def test_quiet_hours_within_one_day():
    assert rules.quiet_until(_hanoi(2026, 12, 2, 12, 30), "12:00", "13:30") == \
        _hanoi(2026, 12, 2, 13, 30)


def test_the_digest_skips_the_tet_holidays_and_weekends():
    calendar = WorkCalendar()
    # Tết 2027: 06/02 (Sat) to 10/02 plus days off; the first working day is after them.
    at = rules.next_digest_at(_hanoi(2027, 2, 5, 9), hour=8, calendar=calendar)
    local = at.astimezone(rules.LOCAL_TZ)
    assert local.hour == 8 and calendar.is_working_day(local.date())
    assert local.date() > datetime(2027, 2, 10).date()


def test_the_digest_of_a_working_morning_is_the_same_day():
    at = rules.next_digest_at(_hanoi(2026, 12, 1, 6), hour=8, calendar=WorkCalendar())
    assert at == _hanoi(2026, 12, 1, 8)


def test_a_makeup_working_saturday_gets_a_digest():
    saturday = datetime(2026, 12, 5).date()
    calendar = WorkCalendar(makeup_working_days=frozenset({saturday}))
    at = rules.next_digest_at(_hanoi(2026, 12, 4, 9), hour=8, calendar=calendar)
    assert at == _hanoi(2026, 12, 5, 8)


def test_backoff_doubles_up_to_its_limit():
    delays = [rules.backoff_delay(n, base=30, limit=600).total_seconds() for n in range(1, 7)]
    assert delays == [30, 60, 120, 240, 480, 600]


def test_the_allow_list_takes_host_names_and_networks():
    allow = ("hooks.example.vn", "203.0.113.0/24")
    assert rules.target_allowed("hooks.example.vn", ["10.0.0.1"], allow)
    assert rules.target_allowed("other.example.vn", ["203.0.113.9"], allow)
    assert not rules.target_allowed("other.example.vn", ["203.0.113.9", "10.0.0.1"], allow)
    assert not rules.target_allowed("metadata", ["169.254.169.254"], allow)
    assert not rules.target_allowed("nowhere.invalid", [], allow)
    assert not rules.target_allowed("127.0.0.1", ["127.0.0.1"], ())
