"""
The change since the 2014 census: for an indicator both censuses measured the same way, each unit's
2014 and 2024 figures and their difference, in points of % for a percentage. The 2014 communes are
already carried onto the 2024 ones by the build (HCP's crosswalk), so a commune's two figures are read
under one code. The app's change map, the commune profile and a notebook read the change from here.

    import observatory as obs

    obs.change("illiteracy_rate_10_plus", level="country")   # Morocco: 32.2 % → 24.8 %, −7.4 points
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from . import query, registry
from .errors import unknown_name

#: The two censuses a change is between.
SINCE, UNTIL = 2014, 2024
CHANGE_COLUMNS = ["code", "value_2014", "value_2024", "change", "unit", "change_unit", "status"]


def difference(value_2024: pd.Series, value_2014: pd.Series, indicator_ids: pd.Series) -> pd.Series:
    """The change since 2014 (2024 figure less 2014 figure, in points for a percentage) of each row, where
    its indicator is one the two censuses measured alike (`registry.comparable_since_2014`) and both
    figures exist; NaN elsewhere. The one definition of a change the map, the profile and a notebook read."""
    alike = indicator_ids.isin(registry.comparable_since_2014()).to_numpy()
    return (value_2024 - value_2014).where(alike)


def comparable_indicators(*, db: query.DatabaseLike = None) -> list[str]:
    """The indicators with a figure in both censuses that measures the same thing in each
    (`registry.comparable_since_2014`), in the catalogue's order."""
    catalogue = query.catalogue(db=db)
    years = catalogue.groupby("indicator_id", sort=False)["year"].agg(lambda y: set(y.astype(int)))
    comparable = registry.comparable_since_2014()
    return [i for i, held in years.items() if {SINCE, UNTIL} <= held and i in comparable]


def change(
    indicator_id: str,
    *,
    level: str = "commune",
    db: query.DatabaseLike = None,
    units: Sequence[str] | None = None,
    sex: str = "all",
    area: str = "total",
) -> pd.DataFrame:
    """
    Each unit of `level` (or of `units`) with its 2014 and 2024 figures of `indicator_id` and the change
    between them (`change` = 2024 - 2014, in `change_unit`: 'points' for a percentage, else the
    indicator's unit), with the 2024 figure's status. A unit missing either figure has no change. An
    indicator the two censuses did not measure alike raises `UnknownNameError` listing those that are.
    """
    database = query.connect(db)
    valid = comparable_indicators(db=database)
    if indicator_id not in valid:
        raise unknown_name("indicator comparable between 2014 and 2024", indicator_id, valid)
    frame = query.indicator_values(
        indicator_id, db=database, level=level, year=[SINCE, UNTIL], sex=sex, area=area, units=units
    )
    frame = frame[frame["status"] != "simulated"].drop_duplicates(["unit_code", "year"])
    codes = list(units) if units is not None else sorted(set(frame["unit_code"]))
    return _changes(frame, codes, indicator_id)


def _changes(frame: pd.DataFrame, codes: list[str], indicator_id: str) -> pd.DataFrame:
    """The change of one indicator's tidy values (both years) at `codes`, in the columns of `change`."""
    wide = frame.pivot(index="unit_code", columns="year", values="value").reindex(columns=[SINCE, UNTIL])
    later = frame[frame["year"].astype(int) == UNTIL].set_index("unit_code")
    unit = str(frame["unit"].iloc[0]) if len(frame) else ""
    out = pd.DataFrame(
        {
            "code": codes,
            "value_2014": wide[SINCE].reindex(codes).to_numpy(dtype="float64"),
            "value_2024": wide[UNTIL].reindex(codes).to_numpy(dtype="float64"),
        }
    )
    out["change"] = difference(out["value_2024"], out["value_2014"], pd.Series(indicator_id, index=out.index))
    out["unit"] = unit
    out["change_unit"] = "points" if unit == "percent" else unit
    out["status"] = later["status"].reindex(codes).to_numpy()
    return out[CHANGE_COLUMNS]


def changes_at(
    indicators: Sequence[str],
    places: Mapping[str, str],
    *,
    db: query.DatabaseLike = None,
    comparable: Collection[str] | None = None,
) -> pd.DataFrame:
    """The change since 2014 of each of `indicators` (those comparable; others are left out) at each of
    `places` (level -> code: a commune, its province, its région, the country), one row per indicator and
    level with the columns of `change`: the commune beside the places that hold it, in one read. A caller
    that holds `comparable_indicators()` already passes it as `comparable`."""
    database = query.connect(db)
    valid = set(comparable if comparable is not None else comparable_indicators(db=database))
    wanted = [i for i in indicators if i in valid]
    if not wanted:
        return pd.DataFrame(columns=["indicator_id", "level", *CHANGE_COLUMNS])
    values = query.indicator_values(
        wanted, db=database, level=None, year=[SINCE, UNTIL], units=list(places.values())
    )
    values = values[values["status"] != "simulated"].assign(year=lambda f: f["year"].astype(int))
    values = values.drop_duplicates(["indicator_id", "level", "unit_code", "year"])
    rows = pd.MultiIndex.from_tuples(
        [(i, level, code) for i in wanted for level, code in places.items()],
        names=["indicator_id", "level", "code"],
    )
    keyed = values.set_index(["indicator_id", "level", "unit_code", "year"])
    wide = keyed["value"].unstack("year").reindex(columns=[SINCE, UNTIL])
    wide.index = wide.index.set_names(rows.names)
    wide = wide.reindex(rows)
    later = keyed.xs(UNTIL, level="year")
    later.index = later.index.set_names(rows.names)
    later = later.reindex(rows)
    units = values.drop_duplicates("indicator_id").set_index("indicator_id")["unit"]
    out = pd.DataFrame(
        {
            "value_2014": wide[SINCE].to_numpy(dtype="float64"),
            "value_2024": wide[UNTIL].to_numpy(dtype="float64"),
        },
        index=rows,
    ).reset_index()
    out["change"] = difference(out["value_2024"], out["value_2014"], out["indicator_id"])
    out["unit"] = units.reindex(out["indicator_id"]).fillna("").to_numpy()
    out["change_unit"] = out["unit"].where(out["unit"] != "percent", "points")
    out["status"] = later["status"].to_numpy()
    return out[["indicator_id", "level", *CHANGE_COLUMNS]]


def change_classes(changes: np.ndarray, *, per_side: int = 3) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """(class of each change, class intervals low to high) for a map of changes: the falls cut into
    `per_side` classes of as many units each, the rises too, so no class holds both a fall and a rise
    (no change counts as a rise of zero). A unit without a change gets -1."""
    values = np.asarray(changes, dtype="float64")
    finite = values[np.isfinite(values)]
    intervals: list[tuple[float, float]] = []
    for side in (finite[finite < 0], finite[finite >= 0]):
        if not len(side):
            continue
        cuts = np.unique(np.quantile(side, np.linspace(0, 1, per_side + 1)))
        if len(cuts) == 1:
            cuts = np.array([cuts[0], cuts[0]])
        intervals += [(float(lo), float(hi)) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)]
    classes = np.full(len(values), -1, dtype=int)
    for i, value in enumerate(values):
        if np.isfinite(value):
            classes[i] = next(
                (k for k, (lo, hi) in enumerate(intervals) if lo <= value <= hi and (value < 0) == (hi < 0)),
                len(intervals) - 1,
            )
    return classes, intervals
