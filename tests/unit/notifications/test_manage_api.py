"""Preferences, webhook subscriptions and the delivery log over HTTP: access and bad input."""

from __future__ import annotations

import uuid

import pytest

from services.notifications.app import create_app
from services.notifications.models import Delivery
from tests.unit.notifications.factories import NOW, PEOPLE, SCT, TU_KY, auth
from tests.unit.notifications.sending import deliveries, notify_settings, reminder

API = "/notifications/api/v1"
HOOK = {"url": "http://127.0.0.1:9/hook", "event_types": ["task.due_soon", "task.overdue"]}


@pytest.fixture
def client(settings, db):
    return create_app(settings, db=db, clock=lambda: NOW,
                      notify=notify_settings()).test_client()


def _fields(response) -> set[str]:
    assert response.content_type == "application/problem+json", response.data
    return {e["field"] for e in response.json["errors"]}


def test_users_read_and_change_only_their_own_preferences(client, settings):
    reporter, other = PEOPLE["baocao.tuky"], PEOPLE["baocao.gialoc"]
    body = {"channels": {"task.due_soon": ["email"]}, "digest": True,
            "quiet_hours": {"start": "21:30", "end": "06:45"}}
    put = client.put(f"{API}/preferences", json=body, headers=auth(settings, reporter))
    assert put.status_code == 200
    assert put.json["channels"] == {"task.due_soon": ["email"]}
    mine = client.get(f"{API}/preferences", headers=auth(settings, reporter)).json
    assert mine["digest"] is True and mine["quiet_hours"] == {"start": "21:30", "end": "06:45"}
    theirs = client.get(f"{API}/preferences", headers=auth(settings, other)).json
    assert theirs["digest"] is False and theirs["channels"] == {}


def test_an_unknown_event_type_in_preferences_is_a_bilingual_422(client, settings):
    response = client.put(f"{API}/preferences", json={"channels": {"task.exploded": ["email"]}},
                          headers=auth(settings, PEOPLE["baocao.tuky"]))
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error["field"].startswith("channels.task.exploded")
    assert error["messages"]["vi"].startswith("Phải là một trong các giá trị")


def test_bad_channel_and_bad_quiet_hours_are_named(client, settings):
    response = client.put(f"{API}/preferences", json={
        "channels": {"task.due_soon": ["sms"]}, "quiet_hours": {"start": "25:00", "end": "7"}},
        headers=auth(settings, PEOPLE["baocao.tuky"]))
    assert response.status_code == 422
    assert _fields(response) >= {"channels.task.due_soon.value.0", "quiet_hours.start",
                                 "quiet_hours.end"}
    errors = {e["field"]: e["messages"] for e in response.json["errors"]}
    assert errors["quiet_hours.start"]["vi"] == "Giờ phải có dạng HH:MM (00:00 đến 23:59)."


def test_escalations_cannot_be_taken_out_of_the_inbox(client, settings):
    response = client.put(f"{API}/preferences", json={"channels": {"task.escalated": ["email"]}},
                          headers=auth(settings, PEOPLE["giamdoc.sct"]))
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert "luôn được gửi vào hộp thư" in error["messages"]["vi"]


def test_a_coordinator_registers_a_webhook_for_its_unit_and_sees_the_secret_once(
        client, settings):
    headers = auth(settings, PEOPLE["dieuphoi.tuky"])
    created = client.post(f"{API}/webhooks", json=HOOK, headers=headers)
    assert created.status_code == 201
    assert len(created.json["secret"]) >= 32 and created.json["unit_id"] == str(TU_KY)
    listed = client.get(f"{API}/webhooks", headers=headers).json
    assert [h["id"] for h in listed] == [created.json["id"]]
    assert "secret" not in listed[0]
    assert client.get(f"{API}/webhooks", headers=auth(settings, PEOPLE["dieuphoi.sct"])).json \
        == []


def test_reporters_and_heads_cannot_manage_webhooks(client, settings):
    for name in ("baocao.tuky", "giamdoc.sct"):
        response = client.post(f"{API}/webhooks", json=HOOK, headers=auth(settings, PEOPLE[name]))
        assert response.status_code == 403


def test_a_coordinator_cannot_subscribe_for_another_unit(client, settings):
    response = client.post(f"{API}/webhooks", json={**HOOK, "unit_id": str(SCT)},
                           headers=auth(settings, PEOPLE["dieuphoi.tuky"]))
    assert response.status_code == 422 and _fields(response) == {"unit_id"}


