"""
The report's tables of figures, read through the query layer and the analytics results: key figures
beside the parents and Morocco, the communes and provinces ranked, the 2014 → 2024 changes and the
modelled estimates. The one subtraction (2014 → 2024) is a difference of two published figures.
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from observatory import query, registry
from observatory.database import Database
from observatory.enums import AREAS, DIMENSIONS, MODEL_STATUSES, SEXES

from .naming import CONTEXT_FIGURES, label, names_of
from .reads import index_scores


def report_indicators(database: Database) -> list[registry.Indicator]:
    """Registered indicators of the index dimensions that this database holds, in registry order."""
    held = set(query.catalogue(db=database)["indicator_id"])
    return [i for i in registry.CURATED if i.dimension is not None and i.id in held]


def breakdown_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in reading order: the total first, then each sex, then urban and rural (the enumerations'
    order)."""
    return frame.assign(
        _s=frame["sex"].map({s: i for i, s in enumerate(SEXES)}),
        _a=frame["area"].map({a: i for i, a in enumerate(AREAS)}),
    )


def statuses(values: pd.DataFrame) -> dict[str, str]:
    """Each indicator's status in `values`: simulated when any of its figures is (a simulated one is never
    printed as a fact), else the most frequent (the first in order on a tie). Counted in one pass: sifting
    the values again for each indicator cost more than the count."""
    counts: dict[str, Counter[str]] = {}
    for indicator_id, status in zip(values["indicator_id"].tolist(), values["status"].tolist(), strict=True):
        if isinstance(status, str):
            counts.setdefault(indicator_id, Counter())[status] += 1
    return {
        i: "simulated" if "simulated" in c else min(c, key=lambda s: (-c[s], s)) for i, c in counts.items()
    }


def key_figures(
    figures: pd.DataFrame,
    ids: list[str],
    years: dict[str, int],
    compare: list[str],
    lang: str,
) -> pd.DataFrame:
    """One row per (indicator, sex, area): the value, its interval and status for the unit, and each
    comparison. The figures are sifted once for every indicator: sifting them again for each indicator and
    each row cost a fifth of a report's gathering."""
    figures = breakdown_order(figures)
    year = figures["indicator_id"].map(lambda i: years.get(i, 2024))
    shown = figures["indicator_id"].isin(ids) & (figures["year"] == year) & (figures["status"] != "simulated")
    # simulated figures are no key figures; of one figure's periods, the latest
    mine = (
        figures[shown]
        .sort_values("period", kind="stable")
        .drop_duplicates(["indicator_id", "unit_code", "sex", "area"], keep="last")
    )
    whole = (mine["sex"] == "all") & (mine["area"] == "total")
    mine = mine[~mine["indicator_id"].isin(CONTEXT_FIGURES) | whole]
    keys = zip(*(mine[c].tolist() for c in ("indicator_id", "sex", "area", "unit_code")), strict=True)
    value = dict(zip(keys, mine["value"].tolist(), strict=True))
    here = mine[(mine["unit_code"] == compare[0]) & ((mine["sex"] == "all") | (mine["area"] == "total"))]
    if len(compare) > 2:  # a commune is urban or rural: its area rows repeat its total
        here = here[here["area"] == "total"]
    order = {indicator_id: n for n, indicator_id in enumerate(ids)}
    here = here.assign(_i=here["indicator_id"].map(order)).sort_values(["_i", "_a", "_s"], kind="stable")
    rows = []
    for r in here.itertuples():
        row = {
            "indicator_id": r.indicator_id,
            "label": label(r.indicator_id, lang),
            "sex": r.sex,
            "area": r.area,
            "year": years.get(r.indicator_id, 2024),
            "unit": r.unit,
            "value": r.value,
            "lower": r.lower,
            "upper": r.upper,
            "scenario_low": getattr(r, "scenario_low", float("nan")),
            "scenario_high": getattr(r, "scenario_high", float("nan")),
            "status": r.status,
            "source_id": r.source_id,
        }
        for i, other in enumerate(compare[1:]):
            row[f"compare_{i}"] = value.get((r.indicator_id, r.sex, r.area, other))
        rows.append(row)
    columns = [
        "indicator_id",
        "label",
        "sex",
        "area",
        "year",
        "unit",
        "value",
        "lower",
        "upper",
        "scenario_low",
        "scenario_high",
        "status",
        "source_id",
        *[f"compare_{i}" for i in range(len(compare) - 1)],
    ]
    return pd.DataFrame(rows, columns=columns)


