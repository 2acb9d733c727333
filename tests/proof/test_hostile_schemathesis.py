"""B2: schemathesis against each service's OpenAPI, as each role, with all its checks."""

from __future__ import annotations

import pytest

from tests.proof.access_world import SERVICES, world_fixture
from tests.proof.hostile_fuzz import FuzzReport, fuzz

# Who each role is in the fuzzing runs: the unit its token names.
ROLE_UNITS = {"admin": "SCT", "head": "SCT", "coordinator": "SCT", "reporter": "TP-HAIDUONG",
              "viewer": "SKHCN"}

QUICK_EXAMPLES = 1  # per operation and mode: `make test` (about 35 s)
FULL_EXAMPLES = 15  # per operation and mode: `make proof` (about 5 minutes)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from world_fixture(tmp_path_factory.mktemp("attachments"))


def _fuzz_everything(world, max_examples: int) -> tuple[FuzzReport, dict[str, int]]:
    total = FuzzReport()
    per_service = dict.fromkeys(SERVICES, 0)
    for service in SERVICES:
        for role, unit in ROLE_UNITS.items():
            report = fuzz(world.apps[service], service, headers=world.headers(role, unit),
                          label=f"{service} as {role}", max_examples=max_examples)
            per_service[service] += report.sent
            total.merge(report)
    return total, per_service


def _assert_clean(report: FuzzReport) -> None:
    details = "\n\n".join(f"{key}\n{text}" for key, text in sorted(report.failures.items()))
    assert not report.failures, f"{len(report.failures)} schemathesis failures:\n{details}"
    # Only an operation with no input at all can have no negative case.
    assert set(report.unsatisfiable) <= {
        "GET /tasks/api/v1/calendar/feeds/{token}.ics [negative]"}, report.unsatisfiable


def _record(proof, report: FuzzReport, per_service: dict[str, int], max_examples: int) -> None:
    counts = ", ".join(f"{name} {sent}" for name, sent in per_service.items())
    proof.record(done=f"schemathesis {len(ROLE_UNITS)} roles × {report.operations // 5} "
                      f"operations × positive/negative, ≤{max_examples} examples each "
                      f"({counts} requests); failures: {len(report.failures)}",
                 sent=report.sent, failures=len(report.failures))


def test_schemathesis_quick_pass_over_every_service_as_every_role(world, proof):
    """schemathesis, quick pass: every operation of every service as each of the 5 roles."""
    report, per_service = _fuzz_everything(world, max_examples=QUICK_EXAMPLES)
    _record(proof, report, per_service, QUICK_EXAMPLES)
    _assert_clean(report)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_schemathesis_finds_nothing_in_any_service_as_any_role(world, proof):
    """schemathesis, full pass: every service as every role, all checks, zero failures."""
    report, per_service = _fuzz_everything(world, max_examples=FULL_EXAMPLES)
    _record(proof, report, per_service, FULL_EXAMPLES)
    _assert_clean(report)
