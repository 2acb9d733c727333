"""The webhook, delivery log and preferences pages over a test client: forms, errors, access."""

from __future__ import annotations

import pytest

from services.notifications.app import create_app
from services.notifications.models import Delivery, Webhook
from tests.unit.notifications.factories import NOW, PEOPLE
from tests.unit.notifications.sending import deliveries, notify_settings, reminder
from tests.unit.pages import HTML, field_errors, log_in, post_form

HOOKS = "/notifications/admin/webhooks"
LOG = "/notifications/admin/deliveries"


@pytest.fixture
def client(settings, db):
    return create_app(settings, db=db, clock=lambda: NOW,
                      notify=notify_settings()).test_client()


def _as(client, settings, name: str):
    person = PEOPLE[name]
    log_in(client, settings, roles=person.roles, unit_id=person.unit_id,
           user_id=person.user_id, username=person.username)
    return client


def test_a_new_webhooks_secret_is_shown_once_then_never_again(client, settings, db):
    _as(client, settings, "admin")
    created = post_form(client, HOOKS, {"url": "http://127.0.0.1:9/hook",
                                        "event_types": ["task.overdue", "task.due_soon"],
                                        "description": "Cổng tỉnh"})
    assert created.status_code == 201
    with db.uow() as uow:
        [hook] = uow.session.query(Webhook).all()
        secret = hook.secret
    assert secret in created.get_data(as_text=True)
    listed = client.get(HOOKS, headers=HTML).get_data(as_text=True)
    assert "Cổng tỉnh" in listed and secret not in listed


def test_a_webhook_form_with_mistakes_names_them_and_keeps_the_values(client, settings, db):
    _as(client, settings, "admin")
    response = post_form(client, HOOKS, {"url": "http://10.0.0.5/hook", "description": "x"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert "NOTIFY_WEBHOOK_ALLOWLIST" not in errors.get("url", "")  # said in Vietnamese
    assert set(errors) == {"event_types"}  # the schema speaks first; the URL after
    assert 'value="http://10.0.0.5/hook"' in response.get_data(as_text=True)
    refused = post_form(client, HOOKS, {"url": "http://10.0.0.5/hook",
                                        "event_types": ["task.overdue"]})
    assert "danh sách máy chủ được phép" in field_errors(refused)["url"]
    with db.uow() as uow:
        assert uow.session.query(Webhook).count() == 0


def test_a_webhook_is_disabled_and_enabled_again(client, settings, db):
    _as(client, settings, "admin")
    post_form(client, HOOKS, {"url": "http://127.0.0.1:9/hook", "event_types": ["task.overdue"]})
    with db.uow() as uow:
        hook_id = uow.session.query(Webhook).one().id
    off = post_form(client, HOOKS, {}, action=f"{HOOKS}/{hook_id}/disable")
    assert off.status_code == 302
    with db.uow() as uow:
        assert uow.session.get(Webhook, hook_id).active is False
    page = client.get(HOOKS, headers=HTML).get_data(as_text=True)
    assert "Đã tắt webhook." in page and f"{hook_id}/enable" in page
    post_form(client, HOOKS, {}, action=f"{HOOKS}/{hook_id}/enable")
    with db.uow() as uow:
        assert uow.session.get(Webhook, hook_id).active is True


def test_the_log_filters_by_status_and_an_admin_retries_a_dead_delivery(
        client, settings, db, directory, consumer):
    consumer.apply(reminder())
    [first, *_] = deliveries(db)
    with db.uow() as uow:
        row = uow.session.get(Delivery, first.id)
        row.status, row.last_error = "dead", "SMTP: refused"
        uow.commit()
    _as(client, settings, "admin")
    dead = client.get(f"{LOG}?status=dead", headers=HTML).get_data(as_text=True)
    assert dead.count('class="delivery status-dead"') == 1 and "SMTP: refused" in dead
    assert 'class="delivery status-pending"' not in dead
    retried = post_form(client, f"{LOG}?status=dead", {},
                        action=f"{LOG}/{first.id}/retry")
    assert retried.status_code == 302
    assert deliveries(db, id=first.id)[0].status == "pending"
    again = post_form(client, LOG, {}, action=f"{LOG}/{first.id}/retry")
    assert again.status_code == 409 and "dead" in again.get_data(as_text=True)


def test_a_bad_filter_is_said_on_the_page_not_a_crash(client, settings):
    _as(client, settings, "admin")
    response = client.get(f"{LOG}?status=lost&offset=-4", headers={**HTML,
                                                                    "Accept-Language": "en"})
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors["status"].startswith("Must be one of")
    assert "Must be greater than or equal to 0 and" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["dieuphoi.tuky", "giamdoc.sct", "baocao.tuky"])
def test_non_admins_get_the_404_page_on_every_admin_page(client, settings, name):
    _as(client, settings, name)
    for path in (HOOKS, LOG):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404 and "Không tìm thấy" in response.get_data(True)
    assert client.post(f"{LOG}/00000000-0000-0000-0000-000000000001/retry",
                       headers=HTML).status_code == 404


def test_preferences_errors_keep_the_choices_and_a_valid_form_is_saved(client, settings):
    _as(client, settings, "baocao.tuky")
    page = "/notifications/preferences"
    bad = post_form(client, page, {"ch.task.due_soon": ["inbox"], "quiet_start": "7:00"})
    assert bad.status_code == 422
    errors = field_errors(bad)
    assert errors["quiet_start"] == "Giờ phải có dạng HH:MM (00:00 đến 23:59)."
    assert errors["quiet_end"] == "Thiếu dữ liệu cho trường bắt buộc."
    assert 'value="7:00"' in bad.get_data(as_text=True)
    saved = post_form(client, page, {"ch.task.due_soon": ["inbox"], "digest": "1",
                                     "ch.task.escalated": ["inbox"],
                                     "ch.kpi.status_changed": ["inbox"]})
    assert saved.status_code == 302
    api = client.get("/notifications/api/v1/preferences").json
    assert api["channels"]["task.due_soon"] == ["inbox"] and api["digest"] is True
    assert api["channels"]["task.created"] == [] and api["quiet_hours"] is None
