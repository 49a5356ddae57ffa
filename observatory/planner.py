"""
The deployment planner: where to open AI-assisted service points or training centres.

A capacitated maximal covering problem (Church & ReVelle, 1974; with capacities as in Pirkul &
Schilling, 1991) solved with PuLP's CBC. The plan opens `sites` sites at commune site points (see
`observatory.planning_frame`; a commune may get several when its need requires) and assigns each
commune's need to open sites within the catchment, up to each site's capacity (`SITE_TYPES`). It
maximises the need **served** within capacity and, among plans serving as much, the need **reached**
(within the catchment of an open site) — a weight of `REACH_WEIGHT` per person reached.

Travel is the offline proxy of `observatory.travel` (great circle × circuity + the commune's distance
to a paved road) or a travel-time matrix the user supplies; the catchment is `radius_km` or
`max_minutes`.

Equity, under the user's control:

- `min_per_region` / `min_per_province`: at least that many sites (new or existing) in every région
  / province (the default plan asks one per région);
- `min_rural_share` / `min_women_share`: at least this share of rural / women's need is reached.

Every plan reports the price of its equity constraints (the same plan solved without them, in points
of need served and reached), three baselines a planner would use under the same per-area minima —
greedy covering, the communes with the largest need, the most fragile communes by index — and the
gain over the best of them; a fairness audit (need, reached, served, unmet by région, area and sex);
and a language plan: for each site, the local languages its assisted service must speak to reach
`language_target` of the people it serves and the share of them who cannot read (voice-only).
Constraints that cannot all hold raise `InfeasiblePlan`, whose message names the constraint to relax
and by how much, in French, Arabic and English. `Plan.params` records every option and what the frame
holds, so `replay(frame, params)` reproduces the plan; the plan id hashes both (`plan_identity`).
A plan is a proposal to be reviewed by people (`REVIEW_STATUSES`), never a decision.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import travel
from .enums import LANGUAGES, PLAN_REVIEW_STATUSES
from .errors import ValidationError
from .formatting import NOUNS, counted, number
from .planning_frame import PlanningFrame
from .results_schema import RESULT_TABLES

#: Kept for callers of the previous module layout.
distance_matrix_km = travel.great_circle_km


@dataclass(frozen=True)
class SiteType:
    """A kind of site: the need it serves and how many people one site serves over the plan."""

    need: str
    capacity: float
    unit: str
    reasoning: str


#: Default capacities: assumptions, stated with their reasoning, to be replaced by programme figures.
SITE_TYPES = {
    "training_centre": SiteType(
        need="training_need_15_plus",
        capacity=6000.0,
        unit="people trained over the plan (2024-2030)",
        reasoning="assumption: 2 rooms × 12 learners × 2 sessions a day, 2-week courses, 22 courses a year "
        "≈ 1,000 people trained a year, over the 6 years to 2030",
    ),
    "service_point": SiteType(
        need="assisted_service_need_15_plus",
        capacity=2500.0,
        unit="people assisted a year",
        reasoning="assumption: one agent, 30 assisted procedures a day (15 min each) × 250 working days = "
        "7,500 procedures a year, at 3 procedures a person a year",
    ),
}
#: Weight of one person reached against one person served, so reach only breaks ties between plans.
REACH_WEIGHT = 1e-3
#: Share of the people a site serves its languages must reach.
LANGUAGE_TARGET = 0.95
#: Review of a stored plan: who may move it where.
REVIEW_STATUSES = PLAN_REVIEW_STATUSES
REVIEW_MOVES = {
    "draft": ("reviewed", "rejected"),
    "reviewed": ("approved", "rejected", "draft"),
    "approved": ("draft",),
    "rejected": ("draft",),
}
BASELINES = ("greedy", "top_need", "top_index")


class InfeasiblePlan(ValidationError):
    """Constraints that cannot all hold; `messages` says which to relax and by how much, per language."""

    def __init__(self, messages: dict[str, str], *, failures: list[dict[str, Any]] | None = None) -> None:
        super().__init__(messages["en"], failures=failures)
        self.messages = messages

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang, self.messages["en"])


@dataclass
class Plan:
    """A solved plan: its parameters, the sites, which communes are covered, and the figures."""

    plan_id: str
    params: dict[str, Any]
    sites: pd.DataFrame
    coverage: pd.DataFrame
    summary: dict[str, Any]
    audit: pd.DataFrame = field(default_factory=pd.DataFrame)
    left_out: pd.DataFrame = field(default_factory=pd.DataFrame)
    languages: pd.DataFrame = field(default_factory=pd.DataFrame)


def plan_identity(params: dict[str, Any], pf: PlanningFrame) -> str:
    """
    A plan's id: a hash of its parameters (its `name` aside, a label) and of its planning frame's
    fingerprint, so two plans share an id only when they solve the same problem on the same inputs.
    """
    options = json.dumps({k: v for k, v in params.items() if k != "name"}, sort_keys=True)
    return "plan-" + hashlib.sha256(f"{options}\n{pf.fingerprint()}".encode()).hexdigest()[:12]


def existing_site_codes(existing: pd.DataFrame | Sequence[str] | None, units: Any = None) -> list[str]:
    """
    Commune codes of existing sites: a list of codes, or a frame with a `code` column, or one with
    `lon`/`lat` points (matched to the commune they fall in; `units` is then required).
    """
    if existing is None:
        return []
    if not isinstance(existing, pd.DataFrame):
        return [str(c) for c in existing]
    if "code" in existing.columns and existing["code"].notna().all():
        codes: list[str] = existing["code"].astype(str).tolist()
        return codes
    if {"lon", "lat"} <= set(existing.columns):
        import geopandas as gpd

        if units is None:
            raise ValidationError("existing sites given as points need the commune polygons to be placed")
        points = gpd.GeoDataFrame(
            existing, geometry=gpd.points_from_xy(existing.lon, existing.lat), crs="EPSG:4326"
        )
        joined = gpd.sjoin(
            points, units[["code", "geometry"]].rename(columns={"code": "commune"}), how="left"
        )
        outside = joined[joined["commune"].isna()]
        if len(outside):
            raise ValidationError(
                f"{len(outside)} existing sites fall outside every commune (first at lon "
                f"{outside.lon.iloc[0]}, lat {outside.lat.iloc[0]}); check that coordinates are WGS84 "
                "longitude/latitude",
                failures=outside[["lon", "lat"]].assign(reason="outside every commune").to_dict("records"),
            )
        codes = joined["commune"].astype(str).tolist()
        return codes
    raise ValidationError(
        f"existing sites need a `code` column or `lon` and `lat`; found {list(existing.columns)}"
    )


def read_existing_sites(path: str, units: Any = None) -> list[str]:
    """
    Existing sites from a CSV: a `code` column (HCP 2024 commune codes) or `lon`,`lat` columns (WGS84
    points, placed in the commune that holds them; pass the commune GeoDataFrame as `units`).
    """
    frame = pd.read_csv(path, dtype={"code": str})
    frame.columns = [c.strip().lower() for c in frame.columns]
    return existing_site_codes(frame, units)


def replay(pf: PlanningFrame, params: str | dict[str, Any]) -> Plan:
    """Solve a stored plan again from its parameters (the `plan.params` JSON), checking the need is the
    same."""
    given = json.loads(params) if isinstance(params, str) else dict(params)
    described = {k: v for k, v in given.items() if k in pf.definition}
    if described != {k: pf.definition[k] for k in described}:
        raise ValidationError(
            f"the plan was solved on a frame of {described}, not this one ({pf.definition}): build the "
            "planning frame with the same need, year, lens and région"
        )
    if str(given.get("travel", "proxy")).startswith("matrix"):
        raise ValidationError(
            "this plan was solved on a travel-time matrix: solve it again with plan(..., travel=matrix)"
        )
    derived = {"need_total", "travel", "capacity_unit", "capacity_reasoning"}
    options = {k: v for k, v in given.items() if k not in derived and k not in pf.definition}
    result = plan(pf, **options)
    if "need_total" in given and abs(result.params["need_total"] - given["need_total"]) > 1e-3 * max(
        1, given["need_total"]
    ):
        raise ValidationError(
            f"the need differs from the stored plan's ({result.params['need_total']:,.0f} against "
            f"{given['need_total']:,.0f}): rebuild the planning frame from the same database"
        )
    return result


def plan(
    pf: PlanningFrame,
    *,
    sites: int = 50,
    radius_km: float = 15.0,
    max_minutes: float | None = None,
    site_type: str = "training_centre",
    capacity: float | None = None,
    budget: float | None = None,
    existing: Sequence[str] = (),
    min_per_region: int = 0,
    min_per_province: int = 0,
    min_rural_share: float = 0.0,
    min_women_share: float = 0.0,
    travel_matrix: pd.DataFrame | None = None,
    circuity: float = travel.CIRCUITY,
    speed_kmh: float = travel.SPEED_KMH,
    language_target: float = LANGUAGE_TARGET,
    price: bool = True,
    name: str = "plan",
    time_limit: int = 120,
) -> Plan:
    """
    Solve the plan (CBC), price its equity constraints, compare it with the baselines, audit it and
    say which languages each site must speak. `capacity=0` drops capacities (plain maximal covering).
    """
    frame = pf.frame
    codes = frame["code"].tolist()
    position: dict[str, int] = {}
    for i, c in enumerate(codes):  # an existing site stands at its commune's first demand point
        position.setdefault(c, i)
    unknown = [c for c in existing if c not in position]
    if unknown:
        raise ValidationError(
            f"{len(unknown)} existing sites name unknown communes (first: {unknown[0]!r}); use HCP 2024 "
            "codes like '01.511.01.0'",
            failures=[{"code": c, "reason": "unknown commune"} for c in unknown],
        )
    if sites < 0 or radius_km <= 0 or (max_minutes is not None and max_minutes <= 0):
        raise ValidationError(
            f"sites must be >= 0 and the catchment > 0; got sites={sites}, radius_km={radius_km}, "
            f"max_minutes={max_minutes}"
        )
    if site_type not in SITE_TYPES:
        raise ValidationError(f"unknown site type {site_type!r}; valid: {', '.join(SITE_TYPES)}")
    kind = SITE_TYPES[site_type]
    cap = kind.capacity if capacity is None else float(capacity)
    fixed: dict[int, int] = {}
    for c in existing:
        fixed[position[c]] = fixed.get(position[c], 0) + 1
    matrix_id = None
    if travel_matrix is not None:
        matrix_id = hashlib.sha256(
            travel_matrix.sort_values(["from_code", "to_code"]).to_csv(index=False).encode()
        )
    params = {
        "name": name,
        "sites": sites,
        "radius_km": radius_km,
        "max_minutes": max_minutes,
        "site_type": site_type,
        "capacity": cap,
        "capacity_unit": kind.unit,
        "capacity_reasoning": kind.reasoning if cap == kind.capacity else "set by the user",
        "budget": budget,
        "existing": sorted(existing),
        "min_per_region": min_per_region,
        "min_per_province": min_per_province,
        "min_rural_share": min_rural_share,
        "min_women_share": min_women_share,
        "travel": f"matrix:{matrix_id.hexdigest()[:12]}" if matrix_id else "proxy",
        "circuity": circuity,
        "speed_kmh": speed_kmh,
        "language_target": language_target,
        "need_total": round(float(frame["need"].sum()), 3),
        **pf.definition,
    }
    km, minutes = _travel(frame, travel_matrix, circuity, speed_kmh)
    reach = (
        (minutes <= max_minutes)
        if max_minutes is not None
        else (km <= radius_km if travel_matrix is None else minutes <= radius_km / speed_kmh * 60.0)
    )
    _check_counts(frame, sites, fixed, min_per_region, min_per_province)
    constraints = {
        "min_per_region": min_per_region,
        "min_per_province": min_per_province,
        "min_rural_share": min_rural_share,
        "min_women_share": min_women_share,
    }
    clock = time.perf_counter()
    counts = _solve(frame, reach, cap, fixed, sites, budget, constraints, "plan", time_limit)
    seconds = time.perf_counter() - clock
    if counts is None:
        raise _explain(
            frame, reach, cap, fixed, sites, budget, constraints, time_limit, radius_km, max_minutes
        )
    free = {k: 0 for k in constraints}
    unconstrained = None
    if price and any(constraints.values()):
        unconstrained = _solve(frame, reach, cap, fixed, sites, budget, free, "plan", time_limit)
    minima = _minima(frame, min_per_region, min_per_province)
    chosen = {
        "optimal": counts,
        "greedy": _greedy(frame, reach, minutes, cap, fixed, sites, minima),
        "top_need": _ordered(
            frame, np.argsort(-frame["need"].to_numpy(float), kind="stable"), fixed, sites, minima
        ),
        "top_index": _ordered(
            frame,
            np.lexsort((frame["code"].to_numpy(), frame["rank"].fillna(np.inf).to_numpy(float))),
            fixed,
            sites,
            minima,
        ),
    }
    plan_id = plan_identity(params, pf)
    evaluated = {
        label: _evaluate(frame, c, reach, km, minutes, cap, fixed, language_target)
        for label, c in chosen.items()
    }
    need_total = float(frame["need"].sum())
    best = max(BASELINES, key=lambda b: evaluated[b]["served"])
    opt = evaluated["optimal"]
    audit = pd.concat(
        [
            fairness_audit(frame, e["reached"], e["served_by"]).assign(plan=label)
            for label, e in evaluated.items()
        ],
        ignore_index=True,
    ).assign(plan_id=plan_id)
    regions = audit[(audit.plan == "optimal") & (audit.group_type == "region")]
    summary: dict[str, Any] = {
        "plan_id": plan_id,
        "name": name,
        "status": "optimal",
        "solver": "CBC (PuLP)",
        "solve_seconds": round(seconds, 3),
        "sites_new": int(counts.sum() - sum(fixed.values())),
        "sites_existing": int(sum(fixed.values())),
        "site_type": site_type,
        "capacity": cap,
        "radius_km": radius_km,
        "max_minutes": max_minutes,
        "travel": params["travel"],
        "need_total": need_total,
        "covered_need": opt["served"],
        "covered_share": opt["served"] / need_total,
        "reached_need": opt["reached_need"],
        "reached_share": opt["reached_need"] / need_total,
        "lowest_region_share": float(regions["covered_share"].min()),
        "lowest_region_reached_share": float(regions["reached_share"].min()),
        "naive_covered_need": evaluated["top_index"]["served"],
        "naive_covered_share": evaluated["top_index"]["served"] / need_total,
        "ratio_vs_naive": _ratio(opt["served"], evaluated["top_index"]["served"]),
        **{f"{b}_covered_share": evaluated[b]["served"] / need_total for b in BASELINES},
        **{f"{b}_reached_share": evaluated[b]["reached_need"] / need_total for b in BASELINES},
        "best_baseline": best,
        "best_baseline_covered_share": evaluated[best]["served"] / need_total,
        "gain_over_best": _ratio(opt["served"], evaluated[best]["served"]),
        "gain_over_best_points": 100 * (opt["served"] - evaluated[best]["served"]) / need_total,
        "gain_over_greedy": _ratio(opt["served"], evaluated["greedy"]["served"]),
        "gain_over_greedy_reach_points": 100
        * (opt["reached_need"] - evaluated["greedy"]["reached_need"])
        / need_total,
    }
    if unconstrained is not None:
        free_eval = _evaluate(frame, unconstrained, reach, km, minutes, cap, fixed, language_target)
        summary |= {
            "unconstrained_covered_share": free_eval["served"] / need_total,
            "unconstrained_reached_share": free_eval["reached_need"] / need_total,
            "price_of_equity_points": 100 * (free_eval["served"] - opt["served"]) / need_total,
            "price_of_equity_reach_points": 100
            * (free_eval["reached_need"] - opt["reached_need"])
            / need_total,
        }
    sites_frame = pd.concat(
        [e["sites"].assign(plan=label) for label, e in evaluated.items()], ignore_index=True
    ).assign(plan_id=plan_id)
    coverage = pd.concat(
        [e["coverage"].assign(plan=label) for label, e in evaluated.items()], ignore_index=True
    ).assign(plan_id=plan_id)
    languages = pd.concat(
        [language_counts(e["sites"]).assign(plan=label) for label, e in evaluated.items()], ignore_index=True
    ).assign(plan_id=plan_id)
    left = opt["coverage"].merge(
        frame[["code", "region_code", "province_code", "type", "need_female"]], on="code"
    )
    left = left[left["reached"] == 0][["code", "region_code", "province_code", "type", "need", "need_female"]]
    left = left.sort_values("need", ascending=False).assign(plan_id=plan_id).reset_index(drop=True)
    return Plan(plan_id, params, sites_frame, coverage, summary, audit, left, languages)


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def _travel(
    frame: pd.DataFrame, matrix: pd.DataFrame | None, circuity: float, speed_kmh: float
) -> tuple[np.ndarray, np.ndarray]:
    """Travel from demand point (rows) to site point (columns): proxy km (NaN with a matrix) and minutes."""
    if matrix is not None:
        return np.full((len(frame), len(frame)), np.nan), travel.matrix_minutes(
            frame["code"].tolist(), matrix
        )
    road = frame["road_km"].to_numpy(float) if "road_km" in frame else np.zeros(len(frame))
    km = travel.proxy_km(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float), road, circuity=circuity)
    return km, travel.minutes(km, speed_kmh=speed_kmh)


def _minima(frame: pd.DataFrame, per_region: int, per_province: int) -> list[tuple[np.ndarray, int]]:
    """(communes of an area, sites it needs) for every province, then every région, with a minimum."""
    out = []
    for column, minimum in (("province_code", per_province), ("region_code", per_region)):
        if minimum:
            values = frame[column].to_numpy()
            out += [(np.flatnonzero(values == area), minimum) for area in sorted(set(values))]
    return out


# -- messages ----------------------------------------------------------------------------------------
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


def _check_counts(
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


def _explain(
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
        best = _solve(frame, reach, cap, fixed, sites, budget, sited, group, time_limit, shares=True)
        if best is not None and best + 1e-6 < asked:
            return _share_message(group, asked, best, sites, catchment)
        if constraints[f"min_{other}_share"]:
            with_other = {**sited, f"min_{other}_share": constraints[f"min_{other}_share"]}
            best = _solve(frame, reach, cap, fixed, sites, budget, with_other, group, time_limit, shares=True)
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


# -- the model -----------------------------------------------------------------------------------------
def _solve(
    frame: pd.DataFrame,
    reach: np.ndarray,
    cap: float,
    fixed: dict[int, int],
    sites: int,
    budget: float | None,
    constraints: dict[str, Any],
    objective: str,
    time_limit: int,
    shares: bool = False,
) -> Any:
    """
    The mixed-integer model. `objective` "plan" returns the number of sites per commune (None when
    infeasible); "rural" / "women" with `shares` returns the largest share of that need reachable.
    """
    pulp = _pulp()
    need = frame["need"].to_numpy(float)
    n = len(frame)
    scale = need.max() if need.max() > 0 else 1.0
    w = need / scale
    rows, cols = np.nonzero(reach)
    covers: list[list[int]] = [[] for _ in range(n)]  # sites within reach of each commune
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        covers[r].append(c)
    reach_need = need @ reach
    bound = [
        max(1, math.ceil(reach_need[j] / cap - 1e-9), fixed.get(j, 0)) if cap else max(1, fixed.get(j, 0))
        for j in range(n)
    ]
    problem = pulp.LpProblem("plan", pulp.LpMaximize)
    x = [
        pulp.LpVariable(f"x{j}", lowBound=fixed.get(j, 0), upBound=bound[j], cat="Integer") for j in range(n)
    ]
    z = [pulp.LpVariable(f"z{i}", lowBound=0, upBound=1) for i in range(n)]
    for i in range(n):
        problem += z[i] <= pulp.lpSum(x[j] for j in covers[i])
    reached = pulp.lpSum(w[i] * z[i] for i in range(n))
    served = reached
    if cap:
        pairs = [(i, j) for i, j in zip(rows.tolist(), cols.tolist(), strict=True) if need[i] > 0]
        a = {p: pulp.LpVariable(f"a{p[0]}_{p[1]}", lowBound=0, upBound=1) for p in pairs}
        by_i: list[list[Any]] = [[] for _ in range(n)]
        by_j: list[list[Any]] = [[] for _ in range(n)]
        for (i, j), var in a.items():
            by_i[i].append(var)
            by_j[j].append(w[i] * var)
        for i in range(n):
            if by_i[i]:
                problem += pulp.lpSum(by_i[i]) <= 1
        for j in range(n):
            if by_j[j]:
                problem += pulp.lpSum(by_j[j]) <= (cap / scale) * x[j]
        served = pulp.lpSum(w[i] * var for (i, _j), var in a.items())
    existing = sum(fixed.values())
    problem += pulp.lpSum(x) - existing <= sites
    if budget is not None:
        cost = frame["cost"].to_numpy(float)
        problem += (
            pulp.lpSum(cost[j] * x[j] for j in range(n)) - sum(cost[j] * c for j, c in fixed.items())
            <= budget
        )
    for members, minimum in _minima(frame, constraints["min_per_region"], constraints["min_per_province"]):
        problem += pulp.lpSum(x[j] for j in members) >= minimum
    groups = {
        "rural": need * (frame["type"].to_numpy() == "rural"),
        "women": frame["need_female"].to_numpy(float),
    }
    for group, weights in groups.items():
        share = constraints[f"min_{group}_share"]
        if share:
            problem += (
                pulp.lpSum((weights[i] / scale) * z[i] for i in range(n)) >= share * weights.sum() / scale
            )
    if objective == "plan":
        problem += served + (REACH_WEIGHT * reached if cap else 0)
    else:
        weights = groups[objective]
        problem += pulp.lpSum((weights[i] / scale) * z[i] for i in range(n))
    status = problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=0))
    if pulp.LpStatus[status] != "Optimal":
        return None
    if shares:
        total = groups[objective].sum()
        return float(pulp.value(problem.objective) * scale / total) if total else 1.0
    return np.array([round(v.value() or 0) for v in x], dtype=int)


def _pulp() -> Any:
    """
    PuLP, imported on first use (importing the library does not load it). For each solver library it
    does not find, PuLP's import keeps the exception in a class attribute, traceback and all, and the
    traceback keeps alive every frame that was running the import with its locals: in a build, the
    analyses' inputs (hundreds of MB) would stay until the process ends. Those tracebacks are dropped.
    """
    import sys

    import pulp

    for name, module in list(sys.modules.items()):
        if name.startswith("pulp.") and module is not None:
            for held in vars(module).values():
                error = getattr(held, "err", None) if isinstance(held, type) else None
                while isinstance(error, BaseException):
                    error.__traceback__ = None
                    error = error.__context__
    return pulp


# -- baselines ----------------------------------------------------------------------------------------
def _ordered(
    frame: pd.DataFrame,
    order: np.ndarray,
    fixed: dict[int, int],
    sites: int,
    minima: list[tuple[np.ndarray, int]],
) -> np.ndarray:
    """One site per commune (at its first point in `order`), after the first communes in that order of every
    area short of its minimum."""
    counts = np.zeros(len(frame), dtype=int)
    codes = frame["code"].to_numpy()
    taken: set[str] = set()
    for j, c in fixed.items():
        counts[j] = c
        taken.add(codes[j])
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    budget = sites
    for members, minimum in minima:
        for j in members[np.argsort(rank[members])]:
            if counts[members].sum() >= minimum or not budget:
                break
            if codes[j] not in taken:
                counts[j] += 1
                taken.add(codes[j])
                budget -= 1
    for j in order:
        if not budget:
            break
        if codes[j] not in taken:
            counts[j] += 1
            taken.add(codes[j])
            budget -= 1
    return counts


def _greedy(
    frame: pd.DataFrame,
    reach: np.ndarray,
    minutes: np.ndarray,
    cap: float,
    fixed: dict[int, int],
    sites: int,
    minima: list[tuple[np.ndarray, int]],
) -> np.ndarray:
    """Greedy covering: each new site where it serves (then reaches) the most need still unserved."""
    need = frame["need"].to_numpy(float)
    residual, reached = need.copy(), np.zeros(len(need), dtype=bool)
    counts = np.zeros(len(need), dtype=int)

    def open_site(j: int) -> None:
        nonlocal residual
        counts[j] += 1
        reached[reach[:, j]] = True
        if cap:
            left = cap
            for i in np.flatnonzero(reach[:, j])[np.argsort(minutes[reach[:, j], j], kind="stable")]:
                take = min(left, residual[i])
                residual[i] -= take
                left -= take
        else:
            residual[reach[:, j]] = 0.0

    def gain() -> np.ndarray:
        fresh = (need * ~reached) @ reach
        return np.minimum(cap, residual @ reach) + REACH_WEIGHT * fresh if cap else fresh

    for j, c in sorted(fixed.items()):
        for _ in range(c):
            open_site(j)
    budget = sites
    for members, minimum in minima:
        while counts[members].sum() < minimum and budget:
            open_site(int(members[np.argmax(gain()[members])]))
            budget -= 1
    for _ in range(budget):
        open_site(int(np.argmax(gain())))
    return counts


# -- evaluation ----------------------------------------------------------------------------------------
def _assign(need: np.ndarray, counts: np.ndarray, reach: np.ndarray, minutes: np.ndarray, cap: float) -> Any:
    """Need served by each open site (a sparse commune × site matrix): the most within capacity, nearest
    first."""
    from scipy import sparse
    from scipy.optimize import linprog

    open_ = np.flatnonzero(counts)
    rows, cols = np.nonzero(reach[:, open_])
    keep = need[rows] > 0
    rows, cols = rows[keep], cols[keep]
    n = len(need)
    if not len(rows):
        return sparse.csr_matrix((n, n))
    if not cap:  # every reached commune served whole by its nearest open site
        t = minutes[:, open_]
        nearest = np.where(reach[:, open_], t, np.inf).argmin(axis=1)
        served = reach[:, open_].any(axis=1) & (need > 0)
        return sparse.csr_matrix(
            (need[served], (np.flatnonzero(served), open_[nearest[served]])), shape=(n, n)
        )
    scale = need.max()
    t = minutes[rows, open_[cols]]
    tmax = float(np.nanmax(t)) if np.isfinite(t).any() and np.nanmax(t) > 0 else 1.0
    cost = -(need[rows] / scale) * (1.0 - 1e-4 * np.nan_to_num(t, nan=0.0) / tmax)
    k = len(rows)
    a_i = sparse.csr_matrix((np.ones(k), (rows, np.arange(k))), shape=(n, k))
    a_j = sparse.csr_matrix((need[rows] / scale, (cols, np.arange(k))), shape=(len(open_), k))
    result = linprog(
        cost,
        A_ub=sparse.vstack([a_i, a_j]).tocsr(),
        b_ub=np.concatenate([np.ones(n), counts[open_] * cap / scale]),
        bounds=(0, 1),
        method="highs",
    )
    share = np.clip(result.x, 0, 1)
    return sparse.csr_matrix((need[rows] * share, (rows, open_[cols])), shape=(n, n))


def _evaluate(
    frame: pd.DataFrame,
    counts: np.ndarray,
    reach: np.ndarray,
    km: np.ndarray,
    minutes: np.ndarray,
    cap: float,
    fixed: dict[int, int],
    language_target: float,
) -> dict[str, Any]:
    need = frame["need"].to_numpy(float)
    codes = frame["code"].to_numpy()
    open_ = np.flatnonzero(counts)
    served = _assign(need, counts, reach, minutes, cap)
    served_by = np.asarray(served.sum(axis=1)).ravel()
    reached = reach[:, open_].any(axis=1) if len(open_) else np.zeros(len(need), dtype=bool)
    if len(open_):
        t = minutes[:, open_]
        nearest = open_[t.argmin(axis=1)]
        main = np.asarray(served.argmax(axis=1)).ravel()
        site = np.where(served_by > 0, main, nearest)
        travel_min = minutes[np.arange(len(need)), site]
        travel_km = km[np.arange(len(need)), site]
    else:
        site = np.full(len(need), -1)
        travel_min = travel_km = np.full(len(need), np.inf)
    coverage = by_commune(
        pd.DataFrame(
            {
                "code": codes,
                "reached": reached.astype(float),
                "site_code": np.where(site >= 0, codes[np.clip(site, 0, None)], None),
                "distance_km": travel_km,
                "travel_minutes": travel_min,
                "need": need,
                "need_served": served_by,
            }
        )
    )
    column = served.tocsc()
    rows = []
    for j in open_:
        weights = column[:, j].toarray().ravel()
        spoken, share = site_languages(frame, weights, language_target)
        illiterate = frame["illiterate_share"].to_numpy(float) if "illiterate_share" in frame else None
        voice = (
            float(weights @ illiterate / weights.sum())
            if illiterate is not None and weights.sum()
            else np.nan
        )
        rows.append(
            {
                "code": codes[j],
                "kind": "existing" if j in fixed else "new",
                "sites": int(counts[j]),
                "lon": float(frame["lon"].iloc[j]),
                "lat": float(frame["lat"].iloc[j]),
                "capacity": cap * counts[j] if cap else np.nan,
                "need_served": float(weights.sum()),
                "need_reached": float(need[reach[:, j]].sum()),
                "languages": ";".join(spoken),
                "languages_reach": share,
                "voice_only_share": voice,
            }
        )
    sites = pd.DataFrame(
        rows,
        columns=[c for c in RESULT_TABLES["plan_site"] if c not in ("plan_id", "plan")],
    )
    return {
        "reached": reached,
        "served_by": served_by,
        "served": float(served_by.sum()),
        "reached_need": float(need[reached].sum()),
        "coverage": coverage,
        "sites": sites,
    }


def by_commune(points: pd.DataFrame) -> pd.DataFrame:
    """
    Demand points' coverage summed to their commune: `covered` (and `reached`) the share of its need
    within reach (0 or 1 for a commune of one point), travel the need-weighted mean over its points, the
    site of its largest point.
    """
    weight = points["need"].where(points["need"] > 0, 1e-9)
    weighted = points.assign(
        _w=weight,
        _reached=points["reached"] * weight,
        _km=points["distance_km"].replace(np.inf, np.nan) * weight,
        _min=points["travel_minutes"].replace(np.inf, np.nan) * weight,
    )
    grouped = weighted.groupby("code", sort=False)
    out = grouped.agg(
        need=("need", "sum"),
        need_served=("need_served", "sum"),
        _w=("_w", "sum"),
        _reached=("_reached", "sum"),
        _km=("_km", lambda v: v.sum(min_count=1)),
        _min=("_min", lambda v: v.sum(min_count=1)),
    )
    out["site_code"] = points.loc[weighted.groupby("code", sort=False)["_w"].idxmax(), "site_code"].to_numpy()
    share = (out["_reached"] / out["_w"]).clip(0, 1).round(6)
    out = out.assign(
        covered=share,
        reached=share,
        distance_km=(out["_km"] / out["_w"]).fillna(np.inf),
        travel_minutes=(out["_min"] / out["_w"]).fillna(np.inf),
    ).reset_index()
    return out[
        ["code", "covered", "reached", "site_code", "distance_km", "travel_minutes", "need", "need_served"]
    ]


def site_languages(frame: pd.DataFrame, weights: np.ndarray, target: float) -> tuple[list[str], float]:
    """
    The fewest local languages that reach `target` of the people a site serves (`weights` per
    commune), added by the share they reach; a commune's people reached by a set of languages is
    1 - Π(1 - share), shares taken as independent (the census publishes each language alone).
    Returns the languages and the share they reach (all languages when the target is out of reach).
    """
    langs = [c.removeprefix("lang_") for c in frame.columns if c.startswith("lang_")]
    total = weights.sum()
    if not langs or not total:
        return [], float("nan")
    shares = frame[[f"lang_{x}" for x in langs]].to_numpy(float)
    missing = np.ones(len(frame))  # share of each commune no chosen language reaches
    chosen: list[str] = []
    reached = 0.0
    while reached < target and len(chosen) < len(langs):
        gains = [
            (weights @ (1 - missing * (1 - shares[:, k])) if lang not in chosen else -1.0)
            for k, lang in enumerate(langs)
        ]
        k = int(np.argmax(gains))
        if gains[k] / total <= reached + 1e-9:
            break
        chosen.append(langs[k])
        missing = missing * (1 - shares[:, k])
        reached = float(weights @ (1 - missing) / total)
    return chosen, reached


def language_counts(sites: pd.DataFrame) -> pd.DataFrame:
    """How many sites must speak each language (a commune with several sites counts each)."""
    spoken = sites.assign(language=sites["languages"].str.split(";")).explode("language")
    spoken = spoken[spoken["language"].fillna("") != ""]
    counts = spoken.groupby("language")["sites"].sum().astype(int)
    return counts.rename("sites").reset_index().sort_values(["sites", "language"], ascending=[False, True])


def voice_only_share(sites: pd.DataFrame) -> float:
    """The share of the people `sites` serve who cannot read (voice-only support): each site's share
    weighted by the people it serves; NaN when the sites serve no one or carry no share."""
    known = sites[sites["voice_only_share"].notna()]
    served = float(known["need_served"].sum())
    return (
        float((known["voice_only_share"] * known["need_served"]).sum() / served) if served else float("nan")
    )


def fairness_audit(
    frame: pd.DataFrame, reached: np.ndarray, served: np.ndarray | None = None
) -> pd.DataFrame:
    """Need, need reached, need served within capacity and unmet need by région, urban/rural and sex."""
    need = frame["need"].to_numpy(float)
    served = need * reached if served is None else served
    part_served = np.divide(served, need, out=np.zeros_like(need), where=need > 0)
    f = frame.assign(
        _reached=reached,
        _served=served,
        _served_f=frame["need_female"] * part_served,
        _served_m=frame["need_male"] * part_served,
    )
    rows = []

    def row(kind: str, group: str, part: pd.DataFrame, column: str, got: str) -> dict[str, Any]:
        total = float(part[column].sum())
        covered = float(part[got].sum())
        reach_need = float(part.loc[part["_reached"], column].sum())
        return {
            "group_type": kind,
            "group": group,
            "need": total,
            "reached_need": reach_need,
            "reached_share": reach_need / total if total else float("nan"),
            "covered_need": covered,
            "covered_share": covered / total if total else float("nan"),
            "unmet_need": total - covered,
            "communes_left_out": int((~part.groupby("code")["_reached"].any()).sum()),
        }

    for kind, column in (("region", "region_code"), ("area", "type")):
        for group, part in f.groupby(column):
            rows.append(row(kind, str(group), part, "need", "_served"))
    rows.append(row("sex", "female", f, "need_female", "_served_f"))
    rows.append(row("sex", "male", f, "need_male", "_served_m"))
    rows.append(row("all", "all", f, "need", "_served"))
    return pd.DataFrame(rows)


def review(current: str | None, status: str) -> str:
    """Check a review move (draft → reviewed → approved or rejected); returns the new status."""
    current = current or "draft"
    if status not in REVIEW_STATUSES:
        raise ValidationError(f"unknown review status {status!r}; valid: {', '.join(REVIEW_STATUSES)}")
    if status not in REVIEW_MOVES[current]:
        raise ValidationError(
            f"a {current} plan can move to {', '.join(REVIEW_MOVES[current])}, not {status}"
        )
    return status
