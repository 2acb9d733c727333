"""schemathesis against a service's own OpenAPI document, in-process through WSGI.

Every operation of the document is fuzzed with positive and negative data, as one role, and
every response goes through schemathesis' checks. Failures are collected (not raised at the
first one) so one run names everything that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# All checks that judge one response. Left out, with the reason:
# - positive_data_acceptance: a valid request may still be refused for reasons the document
#   cannot express (an id of another unit is 404, a role is 403, a taken code 409);
# - use_after_free, ensure_resource_availability: they need the stateful runner's links;
# - max_response_time: no time limit is configured.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection,
          ignored_auth, missing_required_header]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@dataclass
class FuzzReport:
    """What one fuzzing run sent and what failed (one line per distinct failure)."""

    sent: int = 0
    operations: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    unsatisfiable: list[str] = field(default_factory=list)

    def merge(self, other: FuzzReport) -> None:
        """Add another run's counts and failures."""
        self.sent += other.sent
        self.operations += other.operations
        self.failures.update(other.failures)
        self.unsatisfiable.extend(other.unsatisfiable)


def load_schema(app: Flask, service: str):
    """The service's OpenAPI document as schemathesis reads it from the running app."""
    return schemathesis.openapi.from_wsgi(f"/{service}/api/openapi.json", app)


def _run_operation(operation, mode, *, app: Flask, headers: dict[str, str],
                   max_examples: int, report: FuzzReport, label: str) -> None:
    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        report.sent += 1
        response = case.call(app=app, headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers,
                                   transport_kwargs={"app": app, "headers": headers})
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{label} {operation.label} [{mode.value}] {failure.title}"
                report.failures.setdefault(key, f"{failure.message}\n{case.as_curl_command()}"
                                                f"\n-> {response.status_code} "
                                                f"{response.text[:300]}")

    try:
        run()
    except Unsatisfiable:
        # e.g. no negative value exists for an operation without parameters or body
        report.unsatisfiable.append(f"{operation.label} [{mode.value}]")


def fuzz(app: Flask, service: str, *, headers: dict[str, str], label: str,
         max_examples: int, exclude: tuple[str, ...] = ()) -> FuzzReport:
    """Fuzz every operation of the service (positive and negative data) with these headers."""
    report = FuzzReport()
    for result in load_schema(app, service).get_all_operations():
        operation = result.ok()
        if operation.label in exclude:
            continue
        report.operations += 1
        for mode in MODES:
            _run_operation(operation, mode, app=app, headers=headers,
                           max_examples=max_examples, report=report, label=label)
    return report
