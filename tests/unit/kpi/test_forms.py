"""Report forms as data: the loader, the definition's checks, and the rules' evaluation."""

from __future__ import annotations

import copy
import json

import pytest

from services.kpi.domain import CP_YEARLY_FORM, validate_values
from services.kpi.forms import (
    PLAN_FORMS_FILE,
    FormError,
    check_form,
    check_values,
    load_form,
    load_forms,
)
from services.kpi.rules import holds
from tests.unit.kpi.conftest import VALID_VALUES


def _form(*, fields=None, rules=None) -> dict:
    """A small form: two whole numbers, a decimal, a text, a choice and a date."""
    return {
        "code": "SMALL", "version": 1, "title": {"vi": "Mẫu nhỏ", "en": "Small form"},
        "sections": [{"code": "main", "title": {"vi": "Chính", "en": "Main"}, "fields": fields or [
            {"code": "a", "kind": "whole", "label": {"vi": "A", "en": "A"}, "min": 0, "max": 10},
            {"code": "b", "kind": "whole", "label": {"vi": "B", "en": "B"}, "required": False},
            {"code": "share", "kind": "decimal", "label": {"vi": "Tỷ lệ", "en": "Share"}},
            {"code": "note", "kind": "text", "label": {"vi": "Ghi chú", "en": "Note"},
             "required": False},
            {"code": "level", "kind": "choice", "label": {"vi": "Mức", "en": "Level"},
             "required": False,
             "choices": [{"code": "low", "label": {"vi": "Thấp", "en": "Low"}},
                         {"code": "high", "label": {"vi": "Cao", "en": "High"}}]},
            {"code": "day", "kind": "date", "label": {"vi": "Ngày", "en": "Day"},
             "required": False},
        ]}],
        "rules": rules if rules is not None else [
            {"code": "b_not_above_a", "check": "b <= a", "field": "b",
             "message": {"vi": "B ({b}) không được lớn hơn A ({a}).",
                         "en": "B ({b}) may not exceed A ({a})."}}],
    }


def _problems(check: str) -> list[str]:
    rules = [{"code": "r1", "check": check, "field": "a", "message": {"vi": "x", "en": "x"}}]
    return [str(p) for p in check_form(load_form(_form(rules=rules)))]


# --- the CP form from its data file -----------------------------------------------------------

def test_the_cp_form_is_read_from_the_plan_file_and_passes_every_check():
    forms = load_forms(json.loads(PLAN_FORMS_FILE.read_text(encoding="utf-8")))
    assert forms["CP_YEARLY"] == CP_YEARLY_FORM
    assert check_form(CP_YEARLY_FORM) == []
    assert [r.check for r in CP_YEARLY_FORM.rules] == [
        "facilities_aware <= facilities_cp_potential",
        "facilities_applying <= facilities_cp_potential",
        "officers_trained <= officers_responsible",
        "facilities_applying > 0 or avg_saving_percent == 0"]


def test_the_cp_form_keeps_its_eleven_fields_in_order_with_their_labels_and_kinds():
    fields = CP_YEARLY_FORM.fields
    assert [f.code for f in fields][:3] == ["facilities_cp_potential", "facilities_aware",
                                            "facilities_applying"]
    assert len(fields) == 11 and fields[-1].code == "narrative" and fields[-1].kind == "text"
    assert fields[0].label_vi == "Số cơ sở SXCN có tiềm năng áp dụng SXSH"
    assert fields[0].label_en == "Industrial facilities with CP potential"
    assert [f.code for f in fields if not f.required] == ["inspections", "violations_handled",
                                                          "narrative"]


def test_a_cp_rule_message_names_both_values_in_vietnamese_and_english():
    error = validate_values({**VALID_VALUES, "facilities_aware": 101}, complete=True)[
        "facilities_aware"][0]
    assert error.vi == ("Số cơ sở nhận thức được lợi ích SXSH (101) không được lớn hơn số cơ sở "
                        "có tiềm năng áp dụng SXSH (100).")
    assert str(error) == ("Facilities aware of CP benefits (101) may not exceed facilities with "
                          "CP potential (100).")


# --- the checker refuses bad definitions, naming the rule or field --------------------------

def test_a_rule_naming_an_unknown_field_is_refused_naming_the_rule_and_the_field():
    [problem] = _problems("a <= facilities_unknown")
    assert "r1" in problem and "facilities_unknown" in problem


def test_comparing_a_text_field_with_a_number_is_a_type_mismatch():
    [problem] = _problems("note > 3")
    assert "r1" in problem and "combines text with a number" in problem


def test_arithmetic_on_text_is_a_type_mismatch():
    [problem] = _problems("note + 1 > a")
    assert "'note + 1' combines text with a number" in problem


def test_a_rule_that_is_not_a_condition_is_refused():
    [problem] = _problems("a + b")
    assert "must be a condition" in problem


def test_a_syntax_error_is_refused_naming_the_rule():
    [problem] = _problems("a <= (b")
    assert "Rule 'r1'" in problem and "is not valid" in problem


