"""
The covering model behind `observatory.planner`: the mixed-integer program (PuLP's CBC) that opens
sites, the baselines a planner would use instead (greedy covering, largest need first, most fragile
first) under the same per-area minima, and the assignment of each commune's need to open sites within
capacity, nearest first.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: Weight of one person reached against one person served, so reach only breaks ties between plans.
REACH_WEIGHT = 1e-3


def minima(frame: pd.DataFrame, per_region: int, per_province: int) -> list[tuple[np.ndarray, int]]:
    """(communes of an area, sites it needs) for every province, then every région, with a minimum."""
    out = []
    for column, minimum in (("province_code", per_province), ("region_code", per_region)):
        if minimum:
            values = frame[column].to_numpy()
            out += [(np.flatnonzero(values == area), minimum) for area in sorted(set(values))]
    return out


def solve(
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
    for members, minimum in minima(frame, constraints["min_per_region"], constraints["min_per_province"]):
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
