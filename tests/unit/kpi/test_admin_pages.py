"""The indicators page over a test client: decimal commas, validation, recompute, access."""

from __future__ import annotations

from services.kpi.models import Indicator
from tests.unit.pages import HTML, field_errors, log_in, post_form

PAGE = "/kpi/admin/indicators"


def test_an_indicator_is_edited_with_a_decimal_comma_after_its_mistakes_are_named(world):
    log_in(world.client, world.settings, roles=("admin",), unit_id=world.units["SCT"])
    form = {"name_vi": "Nhận thức", "name_en": "Awareness", "direction": "increase",
            "baseline_value": "0", "baseline_year": "2015", "target_value": "90",
            "target_year": "2020"}
    bad = post_form(world.client, f"{PAGE}/AWARE", {**form, "at_risk_margin": "150",
                                                     "target_year": "2010"})
    assert bad.status_code == 422
    assert field_errors(bad) == {
        "at_risk_margin": "Phải lớn hơn hoặc bằng 0 và nhỏ hơn hoặc bằng 100."}
    before_baseline = post_form(world.client, f"{PAGE}/AWARE", {**form, "at_risk_margin": "5",
                                                                 "target_year": "2010"})
    assert set(field_errors(before_baseline)) == {"target_year"}
    saved = post_form(world.client, f"{PAGE}/AWARE", {**form, "at_risk_margin": "7,5"})
    assert saved.status_code == 302
    with world.db.uow() as uow:
        assert uow.session.get(Indicator, "AWARE").at_risk_margin == 7.5
    listed = world.client.get(PAGE, headers=HTML).get_data(as_text=True)
    assert "7,5" in listed


def test_a_range_indicators_bounds_are_checked_in_order(world):
    log_in(world.client, world.settings, roles=("admin",), unit_id=world.units["SCT"])
    page = world.client.get(f"{PAGE}/SAVING", headers=HTML).get_data(as_text=True)
    assert 'id="target_min"' in page and 'id="target_value"' not in page
    inverted = post_form(world.client, f"{PAGE}/SAVING", {
        "name_vi": "Tiết kiệm", "name_en": "Saving", "direction": "increase",
        "baseline_value": "0", "baseline_year": "2015", "target_min": "12",
        "target_max": "8", "target_year": "2020", "at_risk_margin": "5"})
    assert set(field_errors(inverted)) == {"target_min"}


def test_non_admins_and_unknown_indicators_get_the_404_page(world):
    log_in(world.client, world.settings, roles=("head",), unit_id=world.units["SCT"])
    assert world.client.get(PAGE, headers=HTML).status_code == 404
    assert world.client.post(f"{PAGE}/AWARE", headers=HTML).status_code == 404
    log_in(world.client, world.settings, roles=("admin",), unit_id=world.units["SCT"])
    response = world.client.get(f"{PAGE}/NOPE", headers=HTML)
    assert response.status_code == 404 and "Không tìm thấy" in response.get_data(as_text=True)
