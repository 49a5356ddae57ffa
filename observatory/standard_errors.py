"""
The sampling error of every figure the build stores: each 2024 long-form commune rate gets its standard
error (`observatory.sampling`) on its own denominator, with its 90% bounds; each province, région and
country rate the SE of a denominator-weighted mean of independent commune rates; the commune distances the
SE of a mean. The functions take the build's frames and return frames: they write nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import registry, sampling
from .indicators import Key
from .models import Z90

#: The columns that name one figure of a unit in a year's tidy table.
CELL = ("unit_code", "indicator_id", "sex", "area")
#: The distance to a paved road: a mean over households, not a rate.
DISTANCE = "households_distance_to_paved_road_km"
#: The columns `fill_standard_errors` returns.
ERROR_COLUMNS = ["se", "lower", "upper"]
_AGGREGATE_LEVELS = (("province", "province_code"), ("region", "region_code"), ("country", None))


def fill_standard_errors(
    *, values: pd.DataFrame, units: pd.DataFrame, dictionary: pd.DataFrame
) -> pd.DataFrame:
    """
    The `se`, `lower` and `upper` columns of `values` (the build's `indicator_value` rows) with every empty
    SE of a 2024 sampled rate filled at every level, and of a commune distance; the rest as given.
    `units` holds the communes by code (`households_2024`, `province_code`, `region_code`), `dictionary`
    the field dictionary (`indicator`) whose declared denominators weigh the rates the registry leaves open.
    """
    out = values[ERROR_COLUMNS].copy()
    entries = {e.id: e for e in (*registry.CURATED, *registry.census_entries()) if e.sampled}
    rows = _sampled_rates(values, out, "commune", set(entries))
    if not rows.any():
        return out
    part = values.loc[rows, [*CELL, "value"]]
    households = units["households_2024"].reindex(part.unit_code).to_numpy(float)
    declared = (
        dictionary[dictionary.year == 2024]
        .drop_duplicates("indicator_id")
        .set_index("indicator_id")["denominator"]
        .dropna()
        .to_dict()
    )
    denominator, deff = denominators(values, part, entries, declared)
    denominator = np.where(np.isnan(denominator), households, denominator)
    se = sampling.rate_standard_error(
        part["value"].to_numpy(float), denominator, households, design_effect=deff
    )
    _put(out, rows, part["value"].to_numpy(float), se)
    _fill_aggregates(values, out, part, se, np.nan_to_num(denominator), units, set(entries))
    distance = (
        (values.level == "commune")
        & (values.year == 2024)
        & (values.indicator_id == DISTANCE)
        & out.se.isna()
    )
    hh = units["households_2024"].reindex(values.loc[distance, "unit_code"]).to_numpy(float)
    out.loc[distance, "se"] = sampling.mean_standard_error(values.loc[distance, "value"].to_numpy(float), hh)
    return out


def _sampled_rates(values: pd.DataFrame, errors: pd.DataFrame, level: str, sampled: set[str]) -> pd.Series:
    """The 2024 sampled rates of `level` that have no SE yet."""
    return (
        (values.level == level)
        & (values.year == 2024)
        & (values.unit == "percent")
        & values.indicator_id.isin(sampled)
        & errors.se.isna()
    )


def _put(errors: pd.DataFrame, rows: pd.Series, value: np.ndarray, se: np.ndarray) -> None:
    """Set the SE of `rows` and their 90% bounds, clipped to [0, 100]; a full count (SE 0: the long form
    asked every household) gets no bounds, since it has no interval to print."""
    counted = np.asarray(se) == 0
    errors.loc[rows, "se"] = se
    errors.loc[rows, "lower"] = np.where(counted, np.nan, np.clip(value - Z90 * se, 0, 100))
    errors.loc[rows, "upper"] = np.where(counted, np.nan, np.clip(value + Z90 * se, 0, 100))


def _fill_aggregates(
    values: pd.DataFrame,
    errors: pd.DataFrame,
    part: pd.DataFrame,
    se: np.ndarray,
    weight: np.ndarray,
    units: pd.DataFrame,
    sampled: set[str],
) -> None:
    """The SE of each province, région and country rate: a denominator-weighted mean of independent commune
    rates (`part`, their SE `se` and weights `weight`)."""
    cells = CellKeys(values)
    for level, column in _AGGREGATE_LEVELS:
        parent = recode(part.unit_code, units[column]) if column else "MA"
        group = cells(parent, part.indicator_id, part.sex, part.area)
        kept = group >= 0
        agg_se = sampling.aggregate_standard_error(se[kept], weight[kept], pd.Series(group[kept]))
        target = _sampled_rates(values, errors, level, sampled)
        at = values.loc[target, [*CELL, "value"]]
        found = lookup(agg_se.index.to_numpy(), agg_se.to_numpy(float), cells(*(at[c] for c in CELL)))
        _put(errors, target, at["value"].to_numpy(float), found)


def denominators(
    values: pd.DataFrame,
    part: pd.DataFrame,
    entries: dict[str, registry.Indicator],
    dictionary: dict[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Each sampled rate's own denominator, for the same commune, sex and area (the registry's, else the one
    the field dictionary weighs it with), and its design effect (the registry's sampling unit); a rate with
    neither counts people aged 10+, or households."""
    unit = {k: e.sampling_unit for k, e in entries.items()}
    wanted = recode(
        part.indicator_id,
        {
            k: e.denominator
            or dictionary.get(k)
            or ("households_count" if e.sampling_unit == "households" else "illiteracy_population_10_plus")
            for k, e in entries.items()
        },
    )
    counts = values[
        (values.level == "commune")
        & (values.year == 2024)
        & values.indicator_id.isin(set(wanted.cat.categories))
    ]
    cells = CellKeys(values, part)
    known = cells(*(counts[c] for c in CELL))
    unique, first = np.unique(known, return_index=True)  # the first row of a cell, as drop_duplicates keeps
    count = counts["value"].to_numpy(float)[first]
    found = lookup(unique, count, cells(part.unit_code, wanted, part.sex, part.area))
    # Household counts are published for all sexes only.
    any_sex = lookup(unique, count, cells(part.unit_code, wanted, "all", part.area))
    found = np.where(np.isnan(found), any_sex, found)
    deff = part.indicator_id.map(unit).fillna("persons").map(sampling.DESIGN_EFFECTS)
    return found, deff.to_numpy(float)


class CellKeys:
    """
    One integer per (unit, indicator, sex, area) cell, the same for every frame given at construction: a
    million rates find their denominators and aggregates by integer search instead of through a four-level
    index of strings (a second and 250 MB of temporaries less).
    """

    def __init__(self, *frames: pd.DataFrame) -> None:
        self.labels = {
            c: pd.Index(pd.unique(np.concatenate([_labels(f[c]) for f in frames])), dtype=object)
            for c in CELL
        }

    def __call__(self, *columns: Any) -> np.ndarray:
        """The cells' keys for columns (or one label for all rows) in `CELL` order, -1 where a label is not
        known."""
        key = np.zeros(max(len(c) for c in columns if not isinstance(c, str)), dtype=np.int64)
        unknown = np.zeros(len(key), dtype=bool)
        for name, column in zip(CELL, columns, strict=True):
            position = (
                np.full(len(key), self.labels[name].get_indexer([column])[0])
                if isinstance(column, str)
                else _positions(column, self.labels[name])
            )
            key = key * len(self.labels[name]) + position
            unknown |= position < 0
        key[unknown] = -1
        return key


def _labels(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.categories, dtype=object)
    return np.asarray(pd.unique(column.dropna()), dtype=object)


def _positions(column: Any, labels: pd.Index) -> np.ndarray:
    """Each value's position in `labels` (-1 if absent or empty), through a categorical's categories."""
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        positions: np.ndarray = np.where(codes >= 0, labels.get_indexer(column.cat.categories)[codes], -1)
    else:
        positions = labels.get_indexer(np.asarray(column, dtype=object))
    return positions


def recode(column: pd.Series, mapping: Mapping[str, Any] | pd.Series) -> pd.Series:
    """`column` with each label replaced by `mapping[label]` (NaN where it has none), as a categorical: the
    mapping is looked up once per label, not once per row."""
    column = column.astype("category")
    new = column.cat.categories.map(mapping)
    inverse, uniques = pd.factorize(np.asarray(new, dtype=object))
    codes = column.cat.codes.to_numpy()
    recoded = np.where(codes >= 0, inverse[codes], -1)
    return pd.Series(pd.Categorical.from_codes(recoded, uniques), index=column.index)


def lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The value of each wanted key in sorted unique `keys` (NaN where absent or -1)."""
    if not len(keys):
        return np.full(len(wanted), np.nan)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where((keys[at] == wanted) & (wanted >= 0), values[at], np.nan)


def input_standard_errors(*, values: pd.DataFrame, codes: list[str], columns: pd.Index) -> pd.DataFrame:
    """The SE of each commune input of `columns` (key names), 0 where none is stored."""
    keys = [Key.parse(c) for c in columns]
    subset = values[
        (values.level == "commune")
        & (values.area == "total")
        & values.se.notna()
        & values.indicator_id.isin({k.indicator for k in keys})
    ]
    table = subset.pivot_table(
        index="unit_code", columns=["indicator_id", "year", "sex"], values="se", aggfunc="first"
    )
    out = {
        key.name: table[(key.indicator, key.year, key.sex)].reindex(codes)
        if (key.indicator, key.year, key.sex) in table.columns
        else pd.Series(0.0, index=codes)
        for key in keys
    }
    return pd.DataFrame(out, index=codes).fillna(0.0)
