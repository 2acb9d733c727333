"""Fixtures of the notifications integration tests: a private vhost on the shared broker."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tests import helpers


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A private virtual host on the shared broker, deleted afterwards."""
    helpers.require("rabbitmq")
    vhost = f"notif-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    _rabbitmqctl("delete_vhost", vhost)


