"""A real headless Chromium (Debian's package) driven by Playwright, for page tests."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers import IN_CI

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch(playwright):
    """Chromium from the system; under CI=true its absence fails the test instead of skipping."""
    if shutil.which(CHROMIUM) is None:
        if IN_CI:
            pytest.fail("chromium (Debian package) is missing; .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
