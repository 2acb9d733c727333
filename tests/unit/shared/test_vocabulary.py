"""The one vocabulary: every code has one Vietnamese and one English name, kept only there."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from services.kpi.domain import REPORT_STATUSES
from services.notifications.rules import NOTIFIED_EVENT_TYPES
from services.tasks.domain import TIMELINESS_VALUES
from shared import vocabulary
from shared.messaging.events import KPI_STATUSES, ROLES, TASK_STATUSES, UNIT_KINDS

SERVICES = Path(__file__).resolve().parents[3] / "services"
LABELS = sorted({name for names in vocabulary.KINDS.values()
                 for pair in names.values() for name in pair}, key=len, reverse=True)


def test_every_kind_names_exactly_the_codes_the_product_uses():
    assert set(vocabulary.TASK_STATUS) == set(TASK_STATUSES)
    assert set(vocabulary.REPORT_STATUS) == set(REPORT_STATUSES)
    assert set(vocabulary.KPI_STATUS) == set(KPI_STATUSES)
    assert set(vocabulary.ROLE) == set(ROLES)
    assert set(vocabulary.UNIT_KIND) == set(UNIT_KINDS)
    assert set(vocabulary.EVENT_KIND) == set(NOTIFIED_EVENT_TYPES)
    assert set(vocabulary.TIMELINESS) == {*TIMELINESS_VALUES, "due_soon"}


@pytest.mark.parametrize("kind", sorted(vocabulary.KINDS))
def test_every_code_of_every_kind_has_a_non_empty_nfc_name_in_both_languages(kind):
    for code in vocabulary.KINDS[kind]:
        for language in ("vi", "en"):
            name = vocabulary.label(kind, code, language)
            assert name.strip() == name and name, (kind, code, language)
            assert unicodedata.normalize("NFC", name) == name, (kind, code, language)
        assert vocabulary.label(kind, code, "vi") != vocabulary.label(kind, code, "en"), code


def test_the_names_of_one_kind_never_repeat_so_each_word_means_one_thing():
    for kind, names in vocabulary.KINDS.items():
        for language in (0, 1):
            words = [pair[language] for pair in names.values()]
            assert len(words) == len(set(words)), (kind, language)


def test_blocked_and_at_risk_have_the_words_the_handbook_chose():
    assert vocabulary.label("task_status", "blocked", "vi") == "Gặp vướng mắc"
    assert vocabulary.label("kpi_status", "at_risk", "vi") == "Có nguy cơ không đạt"
    assert vocabulary.label("timeliness", "done_late", "vi") == "Hoàn thành quá hạn"
    assert vocabulary.label("timeliness", "open_within_deadline", "vi") == \
        "Đang thực hiện trong hạn"


def _copies(text: str) -> list[str]:
    """The vocabulary's names written out as a whole literal or a whole piece of markup."""
    found = []
    for name in LABELS:
        pattern = (r"(?:^|[\"'>])" + re.escape(name) + r"(?:[\"'<]|:\s|\s\()")
        if re.search(pattern, text, flags=re.MULTILINE):
            found.append(name)
    return found


def test_no_module_or_template_in_services_keeps_its_own_copy_of_a_name():
    copies = {}
    for path in sorted(SERVICES.rglob("*")):
        if path.suffix not in (".py", ".html", ".txt") or "migrations" in path.parts:
            continue
        if found := _copies(path.read_text(encoding="utf-8")):
            copies[str(path.relative_to(SERVICES))] = found
    assert copies == {}


def test_the_copy_finder_sees_the_old_kinds_of_copies():
    assert _copies('    "blocked": ("Gặp vướng mắc", "Blocked"),') == ["Gặp vướng mắc", "Blocked"]
    assert sorted(_copies('<th>{{ t("Quá hạn", "Overdue") }}</th>')) == ["Overdue", "Quá hạn"]
    assert _copies("Quá hạn: {{ title }}") == ["Quá hạn"]
    assert _copies("Vui lòng hoàn thành ngay hoặc báo cáo vướng mắc.") == []


def test_days_left_are_working_days_in_one_phrase_for_every_language():
    assert vocabulary.deadline_phrase(3, "vi") == "còn 3 ngày làm việc"
    assert vocabulary.deadline_phrase(3, "en") == "3 working days left"
    assert vocabulary.deadline_phrase(1, "en") == "1 working day left"
    assert vocabulary.deadline_phrase(0, "vi") == "đến hạn hôm nay"
    assert vocabulary.deadline_phrase(-2, "vi") == "quá hạn 2 ngày làm việc"
    assert vocabulary.deadline_phrase(-2, "en") == "2 working days overdue"


def test_days_left_skip_weekends_and_public_holidays():
    from datetime import date

    from shared.calendar import WorkCalendar

    offices = WorkCalendar()
    friday, monday = date(2026, 12, 4), date(2026, 12, 7)
    assert vocabulary.working_days_left(monday, today=friday, calendar=offices) == 1
    assert vocabulary.working_days_left(friday, today=monday, calendar=offices) == -1
    assert vocabulary.working_days_left(friday, today=friday, calendar=offices) == 0
    # 30/04 and 01/05/2026 are public holidays: from Wednesday 29/04 to Monday 04/05.
    assert vocabulary.working_days_left(date(2026, 5, 4), today=date(2026, 4, 29),
                                        calendar=offices) == 1