def commune_index(database: Database, lang: str) -> pd.DataFrame | None:
    """Every commune's index, rank and interval (national: the maps' classes and the ranks are national)."""
    if "index_score" not in database.tables():
        return None
    return index_scores(database, "commune", lang=lang)


def communes_table(
    area: pd.DataFrame,
    own: list[str],
    values: pd.DataFrame,
    years: dict[str, int],
    ids: list[str],
    index: pd.DataFrame | None,
    province_names: dict[str, str],
    lang: str,
) -> pd.DataFrame:
    values = values[["unit_code", "indicator_id", "year", "value"]]  # sifting every column cost more
    latest = values[(values["year"] == values["indicator_id"].map(years))]
    wide = (
        latest.pivot_table(
            index="unit_code", columns="indicator_id", values="value", aggfunc="first", dropna=False
        )
        if len(latest)
        else pd.DataFrame()
    )
    frame = area[area["code"].isin(own)][
        ["code", "name_fr", "name_ar", "province_code", "type", "population_2024"]
    ].copy()
    frame.insert(3, "province", frame["province_code"].map(province_names))
    if index is not None:
        ranks = index.set_index("code")[
            [
                "rank",
                "rank_lower",
                "rank_upper",
                "n_units",
                "p_top_decile",
                "p_region_top10",
                "index",
                "score_lower",
                "score_upper",
            ]
        ]
        frame = frame.join(ranks, on="code")
        frame = frame.sort_values(["rank", "code"], na_position="last")
    frame = frame.join(wide.reindex(columns=ids), on="code")
    return frame.drop(columns=["province_code"]).reset_index(drop=True)


def provinces_table(
    database: Database, index: pd.DataFrame | None, region_code: str, lang: str
) -> pd.DataFrame:
    """The région's provinces with population, index, rank among the 75 and interval (most fragile first)."""
    units = query.units("province", db=database, region=region_code, geometry=False)
    frame = units[["code", "name_fr", "name_ar", "population_2024"]].copy()
    frame.insert(1, "name", names_of(units, lang))
    if index is None:
        return frame
    scores = index_scores(database, "province", region=region_code, lang=lang)
    frame = frame.merge(
        scores[["code", "index", "rank", "rank_lower", "rank_upper", "n_units", *DIMENSIONS]],
        on="code",
        how="left",
    )
    return frame.sort_values("rank").reset_index(drop=True)


def table_indicators(indicators: list[registry.Indicator], per_dimension: int = 2) -> list[str]:
    """The columns of the printed tables by commune: the first census or modelled indicators of each dimension
    (measured and simulated connector figures stay in the XLSX and the API, not on paper)."""
    chosen: list[str] = []
    for dimension in DIMENSIONS:
        own = [
            i.id
            for i in indicators
            if i.dimension == dimension and i.status in ("published", "derived", "modelled")
        ]
        chosen += own[:per_dimension]
    return chosen


