"""
Why a plan cannot be solved, said so a planner can act: which per-area minimum or share constraint
fails, by how much, and what to relax, in French, Arabic and English (`InfeasiblePlan`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ._covering import solve
from .enums import LANGUAGES
from .errors import ValidationError
from .formatting import NOUNS, counted, number


class InfeasiblePlan(ValidationError):
    """Constraints that cannot all hold; `messages` says which to relax and by how much, per language."""

    def __init__(self, messages: dict[str, str], *, failures: list[dict[str, Any]] | None = None) -> None:
        super().__init__(messages["en"], failures=failures)
        self.messages = messages

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang, self.messages["en"])


_GROUP = {
    "rural": {"fr": "du besoin rural", "ar": "من الحاجة في الوسط القروي", "en": "of rural need"},
    "women": {"fr": "du besoin des femmes", "ar": "من حاجة النساء", "en": "of women's need"},
}


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
    for lang in LANGUAGES:
        site = NOUNS["site"][lang]
        n_areas, n_min = counted(areas, NOUNS[level][lang], lang), counted(minimum, site, lang)
        n_needed, asked = counted(needed, site, lang), counted(sites, site, lang)
        messages[lang] = {
            "fr": f"{n_areas} demandent au moins {n_min} chacune : il faut {n_needed} nouveaux, sites "
            f"existants comptés ; vous en avez demandé {asked}. Portez le nombre de sites à {needed} ou "
            f"abaissez le minimum par {'province' if level == 'province' else 'région'}.",
            "ar": f"{n_areas} تتطلب كل منها {n_min} على الأقل: يلزم {n_needed} جديدة مع احتساب المواقع "
            f"القائمة؛ طلبتم {asked}. ارفعوا عدد المواقع إلى {number(needed, 'ar', decimals=0)} أو خفّضوا "
            "الحد الأدنى.",
            "en": f"{n_areas} need at least {n_min} each: that takes {n_needed} new, existing sites counted; "
            f"you asked for {asked}. Raise the number of sites to {needed} or lower the minimum per {level}.",
        }[lang]
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
        "fr": f"{number(max_minutes, 'fr', decimals=0)} min"
        if max_minutes
        else f"{number(radius_km, 'fr', decimals=0)} km",
        "en": f"{max_minutes:g} min" if max_minutes else f"{radius_km:g} km",
        "ar": f"{number(max_minutes, 'ar', decimals=0)} دقيقة"
        if max_minutes
        else f"{number(radius_km, 'ar', decimals=0)} كلم",
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
    messages = {
        "fr": "Les contraintes ne peuvent pas être toutes respectées (budget trop bas pour les minimums par "
        "zone ?) : augmentez le budget ou le nombre de sites.",
        "ar": "لا يمكن احترام جميع القيود معًا (ميزانية غير كافية للحدود الدنيا؟): ارفعوا الميزانية أو عدد "
        "المواقع.",
        "en": "The constraints cannot all hold (a budget too low for the per-area minima?): raise the budget "
        "or the number of sites.",
    }
    return InfeasiblePlan(messages, failures=[{"constraint": "budget", "budget": budget}])


def _share_message(
    group: str, asked: float, best: float, sites: int, catchment: dict[str, str], together: str | None = None
) -> InfeasiblePlan:
    floor = math.floor(best * 1000) / 10
    messages = {}
    for lang in LANGUAGES:
        n_sites = counted(sites, NOUNS["site"][lang], lang)
        most, want = number(floor, lang), number(100 * asked, lang, decimals=0)
        also = (
            {
                "fr": f", avec la part exigée {_GROUP[together]['fr']}",
                "en": f", with the share asked {_GROUP[together]['en']}",
                "ar": f"، مع النسبة المطلوبة {_GROUP[together]['ar']}",
            }[lang]
            if together
            else ""
        )
        messages[lang] = {
            "fr": f"Avec {n_sites} et une zone de {catchment['fr']}{also}, on atteint au plus {most} % "
            f"{_GROUP[group]['fr']} ; vous avez demandé {want} %. Abaissez cette part à ce niveau, "
            f"ou ajoutez des sites, ou élargissez la zone.",
            "ar": f"بـ{n_sites} ونطاق {catchment['ar']}{also}، لا يمكن بلوغ أكثر من {most}٪ "
            f"{_GROUP[group]['ar']}؛ طلبتم {want}٪. خفّضوا هذه النسبة إلى هذا المستوى، أو أضيفوا مواقع، أو "
            "وسّعوا النطاق.",
            "en": f"With {n_sites} and a {catchment['en']} catchment{also}, at most {most}% "
            f"{_GROUP[group]['en']} can be reached; you asked for {want}%. Lower that share to {most}% or "
            "less, add sites, or widen the catchment.",
        }[lang]
    return InfeasiblePlan(
        messages, failures=[{"constraint": f"min_{group}_share", "asked": asked, "most": best}]
    )
