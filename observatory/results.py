"""
Ready-to-show analytics results, read from the database the build wrote (GeoPackage or PostGIS):
the index with ranks, intervals and explanations, the LISA clusters, the model estimates with
their intervals and cards, and the planner's input frame. Each function returns a (Geo)DataFrame in
one call; the app, the reports and the API read these. Stored plans are read by `observatory.plans`.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from . import challenges, registry
from .enums import DEFAULT_LENS, LANGUAGES, LENSES, LEVELS, MAP_LEVELS, MODEL_STATUSES
from .errors import unknown_name
from .planning_frame import CONTEXT, CONTEXT_YEAR, NEED_YEAR, NEEDS, PlanningFrame
from .query import DatabaseLike, connect, indicator_values


def _lang_check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)


def _with_units(
    frame: pd.DataFrame, level: str, db: DatabaseLike, geometry: bool, codes: list[str] | None = None
) -> pd.DataFrame:
    columns = ["code", "name_fr", "name_ar"] + (["region_code"] if level in ("province", "commune") else [])
    columns += ["province_code", "type"] if level == "commune" else []
    units = connect(db).read(
        level, columns=columns + (["geometry"] if geometry else []), geometry=geometry, where={"code": codes}
    )
    merged = units.merge(frame, on="code", how="inner")
    return merged


def fragility_index(
    level: str = "commune",
    *,
    db: DatabaseLike = None,
    lens: str = DEFAULT_LENS,
    region: str | None = None,
    lang: str | None = None,
    geometry: bool = False,
) -> pd.DataFrame:
    """
    The digital-fragility index of every unit of a level (commune, province, region): score 0-100
    (higher = more fragile), rank (1 = most fragile), median rank and 90% rank interval from the Monte
    Carlo, the dimension sub-indices, and the plain-language explanation (one column per language,
    or just `explanation` for `lang`). `lens`: one of `observatory.enums.LENSES`. A commune's rank
    computed without an accepted correction says so (`correction`, `challenge_id`).
    """
    if level not in MAP_LEVELS:
        raise unknown_name("level", level, MAP_LEVELS)
    if lens not in LENSES:
        raise unknown_name("lens", lens, LENSES)
    database = connect(db)
    codes = None
    if region is not None:  # the région's units first, so only their scores are read
        codes = (
            [region]
            if level == "region"
            else list(
                database.read(level, where={"region_code": region}, columns=["code"], geometry=False)["code"]
            )
        )
    frame = database.read("index_score", where={"level": level, "lens": lens, "code": codes})
    frame = challenges.marked_ranks(_with_units(frame, level, db, geometry, codes), db=database)
    return in_language(frame, lang).sort_values("rank").reset_index(drop=True)


def in_language(frame: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """Index rows with their explanation in `lang` alone (`explanation`), or in every language for None."""
    if lang is None:
        return frame
    _lang_check(lang)
    return frame.assign(explanation=frame[f"explanation_{lang}"]).drop(
        columns=[f"explanation_{x}" for x in LANGUAGES]
    )


def explanation(code: str, *, db: DatabaseLike = None, lens: str = DEFAULT_LENS, lang: str = "en") -> str:
    """The sentence that explains a unit's rank ('Ranked 12th most fragile of 1,503 communes, mainly because
    ...')."""
    _lang_check(lang)
    rows = connect(db).read(
        "index_score", where={"code": code, "lens": lens}, columns=[f"explanation_{lang}"]
    )
    if rows.empty:
        raise unknown_name(
            "unit code",
            code,
            connect(db).read("index_score", where={"lens": lens, "level": "region"}, columns=["code"]).code,
        )
    return str(rows.iloc[0, 0])


def index_contributions(code: str | None = None, *, db: DatabaseLike = None) -> pd.DataFrame:
    """Each component's value, SE, normalised value and contribution to a commune's score (whole-population
    index)."""
    return connect(db).read("index_contribution", where={"code": code})


def measured_explanations(
    codes: list[str],
    *,
    db: DatabaseLike = None,
    lens: str = DEFAULT_LENS,
    lang: str = "en",
    exclude: tuple[str, ...] = ("simulated",),
) -> pd.Series:
    """
    The explanation of each commune's rank (as `explanation`) with its reasons drawn only from
    components whose stored values are not of a status in `exclude`: a simulated figure ranks a
    commune but is never given as why. Indexed by code.
    """
    from .index import explain, explain_unranked

    _lang_check(lang)
    scores = connect(db).read("index_score", where={"level": "commune", "lens": lens, "code": list(codes)})
    parts = connect(db).read("index_contribution", where={"lens": lens, "code": list(codes)})
    if parts.empty:
        return pd.Series(dtype="object")
    statuses = indicator_values(
        sorted(set(parts["indicator_id"])), db=db, level="commune", units=list(codes), sex=None, area=None
    )
    excluded = statuses[statuses["status"].isin(exclude)][["unit_code", "indicator_id"]].drop_duplicates()
    parts = parts.merge(
        excluded.rename(columns={"unit_code": "code"}),
        on=["code", "indicator_id"],
        how="left",
        indicator=True,
    )
    parts = parts[parts["_merge"] == "left_only"]
    out = {}
    for row in scores.itertuples():
        if pd.isna(row.rank):
            out[row.code] = explain_unranked(row.unranked_reason, lang)
            continue
        own = parts[parts["code"] == row.code]
        out[row.code] = explain(
            int(row.rank),
            int(row.n_units),
            (int(row.rank_lower), int(row.rank_upper)),
            dict(zip(own["component"], own["value"], strict=True)),
            dict(zip(own["component"], own["contribution"], strict=True)),
            level="commune",
            lang=lang,
        )
    return pd.Series(out, dtype="object").reindex(list(codes))


