"""
The deployment planner: where to open AI-assisted service points or training centres.

A maximal covering location problem (Church & ReVelle, 1974) solved to optimality with PuLP's CBC:
choose `sites` communes (a site stands at the commune's point, see `observatory.planning_frame`) so
the need within `radius_km` of an open site is as large as possible, within a `budget`, under the
equity constraints the user sets:

- `min_per_province`: at least that many open sites (new or existing) in every province;
- `min_rural_share`: at least this share of the rural need is covered;
- `min_women_share`: at least this share of women's need is covered (say, illiterate women).

Existing sites (commune codes, or points matched to the commune they fall in) stay open and the plan
adds to them. Every plan is compared with the naive choice — the top-ranked communes by the index —
and audited for fairness: the share of need covered by région, urban/rural and sex, and who is left
out. `Plan.params` records every option and what the frame holds, so `replay(frame, params)` reproduces
it; the plan id hashes those parameters and the frame's inputs (`plan_identity`).
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

from .errors import ValidationError
from .planning_frame import PlanningFrame

EARTH_RADIUS_KM = 6371.0088


def distance_matrix_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle distances between all points (haversine), in km."""
    lon, lat = np.radians(lon), np.radians(lat)
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


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
        return existing["code"].astype(str).tolist()
    if {"lon", "lat"} <= set(existing.columns):
        import geopandas as gpd

        if units is None:
            raise ValidationError("existing sites given as points need the commune polygons to be placed")
        points = gpd.GeoDataFrame(existing, geometry=gpd.points_from_xy(existing.lon, existing.lat), crs="EPSG:4326")
        joined = gpd.sjoin(points, units[["code", "geometry"]].rename(columns={"code": "commune"}), how="left")
        outside = joined[joined["commune"].isna()]
        if len(outside):
            raise ValidationError(
                f"{len(outside)} existing sites fall outside every commune (first at lon {outside.lon.iloc[0]}, "
                f"lat {outside.lat.iloc[0]}); check that coordinates are WGS84 longitude/latitude",
                failures=outside[["lon", "lat"]].assign(reason="outside every commune").to_dict("records"),
            )
        return joined["commune"].astype(str).tolist()
    raise ValidationError(f"existing sites need a `code` column or `lon` and `lat`; found {list(existing.columns)}")


def read_existing_sites(path: str, units: Any = None) -> list[str]:
    """
    Existing sites from a CSV: a `code` column (HCP 2024 commune codes) or `lon`,`lat` columns (WGS84
    points, placed in the commune that holds them; pass the commune GeoDataFrame as `units`).
    """
    frame = pd.read_csv(path, dtype={"code": str})
    frame.columns = [c.strip().lower() for c in frame.columns]
    return existing_site_codes(frame, units)


