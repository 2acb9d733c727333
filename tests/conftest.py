"""Fixtures shared by every tier."""

from __future__ import annotations

import pytest

from tests.helpers import test_settings


@pytest.fixture
def settings():
    """Embedded-mode settings with a fixed test secret."""
    return test_settings()