@pytest.mark.parametrize("check", [
    "__import__('os')", "__import__('os').system('true') == 0", "a.real > 0", "abs(a) > 0",
    "a[0] > 1", "(lambda: 1)() > 0", "[x for x in a] == 1", "a ** 2 > 1", "a if b else 0",
    "a < 1 and True", "open('x') == 1", "a in b", "(a := 1) > 0", "a // 2 > 1"])
def test_a_forbidden_construct_is_refused_and_never_run(check):
    problems = _problems(check)
    assert problems and all("r1" in p for p in problems), check


def test_duplicate_field_codes_are_refused():
    field = {"code": "a", "kind": "whole", "label": {"vi": "A", "en": "A"}}
    problems = [str(p) for p in check_form(load_form(_form(fields=[field, field], rules=[])))]
    assert problems == ["The field code 'a' appears twice."]


def test_a_min_above_the_max_is_refused_naming_the_field():
    field = {"code": "a", "kind": "whole", "label": {"vi": "A", "en": "A"}, "min": 5, "max": 1}
    [problem] = check_form(load_form(_form(fields=[field], rules=[])))
    assert "'a'" in problem and "min (5) is above the max (1)" in problem


def test_a_message_placeholder_that_is_no_field_and_an_unknown_target_field_are_refused():
    rules = [{"code": "r1", "check": "b <= a", "field": "zz",
              "message": {"vi": "{nope}", "en": "{a}"}}]
    problems = [str(p) for p in check_form(load_form(_form(rules=rules)))]
    assert any("'zz'" in p for p in problems) and any("{nope}" in p for p in problems)


@pytest.mark.parametrize("text", ["{a.__class__}", "{a[0]}", "{nope}"])
def test_a_message_may_only_show_plain_field_values(text):
    rules = [{"code": "r1", "check": "b <= a", "field": "b", "message": {"vi": text, "en": "x"}}]
    [problem] = check_form(load_form(_form(rules=rules)))
    assert "Rule 'r1'" in problem and "not a field code" in problem


def test_the_loader_refuses_an_unknown_kind_and_a_missing_label():
    data = _form()
    data["sections"][0]["fields"][0]["kind"] = "money"
    with pytest.raises(FormError, match="no kind 'money'"):
        load_form(data)
    data = _form()
    del data["sections"][0]["fields"][1]["label"]
    with pytest.raises(FormError, match="'label' is missing"):
        load_form(data)


def test_a_plan_with_a_bad_rule_is_not_loaded():
    data = {"forms": [_form(rules=[{"code": "r1", "check": "a <= zz", "field": "a",
                                    "message": {"vi": "x", "en": "x"}}])]}
    with pytest.raises(FormError, match="'zz' is not a field code"):
        load_forms(data)


# --- rules evaluate ---------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "expected"), [
    ("a <= b", True), ("a > b", False), ("a * 2 - 1 == 7", True), ("a / b < 1", True),
    ("-a < 0", True), ("not a > b", True), ("a > 10 or b == 5", True),
    ("a > 1 and b < 5", False), ("1 <= a <= b", True), ("(a + b) / 3 == 3", True),
    ("level == 'high'", True), ("level != 'high'", False), ("day < '2020-02-01'", True),
])
def test_rules_evaluate_numbers_comparisons_and_logic(check, expected):
    values = {"a": 4, "b": 5, "level": "high", "day": "2020-01-31"}
    assert holds(check, values) is expected


def test_a_rule_reading_an_empty_optional_field_is_skipped():
    form = load_form(_form())
    assert check_values(form, {"a": 3, "share": 1.5}, complete=True) == {}
    assert holds("b <= a", {"a": 3}) is None
    errors = check_values(form, {"a": 3, "b": 4, "share": 1.5}, complete=True)
    assert [str(e) for e in errors["b"]] == ["B (4) may not exceed A (3)."]
    assert errors["b"][0].vi == "B (4) không được lớn hơn A (3)."


def test_a_rule_that_divides_by_zero_is_skipped():
    assert holds("a / b > 1", {"a": 1, "b": 0}) is None


def test_field_bounds_choices_and_dates_are_checked_before_the_rules():
    form = load_form(_form())
    errors = check_values(form, {"a": 11, "b": 20, "share": 1, "level": "mid", "day": "31/01"},
                          complete=True)
    assert sorted(errors) == ["a", "day", "level"]  # the rule on b waits for a valid a
    assert str(errors["a"][0]) == "A must be a whole number from 0 to 10."
    assert str(errors["level"][0]) == "Level must be one of: low, high."


def test_the_cp_form_from_data_gives_the_same_errors_as_before():
    before = {  # what the code-built form answered, for the same values
        "facilities_aware": "Facilities aware of CP benefits (120) may not exceed facilities "
                            "with CP potential (100).",
        "avg_saving_percent": "With no facility applying CP the average saving must be empty "
                              "or 0.",
    }
    values = {**copy.deepcopy(VALID_VALUES), "facilities_aware": 120, "facilities_applying": 0,
              "avg_saving_percent": 4.0}
    errors = validate_values(values, complete=True)
    assert {name: str(texts[0]) for name, texts in errors.items()} == before