def index_sensitivity(*, db: DatabaseLike = None, lens: str | None = DEFAULT_LENS) -> pd.DataFrame:
    """First-order sensitivity indices, dimension-removal rank shifts, the sampling-error share, and the
    Sobol indices of the builder's choices in both designs (`design`: with_exclusion, where one dimension
    is left out half the time, or without_exclusion, where only weights, normalisation, aggregation and
    imputation vary)."""
    return connect(db).read("index_sensitivity", where={"lens": lens})


def index_correlations(
    *, db: DatabaseLike = None, lens: str | None = DEFAULT_LENS, double_counts: bool = False
) -> pd.DataFrame:
    """Pairwise correlations of the index components; `double_counts=True` keeps the flagged pairs only."""
    frame = connect(db).read("index_correlation", where={"lens": lens})
    return frame[frame["double_counts"] == 1].reset_index(drop=True) if double_counts else frame


def lisa_clusters(
    *,
    db: DatabaseLike = None,
    variable: str = "fragility_index",
    geometry: bool = False,
    significant: bool = False,
) -> pd.DataFrame:
    """Local Moran clusters per commune (high-high, low-low, high-low, low-high or not significant after
    FDR)."""
    frame = connect(db).read("lisa_cluster", where={"variable": variable})
    frame = _with_units(frame, "commune", db, geometry)
    return frame[frame["cluster"] != "not significant"].reset_index(drop=True) if significant else frame


def moran(*, db: DatabaseLike = None) -> pd.DataFrame:
    """Global Moran's I of the index and of every component, with permutation p-values."""
    return connect(db).read("spatial_moran")


def model_estimates(
    indicator: str = "internet_use_15_plus",
    *,
    db: DatabaseLike = None,
    level: str = "commune",
    year: int | None = None,
    sex: str | None = "all",
    region: str | None = None,
) -> pd.DataFrame:
    """Modelled or scenario values with their status, their 90% interval (lower, upper) where one can
    guide a decision, and a scenario's band (scenario_low, scenario_high), e.g. 2024 internet use."""
    entry = registry.get(indicator)
    if entry.status not in MODEL_STATUSES:
        valid = [e.id for e in registry.CURATED if e.status in MODEL_STATUSES]
        raise unknown_name("modelled indicator", indicator, valid)
    if level not in LEVELS:
        raise unknown_name("level", level, LEVELS)
    return indicator_values(indicator, db=db, level=level, year=year, sex=sex, region=region)


def model_cards(*, db: DatabaseLike = None) -> pd.DataFrame:
    """Every model card (JSON and Markdown) stored with the results."""
    return connect(db).read("model_card")


def model_card(model_id: str, *, db: DatabaseLike = None) -> dict[str, Any]:
    """One model card as a dict (method, data, metrics, validation, limitations, parameters)."""
    cards = model_cards(db=db)
    row = cards[cards["model_id"] == model_id]
    if row.empty:
        raise unknown_name("model", model_id, cards["model_id"])
    card: dict[str, Any] = json.loads(row["card_json"].iloc[0])
    return card


def model_validation(*, db: DatabaseLike = None, model_id: str | None = None) -> pd.DataFrame:
    """Spatial cross-validation (leave one région out): error and 90%-interval coverage per fold."""
    return connect(db).read("model_validation", where={"model_id": model_id})


def indicator_registry(*, db: DatabaseLike = None, curated: bool | None = None) -> pd.DataFrame:
    """The indicator registry as stored by the build (labels fr/ar/en, dimension, direction, source,
    licence)."""
    frame = connect(db).read("indicator_registry")
    return frame if curated is None else frame[frame["curated"] == int(curated)].reset_index(drop=True)


def planning_frame(
    *,
    db: DatabaseLike = None,
    need: str = NEEDS[0],
    year: int = NEED_YEAR,
    lens: str = DEFAULT_LENS,
    region: str | None = None,
) -> PlanningFrame:
    """
    The planner's input, built from what the database holds by the one frame builder
    (`PlanningFrame.from_tables`): a point per commune, the need by sex (a people count stored by the
    build, default people aged 15+ offline in 2024) and the index rank for the naive plan. `region`
    keeps one région's communes.
    """
    entry = registry.get(need)
    if entry.unit != "people":
        valid = [e.id for e in registry.CURATED if e.unit == "people" and e.status in MODEL_STATUSES]
        raise unknown_name("need (a count of people)", need, valid)
    database = connect(db)
    where = {"region_code": region} if region is not None else None
    communes = database.read(
        "commune", where=where, columns=["code", "region_code", "province_code", "type", "geometry"]
    )
    if not len(communes):
        raise unknown_name(
            "région", region, database.read("region", columns=["code"], geometry=False)["code"]
        )
    # Only the région's communes' values, and one indicator at a time: a read of several indicators at
    # once, over every commune, took most of a first solve (7 s of 12 on a loaded machine).
    codes = communes["code"].tolist() if region is not None else None
    reads = [(need, year, ["male", "female"])] + [(name, CONTEXT_YEAR, "all") for name in CONTEXT]
    values = pd.concat(
        [
            database.read(
                "indicator_value",
                where={"indicator_id": name, "level": "commune", "year": at, "sex": sex, "unit_code": codes},
            )
            for name, at, sex in reads
        ],
        ignore_index=True,
    )
    scores = database.read(
        "index_score", where={"level": "commune", "lens": lens}, columns=["code", "level", "lens", "rank"]
    )
    return PlanningFrame.from_tables(communes, values, scores, need=need, year=year, lens=lens, region=region)
