"""
Benchmark: a 50-site plan over the 1,503 communes solved to optimality with CBC (target < 30 s),
and the need it covers against the naive plan (the 50 top-ranked communes by index), as a ratio.
Needs a built database (default geodata/observatory.gpkg, or --db / OBSERVATORY_DB).

Run: .venv/bin/python benchmarks/bench_planner.py [--db PATH]
"""

from __future__ import annotations

import argparse
import time

from observatory import planner
from observatory.query import connect
from observatory.results import planning_frame


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    pf = planning_frame(db=connect(args.db).require())
    for radius in (10.0, 15.0, 25.0):
        clock = time.perf_counter()
        result = planner.plan(pf, sites=50, radius_km=radius)
        seconds = time.perf_counter() - clock
        s = result.summary
        print(f"50 sites, radius {radius:g} km: {s['status']} in {seconds:.1f} s (target < 30 s); covered "
              f"{s['covered_share']:.1%} of need vs naive {s['naive_covered_share']:.1%} "
              f"-> ratio {s['ratio_vs_naive']:.2f}")


if __name__ == "__main__":
    main()
