"""
The covering model behind `observatory.planner`: the mixed-integer program (PuLP's CBC) that opens
sites under one of three objectives (maximal covering, max-min reach of the worst-off unit, mean
travel), the baselines a planner would use instead (greedy covering, largest need first, most fragile
first) under the same per-area minima, and the assignment of each commune's need to open sites within
capacity, nearest first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Weight of one person reached against one person served, so reach only breaks ties between plans.
REACH_WEIGHT = 1e-3
#: The p-median counts travel up to this many times the catchment: a person farther than that from
#: every open site counts as that far (the model then holds the pairs within it, not every pair).
PMEDIAN_CAP = 3.0
#: CBC stops within this relative gap of the best bound, or after this many branch-and-bound nodes: the
#: floors make the covering model hard to prove optimal, and a count (not a clock) keeps every solve
#: the same on any machine. The plans of a small frame are solved to optimality well within both.
GAP = 0.005
NODES = 100
#: Equity levels: the unit column of each.
LEVELS = {"region": "region_code", "province": "province_code"}


@dataclass(frozen=True)
class Setting:
    """What every solve of one plan shares: the frame, who is within reach of which site point, travel,
    capacity, existing sites, the count and budget limits and each site point's cost."""

    frame: pd.DataFrame
    reach: np.ndarray
    minutes: np.ndarray
    cap: float
    fixed: dict[int, int]
    sites: int | None
    budget: float | None
    cost: np.ndarray
    time_limit: int
    catchment_minutes: float
    #: Relative gap at which CBC stops, and the most branch-and-bound nodes it explores: both bound the
    #: work as a count, never a clock, so a solve gives the same sites on any machine.
    gap: float = GAP
    nodes: int | None = NODES


def minima(frame: pd.DataFrame, per_region: int, per_province: int) -> list[tuple[np.ndarray, int]]:
    """(communes of an area, sites it needs) for every province, then every région, with a minimum."""
    out = []
    for column, minimum in (("province_code", per_province), ("region_code", per_region)):
        if minimum:
            values = frame[column].to_numpy()
            out += [(np.flatnonzero(values == area), minimum) for area in sorted(set(values))]
    return out


def floors(frame: pd.DataFrame, constraints: dict[str, Any]) -> list[tuple[np.ndarray, float]]:
    """(demand points of a unit, share of its need to have within reach) for every floor asked."""
    return [
        (members, constraints[f"floor_{level}"])
        for level in LEVELS
        if constraints.get(f"floor_{level}", 0.0)
        for _code, members in units(frame, level)
    ]


def units(frame: pd.DataFrame, level: str) -> list[tuple[str, np.ndarray]]:
    """(unit code, its demand points) for every région or province with a need, in code order."""
    values = frame[LEVELS[level]].to_numpy()
    need = frame["need"].to_numpy(float)
    out = []
    for code in sorted(set(values.tolist())):
        members = np.flatnonzero(values == code)
        if need[members].sum() > 0:
            out.append((str(code), members))
    return out


