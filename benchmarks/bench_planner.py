"""
Benchmark: capacitated plans over the 1,503 communes with at least one site per région, solved with
CBC, against the targets (50 sites ≤ 10 s, 200 sites ≤ 60 s, the whole call: solve, price of equity,
baselines, audit and language plan), and the need served and reached against the greedy baseline,
side by side. Needs a built database (default geodata/observatory.gpkg, or --db / OBSERVATORY_DB).

Run: .venv/bin/python benchmarks/bench_planner.py [--db PATH]
"""

from __future__ import annotations

import argparse
import time

from observatory import planner
from observatory.query import connect
from observatory.results import planning_frame

TARGETS = {50: 10.0, 200: 60.0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    pf = planning_frame(db=connect(args.db).require())
    print(
        f"{'sites':>5} {'capacity':>8} {'seconds':>8} {'target':>6} {'served':>7} {'greedy':>7} {'ratio':>6} "
        f"{'reached':>8} {'greedy':>7} {'price':>6}"
    )
    for sites, capacity in ((50, None), (200, None), (50, 0)):
        clock = time.perf_counter()
        result = planner.plan(pf, sites=sites, radius_km=15.0, capacity=capacity, min_per_region=1)
        seconds = time.perf_counter() - clock
        s = result.summary
        target = TARGETS[sites]
        print(
            f"{sites:>5} {s['capacity']:>8g} {seconds:>8.1f} {target:>6g} {100 * s['covered_share']:>6.2f}% "
            f"{100 * s['greedy_covered_share']:>6.2f}% {s['gain_over_greedy']:>6.3f} "
            f"{100 * s['reached_share']:>7.2f}% {100 * s['greedy_reached_share']:>6.2f}% "
            f"{s.get('price_of_equity_points', 0):>6.2f}  {'ok' if seconds <= target else 'SLOW'}"
        )


if __name__ == "__main__":
    main()
