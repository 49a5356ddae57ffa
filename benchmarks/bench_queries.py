"""
Cold queries straight from the database, as the app and the API make them: a fresh `Database`
each time (no column cache, no response cache), through the library's own readers.

- one unit: every value of one commune (its profile page), `query.indicator_values(units=[code])`;
- a région's index: `results.fragility_index("commune", region=...)`;
- one indicator for all communes: `query.indicator_values(indicator, year=2024)` (a map).

Run it from a checkout against a database that checkout built, e.g. main's code on main's build
and this branch's on its own, side by side:

    .venv/bin/python benchmarks/bench_queries.py --db PATH [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from observatory import query, results
from observatory.database import Database

UNIT = "01.511.01.0"  # Tanger
REGION = "06"  # Casablanca-Settat: the most communes in one région's index
INDICATOR = "illiteracy_rate_10_plus"

#: Targets in milliseconds, from the performance goals.
TARGETS = {"one unit": 10, "a région's index": 20, "one indicator, all communes": 30}


def queries(target: str) -> dict[str, Callable[[], object]]:
    return {
        "one unit": lambda: query.indicator_values(db=Database(target), level="commune", units=[UNIT]),
        "a région's index": lambda: results.fragility_index("commune", db=Database(target), region=REGION),
        "one indicator, all communes": lambda: query.indicator_values(
            INDICATOR, db=Database(target), year=2024
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    size = f", {os.path.getsize(args.db) / 1e6:.0f} MB" if "://" not in args.db else ""
    print(f"database {args.db}{size}")
    print(f"{'query':32} {'rows':>6} {'first ms':>9} {'median ms':>10} {'p95 ms':>8} {'target':>7}")
    for name, run in queries(args.db).items():
        times = []
        rows = 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            rows = len(run())  # type: ignore[arg-type]
            times.append((time.perf_counter() - start) * 1000)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(
            f"{name:32} {rows:6d} {times[0]:9.1f} {statistics.median(times):10.1f} {p95:8.1f} "
            f"{TARGETS[name]:6d}ms"
        )


if __name__ == "__main__":
    main()
