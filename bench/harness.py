"""Alternating rounds, medians, spread and ratios; results as Markdown and JSON."""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent
# BENCH_QUICK=1: fewer rounds, shorter loads and smaller data, for development (not for results).
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def scaled(full, quick):
    """`quick` under BENCH_QUICK=1, else `full`."""
    return quick if QUICK else full


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` (0..1) of the values fall (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Series:
    """Repeated measurements of one contender, in its unit (higher is better unless said)."""

    name: str
    unit: str
    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        """Half the range around the median, as a share of it."""
        if len(self.values) < 2 or not self.median:
            return 0.0
        return (max(self.values) - min(self.values)) / 2 / self.median


@dataclass
class Comparison:
    """One benchmark: ours against a baseline measured in the same run."""

    id: str
    title: str
    ours: Series
    baselines: list[Series]
    goal: str
    goal_ratio: float | None = None  # ours / first baseline must reach (or stay under) this
    notes: list[str] = field(default_factory=list)
    higher_is_better: bool = True
    goal_value: float | None = None  # or: ours must reach (or stay under) this, in its unit

    def ratio(self, baseline: Series) -> float:
        return self.ours.median / baseline.median if baseline.median else float("inf")

    @property
    def met(self) -> bool | None:
        if self.goal_value is not None:
            median = self.ours.median
            return median >= self.goal_value if self.higher_is_better else median <= self.goal_value
        if self.goal_ratio is None or not self.baselines:
            return None
        ratio = self.ratio(self.baselines[0])
        return ratio >= self.goal_ratio if self.higher_is_better else ratio <= self.goal_ratio


def alternate(rounds: int, contenders: list[tuple[Series, Callable[[], float]]]) -> None:
    """Run every contender once per round, in turn, appending each measurement."""
    for _ in range(rounds):
        for series, measure in contenders:
            series.values.append(measure())


def machine_speed(times: int = 7) -> tuple[float, float]:
    """(fastest, median) ms of a fixed pure-Python workload on this machine, now.

    Absolute figures move with the machine (the same code gave P1 394 req/s on one 2-core
    machine of this kind and 203 on another): this figure and loopback_round_trip_us, printed
    with the results, say how fast the machine was while they were measured, so that runs on
    different machines can be compared. The ratios, measured against baselines in the same
    run, need no such care.
    """
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        table: dict[str, int] = {}
        for i in range(300_000):
            table[str(i % 1000)] = table.get(str(i % 1000), 0) + i
        samples.append((time.perf_counter() - began) * 1000)
    return min(samples), statistics.median(samples)


def loopback_round_trip_us(count: int = 2000) -> float:
    """Median µs of one byte sent to a thread over a local socket pair and sent back.

    The pure-Python figure above misses what the services spend in system calls and thread
    hand-overs on every request and message; this one measures that, as the machine gives it.
    """
    ours, theirs = socket.socketpair()

    def echo() -> None:
        for _ in range(count):
            theirs.sendall(theirs.recv(1))

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    samples = []
    try:
        for _ in range(count):
            began = time.perf_counter()
            ours.sendall(b"x")
            ours.recv(1)
            samples.append((time.perf_counter() - began) * 1e6)
    finally:
        thread.join(10)
        ours.close()
        theirs.close()
    return statistics.median(samples)


def write_results(comparisons: list[Comparison], *, name: str = "results",
                  header: list[str] | None = None) -> Path:
    """bench/<name>.md and bench/<name>.json."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, "
               f"{platform.python_implementation()} {platform.python_version()}")
    lines = [f"# Benchmark results ({stamp})", "", f"Machine: {machine}.", "", *(header or []),
             "| id | what | contender | median | spread | ratio to baseline | goal | met |",
             "|---|---|---|---|---|---|---|---|"]
    for c in comparisons:
        lines.append(f"| {c.id} | {c.title} | ours: {c.ours.name} | "
                     f"{c.ours.median:,.1f} {c.ours.unit} | "
                     f"±{c.ours.spread:.0%} | | {c.goal} | "
                     f"{'yes' if c.met else 'no' if c.met is False else '—'} |")
        for b in c.baselines:
            lines.append(f"| | | {b.name} | {b.median:,.1f} {b.unit} | ±{b.spread:.0%} | "
                         f"{c.ratio(b):.2f}× | | |")
    for c in comparisons:
        for note in c.notes:
            lines.append(f"\n- {c.id}: {note}")
    md = RESULTS_DIR / f"{name}.md"
    md.write_text("\n".join(lines) + "\n", "utf-8")
    payload = {"generated_at": stamp, "machine": machine, "header": header or [], "comparisons": [
        {**asdict(c), "ours_median": c.ours.median, "met": c.met,
         "ratios": {b.name: c.ratio(b) for b in c.baselines}} for c in comparisons]}
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2), "utf-8")
    return md
