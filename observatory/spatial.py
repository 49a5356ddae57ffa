"""
Spatial statistics with PySAL: contiguity weights that handle islands, global Moran's I, and local
Moran (LISA) clusters with permutation p-values and a Benjamini-Hochberg false-discovery-rate
correction (testing 1,503 communes at 5% each would otherwise call about 75 clusters by chance).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .enums import DEFAULT_LENS
from .errors import ValidationError
from .index_components import CENSUS_COMPONENTS, VULNERABILITY_COMPONENTS

QUADRANTS = {1: "high-high", 2: "low-high", 3: "low-low", 4: "high-low"}
#: The build's permutations: global Moran, LISA for every commune, then more for the ones whose FDR
#: decision the draw could flip.
MORAN_PERMUTATIONS = 999
LISA_PERMUTATIONS, LISA_REFINE = 9999, (99_999, 499_999)


@dataclass
class ContiguityWeights:
    """
    Queen contiguity between units, row-standardised. Units with no neighbour (islands, or polygons
    separated by a sliver) are joined to their nearest unit by centroid, so every unit has at least
    one neighbour and the statistics are defined for all; `islands` lists them.
    """

    w: Any
    codes: list[str]
    islands: list[str]

    @classmethod
    def from_geodataframe(cls, units: Any, *, code: str = "code") -> ContiguityWeights:
        from libpysal import weights as lw

        if units.crs is None:
            raise ValidationError(
                "the units have no CRS; expected EPSG:4326 (set it with .set_crs('EPSG:4326'))"
            )
        if units.geometry.isna().any() or units.geometry.is_empty.any():
            bad = units.loc[units.geometry.isna() | units.geometry.is_empty, code].tolist()
            raise ValidationError(
                f"{len(bad)} units without geometry (first: {bad[:5]}); drop or repair them first"
            )
        frame = units.reset_index(drop=True)
        queen = lw.W(queen_neighbours(frame.geometry.values), silence_warnings=True)
        islands = [frame[code].iloc[i] for i in queen.islands]
        if queen.islands:
            projected = frame.to_crs("EPSG:3857").geometry.centroid
            knn = lw.KNN.from_array(np.column_stack([projected.x, projected.y]), k=1)
            queen = lw.attach_islands(queen, knn)
        queen.transform = "r"
        return cls(queen, frame[code].tolist(), islands)


def queen_neighbours(geometries: np.ndarray) -> dict[int, list[int]]:
    """
    Queen contiguity by position (polygons that share a vertex), exactly as `libpysal.weights.Queen`
    finds it, each list in the same order: that order fixes the floating-point sums of spatial lags,
    so the statistics stay the same to the last bit. libpysal hashes every vertex as a Python tuple
    (2.4 s for the communes' million vertices); here the vertices are grouped by one numpy sort, and
    only libpysal's set unions are replayed, in its order, for the vertices that polygons share.
    """
    import shapely

    coords, owner = shapely.get_coordinates(geometries, return_index=True)
    coords = coords + 0.0  # -0.0 and 0.0 are one vertex, as for Python floats
    order = np.lexsort((coords[:, 1], coords[:, 0]))  # stable: a vertex's polygons in ascending order
    xy, owners = coords[order], owner[order]
    start = np.flatnonzero(np.r_[True, (xy[1:] != xy[:-1]).any(axis=1)])
    end = np.r_[start[1:], len(order)]
    shared = owners[start] != owners[end - 1]
    start, end = start[shared], end[shared]
    by_first_seen = np.argsort(order[start], kind="stable")  # libpysal visits vertices as first seen
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(geometries))}
    members = owners.tolist()
    for s, e in zip(start[by_first_seen].tolist(), end[by_first_seen].tolist(), strict=True):
        location = set(members[s:e])
        for v in location:
            neighbours[v] = neighbours[v] | location
            neighbours[v].remove(v)
    return {i: list(set(found)) for i, found in neighbours.items()}


def global_moran(
    values: pd.DataFrame, weights: ContiguityWeights, *, permutations: int = 999, seed: int = 0
) -> pd.DataFrame:
    """Moran's I of every column of `values` (indexed by code), with z-score and pseudo p-value."""
    from esda.moran import Moran

    rows = []
    for name in values.columns:
        y = values[name].reindex(weights.codes).to_numpy(float)
        if np.isnan(y).any():
            raise ValidationError(
                f"{name}: {int(np.isnan(y).sum())} empty values; fill them before Moran's I"
            )
        np.random.seed(seed)  # esda's global Moran draws from NumPy's global generator
        m = Moran(y, weights.w, permutations=permutations)
        rows.append(
            {
                "variable": name,
                "moran_i": float(m.I),
                "expected_i": float(m.EI),
                "z": float(m.z_sim),
                "p_sim": float(m.p_sim),
                "permutations": permutations,
                "n": len(y),
                "islands": len(weights.islands),
            }
        )
    return pd.DataFrame(rows)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Adjusted p-values (q-values) controlling the false-discovery rate."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def lisa(
    values: pd.Series,
    weights: ContiguityWeights,
    *,
    permutations: int = 9999,
    seed: int = 0,
    alpha: float = 0.05,
    refine: tuple[int, ...] = (99_999, 999_999),
) -> pd.DataFrame:
    """
    Local Moran per unit: local I, quadrant, permutation p-value, FDR q-value and the cluster
    (high-high, low-low, high-low, low-high) where q < alpha, else 'not significant'.

    A permutation p-value is itself an estimate: where its Monte Carlo 99% interval straddles the
    Benjamini-Hochberg cut-off, the decision would depend on the seed. Those units are drawn again
    with each `refine` count of conditional permutations in turn (only the ones still borderline go
    on), so the decision no longer does in practice; `permutations` records how many each unit's
    p-value rests on.
    """
    from esda.moran import Moran_Local

    y = values.reindex(weights.codes).to_numpy(float)
    if np.isnan(y).any():
        raise ValidationError(f"{values.name}: {int(np.isnan(y).sum())} empty values; fill them before LISA")
    local = Moran_Local(y, weights.w, permutations=permutations, seed=seed, keep_simulations=False)
    p = np.asarray(local.p_sim, dtype=float).copy()
    used = np.full(len(p), permutations)
    for step, count in enumerate(refine, start=1):
        border = np.flatnonzero(_borderline(p, used, alpha) & (used < count))
        if len(border):
            p[border] = conditional_p(y, weights, border, permutations=count, seed=seed + step)
            used[border] = count
    q = benjamini_hochberg(p)
    quadrant = pd.Series(local.q).map(QUADRANTS).to_numpy()
    return pd.DataFrame(
        {
            "code": weights.codes,
            "variable": values.name,
            "local_i": local.Is,
            "quadrant": quadrant,
            "p_sim": p,
            "q_fdr": q,
            "permutations": used,
            "cluster": np.where(q < alpha, quadrant, "not significant"),
            "significant_unadjusted": (p < alpha).astype(int),
        }
    )