def solve(
    setting: Setting,
    constraints: dict[str, Any],
    objective: str,
    *,
    shares: bool = False,
    start: np.ndarray | None = None,
) -> Any:
    """
    The mixed-integer model. Objectives "reach" (need within reach), "pmedian" (mean travel of the need)
    and "maxmin_region" / "maxmin_province" (the lowest share of a unit's need within reach) return the
    number of sites per demand point (None when infeasible); "rural" / "women" with `shares` returns the
    largest share of that need reachable, "maxmin_*" with `shares` the lowest unit's share. `start`, sites
    per point known to meet the constraints, is CBC's first incumbent.
    """
    pulp = _pulp()
    frame, reach, fixed = setting.frame, setting.reach, setting.fixed
    need = frame["need"].to_numpy(float)
    n = len(frame)
    scale = need.max() if need.max() > 0 else 1.0
    w = need / scale
    rows, cols = np.nonzero(reach)
    covers: list[list[int]] = [[] for _ in range(n)]  # sites within reach of each commune
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        covers[r].append(c)
    bound = [max(1, fixed.get(j, 0)) for j in range(n)]  # a second site at a point reaches no one more
    problem = pulp.LpProblem("plan", pulp.LpMaximize if objective != "pmedian" else pulp.LpMinimize)
    x = [
        pulp.LpVariable(f"x{j}", lowBound=fixed.get(j, 0), upBound=bound[j], cat="Integer") for j in range(n)
    ]
    z = [pulp.LpVariable(f"z{i}", lowBound=0, upBound=1) for i in range(n)]
    for i in range(n):
        problem += z[i] <= pulp.lpSum(x[j] for j in covers[i])
    reached = pulp.lpSum(w[i] * z[i] for i in range(n))
    _limits(problem, pulp, setting, x, constraints)
    _shares(problem, pulp, frame, z, scale, constraints)
    if objective == "reach":
        problem += reached
    elif objective == "pmedian":
        problem += _travel(problem, pulp, setting, x, w)
    elif objective.startswith("maxmin_"):
        lowest = pulp.LpVariable("lowest", lowBound=0, upBound=1)
        for _code, members in units(frame, objective.removeprefix("maxmin_")):
            total = need[members].sum()
            problem += pulp.lpSum((need[i] / total) * z[i] for i in members) >= lowest
        problem += lowest
    else:
        weights = _groups(frame)[objective]
        problem += pulp.lpSum((weights[i] / scale) * z[i] for i in range(n))
    if start is not None:
        covered = reached_by(reach, start)
        for j, var in enumerate(x):
            var.setInitialValue(int(start[j]))
        for i, var in enumerate(z):
            var.setInitialValue(float(covered[i]))
    options = {"maxNodes": setting.nodes} if setting.nodes is not None else {}
    solver = pulp.PULP_CBC_CMD(
        msg=False, timeLimit=setting.time_limit, gapRel=setting.gap, warmStart=start is not None, **options
    )
    status = problem.solve(solver)
    if pulp.LpStatus[status] != "Optimal":
        return None
    if shares:
        if objective.startswith("maxmin_"):
            return float(pulp.value(problem.objective))
        total = _groups(frame)[objective].sum()
        return float(pulp.value(problem.objective) * scale / total) if total else 1.0
    return np.array([round(v.value() or 0) for v in x], dtype=int)


def top_up(setting: Setting, counts: np.ndarray) -> np.ndarray:
    """
    Sites the count or budget still allows once reach is maximal, each where it serves the most need
    left unserved within capacity (a second site in a large town): reach first, then service.
    """
    if not setting.cap:
        return counts
    counts = counts.copy()
    need = setting.frame["need"].to_numpy(float)
    within = need @ setting.reach
    new = counts.sum() - sum(setting.fixed.values())
    spent = float((counts - _fixed_counts(setting)) @ setting.cost)
    while setting.sites is None or new < setting.sites:
        left = np.maximum(within - setting.cap * counts, 0.0) * (counts > 0)
        if setting.budget is not None:
            left[spent + setting.cost > setting.budget + 1e-6] = 0.0
        j = int(np.argmax(left))
        if left[j] < 1.0:
            break
        counts[j] += 1
        new += 1
        spent += float(setting.cost[j])
    return counts


def _fixed_counts(setting: Setting) -> np.ndarray:
    out = np.zeros(len(setting.frame), dtype=int)
    for j, c in setting.fixed.items():
        out[j] = c
    return out


