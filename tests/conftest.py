"""Fixtures shared by every tier."""

from __future__ import annotations

import pytest

from tests.helpers import settings_for_tests


@pytest.fixture
def settings():
    """Embedded-mode settings with a fixed test secret."""
    return settings_for_tests()
