"""
A commune's profile: every indicator beside its province, its région and the country, and its
change since the 2014 census where the two censuses measured the same thing. Read through the query
layer, so the app, a report and a notebook show the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import census_change, query, registry
from .enums import DIMENSIONS
from .errors import unknown_name
from .results import index_contributions
from .themes import profile_topic

PROFILE_COLUMNS = [
    "indicator_id",
    "year",
    "topic",
    "theme",
    "dimension",
    "label_fr",
    "label_en",
    "unit",
    "status",
    "commune",
    "lower",
    "upper",
    "scenario_low",
    "scenario_high",
    "province",
    "region",
    "country",
    "value_2014",
    "comparable",
    "change",
    "source_id",
    "licence",
]


def commune_profile(code: str, *, db: query.DatabaseLike = None, simulated: bool = False) -> pd.DataFrame:
    """
    One row per indicator and year measured for the commune `code` (sex all, area total), in the order
    of HCP's field dictionary (themes as HCP lists them, age groups from the youngest): its value (with
    the interval of a modelled value), the same indicator for its province, région and the country, the
    2014 value when the 2014 census has it, whether the two censuses measured the same thing
    (`comparable`, from `registry.comparable_since_2014`) and `change` = value - value_2014 where they
    did, in the indicator's unit (percentage points for a percent). `dimension` is the index dimension
    of the indicator, if any. Simulated values (demonstration data) are left out unless `simulated`.
    """
    database = query.connect(db)
    communes = query.units("commune", db=database, codes=[code], geometry=False)
    if not len(communes):
        raise unknown_name("commune code", code, query.units("commune", db=database, geometry=False).code)
    commune = communes.iloc[0]
    country = query.units("country", db=database, geometry=False).code.iloc[0]
    # One read for the commune and the three units above it: each read also applies the accepted
    # challenges, and four of them were most of a profile's time.
    places = {"commune": code, "province": commune.province_code, "region": commune.region_code}
    places["country"] = country
    every = query.indicator_values(db=database, level=None, units=list(places.values()))
    groups = every.groupby(["level", "unit_code"], sort=False, observed=True).indices
    of = {level: every.take(groups.get((level, unit), [])) for level, unit in places.items()}
    values = of["commune"]
    if not simulated:
        values = values[values.status != "simulated"]
    values = values.drop_duplicates(["indicator_id", "year", "status"])
    is_2014 = values.year.astype(int) == 2014
    # A 2014 value is a row of its own only for indicators the 2024 census dropped (internet, computers...).
    current = values[~is_2014 | ~values.indicator_id.isin(values.indicator_id[~is_2014])]

    key = list(zip(current.indicator_id, current.year, strict=True))

    def at(level: str) -> np.ndarray:
        """The unit's value of each (indicator, year) of `key`, its first row where it has several."""
        frame = of[level]
        frame = frame[(frame.status != "simulated").to_numpy()]
        pairs = zip(frame.indicator_id, frame.year, strict=True)
        first = dict(reversed(list(zip(pairs, frame.value.to_numpy(dtype=float), strict=True))))
        return np.array([first.get(k, np.nan) for k in key], dtype=float)

    out = pd.DataFrame(
        {
            "indicator_id": current.indicator_id.to_numpy(),
            "year": current.year.astype(int).to_numpy(),
            "status": current.status.to_numpy(),
            "commune": current.value.to_numpy(),
            "lower": current.lower.to_numpy(),
            "upper": current.upper.to_numpy(),
            "scenario_low": current.get("scenario_low", pd.Series(np.nan, index=current.index)).to_numpy(),
            "scenario_high": current.get("scenario_high", pd.Series(np.nan, index=current.index)).to_numpy(),
            "unit": current.unit.to_numpy(),
            "source_id": current.source_id.to_numpy(),
        }
    )
    out["province"] = at("province")
    out["region"] = at("region")
    out["country"] = at("country")
    census_2014 = values[(values.year.astype(int) == 2014) & (values.status == "published")]
    out["value_2014"] = census_2014.set_index("indicator_id")["value"].reindex(out.indicator_id).to_numpy()
    out.loc[out.year == 2014, "value_2014"] = float("nan")
    out["comparable"] = out.indicator_id.isin(registry.comparable_since_2014()) & out.value_2014.notna()
    out["change"] = census_change.difference(out["commune"], out["value_2014"], out["indicator_id"])
    out["dimension"] = [_dimension(i) for i in out.indicator_id]
    dictionary = query.catalogue(db=database).drop_duplicates(["indicator_id", "year"])
    dictionary = dictionary.assign(year=dictionary.year.astype(int), order=range(len(dictionary)))
    out = out.merge(
        dictionary[["indicator_id", "year", "dataset", "topic", "label_fr", "label_en", "licence", "order"]],
        on=["indicator_id", "year"],
        how="left",
    )
    out["theme"] = [
        profile_topic(str(d), str(t)) if isinstance(t, str) else "other"
        for d, t in zip(out.dataset, out.topic, strict=True)
    ]
    # Themes in the order HCP lists them (a theme's first field), then each theme's fields in its order.
    out["theme_order"] = out.groupby("theme")["order"].transform("min")
    return (
        out.sort_values(["theme_order", "order", "indicator_id", "year"], na_position="last")
        .reindex(columns=PROFILE_COLUMNS)
        .reset_index(drop=True)
    )


def key_indicators(profile: pd.DataFrame) -> pd.DataFrame:
    """
    The rows of a `commune_profile` that the index is made of (a registry entry with a dimension), the
    latest year of each, grouped by dimension in the index's order: what a profile shows first.
    """
    keyed = profile[profile.dimension.isin(DIMENSIONS)]
    keyed = keyed.sort_values("year").drop_duplicates("indicator_id", keep="last")
    order = {name: i for i, name in enumerate(registry.ids(curated=True))}
    return (
        keyed.assign(
            _dim=keyed.dimension.map(DIMENSIONS.index),
            _order=keyed.indicator_id.map(order).fillna(len(order)),
        )
        .sort_values(["_dim", "_order"])
        .drop(columns=["_dim", "_order"])
        .reset_index(drop=True)
    )


def _dimension(indicator_id: str) -> str | None:
    return registry.get(indicator_id).dimension if registry.is_registered(indicator_id) else None


def index_reasons(code: str, *, db: query.DatabaseLike = None, lang: str = "fr", top: int = 2) -> list[str]:
    """
    What pushes the commune's index furthest towards fragility, said as a policymaker reads it ('61 % des
    femmes de 10 ans et plus ne savent ni lire ni écrire'): the (at most `top`) components of the
    whole-population index with the largest positive contributions, from the stored contributions.
    Empty when no component pushes it up (a commune less fragile than the average on every count).
    """
    parts = index_contributions(code, db=db)
    pushing = parts[parts.contribution > 0].sort_values("contribution", ascending=False).head(top)
    return [
        registry.get(str(row.indicator_id)).phrase(float(row.value), lang=lang, sex=str(row.sex))
        for row in pushing.itertuples()
    ]