def reached_by(reach: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Whether each demand point is within reach of a site `counts` opens."""
    out: np.ndarray = np.asarray(reach[:, np.flatnonzero(counts)].any(axis=1), dtype=bool)
    return out


def settled(share: float) -> float:
    """A share the solver found, rounded down to a millionth, so a floor set at it holds again."""
    return max(0.0, math.floor(share * 1e6) / 1e6 - 1e-6)


def _groups(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The need of each group a share constraint names: rural need and women's need."""
    need = frame["need"].to_numpy(float)
    return {
        "rural": need * (frame["type"].to_numpy() == "rural"),
        "women": frame["need_female"].to_numpy(float),
    }


def _limits(problem: Any, pulp: Any, setting: Setting, x: list[Any], constraints: dict[str, Any]) -> None:
    """The count of new sites, the budget and the per-area minima."""
    fixed = setting.fixed
    if setting.sites is not None:
        problem += pulp.lpSum(x) - sum(fixed.values()) <= setting.sites
    if setting.budget is not None:
        cost = setting.cost
        problem += (
            pulp.lpSum(cost[j] * x[j] for j in range(len(x))) - sum(cost[j] * c for j, c in fixed.items())
            <= setting.budget
        )
    for members, minimum in minima(
        setting.frame, constraints["min_per_region"], constraints["min_per_province"]
    ):
        problem += pulp.lpSum(x[j] for j in members) >= minimum


def _shares(
    problem: Any, pulp: Any, frame: pd.DataFrame, z: list[Any], scale: float, constraints: dict[str, Any]
) -> None:
    """The shares of need to reach: rural and women's need nationally, every région's or province's floor."""
    for group, weights in _groups(frame).items():
        share = constraints[f"min_{group}_share"]
        if share:
            problem += (
                pulp.lpSum((weights[i] / scale) * z[i] for i in range(len(z)))
                >= share * weights.sum() / scale
            )
    need = frame["need"].to_numpy(float)
    for level in LEVELS:
        floor = constraints.get(f"floor_{level}", 0.0)
        if floor:
            for _code, members in units(frame, level):
                total = need[members].sum()
                problem += pulp.lpSum((need[i] / total) * z[i] for i in members) >= floor


def _travel(problem: Any, pulp: Any, setting: Setting, x: list[Any], w: np.ndarray) -> Any:
    """The need-weighted travel (minutes) to the nearest open site, counted up to `PMEDIAN_CAP` times the
    catchment: each demand point goes to one open site within that, or counts the cap."""
    n = len(x)
    cap_minutes = PMEDIAN_CAP * setting.catchment_minutes
    minutes = setting.minutes
    rows, cols = np.nonzero(minutes <= cap_minutes)
    keep = w[rows] > 0
    rows, cols = rows[keep], cols[keep]
    y = [
        pulp.LpVariable(f"y{i}_{j}", lowBound=0, upBound=1)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
    ]
    far = {i: pulp.LpVariable(f"far{i}", lowBound=0, upBound=1) for i in np.flatnonzero(w > 0).tolist()}
    by_i: list[list[Any]] = [[] for _ in range(n)]
    for var, i, j in zip(y, rows.tolist(), cols.tolist(), strict=True):
        by_i[i].append(var)
        problem += var <= x[j]
    for i, slack in far.items():
        problem += pulp.lpSum(by_i[i]) + slack == 1
    total = w.sum() if w.sum() else 1.0
    return pulp.lpSum(
        (w[i] * minutes[i, j] / total) * var
        for var, i, j in zip(y, rows.tolist(), cols.tolist(), strict=True)
    ) + pulp.lpSum((w[i] * cap_minutes / total) * slack for i, slack in far.items())


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
def ordered(
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


def greedy(
    frame: pd.DataFrame,
    reach: np.ndarray,
    minutes: np.ndarray,
    cap: float,
    fixed: dict[int, int],
    sites: int,
    minima: list[tuple[np.ndarray, int]],
    unit_floors: list[tuple[np.ndarray, float]],
) -> np.ndarray:
    """Greedy covering: each new site where it serves (then reaches) the most need still unserved; first
    the per-area minima, then each floor, where it brings the most of that unit's need within reach."""
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
        fresh: np.ndarray = (need * ~reached) @ reach
        if not cap:
            return fresh
        served: np.ndarray = np.minimum(cap, residual @ reach)
        return served + REACH_WEIGHT * fresh

    for j, c in sorted(fixed.items()):
        for _ in range(c):
            open_site(j)
    budget = sites
    for members, minimum in minima:
        while counts[members].sum() < minimum and budget:
            open_site(int(members[np.argmax(gain()[members])]))
            budget -= 1
    for members, floor in unit_floors:
        inside = np.zeros(len(need), dtype=bool)
        inside[members] = True
        while need[inside & reached].sum() < floor * need[inside].sum() - 1e-9 and budget:
            fresh = (need * (inside & ~reached)) @ reach
            if fresh.max() <= 0:
                break
            open_site(int(np.argmax(fresh)))
            budget -= 1
    for _ in range(budget):
        open_site(int(np.argmax(gain())))
    return counts


# -- assignment --------------------------------------------------------------------------------------
def assign(need: np.ndarray, counts: np.ndarray, reach: np.ndarray, minutes: np.ndarray, cap: float) -> Any:
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
