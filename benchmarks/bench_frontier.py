"""
Benchmark: the equity frontier of the national 50-site plan (15 km, training centres) — 10 points,
national reach against the lowest région's, from no floor to the max-min — against the target of
60 s for the whole call, with each point's figures and which one `DEFAULT_RULE` picks. Needs a built
database (default geodata/observatory.gpkg, or --db / OBSERVATORY_DB).

Run: .venv/bin/python benchmarks/bench_frontier.py [--db PATH] [--level region|province]
"""

from __future__ import annotations

import argparse
import time

from observatory import planner
from observatory.query import connect
from observatory.results import planning_frame

TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--level", default="region", choices=["region", "province"])
    parser.add_argument("--points", type=int, default=10)
    args = parser.parse_args()
    pf = planning_frame(db=connect(args.db).require())
    clock = time.perf_counter()
    frontier = planner.equity_frontier(pf, sites=50, radius_km=15.0, points=args.points, level=args.level)
    seconds = time.perf_counter() - clock
    print(f"{'point':>5} {'floor':>6} {'national':>8} {'lowest':>6} {'unit':>5} {'price':>5}")
    for row in frontier.itertuples():
        print(
            f"{row.point:>5} {100 * row.floor:>5.1f}% {100 * row.national_reach:>7.2f}% "
            f"{100 * row.lowest_reach:>5.1f}% {row.lowest_unit:>5} {row.price_points:>5.2f} "
            f"{'  default' if row.is_default else ''}"
        )
    status = "ok" if seconds <= TARGET_SECONDS else "SLOW"
    print(f"{len(frontier)} points in {seconds:.1f} s (target {TARGET_SECONDS:g} s): {status}")


if __name__ == "__main__":
    main()
