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

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import registry
from .enums import DIMENSIONS
from .errors import ValidationError, unknown_name
from .indicators import Key

NORMALISATIONS = ("minmax", "zscore", "rank")
AGGREGATIONS = ("arithmetic", "geometric")
WEIGHTINGS = ("equal", "expert")

#: Dimension weights agreed with the ministry's experts (they sum to 1 over the dimensions present).
EXPERT_WEIGHTS = {"access": 0.35, "skills": 0.35, "usage": 0.1, "vulnerability": 0.2}


@dataclass(frozen=True)
class Component:
    """An input of the index: an indicator for a year and a sex, with its weight inside its dimension."""

    indicator: str
    year: int
    sex: str = "all"
    weight: float = 1.0

    @property
    def key(self) -> Key:
        return Key(self.indicator, self.year, self.sex)

    @property
    def entry(self) -> registry.Indicator:
        return registry.get(self.indicator)

    @property
    def dimension(self) -> str:
        dimension = self.entry.dimension
        if dimension is None:
            raise ValueError(
                f"indicator {self.indicator!r} has no dimension in the registry; it cannot enter the index"
            )
        return dimension


#: The census components of the headline index, access and skills: they are always there, so the index
#: works without any connector. The modelled internet use is not one of them: it is a function of these
#: inputs (it would count them twice) and its model error would pass for measurement; it stays a layer
#: of its own. Vulnerability is not one of them either: it measures who would be hurt most, not who is
#: excluded, barely correlates with access and skills, and reorders the top of the ranking by itself;
#: it enters through its own lenses (`VULNERABILITY_COMPONENTS`).
CENSUS_COMPONENTS: tuple[Component, ...] = (
    Component("households_distance_to_paved_road_km", 2024),
    Component("amenities_electricity", 2024),
    Component("equipment_internet", 2014, weight=0.5),
    Component("equipment_computer", 2014, weight=0.5),
    Component("equipment_mobile_phone", 2014, weight=0.5),
    # Women's and men's illiteracy share the weight of one indicator: they are strongly correlated.
    Component("illiteracy_rate_10_plus", 2024, "female", weight=0.5),
    Component("illiteracy_rate_10_plus", 2024, "male", weight=0.5),
    Component("education_none", 2024),
    Component("languages_read_and_written_french", 2024),
)

#: The vulnerability dimension: added by the `vulnerability` lens and the group lenses built on it.
VULNERABILITY_COMPONENTS: tuple[Component, ...] = (
    Component("age_60_plus", 2024),
    Component("disability_prevalence", 2024),
)

#: Connector components, used when their values are there (speed tests, usage exports).
CONNECTOR_COMPONENTS: tuple[Component, ...] = (
    Component("ookla_fixed_download_mbps", 0, weight=0.5),
    Component("ookla_mobile_download_mbps", 0),
    Component("ookla_fixed_tests_share_25mbps", 0, weight=0.5),
    Component("usage_digital_transactions_per_1000", 0),
    Component("usage_digital_share", 0),
)


#: Which connector values a lens takes: none (census only), measured ones, or any (simulated included).
CONNECTOR_POLICIES = ("none", "measured", "any")


@dataclass(frozen=True)
class Lens:
    """A group lens: the index seen for one group, with that group's figures where the census gives them."""

    name: str
    label_fr: str
    label_ar: str
    label_en: str
    sex: str | None = None
    """Take this sex's values for every component published by sex."""
    extra: tuple[Component, ...] = ()
    """Components added for the group (its share of the population, as a vulnerability)."""
    connectors: str = "none"
    """Connector values it takes, one of `CONNECTOR_POLICIES`."""
    note: str = ""

    @property
    def demonstration(self) -> bool:
        """True when the lens may hold simulated values: every surface shows it under a banner."""
        return self.connectors == "any"


