"""
The arrondissements of a divided city (Casablanca, Fès, Marrakech, Rabat, Salé, Tanger): HCP counts
each of these communes as one unit and publishes full census figures for its arrondissements, which a
city planner needs. Read through the query layer, so the app, the API and a report rank them alike.
"""

from __future__ import annotations

import pandas as pd

from . import query

#: What the arrondissements are ranked by when no indicator is named: the headline literacy figure.
DEFAULT_INDICATOR = "illiteracy_rate_10_plus"

ARRONDISSEMENT_COLUMNS = [
    "code",
    "name_fr",
    "name_ar",
    "population_2024",
    "households_2024",
    "area_km2",
    "indicator_id",
    "year",
    "value",
    "unit",
    "status",
    "rank",
    "source_id",
]


def of_commune(
    code: str,
    *,
    db: query.DatabaseLike = None,
    indicator: str = DEFAULT_INDICATOR,
    year: int = 2024,
) -> pd.DataFrame:
    """
    The arrondissements of commune `code` (none for an undivided commune), with their population,
    households, area (km², from their outline) and the value of `indicator` in `year` (sex all, area
    total) as published, ranked from the highest value (rank 1) down; ties share the lower rank.
    """
    database = query.connect(db)
    units = query.units("arrondissement", db=database, commune=code, geometry=False)
    if not len(units):
        return pd.DataFrame(columns=ARRONDISSEMENT_COLUMNS)
    values = query.indicator_values(
        indicator, db=database, level="arrondissement", year=year, units=list(units["code"])
    )
    values = values[["unit_code", "indicator_id", "year", "value", "unit", "status", "source_id"]]
    frame = units.merge(values.rename(columns={"unit_code": "code"}), on="code", how="left")
    frame["rank"] = frame["value"].rank(ascending=False, method="min").astype("Int64")
    ranked = frame.sort_values(["rank", "code"], na_position="last")
    return ranked[ARRONDISSEMENT_COLUMNS].reset_index(drop=True)
