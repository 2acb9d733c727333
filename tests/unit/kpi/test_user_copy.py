"""The kpi copy of users from `user.upserted`: the tokens of a deactivated user, and those
issued before a user's roles, unit or password changed, stop working here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.kpi.models import UserCopy, audit_log
from shared.messaging.events import build_event, parse_event
from tests.helpers import bearer, token_for, version_at
from tests.unit.kpi.conftest import API, ON_TIME, World
from tests.unit.kpi.test_pages import page_client

KPIS = f"{API}/kpis?year=2019"


def user_event(world: World, *, active: bool, at: datetime = ON_TIME,
               token_version: int = 1) -> dict[str, Any]:
    """A `user.upserted` envelope of the D1 reporter, as the tasks service publishes it."""
    principal = world.principal("D1", "reporter")
    return build_event("user.upserted", {
        "user_id": principal.user_id, "username": principal.username, "full_name": "Nguyễn Văn A",
        "email": None, "unit_id": principal.unit_id, "roles": ["reporter"], "active": active,
        "language": "vi", "version": version_at(at), "token_version": token_version},
        producer="tasks",
        now=at)


def active_in_copy(world: World) -> bool | None:
    """The copy's active flag of the D1 reporter (None while it is unknown)."""
    with world.db.uow() as uow:
        user = uow.session.get(UserCopy, world.principal("D1", "reporter").user_id)
        return None if user is None else user.active


def test_a_user_the_copy_does_not_know_yet_is_let_in(world):
    assert active_in_copy(world) is None
    assert world.client.get(KPIS, headers=world.headers("D1", "reporter")).status_code == 200


def test_a_deactivated_user_is_401_on_kpi_routes_with_a_bilingual_problem(world):
    assert world.consumer.apply(parse_event(user_event(world, active=False)))
    headers = world.headers("D1", "reporter")
    for response in (world.client.get(KPIS, headers=headers), world.create("D1")):
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["details"]["vi"] and response.json["details"]["en"]
    assert response.json["details"]["en"].startswith("This account is deactivated")
    assert world.client.get(KPIS, headers=world.headers("D2", "reporter")).status_code == 200


def test_a_deactivated_users_page_visit_goes_to_the_login_page(world):
    client = page_client(world, "D1", "reporter")
    assert client.get("/kpi/reports").status_code == 200
    assert world.consumer.apply(parse_event(user_event(world, active=False)))
    response = client.get("/kpi/reports")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_older_event_arriving_late_changes_nothing(world):
    assert world.consumer.apply(parse_event(user_event(world, active=False)))
    earlier = user_event(world, active=True, at=ON_TIME - timedelta(minutes=5))
    assert world.consumer.apply(parse_event(earlier))
    assert active_in_copy(world) is False
    response = world.client.get(KPIS, headers=world.headers("D1", "reporter"))
    assert response.status_code == 401


def test_a_newer_event_reactivates_and_a_redelivery_changes_nothing(world):
    deactivated = user_event(world, active=False)
    assert world.consumer.apply(parse_event(deactivated))
    reactivated = user_event(world, active=True, at=ON_TIME + timedelta(minutes=5))
    assert world.consumer.apply(parse_event(reactivated))
    assert not world.consumer.apply(parse_event(deactivated))
    assert active_in_copy(world) is True
    assert world.client.get(KPIS, headers=world.headers("D1", "reporter")).status_code == 200
    user_id = str(world.principal("D1", "reporter").user_id)
    assert world.count(audit_log, entity="user", entity_id=user_id) == 2


def test_the_same_state_again_writes_no_audit_row(world):
    assert world.consumer.apply(parse_event(user_event(world, active=True)))
    later = user_event(world, active=True, at=ON_TIME + timedelta(hours=1))
    assert world.consumer.apply(parse_event(later))
    user_id = str(world.principal("D1", "reporter").user_id)
    assert world.count(audit_log, entity="user", entity_id=user_id) == 1


def reporter_token(world: World, token_version: int) -> str:
    """A token of the D1 reporter issued at one of its token versions."""
    p = world.principal("D1", "reporter")
    return token_for(world.settings, unit_id=p.unit_id, roles=("reporter",), unit_code="D1",
                     user_id=p.user_id, username=p.username, token_version=token_version)


def test_a_token_older_than_the_copys_token_version_is_401_token_revoked(world):
    old = bearer(reporter_token(world, 1))
    assert world.client.get(KPIS, headers=old).status_code == 200
    changed = user_event(world, active=True, at=ON_TIME + timedelta(minutes=1), token_version=2)
    assert world.consumer.apply(parse_event(changed))
    for response in (world.client.get(KPIS, headers=old), world.create("D1")):
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.json["type"].endswith(":token_revoked")
        assert response.json["details"]["vi"].startswith("Phiên đăng nhập đã hết hiệu lực")
        assert response.json["details"]["en"].startswith("This session has ended")
    assert world.client.get(KPIS, headers=bearer(reporter_token(world, 2))).status_code == 200


def test_a_stale_tokens_page_visit_goes_to_the_login_page(world):
    client = page_client(world, "D1", "reporter")
    assert client.get("/kpi/reports").status_code == 200
    changed = user_event(world, active=True, at=ON_TIME + timedelta(minutes=1), token_version=2)
    assert world.consumer.apply(parse_event(changed))
    response = client.get("/kpi/reports")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_token_newer_than_the_lagging_copy_or_without_tv_for_an_unknown_user(world):
    assert world.consumer.apply(parse_event(user_event(world, active=True)))
    # Logged in again after a change whose event has not arrived yet: the copy lags, let in.
    assert world.client.get(KPIS, headers=bearer(reporter_token(world, 2))).status_code == 200
    # A token without `tv` counts as 0: older than every version the copy knows.
    assert world.client.get(KPIS, headers=bearer(reporter_token(world, 0))).status_code == 401
    # A user the copy does not know yet passes whatever its token says.
    p = world.principal("D2", "reporter")
    unknown = token_for(world.settings, unit_id=p.unit_id, roles=("reporter",), unit_code="D2",
                        user_id=p.user_id, token_version=0)
    assert world.client.get(KPIS, headers=bearer(unknown)).status_code == 200
