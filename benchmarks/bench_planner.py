"""
Benchmark: capacitated plans over the 1,503 communes with at least one site per région, solved with
CBC, against the targets (50 sites ≤ 10 s, 200 sites ≤ 60 s, the whole call: solve, price of equity,
baselines, audit and language plan), and the need served and reached against the greedy baseline,
side by side, on the planning frame's demand points (a large commune's need spread over several
points) and on one point per commune, with the ratio of their times. Needs a built database (default
geodata/observatory.gpkg, or --db / OBSERVATORY_DB).

Run: .venv/bin/python benchmarks/bench_planner.py [--db PATH]
"""

from __future__ import annotations

import argparse
import time

from observatory import planner
from observatory.planning_frame import PlanningFrame
from observatory.query import connect
from observatory.results import planning_frame

TARGETS = {50: 10.0, 200: 60.0}


def one_point_per_commune(db: object) -> PlanningFrame:
    """The frame as it was before demand points: the commune's representative point only."""
    split = PlanningFrame.from_units

    def whole(*args: object, **kwargs: object) -> PlanningFrame:
        return split(*args, **{**kwargs, "split": False})  # type: ignore[arg-type]

    PlanningFrame.from_units = whole  # type: ignore[method-assign]
    try:
        return planning_frame(db=db)  # type: ignore[arg-type]
    finally:
        PlanningFrame.from_units = split  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    database = connect(args.db).require()
    frames = {}
    for label, build in (("communes", one_point_per_commune), ("points", lambda db: planning_frame(db=db))):
        clock = time.perf_counter()
        frames[label] = build(database)
        print(f"frame {label}: {len(frames[label].frame)} rows in {time.perf_counter() - clock:.1f} s")
    print(
        f"{'frame':>8} {'sites':>5} {'capacity':>8} {'seconds':>8} {'target':>6} {'ratio':>5} {'served':>7} "
        f"{'greedy':>7} {'gain':>6} {'reached':>8} {'greedy':>7} {'+pts':>5} {'price':>5} {'lowest':>6}"
    )
    before: dict[tuple[int, float | None], float] = {}
    for label, pf in frames.items():
        for sites, capacity in ((50, None), (200, None), (50, 0)):
            clock = time.perf_counter()
            result = planner.plan(pf, sites=sites, radius_km=15.0, capacity=capacity, min_per_region=1)
            seconds = time.perf_counter() - clock
            before.setdefault((sites, capacity), seconds)
            s = result.summary
            target = TARGETS[sites]
            print(
                f"{label:>8} {sites:>5} {s['capacity']:>8g} {seconds:>8.1f} {target:>6g} "
                f"{seconds / before[(sites, capacity)]:>5.2f} {100 * s['covered_share']:>6.2f}% "
                f"{100 * s['greedy_covered_share']:>6.2f}% {s['gain_over_greedy']:>6.3f} "
                f"{100 * s['reached_share']:>7.2f}% {100 * s['greedy_reached_share']:>6.2f}% "
                f"{s['gain_over_greedy_reach_points']:>5.2f} "
                f"{s.get('price_of_equity_reach_points', 0):>5.2f} "
                f"{100 * s['lowest_region_reached_share']:>5.2f}%  {'ok' if seconds <= target else 'SLOW'}"
            )


if __name__ == "__main__":
    main()
