"""
Sampling error of census rates.

The RGPH 2024 long form (education, literacy, languages, disability, housing amenities) was put to
a 20% sample of households in communes of 2,000 households or more, and to every household below
that; the short form (age, sex) was a full count everywhere. A rate from the sample carries a
standard error

    SE(p) = 100 · sqrt( deff · (1 − f) · p (1 − p) / n ),   n = f · N,

where f is the sampling fraction (0.2, or 1 for a full count, whose SE is 0), N the rate's own
denominator as the registry declares it (people aged 10+ for illiteracy, the literate population
aged 10+ for the languages read and written, households for household rates), and deff the design
effect, which depends on what the rate counts (`DESIGN_EFFECTS`): households are the sampling unit
itself (deff 1); people are sampled in whole households and resemble their housemates (deff 1.5,
a conventional value for household surveys, stated rather than estimated: HCP publishes none).
Distances are means, not rates: their SE is value · cv / sqrt(n) with a coefficient of variation
of 1 between households. The 2014 census is treated as a full count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SAMPLE_FRACTION = 0.2
FULL_COUNT_BELOW_HOUSEHOLDS = 2000
DESIGN_EFFECT = 1.5
#: Design effect by what a rate counts (`registry.Indicator.sampling_unit`).
DESIGN_EFFECTS = {"households": 1.0, "persons": DESIGN_EFFECT}
DISTANCE_CV = 1.0


def sampling_fraction(households: np.ndarray | pd.Series) -> np.ndarray:
    """0.2 where a commune has 2,000 households or more, 1 (full count) below."""
    h = np.asarray(households, dtype=float)
    return np.where(h >= FULL_COUNT_BELOW_HOUSEHOLDS, SAMPLE_FRACTION, 1.0)


def rate_standard_error(
    rate: np.ndarray | pd.Series,
    denominator: np.ndarray | pd.Series,
    households: np.ndarray | pd.Series,
    *,
    design_effect: float | np.ndarray = DESIGN_EFFECT,
) -> np.ndarray:
    """Standard error, in percentage points, of a percent rate estimated from the long-form sample;
    `design_effect` may be one value per rate."""
    p = np.clip(np.asarray(rate, dtype=float) / 100.0, 0.0, 1.0)
    big_n = np.asarray(denominator, dtype=float)
    f = sampling_fraction(households)
    n = np.maximum(f * big_n, 1.0)
    se = 100.0 * np.sqrt(design_effect * (1.0 - f) * p * (1.0 - p) / n)
    return np.where(f >= 1.0, 0.0, se)


def mean_standard_error(
    mean: np.ndarray | pd.Series,
    households: np.ndarray | pd.Series,
    *,
    cv: float = DISTANCE_CV,
    design_effect: float = DESIGN_EFFECTS["households"],
) -> np.ndarray:
    """Standard error of a household mean (the distance to a paved road) from the long-form sample."""
    f = sampling_fraction(households)
    n = np.maximum(f * np.asarray(households, dtype=float), 1.0)
    se = np.abs(np.asarray(mean, dtype=float)) * cv * np.sqrt(design_effect * (1.0 - f) / n)
    return np.where(f >= 1.0, 0.0, se)


def aggregate_standard_error(se: pd.Series, weight: pd.Series, group: pd.Series | pd.DataFrame) -> pd.Series:
    """SE of a weighted mean of independent unit rates, sqrt(Σ w² se²) / Σ w, by group (one key per
    column of a frame); NaN where a group's weights sum to zero."""
    frame_of_keys = group if isinstance(group, pd.DataFrame) else group.to_frame()
    keys = [frame_of_keys[c].to_numpy() for c in frame_of_keys.columns]
    w = np.asarray(weight, dtype=float)
    frame = pd.DataFrame({"num": (w * np.asarray(se, dtype=float)) ** 2, "w": w})
    sums = frame.groupby(keys)[["num", "w"]].sum()
    return np.sqrt(sums["num"]) / sums["w"].where(sums["w"] > 0)


def shrink_to_group(rate: pd.Series, base: pd.Series, group: pd.Series, *, floor: float = 1e-4) -> pd.Series:
    """
    Empirical-Bayes beta-binomial shrinkage of unit rates (percent) toward their group's (a province's):
    a rate over `base` people becomes (base·p + M·p̄) / (base + M), where p̄ is the group's pooled rate and
    M = p̄(1 − p̄)/τ² − 1 the prior's weight, τ² the between-unit variance left once binomial noise
    (p̄(1 − p̄)/base on average) is taken out, by the method of moments. A rate over 30 people moves far,
    one over 30,000 barely.
    """
    p = np.clip(rate.astype(float) / 100.0, 0.0, 1.0)
    n = base.reindex(rate.index).astype(float).clip(lower=1.0)
    frame = pd.DataFrame({"p": p, "n": n, "g": group.reindex(rate.index)}).dropna()
    pooled = (frame.p * frame.n).groupby(frame.g).sum() / frame.n.groupby(frame.g).sum()
    centre = frame.g.map(pooled)
    spread = frame.p.groupby(frame.g).var(ddof=0).fillna(0.0)
    noise = (pooled * (1 - pooled)) * (1.0 / frame.n).groupby(frame.g).mean()
    tau2 = (spread - noise).clip(lower=floor**2)
    prior = (pooled * (1 - pooled) / tau2 - 1).clip(lower=0.0)
    m = frame.g.map(prior)
    shrunk = (frame.n * frame.p + m * centre) / (frame.n + m)
    return (100 * shrunk).reindex(rate.index).fillna(rate)
