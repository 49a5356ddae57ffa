"""
The index's arithmetic, vectorised over any leading axes (Monte Carlo draws): outlier treatment by the
JRC/COINr rule, which communes are ranked, normalisation, aggregation, ranks and the correlations of the
components.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import unknown_name
from .index_components import Component

NORMALISATIONS = ("minmax", "zscore", "rank")
AGGREGATIONS = ("arithmetic", "geometric")
WEIGHTINGS = ("equal", "expert")

#: Dimension weights agreed with the ministry's experts (they sum to 1 over the dimensions present).
EXPERT_WEIGHTS = {"access": 0.35, "skills": 0.35, "usage": 0.1, "vulnerability": 0.2}


# -- redundancy: the JRC handbook's test ----------------------------------------------------------
#: A component whose R² on the other components reaches this measures what they already measure: it is
#: re-weighted so that the redundant components of a dimension together weigh no more than one of its
#: other components (`CENSUS_COMPONENTS` says which, the analysis parameters store every R²).
REDUNDANCY_R2 = 0.9


def redundancy(x: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """The R² of each column of `x` (units × components, oriented and normalised) regressed by least
    squares, with an intercept, on all the other columns."""
    out = {}
    for k, name in enumerate(names):
        others = np.column_stack([np.ones(len(x)), np.delete(x, k, axis=1)])
        fitted = others @ np.linalg.lstsq(others, x[:, k], rcond=None)[0]
        total = float(((x[:, k] - x[:, k].mean()) ** 2).sum())
        out[name] = round(1 - float(((x[:, k] - fitted) ** 2).sum()) / total, 4) if total > 0 else 0.0
    return out


# -- outliers: the JRC/COINr rule ------------------------------------------------------------------
#: A component is treated when |skewness| > 2 and (excess) kurtosis > 3.5 (COINr's `Treat()` defaults);
#: up to 5 points are winsorised one at a time, and when that is not enough it is log-transformed.
SKEW_LIMIT, KURTOSIS_LIMIT, WINSORISE_MAX = 2.0, 3.5, 5


@dataclass(frozen=True)
class Treatment:
    """How one component's raw values are treated before normalisation; applied alike to every draw."""

    method: str
    """`none`, `winsorise` (clip at `lower`/`upper`) or `log` (log of the distance from `anchor`)."""
    points: int = 0
    lower: float = -np.inf
    upper: float = np.inf
    anchor: float = 0.0
    sign: float = 1.0
    """+1: log(x − anchor + offset) for a right tail; −1: −log(anchor − x + offset) for a left one."""
    offset: float = 1.0
    skew: float = 0.0
    kurtosis: float = 0.0
    skew_after: float = 0.0
    kurtosis_after: float = 0.0

    def apply(self, x: np.ndarray) -> np.ndarray:
        if self.method == "winsorise":
            clipped: np.ndarray = np.clip(x, self.lower, self.upper)
            return clipped
        if self.method == "log":
            if self.sign > 0:
                return np.log(np.maximum(x - self.anchor, 0.0) + self.offset)
            return -np.log(np.maximum(self.anchor - x, 0.0) + self.offset)
        return x

    def as_dict(self) -> dict[str, Any]:
        out = {
            "method": self.method,
            "skew": round(self.skew, 3),
            "kurtosis": round(self.kurtosis, 3),
            "skew_after": round(self.skew_after, 3),
            "kurtosis_after": round(self.kurtosis_after, 3),
        }
        if self.method == "winsorise":
            out.update(points=self.points, lower=self.lower, upper=self.upper)
        elif self.method == "log":
            out.update(anchor=self.anchor, sign=self.sign, offset=self.offset)
        return out


def _shape(x: np.ndarray) -> tuple[float, float]:
    from scipy.stats import kurtosis, skew

    return float(skew(x, bias=False)), float(kurtosis(x, bias=False))


def _fails(sk: float, ku: float) -> bool:
    return abs(sk) > SKEW_LIMIT and ku > KURTOSIS_LIMIT


