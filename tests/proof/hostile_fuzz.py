"""schemathesis' own runner (`st run`) against a service's OpenAPI document over real HTTP.

This is what an outside fuzzer does: every phase (the document's examples, coverage of each
schema's edges, random fuzzing, stateful sequences along the links schemathesis infers from
the document and from Location headers), every check it has, positive and negative data.

Two things make it reach the code behind the 404s and the 422s:
- real objects: the ids of a plan, duty, task, attachment, report, webhook, feed, unit and
  user that exist (created by the scenario before the run) are a dictionary each path
  parameter of that name draws from most of the time (otherwise a generated value);
- realistic values: fields whose valid values a generator does not hit by chance (an RFC
  5545 rule, a unit id in a body) draw from a dictionary of such values part of the time.

Failures are collected from the run's JSON report, one line per (check, operation).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ST = [str(Path(sys.executable).parent / "st")]

# positive_data_acceptance: a schema-valid request may still be refused by a business rule
# the document cannot express: a role is 403, an object of another unit 404, a workflow move,
# a taken code or a lost race 409, a rule of the domain (a unit id that names no unit, a
# control character in a text, a deadline outside the plan) 422. Anything else is a failure.
EXPECTED_STATUSES = ["2xx", "403", "404", "409", "422"]
# An attachment's type is judged from its name and bytes (an allow-list the document
# states in words): 415 is a business rule there. Logins may be throttled (429).
OPERATION_STATUSES = {
    "POST /tasks/api/v1/tasks/{task_id}/attachments": ["415"],
    "POST /tasks/api/v1/auth/token": ["401", "429"],
}
# Rules as people type them (RFC 5545), some with no date in a given plan's period.
RRULES = [
    "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20",
    "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20;UNTIL=19991231T000000",
    "DTSTART:20161220\nRRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20;UNTIL=20201220",
    "FREQ=MONTHLY;BYMONTHDAY=5",
    "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=15",
    "FREQ=WEEKLY;COUNT=3",
    "FREQ=DAILY;UNTIL=20000101",
]
REAL_SHARE = 0.8  # how often a parameter with real or realistic values takes one


@dataclass
class FuzzReport:
    """What the runs sent and what failed (one line per distinct failure)."""

    runs: int = 0
    operations: int = 0
    generated: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    missing_test_data: set[str] = field(default_factory=set)

    def merge(self, other: FuzzReport) -> None:
        """Add another run's counts and failures."""
        self.runs += other.runs
        self.operations = max(self.operations, other.operations)  # runs of one service
        self.generated += other.generated
        self.failures.update(other.failures)
        self.missing_test_data |= other.missing_test_data


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string or list is valid TOML


def config_text(values: dict[str, list[str]]) -> str:
    """schemathesis.toml: expected statuses, and dictionaries of real and realistic values.

    `values` maps a parameter ("path.plan_id", "body.lead_unit_id") to the values it draws.
    """
    lines = ["[checks.positive_data_acceptance]",
             f"expected-statuses = {_toml(EXPECTED_STATUSES)}", ""]
    bindings = []
    for key, options in sorted({**values, "body.rrule": RRULES}.items()):
        if not options:
            continue
        name = key.replace(".", "_")
        lines += [f"[dictionaries.{name}]", f"values = {_toml(options)}", ""]
        bindings.append(f"{_toml(key)} = {{ dictionary = {_toml(name)}, "
                        f"probability = {REAL_SHARE} }}")
    lines += ["[parameters]", *bindings, ""]
    for label, extra in OPERATION_STATUSES.items():
        lines += ["[[operations]]", f"include-name = {_toml(label)}",
                  "[operations.checks.positive_data_acceptance]",
                  f"expected-statuses = {_toml(EXPECTED_STATUSES + extra)}", ""]
    return "\n".join(lines)


def run_schemathesis(base_url: str, service: str, *, token: str, label: str, workdir: Path,
                     max_examples: int, values: dict[str, list[str]],
                     phases: str = "examples,coverage,fuzzing,stateful") -> FuzzReport:
    """One `st run` of every operation of the service as the token's user, all checks."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "schemathesis.toml"
    config.write_text(config_text(values), encoding="utf-8")
    report_path = workdir / "report.json"
    report_path.unlink(missing_ok=True)
    command = [*ST, "--no-color", "--config-file", str(config), "run",
               f"{base_url}/{service}/api/openapi.json", "--checks", "all",
               "--max-examples", str(max_examples), "--phases", phases, "--workers", "1",
               "--header", f"Authorization: Bearer {token}", "--generation-deterministic",
               "--suppress-health-check", "all",
               "--report", "json", "--report-json-path", str(report_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False,
                          cwd=workdir)  # its cache directory goes there too
    (workdir / "output.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    if not report_path.exists():
        raise AssertionError(f"{label}: schemathesis wrote no report (exit {done.returncode})"
                             f"\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    data = json.loads(report_path.read_text(encoding="utf-8"))
    report = FuzzReport(runs=1, operations=data["operations"]["tested"],
                        generated=data["test_cases"]["generated"],
                        missing_test_data=set(data["warnings"].get("missing_test_data", [])))
    for failure in data["failures"]:
        for operation in failure["operations"]:
            key = f"{label}: {failure['code']} {failure['title']}: {operation}"
            report.failures[key] = f"details in {workdir / 'output.txt'}"
    for error in data.get("errors", []):
        report.failures[f"{label}: error: {str(error)[:200]}"] = str(error)[:2000]
    return report
