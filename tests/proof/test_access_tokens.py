"""S1: a bad token is 401 on every non-public route of every service, whatever is wrong with it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.helpers import TEST_SECRET, settings_for_tests
from tests.proof.access_rules import RULES
from tests.proof.access_world import World, identity_id, routes, world_fixture

UNIT = "TP-HAIDUONG"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from world_fixture(tmp_path_factory.mktemp("attachments"))


def _claims(world: World, **changes) -> dict:
    now = datetime.now(UTC)
    claims = {"iss": "plan-tracker", "aud": "plan-tracker", "sub": str(identity_id("admin", UNIT)),
              "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
              "exp": int((now + timedelta(hours=1)).timestamp()), "jti": uuid.uuid4().hex,
              "username": "admin.tp-haiduong", "unit_id": str(world.unit_id(UNIT)),
              "unit_code": UNIT, "roles": ["admin"], "lang": "vi"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_signed(header: dict, claims: dict, secret: str) -> str:
    """A token signed with HMAC-SHA256 whatever its header claims (algorithm confusion)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _tampered(token: str) -> str:
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["roles"] = ["admin", "head"]
    return f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"


def bad_tokens(world: World) -> dict[str, str]:
    """Every way a token can be wrong, by name."""
    good = world.token("reporter", UNIT)
    past = datetime.now(UTC) - timedelta(hours=3)
    head, body, signature = good.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    return {
        "expired": jwt.encode(_claims(world, iat=int(past.timestamp()),
                                      nbf=int(past.timestamp()),
                                      exp=int((past + timedelta(hours=1)).timestamp())),
                              TEST_SECRET, algorithm="HS256"),
        "tampered signature": f"{head}.{body}.{flipped}",
        "tampered claims (roles raised)": _tampered(good),
        "alg none": _hand_signed({"alg": "none", "typ": "JWT"}, _claims(world), "")
        .rsplit(".", 1)[0] + ".",
        "HS512 with the right secret": jwt.encode(_claims(world), TEST_SECRET, algorithm="HS512"),
        "RS256 header, HMAC-signed with the secret": _hand_signed(
            {"alg": "RS256", "typ": "JWT"}, _claims(world), TEST_SECRET),
        "wrong key": world.token("admin", UNIT, secret_key="another-secret-" + "x" * 40),
        "wrong audience": world.token("admin", UNIT, jwt_audience="another-app"),
        "wrong issuer": world.token("admin", UNIT, jwt_issuer="someone-else"),
        "no expiry": jwt.encode(_claims(world, exp=None), TEST_SECRET, algorithm="HS256"),
        "not a JWT": "Bearer-garbage.abc",
    }


def _protected_routes(world: World):
    for service, key in routes(world):
        if RULES[key].scope not in ("public", "page"):
            method, rule = key.split(" ", 1)
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(uuid.uuid4())
                          if m.group(1) not in ("day", "code", "token") else "2031-01-01"
                          if m.group(1) == "day" else "X", rule)
            yield service, method, path


def _assert_401(world: World, tokens: dict[str, str]) -> int:
    sent = 0
    for service, method, path in _protected_routes(world):
        for label, token in tokens.items():
            response = world.client(service).open(
                path, method=method, json={}, headers={"Authorization": f"Bearer {token}"})
            sent += 1
            where = (label, method, path, response.status_code)
            assert response.status_code == 401, where
            assert response.content_type == "application/problem+json", where
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), where
            assert response.json["details"]["vi"] and response.json["details"]["en"], where
    return sent


def test_bad_tokens_are_401_on_every_protected_route(world, proof):
    """Expired, tampered, alg none/HS512/RS256, wrong key/audience/issuer → 401 everywhere."""
    tokens = bad_tokens(world)
    assert settings_for_tests().secret_key == TEST_SECRET
    sent = _assert_401(world, tokens)
    proof.record(done=f"{len(tokens)} kinds of bad token × every protected route of 3 services: "
                      "all 401 problem+json with WWW-Authenticate", sent=sent)


def test_a_deactivated_user_is_401_on_every_service(world, proof):
    """A deactivated user's still-unexpired token is refused on every protected route."""
    user_id = world.users["xem.skhcn"]
    token = world.token("viewer", "SKHCN", user_id=user_id)
    headers = {"Authorization": f"Bearer {token}"}
    before = {"tasks": "/tasks/api/v1/me", "notifications": "/notifications/api/v1/inbox",
              "kpi": "/kpi/api/v1/kpis?year=2019"}
    for service, path in before.items():
        assert world.client(service).get(path, headers=headers).status_code == 200, service
    changed = world.client("tasks").patch(f"/tasks/api/v1/admin/users/{user_id}",
                                          json={"active": False},
                                          headers=world.headers("admin", "SCT"))
    assert changed.status_code == 200, changed.json
    for service in ("notifications", "kpi"):
        world.feed(service)  # the user.upserted event reaches the service's copy of users
    sent = 0
    for service, method, path in _protected_routes(world):
        response = world.client(service).open(path, method=method, json={}, headers=headers)
        sent += 1
        assert response.status_code == 401, (service, method, path, response.status_code)
        assert response.json["details"]["en"].startswith("This account is deactivated")
    proof.record(done="admin deactivates a user: its unexpired token is 401 on every route of "
                      "the tasks, notifications and kpi services", sent=sent)
