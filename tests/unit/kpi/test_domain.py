"""Pure rules of the kpi service: form checks, lateness, aggregation, trajectory and status."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.kpi.domain import (
    EXACT,
    IndicatorSpec,
    aggregate,
    contribution,
    evaluate,
    expected_to_report,
    expected_value,
    is_late,
    kpi_status,
    report_deadline,
    status_rule,
    validate_values,
)
from tests.unit.kpi.conftest import VALID_VALUES

AWARE = IndicatorSpec(code="AWARE", kind="share", numerator_field="facilities_aware",
                      denominator_field="facilities_cp_potential", weight_field=None,
                      direction="increase", baseline_value=0.0, baseline_year=2015,
                      target_value=90.0, target_min=None, target_max=None, target_year=2020,
                      at_risk_margin=5.0)
SAVING = IndicatorSpec(code="SAVING", kind="range", numerator_field="avg_saving_percent",
                       denominator_field=None, weight_field="facilities_applying",
                       direction="increase", baseline_value=0.0, baseline_year=2015,
                       target_value=8.0, target_min=8.0, target_max=13.0, target_year=2020,
                       at_risk_margin=1.0)


def _errors(**changes):
    return validate_values({**VALID_VALUES, **changes}, complete=True)


def _assert_bilingual(error, *needles):
    assert error.vi != str(error)  # a Vietnamese text and an English one
    for needle in needles:
        assert needle in error.vi and needle in str(error)


# --- the yearly report form ---------------------------------------------------------------

def test_a_complete_consistent_report_has_no_errors():
    assert validate_values(VALID_VALUES, complete=True) == {}


def test_aware_above_potential_is_an_error_on_aware_in_vietnamese_and_english():
    errors = _errors(facilities_aware=101)
    assert list(errors) == ["facilities_aware"]
    _assert_bilingual(errors["facilities_aware"][0], "101", "100")
    assert "nhận thức" in errors["facilities_aware"][0].vi
    assert "aware" in str(errors["facilities_aware"][0])


def test_applying_above_potential_is_an_error_on_applying_in_both_languages():
    errors = _errors(facilities_applying=120)
    assert list(errors) == ["facilities_applying"]
    _assert_bilingual(errors["facilities_applying"][0], "120", "100")


def test_trained_above_responsible_is_an_error_on_trained_in_both_languages():
    errors = _errors(officers_trained=11)
    assert list(errors) == ["officers_trained"]
    _assert_bilingual(errors["officers_trained"][0], "11", "10")


@pytest.mark.parametrize("saving", [-0.1, 100.5])
def test_saving_outside_0_to_100_is_an_error_in_both_languages(saving):
    errors = _errors(avg_saving_percent=saving)
    assert list(errors) == ["avg_saving_percent"]
    _assert_bilingual(errors["avg_saving_percent"][0], "100")


def test_a_negative_count_is_an_error_naming_the_field_in_both_languages():
    error = _errors(leaflets_issued=-1)["leaflets_issued"][0]
    assert "tờ rơi" in error.vi and "Leaflets" in str(error)


def test_a_saving_without_any_applying_facility_is_an_error():
    errors = _errors(facilities_applying=0, avg_saving_percent=5.0)
    assert list(errors) == ["avg_saving_percent"]
    assert validate_values({**VALID_VALUES, "facilities_applying": 0, "avg_saving_percent": 0},
                           complete=True) == {}


def test_a_draft_may_be_partial_but_a_submission_needs_every_required_field():
    partial = {"facilities_cp_potential": 10}
    assert validate_values(partial, complete=False) == {}
    missing = validate_values(partial, complete=True)
    assert "facilities_aware" in missing and "narrative" not in missing
    _assert_bilingual(missing["facilities_aware"][0])


def test_cross_field_rules_also_apply_to_a_draft():
    assert "facilities_aware" in validate_values(
        {"facilities_cp_potential": 1, "facilities_aware": 2}, complete=False)


# --- deadline and who reports ---------------------------------------------------------------

def test_the_2019_deadline_is_friday_20_december():
    assert report_deadline(2019) == date(2019, 12, 20)


def test_a_deadline_on_sunday_moves_to_monday():
    assert report_deadline(2020) == date(2020, 12, 21)


def test_lateness_is_judged_by_the_date_in_hanoi():
    assert not is_late(datetime(2019, 12, 20, 16, 59, tzinfo=UTC), 2019)  # 23:59 local
    assert is_late(datetime(2019, 12, 20, 17, 1, tzinfo=UTC), 2019)  # 00:01 on 21/12 local


def test_a_unit_reports_for_a_year_if_it_exists_on_14_december():
    assert expected_to_report(kind="district", valid_from=date(2016, 1, 1),
                              valid_to=date(2025, 6, 30), year=2024)
    assert not expected_to_report(kind="district", valid_from=date(2016, 1, 1),
                                  valid_to=date(2025, 6, 30), year=2025)
    assert not expected_to_report(kind="district", valid_from=date(2019, 12, 20),
                                  valid_to=None, year=2019)
    assert not expected_to_report(kind="department", valid_from=None, valid_to=None, year=2019)
    assert expected_to_report(kind="iz_board", valid_from=None, valid_to=None, year=2019)


# --- aggregation ----------------------------------------------------------------------------

def test_province_share_is_sum_of_numerators_over_sum_of_denominators_not_mean_of_percentages():
    small = {"facilities_aware": 10, "facilities_cp_potential": 10}  # 100 %
    large = {"facilities_aware": 10, "facilities_cp_potential": 90}  # 11.1 %
    numerator, denominator, value = aggregate(AWARE, [small, large])
    assert (numerator, denominator) == (20, 100)
    assert value == pytest.approx(20.0)  # the mean of percentages would be 55.6


def test_saving_is_weighted_by_applying_facilities():
    few = {"avg_saving_percent": 12.0, "facilities_applying": 10}
    many = {"avg_saving_percent": 6.0, "facilities_applying": 90}
    numerator, denominator, value = aggregate(SAVING, [few, many])
    assert denominator == 100
    assert value == pytest.approx(6.6)  # the mean of the two would be 9.0


def test_a_unit_without_applying_facilities_does_not_move_saving():
    none = {"avg_saving_percent": 0.0, "facilities_applying": 0}
    some = {"avg_saving_percent": 10.0, "facilities_applying": 5}
    assert aggregate(SAVING, [none, some])[2] == pytest.approx(10.0)


def test_without_reports_there_is_no_value_and_a_zero_denominator_gives_none():
    assert aggregate(AWARE, []) == (None, None, None)
    empty = {"facilities_aware": 0, "facilities_cp_potential": 0}
    assert aggregate(AWARE, [empty]) == (0, 0, None)


# --- trajectory and status ------------------------------------------------------------------

@pytest.mark.parametrize(("year", "expected"), [
    (2014, 0.0), (2015, 0.0), (2016, 18.0), (2018, 54.0), (2020, 90.0), (2022, 90.0)])
def test_expected_value_lies_on_the_line_from_baseline_to_target(year, expected):
    assert expected_value(AWARE, year) == pytest.approx(expected)


def test_range_trajectory_heads_to_the_lower_bound():
    assert expected_value(SAVING, 2019) == pytest.approx(6.4)


@pytest.mark.parametrize(("value", "status"), [
    (None, "no_data"), (90.0, "achieved"), (95.0, "achieved"), (54.0, "on_track"),
    (60.0, "on_track"), (49.0, "at_risk"), (53.9, "at_risk"), (48.9, "off_track"),
    (0.0, "off_track")])
def test_status_of_a_share_in_2018_expected_54_margin_5(value, status):
    assert kpi_status(AWARE, value, expected_value(AWARE, 2018)) == status


@pytest.mark.parametrize(("value", "status"), [
    (9.0, "achieved"), (14.0, "achieved"), (6.5, "on_track"), (5.5, "at_risk"),
    (5.3, "off_track")])
def test_status_of_saving_in_2019_above_the_range_counts_as_achieved(value, status):
    assert kpi_status(SAVING, value, expected_value(SAVING, 2019)) == status


def test_a_decreasing_indicator_mirrors_the_rule():
    spec = replace(AWARE, direction="decrease", baseline_value=50.0, target_value=10.0)
    expected = expected_value(spec, 2018)  # 26
    assert kpi_status(spec, 9.0, expected) == "achieved"
    assert kpi_status(spec, 25.0, expected) == "on_track"
    assert kpi_status(spec, 30.0, expected) == "at_risk"
    assert kpi_status(spec, 32.0, expected) == "off_track"


def test_the_rule_is_given_in_words_with_the_numbers_in_both_languages():
    rule = status_rule(AWARE, 2018)
    assert "90%" in rule["en"] and "54%" in rule["en"] and "49%" in rule["en"]
    assert "90%" in rule["vi"] and "Đạt" in rule["vi"]
    saving = status_rule(SAVING, 2019)
    assert "8%–13%" in saving["en"] and "6.4%" in saving["vi"]


def test_evaluate_combines_value_expected_target_status_and_rule():
    result = evaluate(AWARE, 2018, [{"facilities_aware": 60, "facilities_cp_potential": 100}])
    assert (result.value, result.expected, result.target) == (60.0, 54.0, 90.0)
    assert result.status == "on_track"
    assert set(result.rule) == {"vi", "en"}


def test_a_reports_contribution_is_exact_so_running_totals_do_not_drift():
    reports = [{"avg_saving_percent": p, "facilities_applying": n}
               for p, n in ((0.1, 3), (0.2, 7), (33.3, 11), (12.7, 1), (9.95, 13))]
    terms = [contribution(SAVING, r) for r in reports]
    assert terms[0] == (Decimal("0.3"), Decimal(3))  # the number as written, times its weight
    total = Decimal(0)
    for numerator, _ in terms:  # put every report in, then take all but the last out again
        total = EXACT.add(total, numerator)
    for numerator, _ in terms[:-1]:
        total = EXACT.subtract(total, numerator)
    assert total == terms[-1][0] == Decimal("129.35")  # no rounding left behind
    assert contribution(AWARE, {"facilities_aware": 3}) is None  # no denominator: not counted
    assert contribution(AWARE, {"facilities_aware": 3, "facilities_cp_potential": 4}) == (3, 4)
