"""`python -m bench.run [ids…]`: run the benchmarks and write bench/results.md and .json.

Ids: P1 … P7 (P1 and P2 share one setup; the embedded default's P1, P2 and P5 rows run with
any of them). BENCH_ONLY="P1 P4" does the same as arguments. BENCH_QUICK=1 shortens every
load for development; such runs, and runs of a subset, write bench/results-partial.md instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback

from bench.harness import (
    QUICK,
    Comparison,
    loopback_round_trip_us,
    machine_speed,
    write_results,
)

ALL_IDS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")
# Each runner (a module of bench/ with run(ids=, rounds=)) and the ids it measures. Modules are
# imported when needed, so that one benchmark's missing tool does not stop the others.
RUNNERS: list[tuple[str, set[str]]] = [
    ("http", {"P1", "P2"}),
    ("p3_relay", {"P3"}),
    ("p4_reminders", {"P4"}),
    ("p5_latency", {"P5"}),
    ("p6_growth", {"P6"}),
    ("embedded", {"P1", "P2", "P5"}),
    ("p7_memory", {"P7"}),
]


def wanted_ids(argv_ids: list[str]) -> list[str]:
    """The ids asked for on the command line or in BENCH_ONLY; all when none."""
    ids = [i.upper() for i in (argv_ids or os.environ.get("BENCH_ONLY", "").replace(",", " ")
                               .split())]
    unknown = sorted(set(ids) - set(ALL_IDS))
    if unknown:
        raise SystemExit(f"unknown benchmark ids {unknown}; known: {', '.join(ALL_IDS)}")
    return ids or list(ALL_IDS)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default), write and print the results table."""
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("ids", nargs="*", help=f"any of {', '.join(ALL_IDS)} (default: all)")
    parser.add_argument("--rounds", type=int, default=2 if QUICK else 3)
    args = parser.parse_args(argv)
    ids = wanted_ids(args.ids)
    started = time.monotonic()
    speed = [(*machine_speed(), loopback_round_trip_us())]  # before; after at the end
    comparisons: list[Comparison] = []
    lines: list[str] = []
    full = set(ids) == set(ALL_IDS) and not QUICK
    for name, covers in RUNNERS:
        if not covers & set(ids):
            continue
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        began = time.monotonic()
        try:
            runner = importlib.import_module(f"bench.{name}").run
            result = runner(ids=set(ids), rounds=args.rounds)
            result = result if isinstance(result, list) else [result]
            comparisons.extend(c for c in result if c.id in ids)
            lines.append(f"- {name}: {time.monotonic() - began:.0f} s")
        except Exception:  # one broken benchmark must not hide the others' results
            traceback.print_exc()
            lines.append(f"- {name}: **FAILED** after {time.monotonic() - began:.0f} s "
                         f"(traceback on stderr)")
        # Written after every benchmark, so that an interrupted run still leaves its figures.
        path = write_results(comparisons, name="results" if full else "results-partial",
                             header=_header(ids, started, lines, speed))
    speed.append((*machine_speed(), loopback_round_trip_us()))
    path = write_results(comparisons, name="results" if full else "results-partial",
                         header=_header(ids, started, lines, speed))
    print(path.read_text("utf-8"))
    failed = any("FAILED" in line for line in lines)
    return 0 if not failed and all(c.met is not False for c in comparisons) else 1


def _header(ids: list[str], started: float, lines: list[str],
            speed: list[tuple[float, float, float]]) -> list[str]:
    note = os.environ.get("BENCH_NOTE", "")  # e.g. how busy the machine was
    when = ("before", "after")
    pace = "; ".join(f"{w}: fastest {fast:.0f} ms, median {median:.0f} ms, loopback round trip "
                     f"{loop:.0f} µs" for w, (fast, median, loop) in zip(when, speed, strict=False))
    return [*([f"**{note}**", ""] if note else []),
            "Machine speed (bench.harness: machine_speed, a fixed pure-Python workload, 7 times; "
            "loopback_round_trip_us, one byte to a thread and back over a local socket pair; "
            f"lower is faster): {pace}.", "",
            f"Ran {' '.join(ids)}{' (BENCH_QUICK)' if QUICK else ''} in "
            f"{time.monotonic() - started:.0f} s:", "", *lines, ""]

if __name__ == "__main__":
    sys.exit(main())
