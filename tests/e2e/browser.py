"""A real headless Chromium (Debian's package) driven by Playwright, for page tests."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import IN_CI

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS", "var/test-artefacts")) / "screenshots"


def launch(playwright):
    """Chromium from the system; under CI=true its absence fails the test instead of skipping."""
    if shutil.which(CHROMIUM) is None:
        if IN_CI:
            pytest.fail("chromium (Debian package) is missing; `make test` "
                        "installs it (tools/system-packages.sh)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def log_in(page, product, username: str) -> None:
    """Log in through the login form as one of the product's accounts."""
    page.goto(product.bases["tasks"] + "/tasks/login")
    page.fill("#username", username)
    page.fill("#password", product.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/tasks/(\?.*)?$|.*/(kpi|notifications)/.*"))


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (var/test-artefacts/screenshots/NAME.png)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
