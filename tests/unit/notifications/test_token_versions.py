"""Notifications refuse tokens issued before a user's roles, unit or password changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from shared.auth import COOKIE_NAME
from tests import helpers
from tests.unit.notifications.factories import NOW, PEOPLE, Person, auth, user_event

INBOX = "/notifications/api/v1/inbox"


def token(settings, person: Person, token_version: int) -> str:
    return helpers.token_for(settings, unit_id=person.unit_id, roles=person.roles,
                             user_id=person.user_id, username=person.username,
                             token_version=token_version)


def test_a_reporter_moved_to_another_unit_is_401_token_revoked_on_its_old_token(
        settings, consumer, directory, client):
    person = PEOPLE["baocao.tuky"]
    old = auth(settings, person)
    assert client.get(INBOX, headers=old).status_code == 200
    moved = replace(person, unit_id=PEOPLE["baocao.gialoc"].unit_id)
    assert consumer.apply(user_event(moved, at=NOW + timedelta(minutes=1), token_version=2))
    for response in (client.get(INBOX, headers=old),
                     client.get(f"{INBOX}/unread-count", headers=old),
                     client.post(f"{INBOX}/read-all", headers=old)):
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.json["type"].endswith(":token_revoked")
        assert response.json["details"]["vi"].startswith("Phiên đăng nhập đã hết hiệu lực")
        assert response.json["details"]["en"].startswith("This session has ended")
    new = helpers.bearer(token(settings, moved, 2))
    assert client.get(INBOX, headers=new).status_code == 200


def test_a_stale_page_cookie_goes_to_the_login_page_and_a_new_one_opens_the_inbox(
        settings, consumer, directory, db):
    from services.notifications.app import create_app

    person = PEOPLE["xem.tuky"]
    page = create_app(settings, db=db, clock=lambda: NOW).test_client()
    page.set_cookie(COOKIE_NAME, token(settings, person, 1))
    assert page.get("/notifications/inbox").status_code == 200
    assert consumer.apply(user_event(person, at=NOW + timedelta(minutes=1), token_version=2))
    response = page.get("/notifications/inbox")
    assert response.status_code == 302 and "/tasks/login" in response.headers["Location"]
    page.set_cookie(COOKIE_NAME, token(settings, person, 2))
    assert page.get("/notifications/inbox").status_code == 200


def test_a_token_without_tv_is_stale_but_one_newer_than_the_lagging_copy_passes(
        settings, directory, client):
    person = PEOPLE["dieuphoi.tuky"]
    assert client.get(INBOX, headers=helpers.bearer(token(settings, person, 0))
                      ).status_code == 401
    assert client.get(INBOX, headers=helpers.bearer(token(settings, person, 2))
                      ).status_code == 200