def _borderline(p: np.ndarray, permutations: np.ndarray, alpha: float) -> np.ndarray:
    """Units whose p-value's Monte Carlo 99% interval holds the largest p that BH would still reject."""
    n = len(p)
    order = np.sort(p)
    passing = np.flatnonzero(order <= alpha * np.arange(1, n + 1) / n)
    cut = alpha * (passing[-1] + 1) / n if len(passing) else alpha / n
    mcse = np.sqrt(np.maximum(p * (1 - p), 1.0 / permutations) / permutations)
    return np.abs(p - cut) <= 2.576 * mcse + 1.0 / permutations


def conditional_p(
    y: np.ndarray, weights: ContiguityWeights, units: np.ndarray, *, permutations: int, seed: int = 0
) -> np.ndarray:
    """
    Folded conditional-permutation p-values of local Moran for `units` (positions): the unit's value
    is held, its neighbours are drawn without replacement from the other units, as esda does.
    """
    rng = np.random.default_rng(seed)
    z = (y - y.mean()) / y.std()
    n = len(z)
    out = np.empty(len(units))
    neighbours, wts = weights.w.neighbors, weights.w.weights
    for pos, i in enumerate(units):
        code = weights.w.id_order[i]
        w_i = np.asarray(wts[code], dtype=float)
        observed = z[i] * float(np.dot(w_i, z[[weights.w.id_order.index(j) for j in neighbours[code]]]))
        others = np.delete(np.arange(n), i)
        k = len(w_i)
        draws = rng.integers(0, n - 1, (permutations, k), dtype=np.int32)
        rows = np.arange(permutations)
        while len(rows):  # redraw the rare rows that repeat a unit, so each row is a draw without replacement
            block = draws[rows]
            dup = np.zeros(len(rows), bool)
            for a in range(k):
                for b in range(a + 1, k):
                    dup |= block[:, a] == block[:, b]
            rows = rows[dup]
            draws[rows] = rng.integers(0, n - 1, (len(rows), k), dtype=np.int32)
        simulated = z[i] * (z[others][draws] @ w_i)
        larger = int((simulated >= observed).sum())
        larger = min(larger, permutations - larger)
        out[pos] = (larger + 1.0) / (permutations + 1.0)
    return out


def spatial_analysis(
    *, communes: Any, filled: pd.DataFrame, index: pd.Series, seed: int
) -> dict[str, pd.DataFrame]:
    """
    The build's spatial tables: global Moran of the default index (`index`, its commune scores by code)
    and of its inputs (`filled`, by code), and LISA clusters of the index, over the communes' queen
    contiguity (`communes`, a GeoDataFrame with `code`); with the `analysis` row that records how.
    """
    weights = ContiguityWeights.from_geodataframe(communes.assign(code=communes["code"].astype(str)))
    table = pd.DataFrame({"fragility_index": index}).reindex(filled.index)
    for c in (*CENSUS_COMPONENTS, *VULNERABILITY_COMPONENTS):
        table[c.key.name] = filled[c.key.name]
    moran = global_moran(table, weights, permutations=MORAN_PERMUTATIONS, seed=seed)
    clusters = lisa(
        table["fragility_index"], weights, permutations=LISA_PERMUTATIONS, seed=seed, refine=LISA_REFINE
    )
    params = {
        "weights": "queen contiguity, row-standardised, islands joined to nearest centroid",
        "islands": weights.islands,
        "permutations_moran": MORAN_PERMUTATIONS,
        "permutations_lisa": LISA_PERMUTATIONS,
        "lisa_refine": list(LISA_REFINE),
        "lisa_refined_units": int((clusters["permutations"] > LISA_PERMUTATIONS).sum()),
        "lens": DEFAULT_LENS,
        "fdr": "Benjamini-Hochberg",
        "alpha": 0.05,
    }
    analysis_id = "spatial"
    return {
        "spatial_moran": moran.assign(analysis_id=analysis_id),
        "lisa_cluster": clusters.assign(analysis_id=analysis_id),
        "analysis": pd.DataFrame(
            [{"analysis_id": analysis_id, "kind": "spatial", "seed": seed, "params": json.dumps(params)}]
        ),
    }