#: One lens per name of `observatory.enums.LENSES`, in that order. The headline is `census`: no
#: modelled or simulated value enters it.
LENSES: dict[str, Lens] = {
    "census": Lens(
        "census",
        "Ensemble, recensement seul",
        "مجموع السكان، الإحصاء فقط",
        "Whole population, census only",
        note="The census components alone: the headline index, comparable across builds.",
    ),
    "all": Lens(
        "all",
        "Ensemble, avec les mesures",
        "مجموع السكان، مع القياسات",
        "Whole population, with measurements",
        connectors="measured",
        note="Census components plus measured connectivity and usage (speed tests, real usage exports) when "
        "loaded; never simulated values. Equal to the census lens when none is loaded.",
    ),
    "vulnerability": Lens(
        "vulnerability",
        "Avec la vulnérabilité",
        "مع الهشاشة الاجتماعية",
        "With vulnerability",
        extra=VULNERABILITY_COMPONENTS,
        note="Access and skills plus a vulnerability dimension (60+ share and disability prevalence), equal "
        "weights.",
    ),
    "women": Lens(
        "women",
        "Femmes",
        "النساء",
        "Women",
        sex="female",
        note="Women's illiteracy, schooling and French literacy.",
    ),
    "older": Lens(
        "older",
        "Personnes de 60 ans et plus",
        "الأشخاص البالغون 60 سنة فأكثر",
        "People aged 60+",
        extra=(*VULNERABILITY_COMPONENTS, Component("age_60_plus", 2024, weight=2.0)),
        note="The vulnerability lens with the 60+ share weighing three times (the census gives no commune "
        "literacy by age).",
    ),
    "youth": Lens(
        "youth",
        "Jeunes de 15 à 24 ans",
        "الشباب من 15 إلى 24 سنة",
        "Young people aged 15-24",
        extra=(*VULNERABILITY_COMPONENTS, Component("age_15_24", 2024, weight=2.0)),
        note="The vulnerability lens with the 15-24 share added (the census gives no commune literacy by "
        "age).",
    ),
    "disability": Lens(
        "disability",
        "Personnes en situation de handicap",
        "الأشخاص في وضعية إعاقة",
        "People with a disability",
        extra=(*VULNERABILITY_COMPONENTS, Component("disability_prevalence", 2024, weight=2.0)),
        note="The vulnerability lens with disability prevalence weighing three times.",
    ),
    "demo": Lens(
        "demo",
        "Démonstration (données simulées)",
        "عرض توضيحي (بيانات محاكاة)",
        "Demonstration (simulated data)",
        connectors="any",
        note="Census components plus every connector loaded, simulated ones included: a demonstration of how "
        "usage data would enter, never a finding. Shown under a banner.",
    ),
}


def lens_components(
    lens: str | Lens, components: Sequence[Component] = CENSUS_COMPONENTS
) -> tuple[Component, ...]:
    """The components of a lens: its sex's values where published, plus the group's own components; connector
    components only for a lens that takes them (which of them are simulated is the caller's to check)."""
    if isinstance(lens, str):
        if lens not in LENSES:
            raise unknown_name("lens", lens, LENSES)
        lens = LENSES[lens]
    out: list[Component] = []
    connector_ids = {c.indicator for c in CONNECTOR_COMPONENTS}
    for c in components:
        if lens.connectors == "none" and c.indicator in connector_ids:
            continue
        if lens.sex is not None and lens.sex in c.entry.sexes:
            if c.sex != "all" and c.sex != lens.sex:
                continue
            out.append(Component(c.indicator, c.year, lens.sex, 1.0 if c.sex != "all" else c.weight))
        else:
            out.append(c)
    merged: dict[Key, Component] = {}
    for c in (*out, *lens.extra):  # a group's own component adds weight to the same input, not a copy
        if c.key in merged:
            c = Component(c.indicator, c.year, c.sex, merged[c.key].weight + c.weight)
        merged[c.key] = c
    return tuple(merged.values())


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
            return np.clip(x, self.lower, self.upper)
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


def _treat(x: np.ndarray, treatments: Sequence[Treatment | None]) -> np.ndarray:
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
        return (x - lo) / np.where(hi > lo, hi - lo, 1.0)
    if method == "zscore":
        sd = np.nanstd(x, axis=-2, keepdims=True)
        return (x - np.nanmean(x, axis=-2, keepdims=True)) / np.where(sd > 0, sd, 1.0)
    if method == "rank":
        n = x.shape[-2]
        return (rankdata(x, axis=-2, method="average") - 1.0) / max(n - 1, 1)
    raise unknown_name("normalisation", method, NORMALISATIONS)


