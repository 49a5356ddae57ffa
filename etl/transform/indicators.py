"""
Census tables → tidy indicator values, and commune values → province, région and country aggregates.

A count is summed. A rate is averaged with the weight of its own denominator (people aged 10+ for
illiteracy 10+, households for household equipment, the employed for commuting...): the rules are
in `DENOMINATORS`, and where HCP did not publish the denominator (2014 population aged 10+), it is
derived from the same unit's published age structure, as `WEIGHT_NOTES` says.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from observatory.etl.sources.census import KEY_COLUMNS
from observatory.formatting import COUNT_UNITS
from observatory.standard_errors import CELL as CELL

#: (dataset, year, column pattern) → denominator column (a regex, first match wins).
DENOMINATORS: list[tuple[str, int | None, str, str]] = [
    ("people", 2024, r"^illiteracy_rate_10_plus$", "illiteracy_population_10_plus"),
    ("people", 2024, r"^illiteracy_rate_15_plus$", "illiteracy_population_15_plus"),
    (
        "people",
        2024,
        r"^languages_read_and_written_(?!literate)",
        "languages_read_and_written_literate_population_10_plus",
    ),
    ("people", 2024, r"^marital_status_", "marital_status_population_15_plus"),
    ("people", 2024, r"^schooling_rate", "schooling_population_7_to_12"),
    ("people", 2024, r"^labour_activity_rate$", "labour_population_15_plus"),
    ("people", 2024, r"^labour_unemployment_rate$", "labour_active"),
    ("people", 2024, r"^employment_status_", "labour_employed"),
    ("people", 2024, r"^commute_", "commute_employed"),
    ("people", 2014, r"^illiteracy_rate_10_plus$", "~population_10_plus"),
    ("people", 2014, r"^language_combinations_", "~literate_population_10_plus"),
    ("people", 2014, r"^labour_activity_rate$", "~population_15_plus"),
    ("people", 2014, r"^labour_unemployment_rate$", "labour_active"),
    ("people", 2014, r"^employment_status_", "labour_active"),
    ("people", 2014, r"^(commute|workplace)_", "commute_employed"),
    ("people", 2014, r"^study_", "study_students"),
    ("people", 2014, r"^(profession|work_sector)_", "profession_employed"),
    ("people", 2014, r"^(diploma|vocational_diploma)_", "diploma_population_10_plus"),
    ("households", 2024, r"^amenities_(electricity|running_water)$", "households_sedentary"),
    ("households", None, r".", "households_count"),
    ("housing", None, r".", "dwellings_total"),
    ("economy", None, r".", "establishments_total"),
    ("people", None, r".", "population_municipal"),
]

#: Denominators HCP did not publish, derived from the same unit's own figures.
WEIGHT_NOTES = {
    "~population_10_plus": "population municipale × (100 − % aged 0-4 − % aged 5-9) / 100",
    "~population_15_plus": "population municipale × (100 − % aged 0-4, 5-9, 10-14) / 100",
    "~literate_population_10_plus": "population aged 10+ (as above) × (100 − illiteracy rate 10+) / 100",
}


def denominator(dataset: str, year: int, column: str) -> str:
    """The column that weighs `column` when it is averaged over communes."""
    for rule_dataset, rule_year, pattern, weight in DENOMINATORS:
        if rule_dataset == dataset and rule_year in (None, year) and re.search(pattern, column):
            return weight
    raise KeyError(f"no denominator rule for {dataset} {year} {column}")


def _derived_weights(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the derived denominators of WEIGHT_NOTES (only where the age columns exist)."""
    out = frame.copy()
    if {"age_0_4", "age_5_9", "population_municipal"} <= set(out.columns):
        pop = out["population_municipal"]
        out["~population_10_plus"] = pop * (100 - out["age_0_4"] - out["age_5_9"]) / 100
        out["~population_15_plus"] = pop * (100 - out["age_0_4"] - out["age_5_9"] - out["age_10_14"]) / 100
        if "illiteracy_rate_10_plus" in out:
            out["~literate_population_10_plus"] = (
                out["~population_10_plus"] * (100 - out["illiteracy_rate_10_plus"]) / 100
            )
    return out


def measure_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in KEY_COLUMNS and not c.startswith("~")]


