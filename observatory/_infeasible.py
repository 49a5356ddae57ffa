"""
Why a plan cannot be solved, said so a planner can act: which per-area minimum, floor or share
constraint fails, by how much, and what to relax; a budget below one site; a travel matrix naming
unknown communes; in every language of the catalogue (`PlanInputError`, `InfeasiblePlan`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import i18n
from ._covering import LEVELS, Setting, solve
from .errors import ValidationError
from .formatting import NOUNS, Localized, counted, number


class PlanInputError(ValidationError):
    """Input a plan cannot be solved with; `messages` says what is possible, one line per language."""

    def __init__(self, messages: dict[str, str], *, failures: list[dict[str, Any]] | None = None) -> None:
        super().__init__(messages["en"], failures=failures)
        self.messages = messages

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang, self.messages["en"])

    @classmethod
    def from_key(cls, key: str, *, failures: list[dict[str, Any]], **fields: Any) -> PlanInputError:
        """The error of one catalogue message, `fields` formatted in each language (`Localized`)."""
        messages = {
            lang: i18n.text(
                key,
                lang,
                **{k: Localized(v, lang) if isinstance(v, float | int) else v for k, v in fields.items()},
            )
            for lang in i18n.languages()
        }
        return cls(messages, failures=failures)


class InfeasiblePlan(PlanInputError):
    """Constraints that cannot all hold; `messages` says which to relax and by how much, per language."""


def check_budget(budget: float, cheapest: float) -> None:
    """A budget that pays for at least one site, or one line saying what one site costs."""
    if budget < cheapest:
        raise InfeasiblePlan.from_key(
            "plan.infeasible.budget_below",
            budget=budget,
            cost=cheapest,
            failures=[{"constraint": "budget", "budget": budget, "cheapest_site": cheapest}],
        )


def unknown_codes(codes: list[str]) -> PlanInputError:
    """A travel matrix naming communes the planning frame does not hold."""
    return PlanInputError.from_key(
        "plan.invalid.matrix_codes",
        count=len(codes),
        first=codes[0],
        failures=[{"code": c, "reason": "unknown commune"} for c in codes],
    )


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
    setting: Setting, constraints: dict[str, Any], radius_km: float, max_minutes: float | None
) -> InfeasiblePlan:
    """Which floor or share constraint fails and by how much: the most each can reach with these sites,
    computed."""
    catchment = {
        lang: i18n.text("plan.catchment.minutes", lang, minutes=Localized(max_minutes, lang))
        if max_minutes
        else i18n.text("plan.catchment.km", lang, km=Localized(radius_km, lang))
        for lang in i18n.languages()
    }
    sites = setting.sites if setting.sites is not None else int(sum(setting.fixed.values()))
    free = {**constraints, "min_rural_share": 0.0, "min_women_share": 0.0, "floor_region": 0.0}
    free["floor_province"] = 0.0
    for level in LEVELS:
        asked = constraints.get(f"floor_{level}", 0.0)
        if not asked:
            continue
        best = solve(setting, free, f"maxmin_{level}", shares=True)
        if best is not None and best + 1e-6 < asked:
            return _floor_message(level, asked, best, sites, catchment)
    sited = {**constraints, "min_rural_share": 0.0, "min_women_share": 0.0}
    for group, other in (("rural", "women"), ("women", "rural")):
        asked = constraints[f"min_{group}_share"]
        if not asked:
            continue
        best = solve(setting, sited, group, shares=True)
        if best is not None and best + 1e-6 < asked:
            return _share_message(group, asked, best, sites, catchment)
        if constraints[f"min_{other}_share"]:
            with_other = {**sited, f"min_{other}_share": constraints[f"min_{other}_share"]}
            best = solve(setting, with_other, group, shares=True)
            if best is not None and best + 1e-6 < asked:
                return _share_message(group, asked, best, sites, catchment, together=other)
    messages = {lang: i18n.text("plan.infeasible.budget", lang) for lang in i18n.languages()}
    return InfeasiblePlan(messages, failures=[{"constraint": "budget", "budget": setting.budget}])


def _floor_message(
    level: str, asked: float, best: float, sites: int, catchment: dict[str, str]
) -> InfeasiblePlan:
    most = math.floor(best * 1000) / 10
    messages = {
        lang: i18n.text(
            f"plan.infeasible.floor.{level}",
            lang,
            sites=counted(sites, NOUNS["site"][lang], lang),
            catchment=catchment[lang],
            most=number(most, lang),
            want=number(100 * asked, lang, decimals=0),
        )
        for lang in i18n.languages()
    }
    return InfeasiblePlan(messages, failures=[{"constraint": f"floor_{level}", "asked": asked, "most": best}])


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