def aggregate(sub: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """
    Combine dimension sub-indices (..., units, dims) with weights (..., dims) summing to 1.
    Geometric aggregation rescales each sub-index to [1, 100] first, so it is defined for any
    normalisation and a weak dimension cannot be fully compensated by a strong one.
    """
    w = weights[..., None, :]
    if method == "arithmetic":
        return np.sum(sub * w, axis=-1)
    if method == "geometric":
        lo, hi = sub.min(axis=-2, keepdims=True), sub.max(axis=-2, keepdims=True)
        scaled = 1.0 + 99.0 * (sub - lo) / np.where(hi > lo, hi - lo, 1.0)
        return np.exp(np.sum(np.log(scaled) * w, axis=-1))
    raise unknown_name("aggregation", method, AGGREGATIONS)


def to_0_100(score: np.ndarray) -> np.ndarray:
    lo, hi = score.min(axis=-1, keepdims=True), score.max(axis=-1, keepdims=True)
    return 100.0 * (score - lo) / np.where(hi > lo, hi - lo, 1.0)


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
        }

    def _treated(self, x: np.ndarray) -> np.ndarray:
        if not self.treat_outliers:
            return x
        return _treat(x, [self.treatments_.get(c.key.name) for c in self.components])

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
        return self

    # -- uncertainty --------------------------------------------------------------------------------
    def monte_carlo(
        self,
        inputs: pd.DataFrame,
        *,
        se: pd.DataFrame | None = None,
        draws: int = 1000,
        seed: int = 20240901,
        concentration: float = 20.0,
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
        alpha = np.maximum(concentration * len(w0) * w0, 1e-3)
        weights = rng.dirichlet(alpha, draws)
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
                _bounded(self.components)[None, None, :], np.clip(xd, 0.0, 100.0), np.maximum(xd, 0.0)
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
            **{f"weight_{d}": _deciles(weights[:, j]) for j, d in enumerate(self.dimensions)},
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


#: Imputation methods the sensitivity analysis compares: the province's median (the build's), the country's.
IMPUTATIONS = ("province_median", "national_median")


def sobol_sensitivity(
    index: FragilityIndex,
    raw: pd.DataFrame,
    province: pd.Series,
    *,
    ranked: np.ndarray | None = None,
    base_samples: int = 256,
    seed: int = 0,
    weight_range: tuple[float, float] = (0.5, 1.5),
) -> pd.DataFrame:
    """
    Total-order (and first-order) Sobol indices, with SALib, of the commune ranking on the choices a
    builder makes: normalisation, aggregation, each dimension's weight (a multiplier drawn in
    `weight_range`), which dimension is included (all, half the time; else one left out) and how
    empty inputs are imputed (`IMPUTATIONS`). Two outputs: the mean absolute rank shift from this
    index's ranking (SALib's estimates with 95% confidence bounds), and the ranks themselves (Jansen's
    estimator per commune, pooled over communes). `raw` holds the inputs before imputation.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    dims = index.dimensions
    names = [c.key.name for c in index.components]
    problem: dict[str, Any] = {
        "num_vars": 5 + len(dims) - 2 + 1,
        "names": [
            "normalisation",
            "aggregation",
            *[f"weight_{d}" for d in dims],
            "dimension_left_out",
            "imputation",
        ],
        "bounds": [
            [0, len(NORMALISATIONS)],
            [0, len(AGGREGATIONS)],
            *[list(weight_range)] * len(dims),
            [0, 1],
            [0, len(IMPUTATIONS)],
        ],
    }
    problem["num_vars"] = len(problem["names"])
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
    multipliers = design[:, 2 : 2 + len(dims)]
    u = design[:, 2 + len(dims)]
    left = np.where(u < 0.5, -1, np.minimum(((u - 0.5) * 2 * len(dims)).astype(int), len(dims) - 1))
    imp = np.minimum(design[:, -1].astype(int), len(IMPUTATIONS) - 1)
    weights = w0[None, :] * multipliers
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
    out = pd.DataFrame(rows)
    out.attrs.update(
        {
            "evaluations": len(design),
            "base_samples": base_samples,
            "output": "mean absolute rank shift",
            "mean_shift": float(shift.mean()),
        }
    )
    return out


def _drop(weights: str | Mapping[str, float], dimension: str) -> str | Mapping[str, float]:
    if isinstance(weights, str):
        return weights
    return {k: v for k, v in weights.items() if k != dimension}


def _bounded(components: Sequence[Component]) -> np.ndarray:
    return np.array([c.entry.unit == "percent" for c in components])


def _deciles(values: np.ndarray) -> np.ndarray:
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


# -- explanations ---------------------------------------------------------------------------------
def ordinal(n: int, lang: str) -> str:
    if lang == "fr":
        return "1re" if n == 1 else f"{n:,}e".replace(",", "\u202f")
    if lang == "ar":
        return f"{n}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _count(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "\u202f") if lang == "fr" else f"{n:,}" if lang == "en" else str(n)


UNIT_WORDS = {
    "commune": {"fr": "communes", "ar": "جماعة", "en": "communes"},
    "province": {"fr": "provinces et préfectures", "ar": "إقليم وعمالة", "en": "provinces and prefectures"},
    "region": {"fr": "régions", "ar": "جهة", "en": "regions"},
}


def explain(
    rank: int,
    of: int,
    interval: tuple[int, int],
    values: Mapping[str, float],
    contributions: Mapping[str, float],
    *,
    level: str = "commune",
    lang: str = "en",
    top: int = 2,
) -> str:
    """
    A plain-language sentence: the rank, its 90% interval, and the (at most `top`) components
    that push the unit furthest towards fragility, each said with its value ('61% of women aged
    10+ cannot read or write'). `values` and `contributions` are keyed by component key names.
    """
    pushing = sorted(((c, k) for k, c in contributions.items() if c > 0), reverse=True)[:top]
    reasons = []
    for _, name in pushing:
        key = Key.parse(name)
        reasons.append(registry.get(key.indicator).phrase(float(values[name]), lang=lang, sex=key.sex))
    units = UNIT_WORDS[level][lang]
    lo, hi = interval
    if rank > of / 2 and reasons:  # a less fragile unit: its weak points, not reasons for a high rank
        joined = {"fr": " et ", "ar": " و", "en": " and "}[lang].join(reasons)
        tail = {
            "fr": f" ; ses points faibles : {joined}",
            "ar": f"؛ نقاط ضعفها: {joined}",
            "en": f"; its weak points: {joined}",
        }[lang]
        reasons = []
    else:
        tail = ""
    if lang == "fr":
        head = (
            f"Classée {ordinal(rank, 'fr')} sur {_count(of, 'fr')} {units} les plus fragiles "
            f"(intervalle à 90 % : {ordinal(lo, 'fr')}–{ordinal(hi, 'fr')})"
        )
        body = ", principalement parce que " + " et ".join(reasons) if reasons else ""
    elif lang == "ar":
        head = f"تحتل المرتبة {rank} من أصل {of} {units} الأكثر هشاشة (مجال 90%: {lo}–{hi})"
        body = "، أساسا لأن " + " و".join(reasons) if reasons else ""
    else:
        head = (
            f"Ranked {ordinal(rank, 'en')} most fragile of {_count(of, 'en')} {units} "
            f"(90% interval: {ordinal(lo, 'en')}–{ordinal(hi, 'en')})"
        )
        body = ", mainly because " + " and ".join(reasons) if reasons else ""
    return head + body + tail + "."


UNRANKED_SENTENCES = {
    "few_residents": {
        "fr": f"Non classée : moins de {MIN_RESIDENTS:,} résidents".replace(",", "\u202f")
        + ", ses taux reposent sur trop peu de personnes pour un rang.",
        "ar": f"غير مصنفة: أقل من {MIN_RESIDENTS} نسمة مقيمة، معدلاتها مبنية على عدد قليل جدا من الأشخاص.",
        "en": f"Not ranked: fewer than {MIN_RESIDENTS:,} residents, too few people for its rates to support "
        "a rank.",
    },
    "mostly_imputed": {
        "fr": "Non classée : plus de la moitié de ses données ne sont pas publiées par le HCP et ont été "
        "imputées.",
        "ar": "غير مصنفة: أكثر من نصف معطياتها غير منشورة من طرف المندوبية وتم تقديرها.",
        "en": "Not ranked: more than half of its inputs are not published by HCP and were imputed.",
    },
}


def explain_unranked(reason: str, lang: str = "en") -> str:
    """Why a unit has no rank, in `lang` (`reason` one of `UNRANKED_REASONS`)."""
    if reason not in UNRANKED_SENTENCES:
        raise unknown_name("unranked reason", reason, UNRANKED_SENTENCES)
    return UNRANKED_SENTENCES[reason][lang]


def params_json(params: Mapping[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
