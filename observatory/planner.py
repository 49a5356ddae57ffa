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
The model and baselines live in `_covering`, what a set of sites gives in `_plan_evaluation`, the
messages of an infeasible plan in `_infeasible`.
A plan is a proposal to be reviewed by people, never a decision: `observatory.plans` stores it and
records its reviews.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import travel
from ._covering import REACH_WEIGHT, greedy, minima, ordered, solve
from ._infeasible import InfeasiblePlan, check_counts, explain
from ._plan_evaluation import (
    by_commune,
    evaluate,
    fairness_audit,
    language_counts,
    site_languages,
    voice_only_share,
)
from .errors import ValidationError
from .planning_frame import PlanningFrame

__all__ = [
    "BASELINES",
    "LANGUAGE_TARGET",
    "REACH_WEIGHT",
    "SITE_TYPES",
    "InfeasiblePlan",
    "Plan",
    "SiteType",
    "by_commune",
    "existing_site_codes",
    "fairness_audit",
    "language_counts",
    "plan",
    "plan_identity",
    "read_existing_sites",
    "replay",
    "site_languages",
    "voice_only_share",
]


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
#: Share of the people a site serves its languages must reach.
LANGUAGE_TARGET = 0.95
BASELINES = ("greedy", "top_need", "top_index")


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
        from observatory.placement import locate

        if units is None:
            raise ValidationError("existing sites given as points need the commune polygons to be placed")
        lon, lat = existing["lon"].to_numpy(float), existing["lat"].to_numpy(float)
        where = locate(lon, lat, units.geometry.values)
        outside = existing[where == -1]
        if len(outside):
            raise ValidationError(
                f"{len(outside)} existing sites fall outside every commune (first at lon "
                f"{outside.lon.iloc[0]}, lat {outside.lat.iloc[0]}); check that coordinates are WGS84 "
                "longitude/latitude",
                failures=outside[["lon", "lat"]].assign(reason="outside every commune").to_dict("records"),
            )
        codes = units["code"].to_numpy()[where].astype(str).tolist()
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
    fixed = _fixed_sites(frame, existing)
    kind = _site_type(site_type, sites=sites, radius_km=radius_km, max_minutes=max_minutes)
    cap = kind.capacity if capacity is None else float(capacity)
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
        "travel": _travel_label(travel_matrix),
        "circuity": circuity,
        "speed_kmh": speed_kmh,
        "language_target": language_target,
        "need_total": round(float(frame["need"].sum()), 3),
        **pf.definition,
    }
    km, minutes = _travel(frame, travel_matrix, circuity, speed_kmh)
    if max_minutes is not None:
        reach = minutes <= max_minutes
    else:  # a catchment in km is read on the matrix's minutes at the proxy's speed
        reach = km <= radius_km if travel_matrix is None else minutes <= radius_km / speed_kmh * 60.0
    check_counts(frame, sites, fixed, min_per_region, min_per_province)
    constraints = {
        "min_per_region": min_per_region,
        "min_per_province": min_per_province,
        "min_rural_share": min_rural_share,
        "min_women_share": min_women_share,
    }
    clock = time.perf_counter()
    counts = solve(frame, reach, cap, fixed, sites, budget, constraints, "plan", time_limit)
    seconds = time.perf_counter() - clock
    if counts is None:
        raise explain(
            frame, reach, cap, fixed, sites, budget, constraints, time_limit, radius_km, max_minutes
        )
    areas = minima(frame, min_per_region, min_per_province)
    chosen = {"optimal": counts, **_baselines(frame, reach, minutes, cap, fixed, sites, areas)}
    evaluated = {
        label: evaluate(frame, c, reach, km, minutes, cap, fixed, language_target)
        for label, c in chosen.items()
    }
    free = None
    if price and any(constraints.values()):  # the same plan without its equity constraints
        unconstrained = solve(
            frame, reach, cap, fixed, sites, budget, dict.fromkeys(constraints, 0), "plan", time_limit
        )
        if unconstrained is not None:
            free = evaluate(frame, unconstrained, reach, km, minutes, cap, fixed, language_target)
    return _solved(frame, plan_identity(params, pf), params, evaluated, free, fixed=fixed, seconds=seconds)


def _solved(
    frame: pd.DataFrame,
    plan_id: str,
    params: dict[str, Any],
    evaluated: dict[str, dict[str, Any]],
    free: dict[str, Any] | None,
    *,
    fixed: dict[int, int],
    seconds: float,
) -> Plan:
    """The plan from its evaluated sites and baselines: audit, figures, price of equity and tables."""
    audit = pd.concat(
        [
            fairness_audit(frame, e["reached"], e["served_by"]).assign(plan=label)
            for label, e in evaluated.items()
        ],
        ignore_index=True,
    ).assign(plan_id=plan_id)
    run = {
        "plan_id": plan_id,
        "status": "optimal",
        "solver": "CBC (PuLP)",
        "solve_seconds": round(seconds, 3),
        "sites_new": int(evaluated["optimal"]["counts"].sum() - sum(fixed.values())),
        "sites_existing": int(sum(fixed.values())),
    }
    need_total = float(frame["need"].sum())
    summary = _summary(run, params, evaluated, audit, need_total)
    if free is not None:
        summary |= _price_of_equity(evaluated["optimal"], free, need_total)
    sites, coverage, languages, left = _tables(frame, plan_id, evaluated)
    return Plan(plan_id, params, sites, coverage, summary, audit, left, languages)


