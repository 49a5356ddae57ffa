"""
The stored equity frontier: what the build's default plan settings give national reach against the
lowest région's, one row per floor (`planner.equity_frontier` computes it; the build stores it in
`plan_frontier`), and which point the stored default plan is (`is_default`).
"""

from __future__ import annotations

import pandas as pd

from .query import DatabaseLike, connect
from .results_schema import RESULT_TABLES


def equity_frontier(*, db: DatabaseLike = None) -> pd.DataFrame:
    """
    The frontier the build stored, by point: `floor` (the lowest share of need within reach asked of
    every région), `national_reach` and `lowest_reach` (shares 0-1 within reach), `lowest_unit` (the
    région at that lowest share), `price_points` (national reach given up against no floor),
    `national_served`, `sites_opened`, the settings (`level`, `sites`, `radius_km`, `site_type`) and
    `is_default` (the point of the stored default plan, by `planner.DEFAULT_RULE`).
    """
    frame = connect(db).read("plan_frontier")
    frame = frame.reindex(columns=RESULT_TABLES["plan_frontier"]).sort_values("point").reset_index(drop=True)
    return frame.assign(is_default=frame["is_default"].astype(bool))
