"""Fixtures shared by every tier."""

from __future__ import annotations

import pytest

from tests.helpers import settings_for_tests

# The SMTP sink and webhook receiver fixtures serve the unit and integration tiers alike.
pytest_plugins = ["tests.unit.notifications.sinks"]


@pytest.fixture
def settings():
    """Embedded-mode settings with a fixed test secret."""
    return settings_for_tests()
