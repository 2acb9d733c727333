"""`make test` sets itself up: CI only calls it, and it brings the system packages the tests use."""

from __future__ import annotations

import re

from shared.settings import PROJECT_ROOT

CI_RUN = (PROJECT_ROOT / ".ci" / "run").read_text()
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()
SYSTEM_PACKAGES = (PROJECT_ROOT / "tools" / "system-packages.sh").read_text()


def test_ci_installs_nothing_itself_and_only_calls_make_test():
    assert not re.search(r"apt-get|pip install|npm (install|ci)", CI_RUN)
    assert CI_RUN.strip().endswith("make test")


def test_make_test_first_brings_the_system_packages_the_tests_need():
    assert re.search(r"^test: .*system-packages", MAKEFILE, re.MULTILINE)
    for package in ("chromium", "docker-compose", "npm"):
        assert f"missing+=({package})" in SYSTEM_PACKAGES
    assert "apt-get install" in SYSTEM_PACKAGES