def outlier_treatment(values: np.ndarray) -> Treatment:
    """
    The JRC/COINr treatment of one component: none when it passes the rule; else winsorise the
    tail its skew points to, one point at a time (up to 5), until it passes; else a log transform.
    """
    x = np.asarray(values, dtype=float)
    sk, ku = _shape(x)
    if not _fails(sk, ku):
        return Treatment("none", skew=sk, kurtosis=ku, skew_after=sk, kurtosis_after=ku)
    y = x.copy()
    for points in range(1, WINSORISE_MAX + 1):
        order = np.sort(np.unique(y))
        if len(order) < 3:
            break
        y = np.minimum(y, order[-2]) if sk > 0 else np.maximum(y, order[1])
        s2, k2 = _shape(y)
        if not _fails(s2, k2):
            return Treatment(
                "winsorise",
                points,
                lower=float(y.min()),
                upper=float(y.max()),
                skew=sk,
                kurtosis=ku,
                skew_after=s2,
                kurtosis_after=k2,
            )
    spread = float(x.max() - x.min()) or 1.0
    anchor, sign = (float(x.min()), 1.0) if sk > 0 else (float(x.max()), -1.0)
    t = Treatment("log", anchor=anchor, sign=sign, offset=0.01 * spread, skew=sk, kurtosis=ku)
    s2, k2 = _shape(t.apply(x))
    return Treatment(
        "log",
        anchor=anchor,
        sign=sign,
        offset=0.01 * spread,
        skew=sk,
        kurtosis=ku,
        skew_after=s2,
        kurtosis_after=k2,
    )


def outlier_treatments(inputs: pd.DataFrame, components: Sequence[Component]) -> dict[str, Treatment]:
    """The treatment of every component (keyed by its column name), decided on the observed values."""
    return {c.key.name: outlier_treatment(inputs[c.key.name].to_numpy(float)) for c in components}


def treat(x: np.ndarray, treatments: Sequence[Treatment | None]) -> np.ndarray:
    """Apply each column's treatment along the last axis of (..., units, components)."""
    out = x.copy()
    for k, t in enumerate(treatments):
        if t is not None and t.method != "none":
            out[..., k] = t.apply(x[..., k])
    return out


# -- which communes are ranked ----------------------------------------------------------------------
#: A commune is ranked only when at least this many people live in it (ordinary households: the
#: resident, not the legal, population) and at most half of its index inputs are imputed.
MIN_RESIDENTS = 1000
MAX_IMPUTED_SHARE = 0.5
UNRANKED_REASONS = {
    "few_residents": f"fewer than {MIN_RESIDENTS:,} residents: its rates rest on too few people to rank",
    "mostly_imputed": "more than half of its index inputs are not published and were imputed",
}


def ranking_rule(residents: pd.Series, imputed_share: pd.Series) -> pd.Series:
    """Why each unit is left unranked ('' when it is ranked): few residents first, then imputed inputs."""
    reason = pd.Series("", index=residents.index, dtype=object)
    reason[imputed_share.reindex(residents.index).fillna(0) > MAX_IMPUTED_SHARE] = "mostly_imputed"
    reason[residents.fillna(0) < MIN_RESIDENTS] = "few_residents"
    return reason


# -- normalisation and aggregation, vectorised over any leading axes (draws) --------------------------
def normalise(x: np.ndarray, method: str) -> np.ndarray:
    """Normalise along the unit axis (-2) of (..., units, indicators), higher = more fragile kept."""
    if method == "minmax":
        lo, hi = np.nanmin(x, axis=-2, keepdims=True), np.nanmax(x, axis=-2, keepdims=True)
        scaled: np.ndarray = (x - lo) / np.where(hi > lo, hi - lo, 1.0)
        return scaled
    if method == "zscore":
        sd = np.nanstd(x, axis=-2, keepdims=True)
        standard: np.ndarray = (x - np.nanmean(x, axis=-2, keepdims=True)) / np.where(sd > 0, sd, 1.0)
        return standard
    if method == "rank":
        n = x.shape[-2]
        ranked: np.ndarray = (rankdata(x, axis=-2, method="average") - 1.0) / max(n - 1, 1)
        return ranked
    raise unknown_name("normalisation", method, NORMALISATIONS)