def changes_table(
    database: Database, indicators: list[registry.Indicator], level: str, code: str, lang: str
) -> pd.DataFrame:
    """2014 → 2024 for the unit: its legal population, then each indicator published both years, each sex
    and area (total first)."""
    columns = ["indicator_id", "label", "sex", "area", "unit", "value_2014", "value_2024", "change"]
    # the population first: how the commune grew is what a planner reads before any rate
    both_ids = [CONTEXT_FIGURES[0], *(i.id for i in indicators if {2014, 2024} <= set(i.years))]
    both = query.indicator_values(
        both_ids, db=database, level=level, units=[code], year=[2014, 2024], sex=None, area=None
    )
    # each figure's values by year, in the order the figures come (one pass: a frame per figure cost more)
    units: dict[tuple[str, str, str], str] = {}
    by_year: dict[tuple[str, str, str], dict[int, float]] = {}
    read = (both[c].tolist() for c in ("indicator_id", "sex", "area", "year", "value", "unit"))
    for indicator_id, sex, area, year, value, unit in zip(*read, strict=True):
        units.setdefault((indicator_id, sex, area), unit)
        by_year.setdefault((indicator_id, sex, area), {})[year] = value
    rows = [
        {
            "indicator_id": indicator_id,
            "label": label(indicator_id, lang),
            "sex": sex,
            "area": area,
            "unit": units[(indicator_id, sex, area)],
            "value_2014": values[2014],
            "value_2024": values[2024],
            "change": values[2024] - values[2014],
        }
        for (indicator_id, sex, area), values in by_year.items()
        if 2014 in values and 2024 in values
    ]
    frame = breakdown_order(pd.DataFrame(rows, columns=columns))
    frame = frame[(frame["sex"] == "all") | (frame["area"] == "total")]
    if level == "commune":
        frame = frame[frame["area"] == "total"]
    order = {i: n for n, i in enumerate(both_ids)}
    frame = frame.assign(_i=frame["indicator_id"].map(order)).sort_values(["_i", "_a", "_s"])
    return frame.drop(columns=["_i", "_s", "_a"]).reset_index(drop=True)


def models_table(database: Database, level: str, code: str, lang: str) -> pd.DataFrame:
    """Modelled estimates and forecasts for the unit and Morocco, every sex and area, with their intervals."""
    models = query.indicator_values(
        None, db=database, level=None, units=[code, "MA"], status=list(MODEL_STATUSES), sex=None, area=None
    )
    models = models[models["level"].isin([level, "country"])]
    models = breakdown_order(models).assign(_u=lambda f: (f["unit_code"] == "MA").astype(int))
    models = models.sort_values(["indicator_id", "_u", "year", "_s", "_a"])
    models = models.reindex(
        columns=[
            "unit_code",
            "level",
            "indicator_id",
            "sex",
            "area",
            "year",
            "period",
            "value",
            "lower",
            "upper",
            "scenario_low",
            "scenario_high",
            "unit",
            "status",
            "source_id",
            "run_id",
        ]
    ).reset_index(drop=True)
    models.insert(3, "label", [label(i, lang) for i in models["indicator_id"]])
    return models


#: The census's five-year age groups, youngest first (the shares of the population HCP publishes).
AGE_GROUP = re.compile(r"^age_(\d+)_(\d+|plus)$")


def age_groups(database: Database) -> list[str]:
    """The five-year age groups this database holds, youngest first, then the oldest open-ended one (the
    wider 15-24 and 60+ groups overlap them: left out)."""
    bounded, open_ended = [], []
    for indicator_id in set(query.catalogue(db=database)["indicator_id"]):
        match = AGE_GROUP.match(indicator_id)
        if match and match[2] == "plus":
            open_ended.append((int(match[1]), indicator_id))
        elif match and int(match[2]) - int(match[1]) == 4:
            bounded.append((int(match[1]), indicator_id))
    return [i for _, i in sorted(bounded)] + [max(open_ended)[1]] * bool(open_ended)


def age_structure(database: Database, codes: list[str], year: int = 2024) -> pd.DataFrame:
    """The share of each age group in the population of each unit, by sex (`unit_code`, `indicator_id`,
    `sex`, `value` in percent, `source_id`), as HCP publishes it; empty when the build holds none."""
    groups = age_groups(database)
    columns = ["unit_code", "indicator_id", "sex", "value", "source_id"]
    if not groups:
        return pd.DataFrame(columns=columns)
    found = query.indicator_values(groups, db=database, level=None, units=codes, year=year, sex=None)
    found = found[found["sex"].isin(["male", "female"])]
    return found.reindex(columns=columns).reset_index(drop=True)
