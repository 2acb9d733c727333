"""Login throttling: per account and per client address, counted in the tasks database."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.tasks.app import create_app
from services.tasks.models import LoginFailure
from services.tasks.throttle import client_address
from tests.unit.pages import HTML, post_form
from tests.unit.tasks.conftest import PASSWORD

TOKEN = "/tasks/api/v1/auth/token"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(world, clock):
    return create_app(world.settings, db=world.db, clock=clock).test_client()


def _try(client, username, password, address="192.0.2.10", **kwargs):
    return client.post(TOKEN, json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


def _fail(client, username, times, address="192.0.2.10"):
    for _ in range(times):
        assert _try(client, username, "wrong password", address).status_code == 401


def test_the_eleventh_try_after_ten_failures_is_429_with_retry_after_in_both_languages(client):
    _fail(client, "rep1", 10)
    response = _try(client, "rep1", "wrong password")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert response.content_type == "application/problem+json"
    assert response.json["detail"] == response.json["details"]["vi"]  # Vietnamese first
    assert response.json["details"]["vi"] == (
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.")
    assert response.json["details"]["en"] == (
        "Too many failed logins. Please try again in 15 minutes.")


def test_the_right_password_during_the_lockout_is_429_too(client):
    _fail(client, "rep1", 10)
    assert _try(client, "rep1", PASSWORD).status_code == 429


def test_a_locked_account_leaves_other_accounts_alone(client):
    _fail(client, "rep1", 10)
    assert _try(client, "rep2", PASSWORD).status_code == 200


def test_the_username_counts_whatever_its_case(client):
    _fail(client, "Rep1", 5)
    _fail(client, "REP1", 5)
    assert _try(client, "rep1", PASSWORD).status_code == 429


def test_the_lockout_ends_when_the_tenth_newest_failure_leaves_the_15_minute_window(client,
                                                                                    clock):
    for minute in range(10):
        clock.now = T0 + timedelta(minutes=minute)
        _fail(client, "rep1", 1)
    response = _try(client, "rep1", PASSWORD)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(6 * 60)  # 08:15 - 08:09
    clock.now = T0 + timedelta(minutes=15, seconds=1)
    assert _try(client, "rep1", PASSWORD).status_code == 200


def test_failures_older_than_the_window_are_ignored_and_pruned(client, clock, world):
    _fail(client, "rep1", 9)
    _fail(client, "rep2", 9)
    clock.now = T0 + timedelta(minutes=16)
    _fail(client, "rep1", 1)
    assert _try(client, "rep1", "wrong password").status_code == 401
    with world.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(LoginFailure)) == 2


def test_a_success_forgets_the_accounts_failures_from_that_address_only(client):
    _fail(client, "rep1", 9, address="198.51.100.7")  # a guesser elsewhere
    _fail(client, "rep1", 1, address="192.0.2.10")  # the user's own typo
    assert _try(client, "rep1", PASSWORD, "192.0.2.10").status_code != 200  # 10 failures
    _fail(client, "coord", 9)
    assert _try(client, "coord", PASSWORD).status_code == 200
    _fail(client, "coord", 9)  # counting starts again after the success
    assert _try(client, "coord", PASSWORD).status_code == 200


def test_a_guessers_failures_from_elsewhere_survive_the_users_success(client):
    _fail(client, "rep1", 9, address="198.51.100.7")
    assert _try(client, "rep1", PASSWORD, "192.0.2.10").status_code == 200
    _fail(client, "rep1", 1, address="198.51.100.7")
    assert _try(client, "rep1", PASSWORD, "192.0.2.10").status_code == 429


def test_thirty_failures_from_one_address_lock_it_for_every_account_not_other_addresses(
        client):
    for n in range(30):
        _fail(client, f"guess{n}", 1, address="203.0.113.5")
    assert _try(client, "rep1", PASSWORD, "203.0.113.5").status_code == 429
    assert _try(client, "rep1", PASSWORD, "192.0.2.10").status_code == 200


def test_a_success_does_not_reset_the_address_count_of_other_accounts(client):
    for n in range(29):
        _fail(client, f"guess{n}", 1, address="203.0.113.5")
    assert _try(client, "rep1", PASSWORD, "203.0.113.5").status_code == 200
    _fail(client, "guess-last", 1, address="203.0.113.5")
    assert _try(client, "rep2", PASSWORD, "203.0.113.5").status_code == 429


def test_the_login_page_is_throttled_with_a_vietnamese_message_and_retry_after(world, clock):
    client = create_app(world.settings, db=world.db, clock=clock).test_client()
    for _ in range(10):
        page = post_form(client, "/tasks/login", {"username": "rep1", "password": "sai"})
        assert page.status_code == 401
    page = post_form(client, "/tasks/login", {"username": "rep1", "password": PASSWORD})
    assert page.status_code == 429
    assert page.headers["Retry-After"] == "900"
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút." in page.get_data(
        as_text=True)
    assert client.get("/tasks/", headers=HTML).status_code == 302  # no login cookie


def test_the_page_and_the_api_share_one_count(world, clock):
    client = create_app(world.settings, db=world.db, clock=clock).test_client()
    for _ in range(5):
        post_form(client, "/tasks/login", {"username": "rep1", "password": "sai"})
    _fail(client, "rep1", 5, address="127.0.0.1")
    assert _try(client, "rep1", PASSWORD, "127.0.0.1").status_code == 429


PROXY = (ipaddress.ip_network("10.0.0.0/8"),)


@pytest.mark.parametrize("remote,forwarded,trusted,client", [
    ("192.0.2.1", "203.0.113.9", (), "192.0.2.1"),  # no trusted proxy: the header is ignored
    ("192.0.2.1", "203.0.113.9", PROXY, "192.0.2.1"),  # the peer is not our proxy
    ("10.0.0.2", "203.0.113.9", PROXY, "203.0.113.9"),  # nginx -> the client it saw
    ("10.0.0.2", "1.2.3.4, 203.0.113.9", PROXY, "203.0.113.9"),  # a forged hop on the left
    ("10.0.0.2", "203.0.113.9, 10.0.0.3", PROXY, "203.0.113.9"),  # two proxies of ours
    ("10.0.0.2", "not-an-ip", PROXY, "10.0.0.2"),
    ("10.0.0.2", None, PROXY, "10.0.0.2"),
])
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(remote, forwarded, trusted,
                                                               client):
    assert client_address(remote, forwarded, trusted) == client


def test_the_openapi_document_names_the_token_endpoints_401_and_429(client):
    spec = client.get("/tasks/api/openapi.json").json
    responses = spec["paths"][TOKEN]["post"]["responses"]
    assert responses["429"] == {"$ref": "#/components/responses/PROBLEM_429"}
    assert responses["401"] == {"$ref": "#/components/responses/PROBLEM_401"}
