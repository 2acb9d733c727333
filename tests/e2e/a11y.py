"""Accessibility check of a page with axe-core (installed with npm into var/node, git-ignored).

`check_accessibility(page)` injects axe-core into the page Playwright shows and fails the test
with a readable list of the violations of the basic rules below.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import IN_CI

AXE_VERSION = "4.14.1"  # the one place the version is pinned
NODE_DIR = Path(__file__).resolve().parents[2] / "var" / "node"
AXE_JS = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
RULES = (
    # labels and names
    "label", "select-name", "input-button-name", "button-name", "link-name",
    "form-field-multiple-labels", "aria-input-field-name", "aria-progressbar-name",
    # images and charts
    "image-alt", "svg-img-alt", "role-img-alt", "input-image-alt",
    # contrast, status colours included
    "color-contrast",
    # keyboard
    "scrollable-region-focusable", "nested-interactive", "tabindex", "focus-order-semantics",
    "aria-hidden-focus",
    # the document and ARIA basics
    "html-has-lang", "html-lang-valid", "valid-lang", "document-title", "duplicate-id-aria",
    "aria-allowed-attr", "aria-required-attr", "aria-valid-attr", "aria-valid-attr-value",
    "aria-roles", "list", "listitem", "td-headers-attr", "th-has-data-cells",
)
_RUN = """async (rules) => {
  const result = await axe.run(document, {runOnly: {type: "rule", values: rules},
                                          resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "),
                                          html: n.html.slice(0, 160),
                                          summary: (n.failureSummary || "").slice(0, 300)}))}));
}"""


def _installed_version() -> str | None:
    package = AXE_JS.parent / "package.json"
    if not AXE_JS.exists() or not package.exists():
        return None
    return json.loads(package.read_text("utf-8")).get("version")


def _give_up(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"axe-core could not be installed: {reason}")
    pytest.skip(f"axe-core is not available: {reason}")


def axe_script() -> Path:
    """The path of axe.min.js at the pinned version, installing it with npm when missing."""
    if _installed_version() == AXE_VERSION:
        return AXE_JS
    npm = shutil.which("npm")
    if npm is None:
        _give_up("npm is missing (apt-get install npm)")
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund",
                           "--save-exact", f"axe-core@{AXE_VERSION}"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or _installed_version() != AXE_VERSION:
        _give_up(f"npm install failed: {done.stderr[-500:]}")
    return AXE_JS


def violations(page) -> list[dict]:
    """The violations of the basic rules on the page as it is shown now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script()))
    return page.evaluate(_RUN, list(RULES))


def describe(found: list[dict], where: str) -> str:
    """The violations as a readable list."""
    lines = [f"{len(found)} accessibility rule(s) broken on {where}:"]
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def check_accessibility(page) -> None:
    """Fail the test with a readable list if the page breaks any of the basic rules."""
    found = violations(page)
    if found:
        pytest.fail(describe(found, page.url), pytrace=False)
