"""
The equity frontier of `observatory.planner`: how much national reach each floor on the worst-off
région (or province) costs, from no floor to the highest floor any plan of these sites can meet, so
people choose the trade-off; and the rule that picks the build's default plan on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._covering import Setting, assign, reached_by, settled, solve
from ._plan_evaluation import unit_reach
from .errors import ValidationError
from .results_schema import RESULT_TABLES

#: The frontier's columns, as the build stores them (`plan_frontier`) and `obs.equity_frontier` reads them.
FRONTIER_COLUMNS = RESULT_TABLES["plan_frontier"]
#: The default rule's tolerance: national reach at most this many points below the unconstrained optimum.
DEFAULT_WITHIN_POINTS = 5.0
DEFAULT_RULE = (
    "the highest floor of the frontier whose national reach stays within {points:g} points of the "
    "unconstrained optimum"
)
BLANK = {
    "min_per_region": 0,
    "min_per_province": 0,
    "min_rural_share": 0.0,
    "min_women_share": 0.0,
    "floor_region": 0.0,
    "floor_province": 0.0,
}


def frontier(setting: Setting, *, level: str, points: int, within_points: float) -> pd.DataFrame:
    """
    One row per floor, evenly spaced from 0 to the max-min share: the floor, national reach and served
    (shares of need), the lowest unit's share within reach and its code, the price in points of national
    reach against the first point, the sites opened; `is_default` on the point
    `DEFAULT_RULE` picks.
    """
    top = solve(setting, BLANK, f"maxmin_{level}")
    if top is None:
        raise ValidationError(
            "no plan of these sites can be solved: add sites, a budget or a wider catchment"
        )
    highest = settled(float(unit_reach(setting.frame, reached_by(setting.reach, top), level).min()))
    floors = [round(highest * k / (points - 1), 6) for k in range(points - 1)] + [highest]
    need = setting.frame["need"].to_numpy(float)
    total = float(need.sum()) or 1.0
    rows = []
    start = top  # meets every floor up to the highest: each point starts from the one above it
    for k in reversed(range(points)):
        counts = solve(setting, {**BLANK, f"floor_{level}": floors[k]}, "reach", start=start)
        if counts is None:  # CBC stopped at its node limit with no plan of its own: the one above holds
            held = float(unit_reach(setting.frame, reached_by(setting.reach, start), level).min())
            if held + 1e-9 < floors[k]:
                raise ValidationError(f"the frontier's floor {floors[k]:.4f} could not be solved")
            counts = start
        start = counts
        reached = reached_by(setting.reach, counts)
        shares = unit_reach(setting.frame, reached, level)
        rows.append(
            {
                "point": k,
                "floor": floors[k],
                "national_reach": float(need[reached].sum()) / total,
                "lowest_reach": float(shares.min()),
                "lowest_unit": str(shares.idxmin()),
                "national_served": _served(setting, counts) / total,
                "sites_opened": int(counts.sum()),
            }
        )
    rows.reverse()
    out = pd.DataFrame(rows)
    out["price_points"] = 100 * (out["national_reach"].iloc[0] - out["national_reach"])
    out["is_default"] = default_point(out, within_points=within_points)
    return out


def default_point(rows: pd.DataFrame, *, within_points: float = DEFAULT_WITHIN_POINTS) -> np.ndarray:
    """`DEFAULT_RULE`: True on the highest floor whose national reach is within `within_points` points of
    the first point's (no floor), False elsewhere."""
    ok = rows["price_points"].to_numpy(float) <= within_points + 1e-9
    chosen = int(np.flatnonzero(ok)[np.argmax(rows["floor"].to_numpy(float)[ok])])
    marked: np.ndarray = np.arange(len(rows)) == chosen
    return marked


def _served(setting: Setting, counts: np.ndarray) -> float:
    need = setting.frame["need"].to_numpy(float)
    return float(assign(need, counts, setting.reach, setting.minutes, setting.cap).sum())