def aggregate(sub: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """
    Combine dimension sub-indices (..., units, dims) with weights (..., dims) summing to 1.
    Geometric aggregation rescales each sub-index to [1, 100] first, so it is defined for any
    normalisation and a weak dimension cannot be fully compensated by a strong one.
    """
    w = weights[..., None, :]
    if method == "arithmetic":
        mean: np.ndarray = np.sum(sub * w, axis=-1)
        return mean
    if method == "geometric":
        lo, hi = sub.min(axis=-2, keepdims=True), sub.max(axis=-2, keepdims=True)
        scaled = 1.0 + 99.0 * (sub - lo) / np.where(hi > lo, hi - lo, 1.0)
        geometric: np.ndarray = np.exp(np.sum(np.log(scaled) * w, axis=-1))
        return geometric
    raise unknown_name("aggregation", method, AGGREGATIONS)


def to_0_100(score: np.ndarray) -> np.ndarray:
    lo, hi = score.min(axis=-1, keepdims=True), score.max(axis=-1, keepdims=True)
    rescaled: np.ndarray = 100.0 * (score - lo) / np.where(hi > lo, hi - lo, 1.0)
    return rescaled


def ranks(score: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score (most fragile), along the last axis; ties share the best rank."""
    return rankdata(-score, axis=-1, method="min").astype(np.int32)


def rankdata(x: np.ndarray, *, axis: int, method: str) -> np.ndarray:
    """
    Ranks from 1 along `axis`, ties at their lowest (`min`) or mean (`average`) rank, a slice holding a NaN
    all NaN: what `scipy.stats.rankdata` gives, to the bit. SciPy sorts with a stable sort, which ties do
    not need; NumPy's default sort is several times faster (the index ranks a million values per
    thousand draws), and ties are grouped after it.
    """
    if method not in ("min", "average"):
        raise ValueError(f"unknown rank method {method!r}; valid: min, average")
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    n = x.shape[-1]
    order = np.argsort(x, axis=-1)
    ordered = np.take_along_axis(x, order, axis=-1)
    position = np.broadcast_to(np.arange(n), x.shape)
    change = ordered[..., 1:] != ordered[..., :-1]
    edge = np.ones((*x.shape[:-1], 1), dtype=bool)
    first = np.where(np.concatenate([edge, change], axis=-1), position, 0)
    np.maximum.accumulate(first, axis=-1, out=first)
    if method == "min":
        sorted_rank = first + 1.0
    else:
        last = np.where(np.concatenate([change, edge], axis=-1), position, n)
        last = np.flip(np.minimum.accumulate(np.flip(last, axis=-1), axis=-1), axis=-1)
        sorted_rank = (first + last) / 2 + 1.0
    out = np.empty(x.shape)
    np.put_along_axis(out, order, sorted_rank, axis=-1)
    out[np.isnan(x).any(axis=-1)] = np.nan
    return np.moveaxis(out, -1, axis)


def correlation_report(
    inputs: pd.DataFrame, signs: np.ndarray | None = None, *, threshold: float = 0.8
) -> pd.DataFrame:
    """
    Pairwise correlations of the oriented components, with a `double_counts` flag where |Spearman|
    passes `threshold`: such pairs measure much the same thing and weigh twice unless down-weighted.
    """
    x = inputs.to_numpy(float) * (1.0 if signs is None else signs)
    oriented = pd.DataFrame(x, columns=inputs.columns)
    pearson, spearman = oriented.corr(), oriented.corr(method="spearman")
    rows = []
    cols = list(inputs.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1 :]:
            rows.append(
                {
                    "indicator_a": a,
                    "indicator_b": b,
                    "pearson": float(pearson.loc[a, b]),
                    "spearman": float(spearman.loc[a, b]),
                    "double_counts": int(abs(spearman.loc[a, b]) >= threshold),
                }
            )
    return pd.DataFrame(rows)


def params_json(params: Mapping[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
