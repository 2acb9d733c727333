"""`python -m bench.run [ids…]`: run the benchmarks and write bench/results.md and .json."""

from __future__ import annotations

import argparse
import sys

from bench import http, p3_relay, p7_memory
from bench.harness import write_results

BENCHMARKS = {"P1+P2": http.run, "P3": p3_relay.run, "P7": p7_memory.run}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default) and print the results table."""
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("ids", nargs="*", default=list(BENCHMARKS),
                        help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    comparisons = []
    for name in args.ids or BENCHMARKS:
        result = BENCHMARKS[name](rounds=args.rounds)
        comparisons.extend(result if isinstance(result, list) else [result])
    path = write_results(comparisons)
    print(path.read_text("utf-8"))
    return 0 if all(c.met is not False for c in comparisons) else 1


if __name__ == "__main__":
    sys.exit(main())