def replay(pf: PlanningFrame, params: str | dict[str, Any]) -> Plan:
    """Solve a stored plan again from its parameters (the `plan.params` JSON), checking the need is the same."""
    given = json.loads(params) if isinstance(params, str) else dict(params)
    described = {k: v for k, v in given.items() if k in pf.definition}
    if described != {k: pf.definition[k] for k in described}:
        raise ValidationError(
            f"the plan was solved on a frame of {described}, not this one ({pf.definition}): build the planning "
            "frame with the same need, year, lens and région"
        )
    options = {k: v for k, v in given.items() if k != "need_total" and k not in pf.definition}
    result = plan(pf, **options)
    if "need_total" in given and abs(result.params["need_total"] - given["need_total"]) > 1e-3 * max(1, given["need_total"]):
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
    budget: float | None = None,
    existing: Sequence[str] = (),
    min_per_province: int = 0,
    min_rural_share: float = 0.0,
    min_women_share: float = 0.0,
    name: str = "plan",
    time_limit: int = 120,
) -> Plan:
    """Solve the maximal covering problem to optimality (CBC) and audit it against the naive plan."""
    import pulp

    frame = pf.frame
    codes = frame["code"].tolist()
    position = {c: i for i, c in enumerate(codes)}
    unknown = [c for c in existing if c not in position]
    if unknown:
        raise ValidationError(
            f"{len(unknown)} existing sites name unknown communes (first: {unknown[0]!r}); use HCP 2024 codes "
            "like '01.511.01.0'", failures=[{"code": c, "reason": "unknown commune"} for c in unknown],
        )
    if sites < 0 or radius_km <= 0:
        raise ValidationError(f"sites must be >= 0 and radius_km > 0; got sites={sites}, radius_km={radius_km}")
    provinces = sorted(frame["province_code"].unique())
    fixed = sorted({position[c] for c in existing})
    if min_per_province:
        have = frame.loc[fixed, "province_code"].value_counts()
        short = sum(max(0, min_per_province - int(have.get(p, 0))) for p in provinces)
        if short > sites:
            raise ValidationError(
                f"at least {min_per_province} site(s) per province needs {short} new sites across {len(provinces)} "
                f"provinces, but the plan has {sites}; raise `sites` or lower `min_per_province`"
            )
    params = {
        "name": name, "sites": sites, "radius_km": radius_km, "budget": budget, "existing": sorted(existing),
        "min_per_province": min_per_province, "min_rural_share": min_rural_share,
        "min_women_share": min_women_share, "need_total": round(float(frame["need"].sum()), 3),
        **pf.definition,
    }
    distance = distance_matrix_km(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    reach = distance <= radius_km
    need = frame["need"].to_numpy(float)
    n = len(frame)

    clock = time.perf_counter()
    problem = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(n)]
    y = [pulp.LpVariable(f"y{i}", lowBound=0, upBound=1) for i in range(n)]
    # Scaled need keeps CBC's tolerances meaningful with counts in the hundreds of thousands.
    scale = need.max() if need.max() > 0 else 1.0
    problem += pulp.lpSum((need[i] / scale) * y[i] for i in range(n))
    for i in range(n):
        problem += y[i] <= pulp.lpSum(x[j] for j in np.flatnonzero(reach[i]))
    for j in fixed:
        problem += x[j] == 1
    new = [x[j] for j in range(n) if j not in set(fixed)]
    problem += pulp.lpSum(new) <= sites
    if budget is not None:
        cost = frame["cost"].to_numpy(float)
        problem += pulp.lpSum(cost[j] * x[j] for j in range(n) if j not in set(fixed)) <= budget
    if min_per_province:
        for p in provinces:
            members = np.flatnonzero(frame["province_code"].to_numpy() == p)
            problem += pulp.lpSum(x[j] for j in members) >= min_per_province
    if min_rural_share:
        rural = np.flatnonzero(frame["type"].to_numpy() == "rural")
        problem += pulp.lpSum(need[i] * y[i] for i in rural) >= min_rural_share * need[rural].sum()
    if min_women_share:
        women = frame["need_female"].to_numpy(float)
        problem += pulp.lpSum(women[i] * y[i] for i in range(n)) >= min_women_share * women.sum()
    status = problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=0))
    seconds = time.perf_counter() - clock
    state = pulp.LpStatus[status]
    if state != "Optimal":
        raise ValidationError(
            f"the plan has no optimal solution (CBC status {state}): the equity constraints cannot all be met "
            f"with {sites} sites of radius {radius_km} km; relax min_rural_share, min_women_share or min_per_province"
        )
    chosen = np.array([j for j in range(n) if (x[j].value() or 0) > 0.5])
    result = _evaluate(frame, chosen, distance, radius_km, fixed)
    naive_chosen = _naive(frame, sites, fixed)
    naive = _evaluate(frame, naive_chosen, distance, radius_km, fixed)
    plan_id = plan_identity(params, pf)
    summary = {
        "plan_id": plan_id, "name": name, "status": state.lower(), "solver": "CBC (PuLP)",
        "solve_seconds": round(seconds, 3), "sites_new": int(len(chosen) - len(fixed)), "sites_existing": len(fixed),
        "radius_km": radius_km, "need_total": float(need.sum()),
        "covered_need": result["covered_need"], "covered_share": result["covered_need"] / need.sum(),
        "naive_covered_need": naive["covered_need"], "naive_covered_share": naive["covered_need"] / need.sum(),
        "ratio_vs_naive": result["covered_need"] / naive["covered_need"] if naive["covered_need"] else float("inf"),
        "objective": float(pulp.value(problem.objective) * scale),
    }
    sites_frame = pd.concat([result["sites"].assign(plan="optimal"), naive["sites"].assign(plan="naive")],
                            ignore_index=True).assign(plan_id=plan_id)
    coverage = pd.concat([result["coverage"].assign(plan="optimal"), naive["coverage"].assign(plan="naive")],
                         ignore_index=True).assign(plan_id=plan_id)
    audit = pd.concat([fairness_audit(frame, result["covered"]).assign(plan="optimal"),
                       fairness_audit(frame, naive["covered"]).assign(plan="naive")],
                      ignore_index=True).assign(plan_id=plan_id)
    left_out = frame.loc[~result["covered"], ["code", "region_code", "province_code", "type", "need", "need_female"]]
    left_out = left_out.sort_values("need", ascending=False).assign(plan_id=plan_id).reset_index(drop=True)
    return Plan(plan_id, params, sites_frame, coverage, summary, audit, left_out)


