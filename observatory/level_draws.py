"""
Intervals of totals and forecasts at every level from one set of Monte Carlo draws: a province's, a
région's or the nation's draw is the sum (or weighted mean) of its communes' same draw, so the levels
agree draw by draw and no interval is a sum of bounds (the régions' upper bounds need not add to the
nation's). Draw 0 is the central figure; the 90% interval is the 5th-95th percentile of the others.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix


def level_summary(
    draws: np.ndarray,
    codes: pd.Index,
    parents: Mapping[str, pd.Series],
    *,
    weight: np.ndarray | None = None,
) -> pd.DataFrame:
    """
    `draws` (draws × communes, draw 0 central) of a count, or with `weight` (draws × communes, or one row
    for all draws) of a rate, summarised at the commune level and every level of `parents` (each
    commune's parent code): `level`, `code`, `estimate`, `lower`, `upper`, `se`. A rate is the weighted
    mean of its communes' rates in the same draw.
    """
    frames = []
    w = None if weight is None else np.broadcast_to(np.asarray(weight, float), draws.shape)
    for level in ("commune", *parents):
        labels = codes.to_numpy() if level == "commune" else parents[level].reindex(codes).to_numpy()
        uniq, inverse = np.unique(labels.astype(str), return_inverse=True)
        member = csr_matrix(
            (np.ones(len(inverse)), (np.arange(len(inverse)), inverse)), shape=(len(inverse), len(uniq))
        )
        if w is None:
            values = np.asarray(member.T @ np.nan_to_num(draws).T).T
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.asarray(member.T @ np.nan_to_num(draws * w).T).T / np.asarray(member.T @ w.T).T
        frames.append(summary(values, uniq).assign(level=level))
    return pd.concat(frames, ignore_index=True)


def summary(values: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
    """Draw 0 as the estimate, the 5th and 95th percentiles of the other draws as the 90% interval."""
    rest = values[1:]
    return pd.DataFrame(
        {
            "code": codes,
            "estimate": values[0],
            "lower": np.quantile(rest, 0.05, axis=0),
            "upper": np.quantile(rest, 0.95, axis=0),
            "se": rest.std(axis=0),
        }
    )
