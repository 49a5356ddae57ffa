"""
The deployment planner: where to open AI-assisted service points or training centres.

A capacitated maximal covering problem (Church & ReVelle, 1974; with capacities as in Pirkul &
Schilling, 1991) solved with PuLP's CBC. The plan opens `sites` sites (or as many as `budget`
dirhams pay for, at the costs of `observatory.site_costs`) at commune site points (see
`observatory.planning_frame`; a commune may get several when its need requires) and assigns each
commune's need to open sites within the catchment, up to each site's capacity (`SITE_TYPES`).
Its `objective` is one of `OBJECTIVES`:

- `reach` maximises the need **served** within capacity and, among plans serving as much, the need
  **within reach** (within the catchment of an open site) — a weight of `REACH_WEIGHT` per person;
- `maxmin` first raises the worst-off région (or province, `equity_level`): the highest share of its
  need within reach that the lowest unit can get; then, under that share as a floor, `reach`;
- `pmedian` minimises the mean travel of the need to its nearest open site (counted up to
  `PMEDIAN_CAP` times the catchment).

Travel is the offline proxy of `observatory.travel` (great circle × circuity + the commune's distance
to a paved road) or a travel-time matrix the user supplies; the catchment is `radius_km` or
`max_minutes`.

Equity, under the user's control:

- `floor_region` / `floor_province`: every région / province has at least this share of its need
  within reach;
- `min_per_region` / `min_per_province`: at least that many sites (new or existing) in every région
  / province;
- `min_rural_share` / `min_women_share`: at least this share of rural / women's need is within reach.

`equity_frontier` lays the choice out: national reach against the lowest région's, from no floor to
the max-min, so people choose the trade-off; the build stores it and its default plan is the point of
`DEFAULT_RULE`.

Every plan reports the price of its equity constraints (the same plan solved without them, in points
of need reached and served), three baselines a planner would use under the same per-area minima —
greedy covering, the communes with the largest need, the most fragile communes by index — compared on
reach, where plans differ (6,000 people a centre binds at every site, so every plan serves about as
much); what it serves at half and double the stated capacity; its cost; a fairness audit (need within
reach, served, unmet by région, area and sex); and a language plan: a site must speak a language when
its speakers within the site's reach are at least `LANGUAGE_SHARE` of the people within reach and
`LANGUAGE_PEOPLE` people, the count shown. Inputs that cannot be planned (an infeasible floor, a budget
below one site, a travel matrix with unknown codes) raise `PlanInputError` (`InfeasiblePlan` for
constraints that cannot all hold), whose message says what is possible, in French, Arabic and English.
`Plan.params` records every option and what the frame holds, so `replay(frame, params)` reproduces
the plan; the plan id hashes both (`plan_identity`). Its `inputs` list what the plan rests on and their
status (`observatory.plan_inputs`): a plan solved on a scenario says so. The model and baselines live
in `_covering`, the frontier in `_frontier`, what a set of sites gives in `_plan_evaluation`, the
messages of an infeasible plan in `_infeasible`.
A plan is a proposal to be reviewed by people, never a decision: `observatory.plans` stores it and
records its reviews.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import travel
from ._covering import (
    LEVELS,
    REACH_WEIGHT,
    Setting,
    assign,
    floors,
    greedy,
    minima,
    ordered,
    reached_by,
    settled,
    solve,
    top_up,
)
from ._frontier import DEFAULT_RULE, DEFAULT_WITHIN_POINTS, FRONTIER_COLUMNS, frontier
from ._infeasible import InfeasiblePlan, PlanInputError, check_budget, check_counts, explain
from ._plan_evaluation import (
    LANGUAGE_PEOPLE,
    LANGUAGE_SHARE,
    by_commune,
    evaluate,
    fairness_audit,
    language_counts,
    site_languages,
    unit_reach,
    voice_only_share,
)
from .errors import ValidationError
from .plan_inputs import plan_inputs
from .planning_frame import PlanningFrame
from .site_costs import cost_by_area

__all__ = [
    "BASELINES",
    "DEFAULT_RULE",
    "DEFAULT_WITHIN_POINTS",
    "FRONTIER_COLUMNS",
    "LANGUAGE_PEOPLE",
    "LANGUAGE_SHARE",
    "OBJECTIVES",
    "REACH_WEIGHT",
    "SITE_TYPES",
    "InfeasiblePlan",
    "Plan",
    "PlanInputError",
    "SiteType",
    "by_commune",
    "equity_frontier",
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
#: What a plan optimises: need within reach (maximal covering, served within capacity first), the lowest
#: share within reach of a région or province (max-min, then national reach), or mean travel (p-median).
OBJECTIVES = ("reach", "maxmin", "pmedian")
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
    derived = {"need_total", "travel", "capacity_unit", "capacity_reasoning", "inputs"}
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
    sites: int | None = 50,
    radius_km: float = 15.0,
    max_minutes: float | None = None,
    site_type: str = "training_centre",
    capacity: float | None = None,
    budget: float | None = None,
    costs: Mapping[str, float] | None = None,
    objective: str = "reach",
    floor_region: float = 0.0,
    floor_province: float = 0.0,
    equity_level: str = "region",
    existing: Sequence[str] = (),
    min_per_region: int = 0,
    min_per_province: int = 0,
    min_rural_share: float = 0.0,
    min_women_share: float = 0.0,
    travel_matrix: pd.DataFrame | None = None,
    circuity: float = travel.CIRCUITY,
    speed_kmh: float = travel.SPEED_KMH,
    language_share: float = LANGUAGE_SHARE,
    language_people: float = LANGUAGE_PEOPLE,
    price: bool = True,
    name: str = "plan",
    rule: str | None = None,
    time_limit: int = 120,
) -> Plan:
    """
    Solve the plan (CBC) for its `objective` under its floors, price its equity constraints, compare
    it with the baselines, audit it and say which languages each site must speak. `capacity=0` drops
    capacities (plain maximal covering); `sites=None` leaves the count to the `budget` (dirhams).
    `rule` records in the parameters why these options were chosen (the build's frontier rule).
    """
    setup = _setup(
        pf,
        sites=sites,
        radius_km=radius_km,
        max_minutes=max_minutes,
        site_type=site_type,
        capacity=capacity,
        budget=budget,
        costs=costs,
        existing=existing,
        travel_matrix=travel_matrix,
        circuity=circuity,
        speed_kmh=speed_kmh,
        time_limit=time_limit,
    )
    setting, km = setup.setting, setup.km
    frame, fixed, cap = setting.frame, setting.fixed, setting.cap
    _check_objective(objective, equity_level, floor_region, floor_province)
    params = {
        "name": name,
        **setup.params,
        "objective": objective,
        "floor_region": floor_region,
        "floor_province": floor_province,
        "equity_level": equity_level,
        "min_per_region": min_per_region,
        "min_per_province": min_per_province,
        "min_rural_share": min_rural_share,
        "min_women_share": min_women_share,
        "language_share": language_share,
        "language_people": language_people,
        **({"rule": rule} if rule else {}),
        **pf.definition,
        "inputs": plan_inputs(pf.definition),
    }
    if sites is not None:
        check_counts(frame, sites, fixed, min_per_region, min_per_province)
    constraints = {
        "min_per_region": min_per_region,
        "min_per_province": min_per_province,
        "min_rural_share": min_rural_share,
        "min_women_share": min_women_share,
        "floor_region": floor_region,
        "floor_province": floor_province,
    }
    clock = time.perf_counter()
    counts, lowest = _optimum(setting, constraints, objective, equity_level)
    if lowest is not None:  # the max-min share is the plan's floor: the baselines meet it too
        constraints[f"floor_{equity_level}"] = max(constraints[f"floor_{equity_level}"], settled(lowest))
    seconds = time.perf_counter() - clock
    if counts is None:
        raise explain(setting, constraints, radius_km, max_minutes)
    counts = top_up(setting, counts)
    areas = minima(frame, min_per_region, min_per_province)
    # The baselines open as many new sites as the plan when a budget decides the count
    count = sites if sites is not None and budget is None else int(counts.sum() - sum(fixed.values()))
    chosen = {
        "optimal": counts,
        **_baselines(
            frame, setting.reach, setting.minutes, cap, fixed, count, (areas, floors(frame, constraints))
        ),
    }
    languages = (language_share, language_people)
    evaluated = {
        label: evaluate(frame, c, setting.reach, km, setting.minutes, cap, fixed, languages)
        for label, c in chosen.items()
    }
    free = None
    if price and any(constraints.values()) or objective == "maxmin":  # the same plan without equity
        unconstrained = solve(
            setting, dict.fromkeys(constraints, 0), "pmedian" if objective == "pmedian" else "reach"
        )
        if unconstrained is not None:
            unconstrained = top_up(setting, unconstrained)
            free = evaluate(frame, unconstrained, setting.reach, km, setting.minutes, cap, fixed, languages)
    result = _solved(frame, plan_identity(params, pf), params, evaluated, free, fixed=fixed, seconds=seconds)
    result.summary |= _assumptions(setting, counts, lowest, objective)
    return result


def equity_frontier(
    pf: PlanningFrame,
    *,
    sites: int | None = 50,
    radius_km: float = 15.0,
    points: int = 10,
    level: str = "region",
    max_minutes: float | None = None,
    site_type: str = "training_centre",
    capacity: float | None = None,
    budget: float | None = None,
    costs: Mapping[str, float] | None = None,
    existing: Sequence[str] = (),
    travel_matrix: pd.DataFrame | None = None,
    within_points: float = DEFAULT_WITHIN_POINTS,
    time_limit: int = 120,
) -> pd.DataFrame:
    """
    The equity frontier: national reach against the lowest région's (or province's) reach, one row per
    floor from 0 to the highest floor any plan of these sites can meet (the max-min), each the plan of
    most reach under that floor. `is_default` marks the point the build stores, by `DEFAULT_RULE`: the
    highest floor whose national reach is within `within_points` of the unconstrained optimum.
    """
    if points < 2:
        raise ValidationError(f"a frontier needs at least 2 points; got points={points}")
    _check_objective("maxmin", level, 0.0, 0.0)
    setup = _setup(
        pf,
        sites=sites,
        radius_km=radius_km,
        max_minutes=max_minutes,
        site_type=site_type,
        capacity=capacity,
        budget=budget,
        costs=costs,
        existing=existing,
        travel_matrix=travel_matrix,
        circuity=travel.CIRCUITY,
        speed_kmh=travel.SPEED_KMH,
        time_limit=time_limit,
    )
    rows = frontier(setup.setting, level=level, points=points, within_points=within_points)
    return rows.assign(level=level, sites=sites, radius_km=radius_km, site_type=site_type)[FRONTIER_COLUMNS]


@dataclass(frozen=True)
class _Setup:
    params: dict[str, Any]
    setting: Setting
    km: np.ndarray


def _setup(
    pf: PlanningFrame,
    *,
    sites: int | None,
    radius_km: float,
    max_minutes: float | None,
    site_type: str,
    capacity: float | None,
    budget: float | None,
    costs: Mapping[str, float] | None,
    existing: Sequence[str],
    travel_matrix: pd.DataFrame | None,
    circuity: float,
    speed_kmh: float,
    time_limit: int,
) -> _Setup:
    """What a plan and a frontier share: the checked options as parameters, travel, reach and costs."""
    frame = pf.frame
    fixed = _fixed_sites(frame, existing)
    kind = _site_type(site_type, sites=sites, budget=budget, radius_km=radius_km, max_minutes=max_minutes)
    cap = kind.capacity if capacity is None else float(capacity)
    by_area = dict(costs) if costs is not None else cost_by_area(site_type)
    cost = frame["cost"].to_numpy(float) * frame["type"].map(by_area).fillna(max(by_area.values())).to_numpy(
        float
    )
    if budget is not None:
        check_budget(budget, float(cost.min()) if len(cost) else 0.0)
    params = {
        "sites": sites,
        "radius_km": radius_km,
        "max_minutes": max_minutes,
        "site_type": site_type,
        "capacity": cap,
        "capacity_unit": kind.unit,
        "capacity_reasoning": kind.reasoning if cap == kind.capacity else "set by the user",
        "budget": budget,
        "costs": {a: float(c) for a, c in sorted(by_area.items())},
        "existing": sorted(existing),
        "travel": _travel_label(travel_matrix),
        "circuity": circuity,
        "speed_kmh": speed_kmh,
        "need_total": round(float(frame["need"].sum()), 3),
    }
    km, minutes = _travel(frame, travel_matrix, circuity, speed_kmh)
    catchment = max_minutes if max_minutes is not None else radius_km / speed_kmh * 60.0
    if max_minutes is not None:
        reach = minutes <= max_minutes
    else:  # a catchment in km is read on the matrix's minutes at the proxy's speed
        reach = km <= radius_km if travel_matrix is None else minutes <= catchment
    setting = Setting(frame, reach, minutes, cap, fixed, sites, budget, cost, time_limit, catchment)
    return _Setup(params, setting, km)


def _check_objective(objective: str, level: str, floor_region: float, floor_province: float) -> None:
    """The objective, the equity level and the floors asked for, or one line saying what is possible."""
    if objective not in OBJECTIVES:
        raise ValidationError(f"unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}")
    if level not in LEVELS:
        raise ValidationError(f"unknown equity level {level!r}; valid: {', '.join(LEVELS)}")
    for label, floor in (("floor_region", floor_region), ("floor_province", floor_province)):
        if not 0.0 <= floor <= 1.0:
            raise ValidationError(f"{label} is a share of need between 0 and 1; got {floor}")


def _optimum(
    setting: Setting, constraints: dict[str, Any], objective: str, level: str
) -> tuple[np.ndarray | None, float | None]:
    """The sites of the plan, and for max-min the lowest share first maximised (then national reach under
    it as a floor)."""
    if objective != "maxmin":
        return solve(setting, constraints, objective), None
    top = solve(setting, constraints, f"maxmin_{level}")
    if top is None:
        return None, None
    lowest = float(unit_reach(setting.frame, reached_by(setting.reach, top), level).min())
    floor = max(constraints[f"floor_{level}"], settled(lowest))
    return solve(setting, {**constraints, f"floor_{level}": floor}, "reach", start=top), lowest


def _assumptions(
    setting: Setting, counts: np.ndarray, lowest: float | None, objective: str
) -> dict[str, Any]:
    """The plan's figures under varied assumptions: served at half and double capacity, its cost in
    dirhams, the lowest shares by province and région."""
    frame = setting.frame
    need = frame["need"].to_numpy(float)
    total = float(need.sum()) or 1.0
    served = (
        {
            factor: float(assign(need, counts, setting.reach, setting.minutes, setting.cap * factor).sum())
            / total
            for factor in (0.5, 2.0)
        }
        if setting.cap
        else {0.5: float("nan"), 2.0: float("nan")}
    )
    new = counts - np.array([setting.fixed.get(j, 0) for j in range(len(counts))])
    reached = reached_by(setting.reach, counts)
    province = unit_reach(frame, reached, "province")
    region = unit_reach(frame, reached, "region")
    return {
        "objective": objective,
        "served_share_half_capacity": served[0.5],
        "served_share_double_capacity": served[2.0],
        "cost_mad": float(new @ setting.cost),
        "lowest_region_code": str(region.idxmin()) if len(region) else None,
        "lowest_province_code": str(province.idxmin()) if len(province) else None,
        "lowest_province_reached_share": float(province.min()) if len(province) else float("nan"),
        "maxmin_reached_share": lowest if lowest is not None else float("nan"),
    }


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


def _site_type(
    site_type: str, *, sites: int | None, budget: float | None, radius_km: float, max_minutes: float | None
) -> SiteType:
    """The site type asked for, once the counts and the catchment are checked."""
    if sites is None and budget is None:
        raise ValidationError("a plan needs a number of sites, a budget or both; got neither")
    if (sites is not None and sites < 0) or radius_km <= 0 or (max_minutes is not None and max_minutes <= 0):
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
    limits: tuple[list[tuple[np.ndarray, int]], list[tuple[np.ndarray, float]]],
) -> dict[str, np.ndarray]:
    """The sites a planner would open without the model, under the same per-area minima; greedy covering
    meets the floors too, first (the rankings cannot)."""
    areas, floors_ = limits
    return {
        "greedy": greedy(frame, reach, minutes, cap, fixed, sites, areas, floors_),
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
    """The plan's figures: need reached and served, its lowest région, the baselines and the gain over the
    best of them, compared on reach (capacity makes every plan serve about as much)."""
    best = max(BASELINES, key=lambda b: evaluated[b]["reached_need"])
    opt = evaluated["optimal"]
    regions = audit[(audit.plan == "optimal") & (audit.group_type == "region")]
    coverage = opt["coverage"]
    travelled = np.isfinite(coverage["travel_minutes"].to_numpy(float))
    weights = coverage["need"].to_numpy(float) * travelled
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
        "mean_travel_minutes": float(
            np.nan_to_num(coverage["travel_minutes"].to_numpy(float), posinf=0.0) @ weights / weights.sum()
        )
        if weights.sum()
        else float("nan"),
        "lowest_region_share": float(regions["covered_share"].min()),
        "lowest_region_reached_share": float(regions["reached_share"].min()),
        "naive_covered_need": evaluated["top_index"]["served"],
        "naive_covered_share": evaluated["top_index"]["served"] / need_total,
        "ratio_vs_naive": _ratio(opt["served"], evaluated["top_index"]["served"]),
        **{f"{b}_covered_share": evaluated[b]["served"] / need_total for b in BASELINES},
        **{f"{b}_reached_share": evaluated[b]["reached_need"] / need_total for b in BASELINES},
        "best_baseline": best,
        "best_baseline_covered_share": evaluated[best]["served"] / need_total,
        "best_baseline_reached_share": evaluated[best]["reached_need"] / need_total,
        "gain_over_best": _ratio(opt["reached_need"], evaluated[best]["reached_need"]),
        "gain_over_best_points": 100 * (opt["reached_need"] - evaluated[best]["reached_need"]) / need_total,
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
