"""
A stored plan's fairness audit for any set of communes (a région, a province, one commune): the need
reached and served by urban and rural communes and by sex, in the audit's own terms
(`_plan_evaluation.fairness_audit`), so a report on Midelt says how the plan serves Midelt's women and
rural communes, not only Morocco's.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ._plan_evaluation import fairness_audit
from .plans import StoredPlan
from .query import DatabaseLike, indicator_values

#: The audit's groups a unit's coverage is told by (the région rows are the national audit's).
GROUPS = ("area", "sex", "all")


def coverage_by_group(plan: StoredPlan, codes: Sequence[str], *, db: DatabaseLike = None) -> pd.DataFrame:
    """
    The plan's audit rows (`group_type` area, sex, all; `group`; need, reached and covered need and shares,
    unmet need, communes left out) over the communes `codes`: the need by sex is the one the plan was
    solved on (its `need` indicator and year); a commune is reached when the plan reaches it.
    """
    area = plan.coverage[plan.coverage["code"].isin(list(codes))].reset_index(drop=True)
    by_sex = indicator_values(
        str(plan.params["need"]),
        db=db,
        level="commune",
        units=list(area["code"]),
        year=int(plan.params["need_year"]),
        sex=None,
    )
    # each commune's first stated need of each sex (a pivot table made a frame for two lookups)
    need: dict[str, dict[str, float]] = {"female": {}, "male": {}}
    for unit, sex, value in zip(*(by_sex[c].tolist() for c in ("unit_code", "sex", "value")), strict=True):
        if sex in need and pd.notna(value):
            need[sex].setdefault(unit, value)
    frame = area.assign(
        need_female=area["code"].map(pd.Series(need["female"], dtype=float)).fillna(0.0),
        need_male=area["code"].map(pd.Series(need["male"], dtype=float)).fillna(0.0),
    )
    # A commune the plan reaches in part (`covered`, a share of its need) is told as its two parts, the
    # reached one serving all its served need, as the audit tells the plan's demand points.
    reached = frame[frame["covered"] > 0].assign(_share=lambda f: f["covered"], _reached=True)
    missed = frame[frame["covered"] < 1].assign(
        _share=lambda f: 1 - f["covered"], _reached=False, need_served=0.0
    )
    points = pd.concat([reached, missed], ignore_index=True)
    for column in ("need", "need_female", "need_male"):
        points[column] = points[column] * points["_share"]
    audit = fairness_audit(
        points, points["_reached"].to_numpy(dtype=bool), points["need_served"].to_numpy(dtype="float64")
    )
    return audit[audit["group_type"].isin(GROUPS)].reset_index(drop=True)
