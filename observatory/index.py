"""
The composite digital-fragility index, built the way the OECD/JRC Handbook on Constructing
Composite Indicators (2008) lays out: selected indicators → imputation → normalisation →
weighting and aggregation into one sub-index per dimension, then the index → uncertainty and
sensitivity analysis → explanation.

Every score is oriented so that **higher means more fragile**, and rank 1 is the most fragile
unit. `FragilityIndex(...).fit(inputs)` computes the index with the chosen choices;
`.monte_carlo(draws=1000)` varies the weights, the normalisation, the aggregation and the census
sampling error together (vectorised) and gives each unit a median rank and a 90% rank interval, plus
first-order sensitivity indices that say which choice, and which dimension, drives the ranking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .enums import DIMENSIONS
from .errors import ValidationError, unknown_name
from .index_components import (
    CENSUS_COMPONENTS,
    CONNECTOR_COMPONENTS,
    CONNECTOR_POLICIES,
    LENSES,
    VULNERABILITY_COMPONENTS,
    Component,
    Lens,
    lens_components,
)
from .index_explanations import explain, explain_unranked, ordinal
from .index_scoring import (
    AGGREGATIONS,
    EXPERT_WEIGHTS,
    KURTOSIS_LIMIT,
    MAX_IMPUTED_SHARE,
    MIN_RESIDENTS,
    NORMALISATIONS,
    REDUNDANCY_R2,
    SKEW_LIMIT,
    UNRANKED_REASONS,
    WEIGHTINGS,
    WINSORISE_MAX,
    Treatment,
    aggregate,
    correlation_report,
    normalise,
    outlier_treatment,
    outlier_treatments,
    params_json,
    rankdata,
    ranking_rule,
    ranks,
    redundancy,
    to_0_100,
    treat,
)
from .index_uncertainty import (
    DESIGNS,
    IMPUTATIONS,
    WEIGHT_CONCENTRATION,
    MonteCarloResult,
    deciles,
    dirichlet_alpha,
    percent_bounded,
    sobol_sensitivity,
)

__all__ = [
    "AGGREGATIONS",
    "CENSUS_COMPONENTS",
    "CONNECTOR_COMPONENTS",
    "CONNECTOR_POLICIES",
    "EXPERT_WEIGHTS",
    "IMPUTATIONS",
    "KURTOSIS_LIMIT",
    "LENSES",
    "MAX_IMPUTED_SHARE",
    "MIN_RESIDENTS",
    "NORMALISATIONS",
    "REDUNDANCY_R2",
    "SKEW_LIMIT",
    "UNRANKED_REASONS",
    "VULNERABILITY_COMPONENTS",
    "WEIGHTINGS",
    "WINSORISE_MAX",
    "Component",
    "FragilityIndex",
    "DESIGNS",
    "WEIGHT_CONCENTRATION",
    "Lens",
    "MonteCarloResult",
    "Treatment",
    "aggregate",
    "correlation_report",
    "explain",
    "explain_unranked",
    "lens_components",
    "normalise",
    "ordinal",
    "outlier_treatment",
    "outlier_treatments",
    "params_json",
    "rankdata",
    "ranking_rule",
    "ranks",
    "redundancy",
    "sobol_sensitivity",
    "to_0_100",
]


@dataclass
class FragilityIndex:
    """
    The index for one set of components and choices. After `fit(inputs)`:

    - `scores_`: one row per unit: `index` (0-100, higher = more fragile), `rank`, one column per
      dimension (its sub-index, 0-100), and `imputed` (how many inputs were filled);
    - `normalised_`, `contributions_`: per unit and component;
    - `correlation_`: pairs of components with Pearson and Spearman correlations.
    """

    components: Sequence[Component] = CENSUS_COMPONENTS
    normalisation: str = "minmax"
    weights: str | Mapping[str, float] = "equal"
    aggregation: str = "arithmetic"
    treat_outliers: bool = True
    """Treat skewed components by the JRC/COINr rule (`outlier_treatment`), decided at `fit()`."""

    def __post_init__(self) -> None:
        if self.normalisation not in NORMALISATIONS:
            raise unknown_name("normalisation", self.normalisation, NORMALISATIONS)
        if self.aggregation not in AGGREGATIONS:
            raise unknown_name("aggregation", self.aggregation, AGGREGATIONS)
        if isinstance(self.weights, str) and self.weights not in WEIGHTINGS:
            raise unknown_name("weighting", self.weights, (*WEIGHTINGS, "a mapping dimension -> weight"))
        self.components = tuple(self.components)

    # -- set-up -------------------------------------------------------------------------------------
    @property
    def dimensions(self) -> list[str]:
        return [d for d in DIMENSIONS if any(c.dimension == d for c in self.components)]

    def dimension_weights(self) -> np.ndarray:
        dims = self.dimensions
        if self.weights == "equal":
            w = np.ones(len(dims))
        elif self.weights == "expert":
            w = np.array([EXPERT_WEIGHTS[d] for d in dims])
        else:
            given = dict(self.weights)  # type: ignore[arg-type]
            unknown = set(given) - set(dims)
            if unknown:
                raise unknown_name("dimension", min(unknown), dims)
            w = np.array([float(given.get(d, 0.0)) for d in dims])
            if (w < 0).any() or w.sum() <= 0:
                raise ValidationError(f"weights must be non-negative and not all zero; got {given}")
        return w / w.sum()

    def _matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """Orientation signs (K,) and the component → dimension matrix (K, D) of within-dimension weights."""
        dims = self.dimensions
        signs = np.array([-1.0 if c.entry.direction == "higher_is_better" else 1.0 for c in self.components])
        m = np.zeros((len(self.components), len(dims)))
        for k, c in enumerate(self.components):
            m[k, dims.index(c.dimension)] = c.weight
        return signs, m / m.sum(axis=0, keepdims=True)

    def params(self) -> dict[str, Any]:
        """The choices, as stored with the results so they can be reproduced."""
        return {
            "components": [
                {
                    "indicator": c.indicator,
                    "year": c.year,
                    "sex": c.sex,
                    "weight": c.weight,
                    "dimension": c.dimension,
                }
                for c in self.components
            ],
            "normalisation": self.normalisation,
            "weights": self.weights if isinstance(self.weights, str) else dict(self.weights),
            "dimension_weights": dict(
                zip(self.dimensions, np.round(self.dimension_weights(), 6).tolist(), strict=True)
            ),
            "aggregation": self.aggregation,
            "outliers": {
                "rule": f"|skew| > {SKEW_LIMIT} and kurtosis > {KURTOSIS_LIMIT}: winsorise up to "
                f"{WINSORISE_MAX} points, else log",
                "treatments": {k: t.as_dict() for k, t in getattr(self, "treatments_", {}).items()},
            }
            if self.treat_outliers
            else None,
            "redundancy": {
                "rule": f"a component with R² >= {REDUNDANCY_R2} on the others is re-weighted: the redundant "
                "components of a dimension together weigh no more than one of its other components",
                "threshold": REDUNDANCY_R2,
                "r2": getattr(self, "redundancy_", {}),
            },
        }

    def _treated(self, x: np.ndarray) -> np.ndarray:
        if not self.treat_outliers:
            return x
        return treat(x, [self.treatments_.get(c.key.name) for c in self.components])

    def matrix(self, inputs: pd.DataFrame) -> np.ndarray:
        """The (units, components) matrix of raw values; a missing column or value is an error here."""
        names = [c.key.name for c in self.components]
        missing = [n for n in names if n not in inputs.columns]
        if missing:
            raise ValidationError(
                f"the index needs columns {missing}; found {sorted(inputs.columns)[:20]}. Build the inputs "
                "with observatory.indicators.wide() over these keys",
                failures=[{"column": n, "reason": "missing"} for n in missing],
            )
        x = inputs[names].to_numpy(dtype=float)
        if np.isnan(x).any():
            rows, cols = np.where(np.isnan(x))
            failures = [
                {"code": inputs.index[r], "column": names[c], "reason": "empty"}
                for r, c in zip(rows, cols, strict=True)
            ]
            raise ValidationError(
                f"{len(failures)} empty input values (first: {failures[0]}); fill them with "
                "observatory.indicators.fill_missing() first",
                failures=failures,
            )
        return x

    # -- fitting ------------------------------------------------------------------------------------
    def fit(
        self, inputs: pd.DataFrame, *, imputed: pd.DataFrame | None = None, ranked: np.ndarray | None = None
    ) -> FragilityIndex:
        """Scores for every unit; ranks for the `ranked` ones (a boolean mask; all by default), NaN for the
        others."""
        x = self.matrix(inputs)
        names = [c.key.name for c in self.components]
        if self.treat_outliers:
            self.treatments_ = outlier_treatments(inputs, self.components)
        self.ranked_ = np.ones(len(x), bool) if ranked is None else np.asarray(ranked, bool)
        signs, m = self._matrices()
        xn = normalise(self._treated(x) * signs, self.normalisation)
        sub = xn @ m
        w = self.dimension_weights()
        score = to_0_100(aggregate(sub, w, self.aggregation))
        self.inputs_ = inputs
        self.normalised_ = pd.DataFrame(xn, index=inputs.index, columns=names)
        # Contribution of each component to the distance from the average unit (arithmetic reading).
        weight_k = (m * w[None, :]).sum(axis=1)
        centred = xn - xn.mean(axis=0, keepdims=True)
        self.contributions_ = pd.DataFrame(centred * weight_k, index=inputs.index, columns=names)
        rank = np.full(len(score), np.nan)
        rank[self.ranked_] = ranks(score[self.ranked_])
        scores = pd.DataFrame({"index": score, "rank": rank}, index=inputs.index)
        for j, d in enumerate(self.dimensions):
            scores[d] = to_0_100(sub[:, j])
        scores["imputed"] = (
            0 if imputed is None else imputed.reindex(index=inputs.index, columns=names).sum(axis=1)
        )
        self.scores_ = scores
        self.correlation_ = correlation_report(inputs[names], signs)
        self.redundancy_ = redundancy(xn[self.ranked_], names)
        return self

    # -- uncertainty --------------------------------------------------------------------------------
    def monte_carlo(
        self,
        inputs: pd.DataFrame,
        *,
        se: pd.DataFrame | None = None,
        draws: int = 1000,
        seed: int = 20240901,
        concentration: float = WEIGHT_CONCENTRATION,
        groups: Mapping[str, np.ndarray] | None = None,
        chunk: int = 100,
        vary_choices: bool = True,
        regions: np.ndarray | None = None,
    ) -> MonteCarloResult:
        """
        Rank uncertainty over `draws` plausible indices. Each draw picks a normalisation and an
        aggregation at random, dimension weights from a Dirichlet centred on this index's weights
        (`concentration` 20 keeps them within about ±10 points), and census values perturbed by their
        sampling error `se` (same shape as the inputs; zero when absent). With `vary_choices=False`
        only the sampling error varies (this index's weights, normalisation and aggregation are kept).
        `groups` maps a level name to a (units, groups) matrix of weights (population shares) so
        provinces and régions are ranked from the same draws. Communes are ranked among the units
        `fit()` ranked; `regions` (a label per unit) gives the chance of being in one's région's top 10.
        Outlier treatments decided at `fit()` apply to every draw.
        """
        if not hasattr(self, "ranked_"):
            self.fit(inputs)
        x = self.matrix(inputs)
        names = [c.key.name for c in self.components]
        sd = (
            np.zeros_like(x)
            if se is None
            else se.reindex(index=inputs.index, columns=names).fillna(0).to_numpy(float)
        )
        signs, m = self._matrices()
        w0 = self.dimension_weights()
        rng = np.random.default_rng(seed)
        norm_choice = rng.integers(0, len(NORMALISATIONS), draws)
        agg_choice = rng.integers(0, len(AGGREGATIONS), draws)
        weights = rng.dirichlet(dirichlet_alpha(w0, concentration), draws)
        if not vary_choices:
            norm_choice[:] = NORMALISATIONS.index(self.normalisation)
            agg_choice[:] = AGGREGATIONS.index(self.aggregation)
            weights[:] = w0
        level_groups = dict(groups or {})
        scores = np.empty((draws, x.shape[0]), dtype=np.float64)
        for start in range(0, draws, chunk):
            stop = min(start + chunk, draws)
            n = stop - start
            xd = x[None, :, :] + rng.standard_normal((n, *x.shape)) * sd[None, :, :]
            xd = np.where(
                percent_bounded(self.components)[None, None, :], np.clip(xd, 0.0, 100.0), np.maximum(xd, 0.0)
            )
            xd = self._treated(xd) * signs
            sub = np.empty((n, x.shape[0], len(w0)))
            for i, method in enumerate(NORMALISATIONS):
                pick = norm_choice[start:stop] == i
                if pick.any():
                    sub[pick] = normalise(xd[pick], method) @ m
            for i, method in enumerate(AGGREGATIONS):
                pick = agg_choice[start:stop] == i
                if pick.any():
                    scores[start:stop][pick] = to_0_100(
                        aggregate(sub[pick], weights[start:stop][pick], method)
                    )
        commune_ranks = np.zeros(scores.shape, dtype=np.int32)
        commune_ranks[:, self.ranked_] = ranks(scores[:, self.ranked_])
        rank_draws = {"commune": commune_ranks}
        score_draws = {"commune": scores}
        for level, matrix in level_groups.items():
            level_scores = scores @ matrix
            score_draws[level] = level_scores
            rank_draws[level] = ranks(level_scores)
        factors = {
            "normalisation": norm_choice,
            "aggregation": agg_choice,
            **{f"weight_{d}": deciles(weights[:, j]) for j, d in enumerate(self.dimensions)},
        }
        return MonteCarloResult(
            rank_draws=rank_draws,
            score_draws=score_draws,
            factors=factors,
            weights=weights,
            ranked={"commune": self.ranked_.copy()},
            regions=None if regions is None else np.asarray(regions),
            params={
                "draws": draws,
                "seed": seed,
                "concentration": concentration,
                "normalisations": list(NORMALISATIONS),
                "aggregations": list(AGGREGATIONS),
                "sampling_error": se is not None,
                "centre": self.params(),
            },
        )

    def dimension_removal(self, inputs: pd.DataFrame) -> pd.DataFrame:
        """How far ranks move when each dimension is left out (mean absolute rank shift), as in the
        Handbook."""
        ranked = getattr(self, "ranked_", None)
        base = (
            self.scores_["rank"].to_numpy()
            if hasattr(self, "scores_")
            else self.fit(inputs).scores_["rank"].to_numpy()
        )
        rows = []
        for d in self.dimensions:
            kept = [c for c in self.components if c.dimension != d]
            if not kept:
                continue
            other = FragilityIndex(
                kept, self.normalisation, _drop(self.weights, d), self.aggregation, self.treat_outliers
            ).fit(inputs, ranked=ranked)
            shift = np.abs(other.scores_["rank"].to_numpy() - base)
            shift = shift[~np.isnan(shift)]
            top50 = set(np.flatnonzero(base <= 50)) & set(
                np.flatnonzero(other.scores_["rank"].to_numpy() <= 50)
            )
            rows.append(
                {
                    "dimension": d,
                    "mean_abs_rank_shift": float(shift.mean()),
                    "p90_abs_rank_shift": float(np.quantile(shift, 0.9)),
                    "top50_kept": len(top50),
                }
            )
        return pd.DataFrame(rows)


def _drop(weights: str | Mapping[str, float], dimension: str) -> str | Mapping[str, float]:
    if isinstance(weights, str):
        return weights
    return {k: v for k, v in weights.items() if k != dimension}