def test_another_units_webhook_is_not_found(client, settings):
    created = client.post(f"{API}/webhooks", json=HOOK,
                          headers=auth(settings, PEOPLE["dieuphoi.tuky"])).json
    response = client.delete(f"{API}/webhooks/{created['id']}",
                             headers=auth(settings, PEOPLE["dieuphoi.sct"]))
    assert response.status_code == 404
    deleted = client.delete(f"{API}/webhooks/{created['id']}",
                            headers=auth(settings, PEOPLE["admin"]))
    assert deleted.status_code == 204


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1/hook", "not a url", "http://user:pw@127.0.0.1/hook", "http:///nohost",
    "http://127.0.0.1:99999/hook",
])
def test_a_malformed_webhook_url_is_a_422_naming_the_url(client, settings, url):
    response = client.post(f"{API}/webhooks", json={**HOOK, "url": url},
                           headers=auth(settings, PEOPLE["admin"]))
    assert response.status_code == 422 and _fields(response) == {"url"}
    assert "không hợp lệ" in response.json["errors"][0]["messages"]["vi"]


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/hook", "http://127.0.0.2:5432/",
    "http://[::1]/hook", "http://0.0.0.0/hook",
])
def test_internal_addresses_off_the_allow_list_are_refused(client, settings, url):
    response = client.post(f"{API}/webhooks", json={**HOOK, "url": url},
                           headers=auth(settings, PEOPLE["admin"]))
    assert response.status_code == 422 and _fields(response) == {"url"}
    assert "NOTIFY_WEBHOOK_ALLOWLIST" in response.json["errors"][0]["messages"]["en"]


def test_an_unknown_event_type_in_a_webhook_is_a_422(client, settings):
    response = client.post(f"{API}/webhooks", json={**HOOK, "event_types": ["task.nope"]},
                           headers=auth(settings, PEOPLE["admin"]))
    assert response.status_code == 422 and _fields(response) == {"event_types.0"}


def test_an_oversized_payload_is_a_413_problem(client, settings):
    response = client.post(f"{API}/webhooks", json={**HOOK, "description": "x" * 1_100_000},
                           headers=auth(settings, PEOPLE["admin"]))
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"


def test_a_too_long_description_is_a_422(client, settings):
    response = client.post(f"{API}/webhooks", json={**HOOK, "description": "x" * 201},
                           headers=auth(settings, PEOPLE["admin"]))
    assert response.status_code == 422 and _fields(response) == {"description"}


def test_the_delivery_log_shows_own_rows_to_users_and_all_to_the_admin(
        client, settings, db, directory, consumer):
    consumer.apply(reminder())
    reporter = PEOPLE["baocao.tuky"]
    mine = client.get(f"{API}/deliveries", headers=auth(settings, reporter))
    assert mine.status_code == 200
    assert {d["user_id"] for d in mine.json} == {str(reporter.user_id)}
    everything = client.get(f"{API}/deliveries", headers=auth(settings, PEOPLE["admin"]))
    assert int(everything.headers["X-Total-Count"]) == len(deliveries(db))
    other = client.get(f"{API}/deliveries/{mine.json[0]['id']}",
                       headers=auth(settings, PEOPLE["baocao.gialoc"]))
    assert other.status_code == 404


def test_an_admin_retries_a_dead_delivery_and_only_a_dead_one(
        client, settings, db, directory, consumer):
    consumer.apply(reminder())
    [first, *_] = deliveries(db)
    admin = auth(settings, PEOPLE["admin"])
    assert client.post(f"{API}/deliveries/{first.id}/retry", headers=admin).status_code == 409
    with db.uow() as uow:
        row = uow.session.get(Delivery, first.id)
        row.status, row.attempts, row.last_error = "dead", 6, "SMTP: refused"
        uow.commit()
    reporter = auth(settings, PEOPLE["baocao.tuky"])
    assert client.post(f"{API}/deliveries/{first.id}/retry", headers=reporter).status_code == 403
    retried = client.post(f"{API}/deliveries/{first.id}/retry", headers=admin)
    assert retried.status_code == 200
    assert (retried.json["status"], retried.json["attempts"]) == ("pending", 0)
    unknown = client.post(f"{API}/deliveries/{uuid.uuid4()}/retry", headers=admin)
    assert unknown.status_code == 404


def test_only_an_admin_may_ask_for_dead_letters_to_be_requeued(client, settings):
    assert client.post(f"{API}/dead-letters/requeue",
                       headers=auth(settings, PEOPLE["dieuphoi.sct"])).status_code == 403
    response = client.post(f"{API}/dead-letters/requeue", headers=auth(settings, PEOPLE["admin"]))
    assert response.status_code == 202 and response.json == {"requested": True}
