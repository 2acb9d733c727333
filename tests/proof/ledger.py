"""The proof table: one row per scenario, with what was done and what the events did.

Every test under tests/proof is a scenario. A test asks for the `proof` fixture and records
what it did and the event counts it checked; the outcome (pass/fail) comes from pytest.
`make proof` prints the table at the end and writes it to var/proof/results.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Row:
    """One scenario of the proof table."""

    scenario: str
    done: str = ""
    sent: int | None = None
    applied: int | None = None
    lost: int | None = None
    duplicated: int | None = None
    outcome: str = "not run"
    extra: dict[str, object] = field(default_factory=dict)

    def record(self, *, done: str | None = None, sent: int | None = None,
               applied: int | None = None, lost: int | None = None,
               duplicated: int | None = None, **extra: object) -> None:
        """Note what the scenario did and the counts it checked (call again to update)."""
        if done is not None:
            self.done = done
        for name, value in (("sent", sent), ("applied", applied), ("lost", lost),
                            ("duplicated", duplicated)):
            if value is not None:
                setattr(self, name, value)
        self.extra.update(extra)


ROWS: dict[str, Row] = {}


def _cell(value: object) -> str:
    return "–" if value is None else str(value).replace("|", "\\|")


def table() -> str:
    """The proof table as Markdown."""
    lines = ["| scenario | what was done | sent | applied | lost | duplicated | result |",
             "|---|---|---|---|---|---|---|"]
    for row in ROWS.values():
        cells = [row.scenario, row.done, row.sent, row.applied, row.lost, row.duplicated,
                 row.outcome]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def write(path: Path) -> None:
    """Write the table where `make proof` keeps it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table() + "\n", encoding="utf-8")
