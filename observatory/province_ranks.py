"""
A commune's place among its province's communes: the order of their national ranks (1 = the province's
most fragile commune), so the province's ranking never contradicts Morocco's. A commune president
compares with the communes of the same province first; the reports and the API read it here.
"""

from __future__ import annotations

import pandas as pd

from .enums import DEFAULT_LENS
from .query import DatabaseLike
from .results import fragility_index


def ranks_in_province(
    province: str, *, db: DatabaseLike = None, lens: str = DEFAULT_LENS, scores: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each ranked commune of a province: `code`, `rank` (national), `province_rank` (1 = the province's
    most fragile) and `province_n` (the province's ranked communes), most fragile first. `scores` is a
    commune index the caller has already read (`fragility_index("commune")`, of any région it holds)."""
    if scores is None:
        region = province.split(".")[0]  # a province's code starts with its région's
        scores = fragility_index("commune", db=db, lens=lens, region=region)
    own = scores[(scores["province_code"] == province) & scores["rank"].notna()].sort_values("rank")
    return pd.DataFrame(
        {
            "code": own["code"].to_numpy(),
            "rank": own["rank"].astype(int).to_numpy(),
            "province_rank": range(1, len(own) + 1),
            "province_n": len(own),
        }
    )


def rank_in_province(
    code: str,
    province: str,
    *,
    db: DatabaseLike = None,
    lens: str = DEFAULT_LENS,
    scores: pd.DataFrame | None = None,
) -> tuple[int, int] | None:
    """The commune's rank among its province's ranked communes and how many they are (None when the commune
    is not ranked); `scores` as for `ranks_in_province`."""
    ranks = ranks_in_province(province, db=db, lens=lens, scores=scores).set_index("code")
    if code not in ranks.index:
        return None
    return int(ranks.at[code, "province_rank"]), int(ranks.at[code, "province_n"])
