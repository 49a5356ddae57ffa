"""
The index's uncertainty: the Monte Carlo draws' summaries (median rank, 90% intervals, certainty figures,
first-order sensitivity) and the total-order Sobol indices of the builder's choices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .index_components import Component
from .index_scoring import AGGREGATIONS, NORMALISATIONS, aggregate, normalise, ranks

if TYPE_CHECKING:
    from .index import FragilityIndex

IMPUTATIONS = ("province_median", "national_median")
#: How far the Monte Carlo and the Sobol design move the dimension weights: a Dirichlet centred on the
#: index's weights with this concentration per dimension (20 keeps them within about ±10 points).
WEIGHT_CONCENTRATION = 20.0
#: The two Sobol designs: with a factor that leaves one dimension out half the time, and without it.
DESIGNS = ("with_exclusion", "without_exclusion")


def dirichlet_alpha(weights: np.ndarray, concentration: float = WEIGHT_CONCENTRATION) -> np.ndarray:
    """The Dirichlet parameters of the weights' draws, centred on `weights`."""
    return np.maximum(concentration * len(weights) * weights, 1e-3)


def sobol_sensitivity(
    index: FragilityIndex,
    raw: pd.DataFrame,
    province: pd.Series,
    *,
    ranked: np.ndarray | None = None,
    base_samples: int = 256,
    seed: int = 0,
    exclusion: bool = True,
    concentration: float = WEIGHT_CONCENTRATION,
) -> pd.DataFrame:
    """
    Total-order (and first-order) Sobol indices, with SALib, of the commune ranking on the choices a
    builder makes: normalisation, aggregation, each dimension's weight (the weights have the Monte
    Carlo's Dirichlet: each factor is the quantile of its Gamma draw, the weights their normalised
    values), with `exclusion` which dimension is included (all, half the time; else one left out), and
    how empty inputs are imputed (`IMPUTATIONS`). Two outputs: the mean absolute rank shift from this
    index's ranking (SALib's estimates with 95% confidence bounds), and the ranks themselves (Jansen's
    estimator per commune, pooled over communes). `raw` holds the inputs before imputation.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample
    from scipy.stats import gamma

    dims = index.dimensions
    names = [c.key.name for c in index.components]
    factors = [
        ("normalisation", [0, len(NORMALISATIONS)]),
        ("aggregation", [0, len(AGGREGATIONS)]),
        *[(f"weight_{d}", [0, 1]) for d in dims],
        *([("dimension_left_out", [0, 1])] if exclusion else []),
        ("imputation", [0, len(IMPUTATIONS)]),
    ]
    problem: dict[str, Any] = {
        "num_vars": len(factors),
        "names": [name for name, _ in factors],
        "bounds": [bounds for _, bounds in factors],
    }
    design = sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    ranked = np.ones(len(raw), bool) if ranked is None else np.asarray(ranked, bool)
    filled = {
        "province_median": raw[names]
        .fillna(raw[names].groupby(province.reindex(raw.index)).transform("median"))
        .fillna(raw[names].median()),
        "national_median": raw[names].fillna(raw[names].median()),
    }
    signs, m = index._matrices()
    w0 = index.dimension_weights()
    norm = np.minimum(design[:, 0].astype(int), len(NORMALISATIONS) - 1)
    agg = np.minimum(design[:, 1].astype(int), len(AGGREGATIONS) - 1)
    quantile = np.clip(design[:, 2 : 2 + len(dims)], 1e-9, 1 - 1e-9)
    weights = gamma.ppf(quantile, dirichlet_alpha(w0, concentration)[None, :])
    imp = np.minimum(design[:, -1].astype(int), len(IMPUTATIONS) - 1)
    if exclusion:
        u = design[:, 2 + len(dims)]
        left = np.where(u < 0.5, -1, np.minimum(((u - 0.5) * 2 * len(dims)).astype(int), len(dims) - 1))
        weights[np.arange(len(design)), np.maximum(left, 0)] *= np.where(left >= 0, 0.0, 1.0)
    weights /= weights.sum(axis=1, keepdims=True)
    ranks_out = np.empty((len(design), int(ranked.sum())))
    for i_imp, method in enumerate(IMPUTATIONS):
        x = index._treated(filled[method][names].to_numpy(float)) * signs
        for i_norm, normalisation in enumerate(NORMALISATIONS):
            sub = normalise(x, normalisation) @ m
            for i_agg, aggregation in enumerate(AGGREGATIONS):
                pick = np.flatnonzero((imp == i_imp) & (norm == i_norm) & (agg == i_agg))
                if len(pick):
                    score = aggregate(
                        np.broadcast_to(sub, (len(pick), *sub.shape)), weights[pick], aggregation
                    )
                    ranks_out[pick] = ranks(score[:, ranked])
    reference = ranks(index.scores_["index"].to_numpy()[ranked])
    shift = np.abs(ranks_out - reference[None, :]).mean(axis=1)
    result = analyze.analyze(problem, shift, calc_second_order=False, seed=seed)
    # Jansen's total-order estimator on each commune's rank, pooled: Σ E[(f(A) − f(AB_i))²] / (2 Σ Var).
    k = problem["num_vars"]
    block = ranks_out.reshape(base_samples, k + 2, -1)
    f_a, f_b = block[:, 0], block[:, -1]
    variance = np.concatenate([f_a, f_b]).var(axis=0).sum()
    rows = []
    for j, name in enumerate(problem["names"]):
        f_ab = block[:, 1 + j]
        total = float(((f_a - f_ab) ** 2).mean(axis=0).sum() / (2 * variance)) if variance > 0 else 0.0
        first = float((f_b * (f_ab - f_a)).mean(axis=0).sum() / variance) if variance > 0 else 0.0
        rows.append(
            {
                "factor": name,
                "total_order": float(result["ST"][j]),
                "total_order_ci": float(result["ST_conf"][j]),
                "first_order": float(result["S1"][j]),
                "first_order_ci": float(result["S1_conf"][j]),
                "total_order_ranks": total,
                "first_order_ranks": first,
            }
        )
    out = pd.DataFrame(rows).assign(design=DESIGNS[0] if exclusion else DESIGNS[1])
    out.attrs.update(
        {
            "evaluations": len(design),
            "base_samples": base_samples,
            "output": "mean absolute rank shift",
            "mean_shift": float(shift.mean()),
        }
    )
    return out


def percent_bounded(components: Sequence[Component]) -> np.ndarray:
    return np.array([c.entry.unit == "percent" for c in components])


def deciles(values: np.ndarray) -> np.ndarray:
    edges = np.quantile(values, np.linspace(0, 1, 11)[1:-1])
    return np.searchsorted(edges, values)


@dataclass
class MonteCarloResult:
    """Rank and score draws per level, and the random choices of each draw."""

    rank_draws: dict[str, np.ndarray]
    score_draws: dict[str, np.ndarray]
    factors: dict[str, np.ndarray]
    weights: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    ranked: dict[str, np.ndarray] = field(default_factory=dict)
    """Per level, which units were ranked (all when absent)."""
    regions: np.ndarray | None = None
    """The région of each commune, for the chance of being in its région's top 10."""

    def summary(self, level: str = "commune") -> pd.DataFrame:
        """
        Median rank, 90% rank interval (5th-95th percentile) and 90% score interval, per unit (columns),
        with the certainty figures of the same draws: `p_top_decile`, the share of draws in which the
        unit is among the 10% most fragile ranked units, and for communes `p_region_top10`, the share in
        which it is among the 10 most fragile of its région. Unranked units get empty ranks and chances.
        """
        r, s = self.rank_draws[level], self.score_draws[level]
        ranked = self.ranked.get(level, np.ones(r.shape[1], bool))
        top = int(np.ceil(0.1 * ranked.sum()))
        out = pd.DataFrame(
            {
                "rank_median": np.median(r, axis=0),
                "rank_lower": np.quantile(r, 0.05, axis=0, method="lower").astype(float),
                "rank_upper": np.quantile(r, 0.95, axis=0, method="higher").astype(float),
                "score_lower": np.quantile(s, 0.05, axis=0),
                "score_upper": np.quantile(s, 0.95, axis=0),
                "p_top_decile": ((r >= 1) & (r <= top)).mean(axis=0),
            }
        )
        if level == "commune" and self.regions is not None:
            p = np.full(r.shape[1], np.nan)
            for region in np.unique(self.regions):
                cols = np.flatnonzero((self.regions == region) & ranked)
                if len(cols):
                    p[cols] = (ranks(s[:, cols]) <= 10).mean(axis=0)
            out["p_region_top10"] = p
        out.loc[~ranked, ["rank_median", "rank_lower", "rank_upper", "p_top_decile"]] = np.nan
        return out

    def sensitivity(self, level: str = "commune") -> pd.DataFrame:
        """
        First-order sensitivity index of each uncertain choice on the ranks: the share of rank
        variance explained by that choice alone, Var(E[rank | choice]) / Var(rank), pooled over units.
        """
        r = self.rank_draws[level].astype(float)
        total = r.var(axis=0).sum()
        rows = []
        for name, groups in self.factors.items():
            explained = 0.0
            for g in np.unique(groups):
                pick = groups == g
                explained += pick.mean() * ((r[pick].mean(axis=0) - r.mean(axis=0)) ** 2).sum()
            rows.append({"factor": name, "first_order": float(explained / total) if total > 0 else 0.0})
        frame = pd.DataFrame(rows).sort_values("first_order", ascending=False, ignore_index=True)
        frame["level"] = level
        return frame
