"""
Classification of values into map classes, ranks and bivariate classes: the statistics a map needs,
kept here so the app, the reports and a notebook draw the same classes for the same numbers.

Schemes are a registry keyed by name (as in `mapclassify._classify_API`); a wrong name lists the
valid ones.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import unknown_name

#: scheme name (one per `observatory.enums.SCHEMES`) -> mapclassify class name. Natural breaks are
#: Jenks-Caspall: deterministic (it starts from quantiles) and fast; the exact Fisher-Jenks takes
#: ~2.6 s for 1,503 communes without numba.
SCHEMES = {
    "quantiles": "Quantiles",
    "natural_breaks": "JenksCaspall",
    "equal_interval": "EqualInterval",
}


@dataclass(frozen=True)
class Classes:
    """Classes of a set of values: `bounds` has k+1 edges (min, then each class's upper bound)."""

    scheme: str
    bounds: tuple[float, ...]
    classes: np.ndarray
    """Class of each value, 0 (lowest) to k-1; -1 where the value is missing."""
    counts: tuple[int, ...]

    @property
    def k(self) -> int:
        return len(self.bounds) - 1

    def intervals(self) -> list[tuple[float, float]]:
        """(lower, upper) of each class, for a legend."""
        return list(zip(self.bounds[:-1], self.bounds[1:], strict=True))


def classify(
    values: Sequence[float] | pd.Series | np.ndarray, *, scheme: str = "quantiles", k: int = 5
) -> Classes:
    """
    Classes of `values` under a scheme (quantiles, natural_breaks, equal_interval). Missing values
    get class -1. With fewer distinct values than `k`, there are as many classes as distinct values.
    """
    if scheme not in SCHEMES:
        raise unknown_name("classification scheme", scheme, SCHEMES)
    if not 2 <= int(k) <= 9:
        raise ValueError(f"k must be between 2 and 9 classes, got {k}")
    array = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="float64")
    present = ~np.isnan(array)
    classes = np.full(len(array), -1, dtype="int64")
    if not present.any():
        return Classes(scheme, (), classes, ())
    observed = array[present]
    distinct = np.unique(observed)
    k = min(int(k), len(distinct))
    if k < 2:
        classes[present] = 0
        return Classes(scheme, (float(distinct[0]), float(distinct[0])), classes, (int(present.sum()),))
    if scheme == "quantiles":
        bins = quantile_bins(observed, k)
        classes[present] = np.searchsorted(bins, observed, side="left")
    else:
        import mapclassify

        classifier = getattr(mapclassify, SCHEMES[scheme])(observed, k=k)
        bins = np.asarray(classifier.bins, dtype="float64")
        classes[present] = np.asarray(classifier.yb, dtype="int64")
    counts = tuple(int((classes == i).sum()) for i in range(len(bins)))
    return Classes(scheme, (float(observed.min()), *map(float, bins)), classes, counts)


def quantile_bins(observed: np.ndarray, k: int) -> np.ndarray:
    """
    The upper bounds of `k` quantile classes, as `mapclassify.Quantiles` draws them (each (100/k)th
    percentile, interpolated linearly like `scipy.stats.scoreatpercentile`; repeated bounds collapse
    into fewer classes, with its warning), without importing mapclassify: it loads scipy.stats and
    scikit-learn, about a second a fresh process (a one-map commune report) pays for five numbers.
    """
    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    percents[-1] = min(percents[-1], 100.0)
    bins = np.unique(np.percentile(observed, percents))
    if len(bins) < k:
        warnings.warn(
            f"Not enough unique values in array to form {k} classes. Setting k to {len(bins)}.",
            UserWarning,
            stacklevel=3,
        )
    return bins


def rank(values: Sequence[float] | pd.Series | np.ndarray, *, descending: bool = True) -> np.ndarray:
    """Rank of each value, 1 for the highest (or lowest if not `descending`); ties share the best rank; NaN
    stays NaN."""
    series = pd.Series(np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="float64"))
    return series.rank(ascending=not descending, method="min").to_numpy()


def bivariate(
    x: Sequence[float] | pd.Series | np.ndarray, y: Sequence[float] | pd.Series | np.ndarray, *, k: int = 3
) -> np.ndarray:
    """
    Bivariate class of each unit: `k * row + col` where col is the quantile class of x and row that
    of y (0 = low); -1 where either is missing.
    """
    cx = classify(x, scheme="quantiles", k=k).classes
    cy = classify(y, scheme="quantiles", k=k).classes
    return np.where((cx < 0) | (cy < 0), -1, cy * k + cx)


def need_rank(values: Sequence[float] | pd.Series | np.ndarray, *, direction: str) -> np.ndarray:
    """Rank 1 for the unit in most need: the highest value where higher is worse (or neutral), the lowest
    where higher is better (a registry direction)."""
    return rank(values, descending=direction != "higher_is_better")


def ranking(values: pd.Series, *, direction: str) -> pd.DataFrame:
    """Every unit of `values` (indexed by code) with its value, its need rank (1 = most in need) and the
    number ranked, most in need first; units without a value come last, unranked."""
    series = pd.to_numeric(values, errors="coerce").astype("float64")
    order = need_rank(series.to_numpy(), direction=direction)
    frame = pd.DataFrame(
        {"code": series.index.astype(str), "value": series.to_numpy(), "rank": order},
    )
    frame["rank"] = frame["rank"].astype("Int64")
    frame["ranked"] = int(series.notna().sum())
    return frame.sort_values(["rank", "code"], na_position="last", kind="stable").reset_index(drop=True)
