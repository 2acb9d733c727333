"""Pure helpers of the kpi pages: chart geometry, per-agency timeliness, reading typed values."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

from services.kpi.charts import bar_scale, nice_ceiling, trend_chart
from services.kpi.page_forms import form_text, parse_values
from services.kpi.timeliness import tally


def test_axis_bounds_are_round_numbers_at_or_above_the_largest_value():
    assert [nice_ceiling(v) for v in (0, 0.7, 8, 13, 42.5, 90, 100, 101)] == \
        [1.0, 1.0, 10, 20, 50, 100, 100, 200]
    assert bar_scale(None, 13, 8) == 20


def test_a_year_without_a_value_breaks_the_line_and_points_rise_with_their_values():
    trend = [{"year": 2016, "value": 10.0, "expected": 18.0},
             {"year": 2017, "value": None, "expected": 36.0},
             {"year": 2018, "value": 60.0, "expected": 54.0},
             {"year": 2019, "value": 92.5, "expected": 72.0}]
    chart = trend_chart(trend, target=90.0)
    assert [[p.year for p in line] for line in chart.value_lines] == [[2016], [2018, 2019]]
    assert len(chart.expected_line) == 4
    first, (low, high) = chart.value_lines[0][0], chart.value_lines[1]
    assert high.y < low.y < first.y  # SVG y grows downwards
    assert chart.top_value == 100 and chart.target_y is not None
    assert [year for year, _ in chart.years] == [2016, 2017, 2018, 2019]
    assert chart.polyline(chart.value_lines[1]).count(",") == 2


def _task(unit, status, deadline, completed):
    return SimpleNamespace(assignee_unit_id=unit, status=status, effective_deadline=deadline,
                           kind="general", submitted_at=None,
                           completed_at=completed if status == "done" else None)


def test_on_time_rate_counts_tasks_done_by_their_deadline_among_those_due():
    unit = uuid.uuid4()
    today = date(2020, 10, 15)
    rows = tally([
        _task(unit, "done", date(2017, 6, 30), datetime(2017, 6, 29, 2, tzinfo=UTC)),
        _task(unit, "done", date(2017, 1, 3), datetime(2017, 1, 20, 2, tzinfo=UTC)),
        _task(unit, "in_progress", date(2019, 12, 31), datetime(2017, 1, 1, tzinfo=UTC)),
        _task(unit, "in_progress", date(2020, 12, 31), datetime(2017, 1, 1, tzinfo=UTC)),
        _task(unit, "cancelled", date(2016, 12, 31), datetime(2017, 1, 1, tzinfo=UTC)),
    ], today=today)
    row = rows[unit]
    assert (row.counted, row.open, row.overdue, row.fallen_due, row.done_on_time) \
        == (4, 2, 1, 3, 1)
    assert round(100 * row.on_time_share, 1) == 33.3


def test_done_late_in_hanoi_even_when_still_the_deadline_day_in_utc():
    unit = uuid.uuid4()
    # 31/12/2019 18:00 UTC is already 01/01/2020 in Hanoi: one day late.
    rows = tally([_task(unit, "done", date(2019, 12, 31),
                        datetime(2019, 12, 31, 18, tzinfo=UTC))], today=date(2020, 1, 5))
    assert rows[unit].done_on_time == 0 and rows[unit].on_time_share == 0


def test_typed_values_accept_a_decimal_comma_and_name_what_is_not_a_number():
    values, errors = parse_values({"facilities_cp_potential": " 40 ", "avg_saving_percent": "9,5",
                                   "facilities_aware": "ba mươi", "officers_trained": "2.5",
                                   "narrative": "  Tốt  "}, complete=False)
    assert values == {"facilities_cp_potential": 40, "avg_saving_percent": 9.5,
                      "narrative": "Tốt"}
    assert errors["facilities_aware"][0].vi == \
        "Số cơ sở nhận thức được lợi ích SXSH phải là một số."
    assert str(errors["officers_trained"][0]) == "Officers trained must be a whole number."


def test_when_some_fields_are_not_numbers_the_others_are_still_checked():
    _, errors = parse_values({"facilities_aware": "x", "avg_saving_percent": "101"},
                             complete=True)
    assert set(errors) >= {"facilities_aware", "avg_saving_percent", "facilities_cp_potential"}


def test_stored_values_show_with_the_languages_decimal_mark():
    values = {"avg_saving_percent": 5.5, "facilities_aware": 37}
    assert form_text(values, "avg_saving_percent", "vi") == "5,5"
    assert form_text(values, "avg_saving_percent", "en") == "5.5"
    assert form_text(values, "facilities_aware", "vi") == "37"
    assert form_text(values, "narrative", "vi") == ""