def _site_type(site_type: str, *, sites: int, radius_km: float, max_minutes: float | None) -> SiteType:
    """The site type asked for, once the counts and the catchment are checked."""
    if sites < 0 or radius_km <= 0 or (max_minutes is not None and max_minutes <= 0):
        raise ValidationError(
            f"sites must be >= 0 and the catchment > 0; got sites={sites}, radius_km={radius_km}, "
            f"max_minutes={max_minutes}"
        )
    if site_type not in SITE_TYPES:
        raise ValidationError(f"unknown site type {site_type!r}; valid: {', '.join(SITE_TYPES)}")
    return SITE_TYPES[site_type]


def _fixed_sites(frame: pd.DataFrame, existing: Sequence[str]) -> dict[int, int]:
    """Existing sites as {demand point: sites there}: each at its commune's first demand point."""
    position: dict[str, int] = {}
    for i, c in enumerate(frame["code"].tolist()):
        position.setdefault(c, i)
    unknown = [c for c in existing if c not in position]
    if unknown:
        raise ValidationError(
            f"{len(unknown)} existing sites name unknown communes (first: {unknown[0]!r}); use HCP 2024 "
            "codes like '01.511.01.0'",
            failures=[{"code": c, "reason": "unknown commune"} for c in unknown],
        )
    fixed: dict[int, int] = {}
    for c in existing:
        fixed[position[c]] = fixed.get(position[c], 0) + 1
    return fixed


def _travel_label(matrix: pd.DataFrame | None) -> str:
    """How travel was measured: the proxy, or a hash of the user's travel-time matrix."""
    if matrix is None:
        return "proxy"
    digest = hashlib.sha256(matrix.sort_values(["from_code", "to_code"]).to_csv(index=False).encode())
    return f"matrix:{digest.hexdigest()[:12]}"


def _baselines(
    frame: pd.DataFrame,
    reach: np.ndarray,
    minutes: np.ndarray,
    cap: float,
    fixed: dict[int, int],
    sites: int,
    areas: list[tuple[np.ndarray, int]],
) -> dict[str, np.ndarray]:
    """The sites a planner would open without the model, under the same per-area minima."""
    return {
        "greedy": greedy(frame, reach, minutes, cap, fixed, sites, areas),
        "top_need": ordered(
            frame, np.argsort(-frame["need"].to_numpy(float), kind="stable"), fixed, sites, areas
        ),
        "top_index": ordered(
            frame,
            np.lexsort((frame["code"].to_numpy(), frame["rank"].fillna(np.inf).to_numpy(float))),
            fixed,
            sites,
            areas,
        ),
    }


def _summary(
    run: dict[str, Any],
    params: dict[str, Any],
    evaluated: dict[str, dict[str, Any]],
    audit: pd.DataFrame,
    need_total: float,
) -> dict[str, Any]:
    """The plan's figures: need served and reached, its lowest région, the baselines and the gain over
    the best of them."""
    best = max(BASELINES, key=lambda b: evaluated[b]["served"])
    opt = evaluated["optimal"]
    regions = audit[(audit.plan == "optimal") & (audit.group_type == "region")]
    return {
        "plan_id": run["plan_id"],
        "name": params["name"],
        "status": run["status"],
        "solver": run["solver"],
        "solve_seconds": run["solve_seconds"],
        "sites_new": run["sites_new"],
        "sites_existing": run["sites_existing"],
        "site_type": params["site_type"],
        "capacity": params["capacity"],
        "radius_km": params["radius_km"],
        "max_minutes": params["max_minutes"],
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


def _price_of_equity(opt: dict[str, Any], free: dict[str, Any], need_total: float) -> dict[str, float]:
    """What the equity constraints cost: the same plan solved without them, in points of need."""
    return {
        "unconstrained_covered_share": free["served"] / need_total,
        "unconstrained_reached_share": free["reached_need"] / need_total,
        "price_of_equity_points": 100 * (free["served"] - opt["served"]) / need_total,
        "price_of_equity_reach_points": 100 * (free["reached_need"] - opt["reached_need"]) / need_total,
    }


def _tables(
    frame: pd.DataFrame, plan_id: str, evaluated: dict[str, dict[str, Any]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The plan and its baselines as rows: sites, coverage, sites per language; and who the plan leaves
    out, largest need first."""
    sites = pd.concat(
        [e["sites"].assign(plan=label) for label, e in evaluated.items()], ignore_index=True
    ).assign(plan_id=plan_id)
    coverage = pd.concat(
        [e["coverage"].assign(plan=label) for label, e in evaluated.items()], ignore_index=True
    ).assign(plan_id=plan_id)
    languages = pd.concat(
        [language_counts(e["sites"]).assign(plan=label) for label, e in evaluated.items()], ignore_index=True
    ).assign(plan_id=plan_id)
    left = evaluated["optimal"]["coverage"].merge(
        frame[["code", "region_code", "province_code", "type", "need_female"]], on="code"
    )
    left = left[left["reached"] == 0][["code", "region_code", "province_code", "type", "need", "need_female"]]
    left = left.sort_values("need", ascending=False).assign(plan_id=plan_id).reset_index(drop=True)
    return sites, coverage, languages, left


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
