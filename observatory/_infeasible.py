"""
Why a plan cannot be solved, said so a planner can act: which per-area minimum or share constraint
fails, by how much, and what to relax, in every language of the catalogue (`InfeasiblePlan`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import i18n
from ._covering import solve
from .errors import ValidationError
from .formatting import NOUNS, Localized, counted, number


class InfeasiblePlan(ValidationError):
    """Constraints that cannot all hold; `messages` says which to relax and by how much, per language."""

    def __init__(self, messages: dict[str, str], *, failures: list[dict[str, Any]] | None = None) -> None:
        super().__init__(messages["en"], failures=failures)
        self.messages = messages

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang, self.messages["en"])


def _sites_needed(
    frame: pd.DataFrame, fixed: dict[int, int], per_region: int, per_province: int
) -> tuple[int, int]:
    """New sites the per-area minima require (existing sites counted), and the number of areas constrained."""
    have = pd.Series(fixed, dtype=float)
    have_at = pd.Series(0.0, index=frame.index).add(have, fill_value=0)
    total = 0
    for _region, part in frame.groupby("region_code"):
        by_province = have_at[part.index].groupby(part["province_code"]).sum()
        provinces = float(np.clip(per_province - by_province, 0, None).sum()) if per_province else 0.0
        region = max(0.0, per_region - float(have_at[part.index].sum()))
        total += int(max(region, provinces))
    areas = frame["province_code"].nunique() if per_province else frame["region_code"].nunique()
    return total, int(areas)


def check_counts(
    frame: pd.DataFrame, sites: int, fixed: dict[int, int], per_region: int, per_province: int
) -> None:
    if not (per_region or per_province):
        return
    needed, areas = _sites_needed(frame, fixed, per_region, per_province)
    if needed <= sites:
        return
    level, minimum = ("province", per_province) if per_province else ("region", per_region)
    messages = {}
    for lang in i18n.languages():
        site = NOUNS["site"][lang]
        messages[lang] = i18n.text(
            f"plan.infeasible.minimum.{level}",
            lang,
            areas=counted(areas, NOUNS[level][lang], lang),
            minimum=counted(minimum, site, lang),
            needed=counted(needed, site, lang),
            asked=counted(sites, site, lang),
            total=Localized(needed, lang),
        )
    raise InfeasiblePlan(
        messages, failures=[{"constraint": f"min_per_{level}", "needed": needed, "asked": sites}]
    )


def explain(
    frame: pd.DataFrame,
    reach: np.ndarray,
    cap: float,
    fixed: dict[int, int],
    sites: int,
    budget: float | None,
    constraints: dict[str, Any],
    time_limit: int,
    radius_km: float,
    max_minutes: float | None,
) -> InfeasiblePlan:
    """Which share constraint fails and by how much: the most each can reach with these sites, computed."""
    catchment = {
        lang: i18n.text("plan.catchment.minutes", lang, minutes=Localized(max_minutes, lang))
        if max_minutes
        else i18n.text("plan.catchment.km", lang, km=Localized(radius_km, lang))
        for lang in i18n.languages()
    }
    sited = {**constraints, "min_rural_share": 0.0, "min_women_share": 0.0}
    for group, other in (("rural", "women"), ("women", "rural")):
        asked = constraints[f"min_{group}_share"]
        if not asked:
            continue
        best = solve(frame, reach, cap, fixed, sites, budget, sited, group, time_limit, shares=True)
        if best is not None and best + 1e-6 < asked:
            return _share_message(group, asked, best, sites, catchment)
        if constraints[f"min_{other}_share"]:
            with_other = {**sited, f"min_{other}_share": constraints[f"min_{other}_share"]}
            best = solve(frame, reach, cap, fixed, sites, budget, with_other, group, time_limit, shares=True)
            if best is not None and best + 1e-6 < asked:
                return _share_message(group, asked, best, sites, catchment, together=other)
    messages = {lang: i18n.text("plan.infeasible.budget", lang) for lang in i18n.languages()}
    return InfeasiblePlan(messages, failures=[{"constraint": "budget", "budget": budget}])


def _share_message(
    group: str, asked: float, best: float, sites: int, catchment: dict[str, str], together: str | None = None
) -> InfeasiblePlan:
    floor = math.floor(best * 1000) / 10
    messages = {}
    for lang in i18n.languages():
        also = (
            i18n.text("plan.infeasible.together", lang, group=i18n.text(f"plan.group.{together}", lang))
            if together
            else ""
        )
        messages[lang] = i18n.text(
            "plan.infeasible.share",
            lang,
            sites=counted(sites, NOUNS["site"][lang], lang),
            catchment=catchment[lang],
            together=also,
            most=number(floor, lang),
            group=i18n.text(f"plan.group.{group}", lang),
            want=number(100 * asked, lang, decimals=0),
        )
    return InfeasiblePlan(
        messages, failures=[{"constraint": f"min_{group}_share", "asked": asked, "most": best}]
    )