def with_divided_cities(
    frame: pd.DataFrame, communes: pd.DataFrame, *, units: dict[str, str], dataset: str, year: int
) -> pd.DataFrame:
    """
    Commune rows for the divided cities where a table has only their arrondissements (2014): each
    figure is aggregated from the arrondissements exactly as communes are into provinces.
    """
    arr = frame[frame["level"] == "arrondissement"].copy()
    if arr.empty:
        return frame
    city_of = arr["code"].str.slice(0, 10) + "0"  # 01.511.01.05 → 01.511.01.0
    present = set(frame.loc[frame["level"] == "commune", "code"])
    missing = sorted(set(city_of) & set(communes["code"]) - present)
    if not missing:
        return frame
    measures = measure_columns(arr)
    arr = arr.assign(parent=city_of.values)
    arr = arr[arr["parent"].isin(missing)]
    keys = ["parent", "area"] + (["sex"] if "sex" in frame else [])
    cities = aggregate_wide(arr, keys, measures, units=units, dataset=dataset, year=year).rename(
        columns={"parent": "code"}
    )
    cities["level"] = "commune"
    names = communes.set_index("code")
    cities["name_fr"] = cities["code"].map(names["name_fr"])
    cities["code_digits"] = cities["code"].map(names["code_digits"])
    cities["_from_arrondissements"] = True
    return pd.concat([frame, cities], ignore_index=True)


def aggregate_wide(
    frame: pd.DataFrame,
    keys: list[str],
    measures: list[str],
    *,
    units: dict[str, str],
    dataset: str,
    year: int,
) -> pd.DataFrame:
    """Aggregate the `measures` of a wide frame by `keys`: counts summed, rates weighted by their
    denominators."""
    frame = _derived_weights(frame)
    values = frame[measures].apply(pd.to_numeric, errors="coerce")
    counts = [c for c in measures if units.get(c, "percent") in COUNT_UNITS]
    rates = [c for c in measures if c not in counts]
    weights = pd.DataFrame(
        {
            c: pd.to_numeric(
                frame.get(denominator(dataset, year, c), frame.get("population_municipal")), errors="coerce"
            )
            for c in rates
        },
        index=frame.index,
    ).where(values[rates].notna())
    # One groupby over all columns at once: the group keys are computed a single time.
    by = [frame[k] for k in keys]
    summed = pd.concat([values[counts], values[rates] * weights, weights.add_suffix("~w")], axis=1)
    sums = summed.groupby(by, dropna=False, sort=True).sum(min_count=1)
    denominators = sums[[f"{c}~w" for c in rates]].set_axis(rates, axis=1).replace(0, np.nan)
    out = pd.concat([sums[counts], (sums[rates] / denominators).round(4)], axis=1)
    return out[measures].reset_index()


def tidy(
    frame: pd.DataFrame,
    *,
    dataset: str,
    year: int,
    units: dict[str, str],
    source_of: dict[str, str],
    level: str,
    status: str,
) -> pd.DataFrame:
    """
    A wide census table → one row per unit, indicator, sex and area, empty values dropped, indicator by
    indicator (as `DataFrame.melt` orders them). The text columns come out categorical, each row an index
    into a few hundred labels: melting the strings themselves took a second and a half of every build.
    """
    if "_from_arrondissements" in frame:
        frame = frame.drop(columns="_from_arrondissements")
    measures = measure_columns(frame)
    n = len(frame)
    present = frame[measures].notna().to_numpy().T.ravel()
    row = np.tile(np.arange(n), len(measures))[present]
    indicator = np.repeat(np.arange(len(measures)), n)[present]
    numbers = np.column_stack(
        [pd.to_numeric(frame[c], errors="coerce").astype("float64").to_numpy() for c in measures]
        or [np.empty(n)]
    )
    out = pd.DataFrame(
        {
            "unit_code": _taken(frame["code"], row),
            "area": _taken(frame["area"], row),
            "sex": _taken(frame["sex"], row) if "sex" in frame else _constant("all", len(row)),
            "indicator_id": pd.Categorical.from_codes(indicator, measures, validate=False),
            "value": numbers.T.ravel()[present],
        }
    )
    out["level"] = _constant(level, len(out))
    out["year"] = year
    out["period"] = _constant(str(year), len(out))
    out["unit"] = pd.Categorical([units.get(c, "percent") for c in measures])[indicator]
    out["status"] = status
    out["source_id"] = pd.Categorical([source_of.get(c) for c in measures])[indicator]
    return out


def _taken(column: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """`column`'s values at `rows`, as a categorical."""
    labels = pd.Categorical(column)
    return pd.Categorical.from_codes(labels.codes[rows], labels.categories, validate=False)


def _constant(label: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [label], validate=False)