def _naive(frame: pd.DataFrame, sites: int, fixed: Sequence[int]) -> np.ndarray:
    """Existing sites plus the `sites` most fragile communes by index rank (ties by code)."""
    order = frame.assign(_i=np.arange(len(frame))).sort_values(["rank", "code"])["_i"].to_numpy()
    fixed_set = set(fixed)
    new = [j for j in order if j not in fixed_set][:sites]
    return np.array(sorted([*fixed, *new]), dtype=int)


def _evaluate(
    frame: pd.DataFrame, chosen: np.ndarray, distance: np.ndarray, radius_km: float, fixed: Sequence[int]
) -> dict[str, Any]:
    need = frame["need"].to_numpy(float)
    if len(chosen):
        nearest = distance[:, chosen].min(axis=1)
        by = chosen[distance[:, chosen].argmin(axis=1)]
    else:
        nearest, by = np.full(len(frame), np.inf), np.full(len(frame), -1)
    covered = nearest <= radius_km
    codes = frame["code"].to_numpy()
    coverage = pd.DataFrame({
        "code": codes, "covered": covered.astype(int), "site_code": np.where(covered, codes[by], None),
        "distance_km": nearest, "need": need,
    })
    fixed_set = set(fixed)
    marginal = pd.Series(need[covered]).groupby(by[covered]).sum()
    sites = pd.DataFrame({
        "code": codes[chosen], "kind": ["existing" if j in fixed_set else "new" for j in chosen],
        "lon": frame["lon"].to_numpy()[chosen], "lat": frame["lat"].to_numpy()[chosen],
        "need_served": [float(marginal.get(j, 0.0)) for j in chosen],
    })
    return {"covered": covered, "coverage": coverage, "sites": sites, "covered_need": float(need[covered].sum())}


def fairness_audit(frame: pd.DataFrame, covered: np.ndarray) -> pd.DataFrame:
    """Need, covered need and share covered by région, by urban/rural and by sex (women's and men's need)."""
    rows = []
    f = frame.assign(_covered=covered)
    for kind, column in (("region", "region_code"), ("area", "type")):
        for group, part in f.groupby(column):
            total = float(part["need"].sum())
            got = float(part.loc[part["_covered"], "need"].sum())
            rows.append({"group_type": kind, "group": str(group), "need": total, "covered_need": got,
                         "covered_share": got / total if total else float("nan"),
                         "communes_left_out": int((~part["_covered"]).sum())})
    for sex, column in (("female", "need_female"), ("male", "need_male")):
        total = float(f[column].sum())
        got = float(f.loc[f["_covered"], column].sum())
        rows.append({"group_type": "sex", "group": sex, "need": total, "covered_need": got,
                     "covered_share": got / total if total else float("nan"),
                     "communes_left_out": int((~f["_covered"]).sum())})
    total = float(f["need"].sum())
    got = float(f.loc[f["_covered"], "need"].sum())
    rows.append({"group_type": "all", "group": "all", "need": total, "covered_need": got,
                 "covered_share": got / total if total else float("nan"),
                 "communes_left_out": int((~f["_covered"]).sum())})
    return pd.DataFrame(rows)
