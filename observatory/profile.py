"""
A commune's profile: every indicator beside its province, its région and the country, and its
change since the 2014 census. Read through the query layer, so the app, a report and a notebook
show the same numbers.
"""

from __future__ import annotations

import pandas as pd

from . import query
from .errors import unknown_name

PROFILE_COLUMNS = [
    "indicator_id",
    "year",
    "topic",
    "label_fr",
    "label_en",
    "unit",
    "status",
    "commune",
    "lower",
    "upper",
    "province",
    "region",
    "country",
    "value_2014",
    "change",
    "source_id",
    "licence",
]


def commune_profile(code: str, *, db: query.DatabaseLike = None) -> pd.DataFrame:
    """
    One row per indicator and year measured for the commune `code` (sex all, area total): its value
    (with the interval of a modelled value), the same indicator for its province, région and the
    country, the 2014 value when the 2014 census has it, and `change` = value - value_2014, in the
    indicator's unit (percentage points for a percent).
    """
    database = query.connect(db)
    communes = query.units("commune", db=database, codes=[code], geometry=False)
    if not len(communes):
        raise unknown_name("commune code", code, query.units("commune", db=database, geometry=False).code)
    commune = communes.iloc[0]
    country = query.units("country", db=database, geometry=False).code.iloc[0]
    values = query.indicator_values(db=database, level="commune", units=[code])
    values = values.drop_duplicates(["indicator_id", "year", "status"])
    is_2014 = values.year.astype(int) == 2014
    # A 2014 value is a row of its own only for indicators the 2024 census dropped (internet, computers...).
    current = values[~is_2014 | ~values.indicator_id.isin(values.indicator_id[~is_2014])]

    def at(level: str, unit: str) -> pd.Series:
        frame = query.indicator_values(db=database, level=level, units=[unit])
        frame = frame[frame.status != "simulated"].drop_duplicates(["indicator_id", "year"])
        return frame.set_index(["indicator_id", "year"])["value"]

    key = pd.MultiIndex.from_arrays([current.indicator_id, current.year])
    out = pd.DataFrame(
        {
            "indicator_id": current.indicator_id.to_numpy(),
            "year": current.year.astype(int).to_numpy(),
            "status": current.status.to_numpy(),
            "commune": current.value.to_numpy(),
            "lower": current.lower.to_numpy(),
            "upper": current.upper.to_numpy(),
            "unit": current.unit.to_numpy(),
            "source_id": current.source_id.to_numpy(),
        }
    )
    out["province"] = at("province", commune.province_code).reindex(key).to_numpy()
    out["region"] = at("region", commune.region_code).reindex(key).to_numpy()
    out["country"] = at("country", country).reindex(key).to_numpy()
    census_2014 = values[(values.year.astype(int) == 2014) & (values.status == "published")]
    out["value_2014"] = census_2014.set_index("indicator_id")["value"].reindex(out.indicator_id).to_numpy()
    out.loc[out.year == 2014, "value_2014"] = float("nan")
    out["change"] = out["commune"] - out["value_2014"]
    dictionary = query.catalogue(db=database).drop_duplicates(["indicator_id", "year"])
    dictionary = dictionary.assign(year=dictionary.year.astype(int))
    out = out.merge(
        dictionary[["indicator_id", "year", "topic", "label_fr", "label_en", "licence"]],
        on=["indicator_id", "year"],
        how="left",
    )
    return (
        out.reindex(columns=PROFILE_COLUMNS)
        .sort_values(["topic", "indicator_id", "year"])
        .reset_index(drop=True)
    )
