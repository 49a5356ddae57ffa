"""
The analytics job of `observatory build`: standard errors of census rates, the 2024 internet model,
forecasts to 2030, the composite index (with its Monte Carlo, sensitivity, correlations, group lenses
and explanations), spatial statistics and the default deployment plan. Every random draw uses the
build's seed, so two builds of the same inputs store the same results.

The pure computations live in `observatory.{sampling,models,index,spatial,planner}`; this module only
wires them to the build's tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from observatory import index as ix
from observatory import models, planner, registry, sampling, spatial
from observatory.enums import DEFAULT_LENS, DIMENSIONS, LANGUAGES, SEXES
from observatory.etl import memory
from observatory.etl.context import BuildContext
from observatory.etl.transform.indicators import CELL
from observatory.indicators import Key, fill_missing, wide
from observatory.planning_frame import CONTEXT as PLAN_CONTEXT
from observatory.planning_frame import PlanningFrame
from observatory.plans import plan_tables
from observatory.results_schema import RESULT_TABLES
from observatory.schema import TABLES
from observatory.settings import Settings

SOURCE_ID = registry.ANALYTICS_SOURCE
DISTANCE = "households_distance_to_paved_road_km"
#: The people who live in the commune (ordinary households), the base of its rates; the legal population
#: also counts people in collective housing (barracks, boarding schools) the long form did not ask.
RESIDENTS = "households_municipal_population:2024:all"
LEVELS_UP = ("province", "region")
MC_DRAWS = 1000
#: The other lenses' Monte Carlo: enough for 90% intervals and certainty figures, half the time.
MC_DRAWS_LENSES = 500
INTERNET_DRAWS = 200
#: Lenses whose choices get the full sensitivity analysis: the headline, and the one that tests vulnerability.
SENSITIVITY_LENSES = (DEFAULT_LENS, "vulnerability")
VULNERABILITY_DECISION = (
    "a separate lens, not a dimension of the headline: its components barely correlate with access and "
    "skills, and in the three-dimension index it is the dimension whose removal keeps the fewest of the top "
    "50 and the weight with the largest total-order effect (index_sensitivity, lens vulnerability)"
)
#: Household outcomes HCP published by commune in 2014 and 2024: the ex-post test of the internet model.
EXPOST_OUTCOMES = (
    "amenities_running_water",
    "wastewater_public_sewer",
    "amenities_toilet",
    "amenities_bathroom",
)
#: The forecasts' horizon, and the share of the illiterate adults of 2024 that literacy programmes teach
#: to read by then: a scenario parameter, none by default (a stated assumption, not a forecast of them).
HORIZON = 2030
LITERACY_PROGRAMME = 0.0
#: LISA permutations for every commune, then more for the ones whose FDR decision the draw could flip.
LISA_PERMUTATIONS, LISA_REFINE = 9999, (99_999, 499_999)

#: The build's plan: 50 training centres within 15 km (travel proxy), at least one in every région.
DEFAULT_PLAN = {
    "name": "default",
    "sites": 50,
    "radius_km": 15.0,
    "site_type": "training_centre",
    "min_per_region": 1,
}


def job(ctx: BuildContext) -> None:
    """Compute every analysis and put its tables in the build."""
    seed = int(ctx.settings.seed)
    with ctx.run("analytics") as run:
        values = ctx.tables["indicator_value"]
        communes = ctx.tables["commune"]
        run.add_input("indicator_value", rows=len(values))
        run.add_input("commune", rows=len(communes))
        codes = communes["code"].astype(str).tolist()
        units = pd.DataFrame(communes.drop(columns="geometry")).assign(code=codes)
        units_ix = units.set_index("code")

        _fill_standard_errors(ctx, units_ix)
        memory.trim()  # the heap keeps the pages the standard errors' temporaries freed: 150-200 MB
        values = ctx.tables["indicator_value"]

        inputs = _inputs(values, codes)
        zero = [f"{DISTANCE}:{y}:all" for y in (2024, 2014)]
        filled, imputed = fill_missing(inputs, units, zero_when_urban=[z for z in zero if z in inputs])
        se = _input_se(values, codes, filled.columns)

        parents = _parents(units_ix)
        internet, draws, cards, validation = _internet_model(filled, imputed, units_ix, values, parents, seed)
        forecasts, forecast_card = _forecasts(
            filled,
            imputed,
            se,
            units,
            draws,
            parents,
            internet.attrs["status"],
            _national_control(ctx.settings),
        )
        cards.append(forecast_card)

        connector = _connector_inputs(values, codes)
        # The spatial statistics need only the default index's scores: they run beside the rest of the
        # index (NumPy releases Python's lock) and are done before the plan, whose memory they would add to.
        with ThreadPoolExecutor(max_workers=1) as pool:
            started: dict[str, Future[dict[str, pd.DataFrame]]] = {}

            def start_spatial(index: pd.Series) -> None:
                started["spatial"] = pool.submit(_spatial, communes, filled, index, seed)

            index_tables, summary = _index(
                filled, imputed, se, units_ix, connector, internet, seed, on_default=start_spatial
            )
            spatial_tables = started["spatial"].result()
        memory.trim()  # before the plan, the index's draws and the spatial statistics' temporaries
        new_values = _indicator_rows([internet, *forecasts], run.run_id)
        context = values[values["indicator_id"].isin(list(PLAN_CONTEXT))]
        default_plan = planner.plan(
            PlanningFrame.from_tables(
                communes, pd.concat([new_values, context]), index_tables["index_score"], lens=DEFAULT_LENS
            ),
            **DEFAULT_PLAN,
        )
        ctx.add("indicator_value", new_values)
        ctx.add("indicator", _dictionary_rows(ctx.tables["indicator"]))
        ctx.add("source", _source_row(ctx.tables["source"]))
        tables = {
            "indicator_registry": registry.registry_frame(),
            "model_card": pd.DataFrame(
                [
                    {
                        "model_id": c["model_id"],
                        "title": c["title"],
                        "target": c["target"],
                        "status": "ok",
                        "card_json": json.dumps(c, ensure_ascii=False, sort_keys=True),
                        "card_markdown": models.card_markdown(c),
                    }
                    for c in cards
                ]
            ),
            "model_validation": validation,
            **index_tables,
            **spatial_tables,
            **plan_tables(default_plan),
        }
        tables["analysis"] = pd.concat(
            [tables.get("analysis", pd.DataFrame()), summary["analysis"]], ignore_index=True
        )
        for name, frame in tables.items():
            ctx.put(name, frame.reindex(columns=RESULT_TABLES[name]))
        rows = sum(len(f) for f in tables.values()) + len(new_values)
        run.count(read=len(codes), loaded=len(codes))
        ctx.notes["analytics"] = {**summary["notes"], "rows": rows}


# -- inputs ---------------------------------------------------------------------------------------
def _keys() -> list[Key]:
    keys = [c.key for c in ix.CENSUS_COMPONENTS if c.indicator != "internet_use_15_plus"]
    for lens in ix.LENSES:
        keys += [c.key for c in ix.lens_components(lens) if c.indicator != "internet_use_15_plus"]
    keys += [Key(c, y) for c in models.COVARIATES for y in (2024, 2014)]
    keys += [Key("illiteracy_rate_10_plus", y, s) for y in (2024, 2014) for s in ("male", "female")]
    keys += [Key("illiteracy_rate_15_plus", 2024, s) for s in SEXES]
    keys += [Key("illiteracy_population_15_plus", 2024, s) for s in SEXES]
    keys += [Key("illiteracy_population_10_plus", 2024, s) for s in SEXES]
    keys.append(Key.parse(RESIDENTS))
    keys += [Key("households_count", y) for y in (2024, 2014)]
    keys += [
        Key(f"age_{a}", y, s) for a in models.AGE_GROUPS for y in (2014, 2024) for s in ("female", "male")
    ]
    keys += [Key("population_municipal", y, s) for y in (2014, 2024) for s in ("female", "male")]
    keys += [Key(o, y) for o in EXPOST_OUTCOMES for y in (2024, 2014)]
    return list(dict.fromkeys(keys))


def _inputs(values: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    return wide(values, _keys()).reindex(codes)


def _connector_inputs(values: pd.DataFrame, codes: list[str]) -> dict[str, tuple[pd.Series, bool]]:
    """Latest commune values of each connector indicator loaded, and whether they are simulated."""
    out = {}
    for component in ix.CONNECTOR_COMPONENTS:
        rows = values[
            (values.indicator_id == component.indicator)
            & (values.level == "commune")
            & (values.sex == "all")
            & (values.area == "total")
            & (values.suppressed.fillna(0) == 0)
            & values.value.notna()
        ]
        if rows.empty:
            continue
        latest = rows.sort_values("period").groupby("unit_code").last()
        out[component.indicator] = (
            latest["value"].reindex(codes),
            bool((latest["status"] == "simulated").any()),
        )
    return out


def _fill_standard_errors(ctx: BuildContext, units: pd.DataFrame) -> None:
    """Give every 2024 long-form commune rate its sampling SE (and 90% bounds), and its aggregates theirs."""
    values = ctx.tables["indicator_value"]
    entries = {e.id: e for e in (*registry.CURATED, *registry.census_entries()) if e.sampled}
    rows = (
        (values.level == "commune")
        & (values.year == 2024)
        & (values.unit == "percent")
        & (values.indicator_id.isin(set(entries)))
        & values.se.isna()
    )
    if not rows.any():
        return
    sampled_ids = set(entries)
    part = values.loc[rows, [*CELL, "value"]]
    households = units["households_2024"].reindex(part.unit_code).to_numpy(float)
    dictionary = ctx.tables["indicator"]
    declared = (
        dictionary[dictionary.year == 2024]
        .drop_duplicates("indicator_id")
        .set_index("indicator_id")["denominator"]
        .dropna()
        .to_dict()
    )
    denominator, deff = _denominators(values, part, entries, declared)
    denominator = np.where(np.isnan(denominator), households, denominator)
    se = sampling.rate_standard_error(
        part["value"].to_numpy(float), denominator, households, design_effect=deff
    )
    values.loc[rows, "se"] = se
    values.loc[rows, "lower"] = np.clip(part["value"].to_numpy(float) - models.Z90 * se, 0, 100)
    values.loc[rows, "upper"] = np.clip(part["value"].to_numpy(float) + models.Z90 * se, 0, 100)
    # Aggregates: SE of a denominator-weighted mean of independent commune rates.
    cells = _CellKeys(values)
    w = np.nan_to_num(denominator)
    for level, column in (("province", "province_code"), ("region", "region_code"), ("country", None)):
        parent = _recode(part.unit_code, units[column]) if column else "MA"
        group = cells(parent, part.indicator_id, part.sex, part.area)
        kept = group >= 0
        agg_se = sampling.aggregate_standard_error(se[kept], w[kept], pd.Series(group[kept]))
        target = (
            (values.level == level)
            & (values.year == 2024)
            & values.indicator_id.isin(sampled_ids)
            & (values.unit == "percent")
            & values.se.isna()
        )
        at = values.loc[target, [*CELL, "value"]]
        found = _lookup(agg_se.index.to_numpy(), agg_se.to_numpy(float), cells(*(at[c] for c in CELL)))
        value = at["value"].to_numpy(float)
        values.loc[target, "se"] = found
        values.loc[target, "lower"] = np.clip(value - models.Z90 * found, 0, 100)
        values.loc[target, "upper"] = np.clip(value + models.Z90 * found, 0, 100)
    distance = (
        (values.level == "commune")
        & (values.year == 2024)
        & (values.indicator_id == DISTANCE)
        & values.se.isna()
    )
    hh = units["households_2024"].reindex(values.loc[distance, "unit_code"]).to_numpy(float)
    values.loc[distance, "se"] = sampling.mean_standard_error(
        values.loc[distance, "value"].to_numpy(float), hh
    )
    ctx.tables["indicator_value"] = values


def _denominators(
    values: pd.DataFrame,
    part: pd.DataFrame,
    entries: dict[str, registry.Indicator],
    dictionary: dict[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Each sampled rate's own denominator, for the same commune, sex and area (the registry's, else the one
    the field dictionary weighs it with), and its design effect (the registry's sampling unit); a rate with
    neither counts people aged 10+, or households."""
    unit = {k: e.sampling_unit for k, e in entries.items()}
    wanted = _recode(
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
    cells = _CellKeys(values, part)
    known = cells(*(counts[c] for c in CELL))
    unique, first = np.unique(known, return_index=True)  # the first row of a cell, as drop_duplicates keeps
    count = counts["value"].to_numpy(float)[first]
    found = _lookup(unique, count, cells(part.unit_code, wanted, part.sex, part.area))
    # Household counts are published for all sexes only.
    any_sex = _lookup(unique, count, cells(part.unit_code, wanted, "all", part.area))
    found = np.where(np.isnan(found), any_sex, found)
    deff = part.indicator_id.map(unit).fillna("persons").map(sampling.DESIGN_EFFECTS)
    return found, deff.to_numpy(float)


class _CellKeys:
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
        return np.where(codes >= 0, labels.get_indexer(column.cat.categories)[codes], -1)
    return labels.get_indexer(np.asarray(column, dtype=object))


def _recode(column: pd.Series, mapping: Mapping[str, Any] | pd.Series) -> pd.Series:
    """`column` with each label replaced by `mapping[label]` (NaN where it has none), as a categorical: the
    mapping is looked up once per label, not once per row."""
    column = column.astype("category")
    new = column.cat.categories.map(mapping)
    inverse, uniques = pd.factorize(np.asarray(new, dtype=object))
    codes = column.cat.codes.to_numpy()
    recoded = np.where(codes >= 0, inverse[codes], -1)
    return pd.Series(pd.Categorical.from_codes(recoded, uniques), index=column.index)


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The value of each wanted key in sorted unique `keys` (NaN where absent or -1)."""
    if not len(keys):
        return np.full(len(wanted), np.nan)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where((keys[at] == wanted) & (wanted >= 0), values[at], np.nan)


def _input_se(values: pd.DataFrame, codes: list[str], columns: pd.Index) -> pd.DataFrame:
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


# -- models ---------------------------------------------------------------------------------------
def _parents(units: pd.DataFrame) -> dict[str, pd.Series]:
    """Each commune's province, région and country code, for aggregating commune figures."""
    return {
        "province": units["province_code"].astype(str),
        "region": units["region_code"].astype(str),
        "country": pd.Series("MA", index=units.index),
    }


def _cells(values: pd.DataFrame, units: pd.DataFrame, filled: pd.DataFrame) -> pd.DataFrame:
    """People aged 15+ by commune × area × sex (HCP's urban and rural parts of each commune), the raking
    cells; a commune HCP gives no such count for keeps its filled total, in its own type's area."""
    pop = values[
        (values.indicator_id == "illiteracy_population_15_plus")
        & (values.level == "commune")
        & (values.year == 2024)
        & values.sex.isin(["male", "female"])
        & values.value.notna()
    ]
    parts = pop[pop.area.isin(["urban", "rural"])]
    whole = pop[(pop.area == "total") & ~pop.unit_code.isin(set(parts.unit_code))]
    whole = whole.assign(area=units["type"].reindex(whole.unit_code).to_numpy())
    cells = pd.concat([parts, whole]).rename(columns={"unit_code": "code", "value": "weight"})
    cells = cells[cells.code.isin(units.index) & (cells.weight > 0)]
    extra = []
    for sex in ("male", "female"):
        missing = units.index.difference(pd.Index(cells.loc[cells.sex == sex, "code"].unique()))
        extra.append(
            pd.DataFrame(
                {
                    "code": missing,
                    "area": units["type"].reindex(missing).to_numpy(),
                    "sex": sex,
                    "weight": filled[f"illiteracy_population_15_plus:2024:{sex}"]
                    .reindex(missing)
                    .fillna(0)
                    .clip(lower=0),
                }
            )
        )
    cells = pd.concat([cells, *extra])
    return (
        cells[["code", "area", "sex", "weight"]]
        .drop_duplicates(["code", "area", "sex"])
        .reset_index(drop=True)
    )


def _internet_model(
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    units: pd.DataFrame,
    values: pd.DataFrame,
    parents: dict[str, pd.Series],
    seed: int,
) -> tuple[pd.DataFrame, models.CellDraws, list[dict], pd.DataFrame]:
    urban = units["type"].eq("urban")
    x14, x24 = models.design(filled, 2014, urban), models.design(filled, 2024, urban)
    y = filled["equipment_internet:2014:all"].where(~imputed["equipment_internet:2014:all"])
    h14, h24 = filled["households_count:2014:all"], filled["households_count:2024:all"]
    observed = {
        o: tuple(filled[f"{o}:{yr}:all"].where(~imputed[f"{o}:{yr}:all"]) for yr in (2014, 2024))
        for o in EXPOST_OUTCOMES
    }
    expost = models.expost_test(observed, x14, x24, h14.where(h14 > 0), h24.where(h24 > 0))
    by_method = expost.pivot(index="outcome", columns="method", values="rmse_pp")
    wins = int((by_method["model"] < by_method["carry_forward"]).sum())
    status = "modelled" if wins > len(by_method) / 2 else "scenario"
    temporal_sd = float(np.sqrt(np.mean(expost.loc[expost.method == "model", "rmse_logit"] ** 2)))
    model = models.InternetModel(predictive_sd=temporal_sd).fit(x14, y, h14.where(h14 > 0))
    cells = _cells(values, units, filled)
    draws = model.simulate_2024(x24, cells, draws=INTERNET_DRAWS, seed=seed)
    code = cells["code"].to_numpy()
    frames = []
    for level in ("commune", *parents):
        unit = code if level == "commune" else parents[level].reindex(code).to_numpy()
        for sex in SEXES:
            rate = draws.summarise(unit, sex=None if sex == "all" else sex)
            need = draws.summarise(unit, sex=None if sex == "all" else sex, count=True)
            frames.append(
                rate.assign(
                    level=level,
                    sex=sex,
                    indicator_id="internet_use_15_plus",
                    year=2024,
                    unit="percent",
                    status=status,
                )
            )
            frames.append(
                need.assign(
                    level=level,
                    sex=sex,
                    indicator_id="training_need_15_plus",
                    year=2024,
                    unit="people",
                    status=status,
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["status"] = status
    cv = models.spatial_cross_validation(
        x14, y, units["region_code"].reindex(filled.index), households=h14.where(h14 > 0)
    )
    validation = cv.assign(model_id="internet_use_2024")
    weights = cv["n"] / cv["n"].sum()
    verdict = f"The model beats carry-forward for {wins} of {len(by_method)} outcomes: " + (
        "it is published as an estimate (status modelled)."
        if status == "modelled"
        else "it does not beat it, so every surface calls the layer a scenario (status scenario), not an "
        "estimate."
    )
    card = models.model_card(
        model_id="internet_use_2024",
        title="Internet use by commune, people aged 15+, 2024 (small-area "
        + ("estimate)" if status == "modelled" else "scenario)"),
        target="internet_use_15_plus (percent of people aged 15+ who used the internet in the last 3 months)",
        method=(
            "Binomial GLM (logit link), weighted by households, of the 2014 share of households with "
            "internet at home (HCP, RGPH 2014) against covariates defined alike in 2014 and 2024; applied "
            "to the 2024 covariates in every commune × area × sex cell of people aged 15+; logit shifts per "
            "area and per sex raked so the cells hit HCP's 2024 figures (urban 70.2, rural 40.4, men 64.4, "
            "women 55.0, so 59.6 in all). The sex layers and the whole-population layer are sums of the "
            f"same cells, so they agree at every level. Intervals: {INTERNET_DRAWS} joint draws of the "
            "coefficients, one logit error per commune with the SD of the ex-post analogue test (the error "
            "of carrying a 2014 relation to 2024) and HCP's level moved by 0.1 point; every level's "
            "interval comes from the same draws. " + verdict
        ),
        data={
            "communes_fitted": model.n_,
            "covariates": list(x14.columns),
            "benchmark_targets": dict(model.targets),
            "cells": len(cells),
            "expost_outcomes": list(EXPOST_OUTCOMES),
        },
        metrics={
            "level_2014_fitted": round(model.level_2014_["fitted"], 3),
            "level_2014_observed": round(model.level_2014_["observed"], 3),
            "r2_2014_weighted": round(model.r2_, 4),
            "residual_sd_logit_2014": round(model.sigma_, 4),
            "predictive_sd_logit": round(temporal_sd, 4),
            "expost": expost.round(4).to_dict(orient="records"),
            "expost_model_wins": wins,
            "beats_carry_forward": status == "modelled",
            "status": status,
            "cv_rmse_pp": round(float(np.sqrt(np.sum(weights * cv["rmse"] ** 2))), 4),
            "cv_coverage_90": round(float(np.sum(weights * cv["coverage_90"])), 4),
            "benchmark_achieved": {k: round(v, 3) for k, v in model.benchmark_["achieved"].items()},
            "coefficients": {k: round(float(v), 4) for k, v in model.coefficients_.items()},
        },
        validation=cv,
        limitations=[
            (
                "Carries the 2014 relation between household internet and covariates to 2024 individual "
                "use; the benchmark fixes the national, urban, rural and sex levels, not the spread between "
                "communes."
            ),
            (
                "The ex-post analogue test (four household outcomes known in both censuses) is the only "
                "test of the temporal step; the leave-one-région-out validation tests the 2014 "
                "cross-section only."
            ),
            verdict,
        ],
        params={
            "floor_percent": model.floor,
            "interval": 0.9,
            "draws": INTERNET_DRAWS,
            "benchmark_sd_points": 0.1,
            "validation": "ex-post analogue test; leave one région out",
        },
    )
    return out, draws, [card], validation


def _forecasts(
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    se: pd.DataFrame,
    units: pd.DataFrame,
    draws: models.CellDraws,
    parents: dict[str, pd.Series],
    internet_status: str,
    control: tuple[float, str] | None = None,
) -> tuple[list[pd.DataFrame], dict[str, Any]]:
    province = units.set_index("code")["province_code"]
    ages14, ages24 = _age_counts(filled)
    projection = models.hamilton_perry(ages14, ages24, province, horizon=HORIZON)
    national_factor = projection.attrs["national_factor"]
    ages30 = projection.attrs["ages"]
    projection = projection.set_index("code").reindex(filled.index)
    pop24 = units.set_index("code")["population_2024"].reindex(filled.index).astype(float)
    # Communes carried by their own (shrunk) cohort-change ratios, controlled to a national total: a
    # published projection when one is supplied, else the same Hamilton-Perry projection of the nation.
    own_total = float(pop24.sum() * national_factor)
    national_total, control_source = control if control else (own_total, models.OWN_CONTROL_SOURCE)
    scale = national_total / (pop24 * projection["factor"]).sum()
    centre = pop24 * projection["factor"] * scale
    ends = pop24.to_numpy()[:, None] * projection[["factor_own", "factor_province"]].to_numpy() * scale
    band = pd.DataFrame(
        {
            "code": filled.index,
            "estimate": centre.to_numpy(),
            "lower": np.minimum(ends.min(axis=1), centre),
            "upper": np.maximum(ends.max(axis=1), centre),
        }
    )
    ages30 = {sex: a * scale for sex, a in ages30.items()}
    frames = []

    # A scenario band (own against province cohort-change ratios); the national total is the controlled
    # national projection, so it carries no band made of communes.
    population = _scenario_levels(band, parents)
    country = population.level == "country"
    population.loc[country, "lower"] = population.loc[country, "estimate"]
    population.loc[country, "upper"] = population.loc[country, "estimate"]
    frames.append(
        population.assign(
            indicator_id="population_forecast", year=HORIZON, sex="all", status="scenario", unit="people"
        )
    )
    progression: dict[str, pd.DataFrame] = {}
    backtests = []
    assisted: dict[str, pd.DataFrame] = {}
    for sex in ("male", "female"):
        a24, a14 = ages24[sex].to_numpy(float), ages14[sex].to_numpy(float)
        youth = _youth_rate(filled, sex, province)
        rate24 = filled[f"illiteracy_rate_10_plus:2024:{sex}"]
        # The starting rate is shrunk toward the province (people 10+ as its base), so a rate over a
        # handful of people is not carried as if measured.
        start = sampling.shrink_to_group(
            rate24, filled[f"illiteracy_population_10_plus:2024:{sex}"], province
        )
        progression[sex] = models.illiteracy_progression(
            start.to_numpy(float),
            a24,
            ages30[sex],
            youth.to_numpy(float),
            years=HORIZON - 2024,
            programme=LITERACY_PROGRAMME,
        ).set_index(filled.index)
        # The same step over 2014 → 2024, against the census that closed it (youth rate: 2024's, the only
        # one the sources give by commune).
        backtests.append(
            models.illiteracy_backtest(
                sampling.shrink_to_group(
                    filled[f"illiteracy_rate_10_plus:2014:{sex}"],
                    pd.Series(models.older_than(a14, 10), index=filled.index),
                    province,
                ).where(~imputed[f"illiteracy_rate_10_plus:2014:{sex}"]),
                rate24.where(~imputed[f"illiteracy_rate_10_plus:2024:{sex}"]),
                a14,
                a24,
                youth,
            ).assign(sex=sex)
        )
        # Assisted services: people 15+ who cannot read, 2024 from the census (sampling error only).
        pop15 = filled[f"illiteracy_population_15_plus:2024:{sex}"]
        r15 = filled[f"illiteracy_rate_15_plus:2024:{sex}"].fillna(rate24)
        s15 = se.get(f"illiteracy_rate_15_plus:2024:{sex}", pd.Series(0.0, index=filled.index)).reindex(
            filled.index
        )
        assisted[sex] = pd.DataFrame(
            {"code": filled.index, "estimate": pop15 * r15 / 100, "se": pop15 * s15.fillna(0) / 100}
        ).reset_index(drop=True)
    progression["all"] = progression["male"] + progression["female"]
    for sex in SEXES:
        prog = progression[sex]
        if sex == "all":
            with np.errstate(divide="ignore", invalid="ignore"):
                for name in ("alike", "old_first"):
                    prog[f"rate_{name}"] = 100 * prog[f"illiterate_{name}"] / prog["population_10_plus"]
        rate = pd.DataFrame(
            {
                "code": filled.index,
                "estimate": prog["rate_alike"].to_numpy(),
                "lower": prog["rate_old_first"].to_numpy(),
                "upper": prog["rate_alike"].to_numpy(),
            }
        )
        frames.append(
            _scenario_levels(rate, parents, weight=prog["population_10_plus"]).assign(
                indicator_id="illiteracy_rate_10_plus_forecast",
                year=HORIZON,
                sex=sex,
                status="scenario",
                unit="percent",
            )
        )
    assisted["all"] = assisted["male"].assign(
        estimate=assisted["male"]["estimate"] + assisted["female"]["estimate"],
        se=np.hypot(assisted["male"]["se"], assisted["female"]["se"]),
    )
    for sex in SEXES:
        a24 = assisted[sex]
        frames.append(
            a24.assign(
                lower=(a24["estimate"] - models.Z90 * a24["se"]).clip(lower=0),
                upper=a24["estimate"] + models.Z90 * a24["se"],
                level="commune",
                indicator_id="assisted_service_need_15_plus",
                year=2024,
                sex=sex,
                status="modelled",
                unit="people",
            )
        )
        agg = models.aggregate_levels(a24, parents)
        frames.append(
            agg.assign(
                indicator_id="assisted_service_need_15_plus",
                year=2024,
                sex=sex,
                status="modelled",
                unit="people",
            )
        )
        # 2030: the illiterate 15+ of the cohort progression, both scenarios of who leaves.
        prog = progression[sex]
        a30 = pd.DataFrame(
            {
                "code": filled.index,
                "estimate": prog["illiterate_15_plus_alike"].to_numpy(),
                "lower": prog["illiterate_15_plus_old_first"].to_numpy(),
                "upper": prog["illiterate_15_plus_alike"].to_numpy(),
            }
        )
        frames.append(
            _scenario_levels(a30, parents).assign(
                indicator_id="assisted_service_need_15_plus",
                year=HORIZON,
                sex=sex,
                status="scenario",
                unit="people",
            )
        )
    # Training: the 2024 offline share of each commune × sex held, on its projected people 15+.
    growth15 = {
        sex: pd.Series(
            np.divide(
                models.older_than(ages30[sex], 15),
                models.older_than(ages24[sex].to_numpy(float), 15),
                out=np.ones(len(filled)),
                where=models.older_than(ages24[sex].to_numpy(float), 15) > 0,
            ),
            index=filled.index,
        )
        for sex in ("male", "female")
    }
    code = draws.cells["code"].to_numpy()
    cell_sex = draws.cells["sex"].to_numpy()
    factor = np.where(
        cell_sex == "male",
        growth15["male"].reindex(code).to_numpy(float),
        growth15["female"].reindex(code).to_numpy(float),
    )
    for sex in SEXES:
        pick = None if sex == "all" else sex
        for level in ("commune", *parents):
            unit = code if level == "commune" else parents[level].reindex(code).to_numpy()
            need = draws.summarise(unit, sex=pick, count=True, factor=factor)
            frames.append(
                need.assign(
                    level=level,
                    indicator_id="training_need_15_plus",
                    year=HORIZON,
                    sex=sex,
                    status="scenario",
                    unit="people",
                )
            )
    out = pd.concat(frames, ignore_index=True)
    national = {
        f"{r.indicator_id}:{r.year}:{r.sex}": round(float(r.estimate), 2 if r.unit == "percent" else 0)
        for r in out[out.level == "country"].itertuples()
    }
    backtest = pd.concat(backtests, ignore_index=True)
    card = _forecast_card(
        national=national,
        backtest=backtest,
        national_factor=national_factor,
        uncontrolled=float((pop24 * projection["factor"]).sum()),
        own_total=own_total,
        control_source=control_source,
        internet_status=internet_status,
    )
    return [out], card


def _youth_rate(filled: pd.DataFrame, sex: str, province: pd.Series) -> pd.Series:
    """Illiteracy at 10-14 in 2024 (percent): the illiterate 10+ less the illiterate 15+, over the people
    10-14; shrunk toward the province (a rate over a few dozen children swings), the median where the
    census leaves no child."""
    pop10 = filled[f"illiteracy_population_10_plus:2024:{sex}"]
    pop15 = filled[f"illiteracy_population_15_plus:2024:{sex}"]
    young = pop10 - pop15
    rate10 = filled[f"illiteracy_rate_10_plus:2024:{sex}"]
    illiterate = (rate10 * pop10 - filled[f"illiteracy_rate_15_plus:2024:{sex}"] * pop15) / 100
    rate = (100 * illiterate / young.where(young > 0)).clip(0, 100)
    shrunk = sampling.shrink_to_group(rate, young.clip(lower=0), province)
    return shrunk.fillna(float(rate.median()))


def _forecast_card(
    *,
    national: dict[str, float],
    backtest: pd.DataFrame,
    national_factor: float,
    uncontrolled: float,
    own_total: float,
    control_source: str,
    internet_status: str,
) -> dict[str, Any]:
    cohort = backtest[backtest.method == "cohort_alike"].set_index("sex")
    carry = backtest[backtest.method == "carry_forward"].set_index("sex")
    beats = bool((cohort["rmse_pp"] < carry["rmse_pp"]).all())
    verdict = (
        "In the back-test 2014 → 2024 the cohort progression beats carry-forward for both sexes "
        f"(RMSE {cohort.loc['male', 'rmse_pp']:.2f} against {carry.loc['male', 'rmse_pp']:.2f} points "
        "for men, "
        f"{cohort.loc['female', 'rmse_pp']:.2f} against {carry.loc['female', 'rmse_pp']:.2f} for women)."
        if beats
        else "In the back-test 2014 → 2024 the cohort progression does not beat carry-forward for both sexes."
    )
    return models.model_card(
        model_id="forecast_2030",
        title="Scenarios to 2030: population, illiteracy 10+ by sex, need for assisted services and training",
        target="population_forecast, illiteracy_rate_10_plus_forecast, assisted_service_need_15_plus, "
        "training_need_15_plus",
        method=(
            "Population: Hamilton-Perry cohort-change ratios 2014-2024 by sex and five-year age group "
            "(residents), each commune's shrunk toward its province's with weight n/(n+500), children from "
            "2024 child-woman ratios, the ten-year step interpolated geometrically to 2030, and the "
            f"communes controlled to a national total ({control_source}; a controlled total: no national "
            "band). The band is the commune's own ratios against its province's, each bound aggregated as "
            "its own scenario. Illiteracy 10+: cohort progression. The illiterate people 10+ of 2024 age "
            "into 2030 and stay illiterate (adult literacy programmes: a stated scenario parameter, "
            f"{LITERACY_PROGRAMME:.0%} taught to read); the people aged 10-15 in 2030 (4-9 in 2024, from the "
            "projection) enter at the commune's 2024 rate at 10-14 ((illiterate 10+ - illiterate 15+) / "
            "people 10-14, shrunk toward the province). Who dies or leaves is not known by literacy, so the "
            "band runs from 'the leavers are as illiterate as everyone 10+' (estimate and upper) to 'the "
            "net loss of the people 60+ falls on the illiterate first' (lower); both lie in [0, 100]. "
            "Assisted services: people 15+ who cannot read (2024 census, sampling error only; 2030 from the "
            "same progression). Training: people 15+ offline, from the internet layer's draws (status "
            f"{internet_status} in 2024); 2030 holds each commune's 2024 offline share by sex on its "
            f"projected people 15+, so it is a scenario. {verdict}"
        ),
        data={"national_totals": national, "age_groups": list(models.AGE_GROUPS)},
        metrics={
            "population_2030": national.get(f"population_forecast:{HORIZON}:all"),
            "national_control": round(float(national.get(f"population_forecast:{HORIZON}:all", 0.0)), 0),
            "national_control_source": control_source,
            "national_hamilton_perry_2030": round(own_total, 0),
            "national_factor_2024_2030": round(national_factor, 5),
            "population_2030_uncontrolled_sum": round(uncontrolled, 0),
            "illiteracy_backtest": backtest.round(4).to_dict(orient="records"),
            "illiteracy_beats_carry_forward": beats,
        },
        validation=None,
        limitations=[
            (
                f"The population is controlled to {control_source}; migration and fertility are those of "
                "2014-2024, carried forward."
            ),
            (
                "The back-test of the illiteracy step covers 2014 → 2024 only (no commune data before 2014 "
                "in the sources) and takes the entrants' youth rate from 2024, the only one given by "
                "commune; the scenario band is about who leaves, not a sampling interval, and most "
                "communes' 2024 truth falls outside it (see band_coverage), so commune figures are "
                "scenarios with the back-test's RMSE as their typical error."
            ),
            "The offline share is held at its 2024 level, so training need in 2030 moves with the people "
            "15+ only.",
        ],
        params={
            "horizon": HORIZON,
            "ccr_prior": 500,
            "ccr_bounds": [0.2, 5.0],
            "literacy_programme_share": LITERACY_PROGRAMME,
            "old_age": 60,
            "interval": 0.9,
            "aggregation_correlation": 0.0,
        },
    )


def _national_control(settings: Settings) -> tuple[float, str] | None:
    """The published national population 2030 and its source, when the build was given one."""
    if settings.national_population_2030 is None:
        return None
    source = settings.national_population_2030_source or "a national projection supplied to the build"
    return float(settings.national_population_2030), source


# -- index ----------------------------------------------------------------------------------------
def _index(
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    se: pd.DataFrame,
    units: pd.DataFrame,
    connector: dict[str, tuple[pd.Series, bool]],
    internet: pd.DataFrame,
    seed: int,
    on_default: Callable[[pd.Series], None],
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The index under every lens; `on_default` gets the default lens's commune scores as soon as they are
    fitted, before the draws."""
    extra: list[tuple[ix.Component, bool]] = []
    simulated = False
    filled, imputed, se = filled.copy(), imputed.copy(), se.copy()  # connector columns are added below
    for component in ix.CONNECTOR_COMPONENTS:
        if component.indicator in connector:
            series, is_sim = connector[component.indicator]
            if series.notna().mean() < 0.5:
                continue  # too sparse to rank communes on
            key = component.key.name
            filled[key] = series.fillna(
                series.groupby(units["province_code"].reindex(series.index)).transform("median")
            ).fillna(series.median())
            imputed[key] = series.isna()
            se[key] = 0.0
            extra.append((component, is_sim))
            simulated |= is_sim
    codes = list(filled.index)
    headline = [c.key.name for c in ix.CENSUS_COMPONENTS]
    reasons = ix.ranking_rule(filled[RESIDENTS], imputed[headline].mean(axis=1))
    ranked = (reasons == "").to_numpy()
    regions = units["region_code"].reindex(codes).to_numpy()
    population = units["population_2024"].reindex(codes).to_numpy(float)
    groups, level_codes = {}, {}
    for level, column in (("province", "province_code"), ("region", "region_code")):
        labels = units[column].reindex(codes).to_numpy()
        uniq = sorted(pd.unique(labels))
        matrix = np.zeros((len(codes), len(uniq)))
        matrix[np.arange(len(codes)), np.searchsorted(uniq, labels)] = population
        groups[level] = matrix / matrix.sum(axis=0, keepdims=True)
        level_codes[level] = uniq
    scores, contributions, sensitivity, correlation, analyses = [], [], [], [], []
    notes: dict[str, Any] = {}
    computed: dict[tuple[ix.Component, ...], str] = {}
    for lens_name, lens in ix.LENSES.items():
        taken = [
            c
            for c, is_sim in extra
            if lens.connectors == "any" or (lens.connectors == "measured" and not is_sim)
        ]
        components = ix.lens_components(lens_name, (*ix.CENSUS_COMPONENTS, *taken))
        uses_simulated = any(is_sim for c, is_sim in extra if c in taken)
        if components in computed and not lens.demonstration:
            # The same index under another name (the `all` lens with no measurement loaded): same draws, same
            # rows.
            same = computed[components]
            analysis_id = f"index-{lens_name}"
            for rows in (scores, sensitivity, correlation):
                twin = [f for f in rows if len(f) and (f["lens"] == same).all()]
                rows.extend(f.assign(lens=lens_name, analysis_id=analysis_id) for f in twin)
            params = json.loads(next(a["params"] for a in analyses if a["analysis_id"] == f"index-{same}"))
            analyses.append(
                {
                    "analysis_id": analysis_id,
                    "kind": "index",
                    "seed": seed,
                    "params": ix.params_json({**params, "lens": lens_name, "same_as": same}),
                }
            )
            continue
        computed[components] = lens_name
        index = ix.FragilityIndex(components, weights="equal")
        index.fit(filled, imputed=imputed, ranked=ranked)
        if lens_name == DEFAULT_LENS:
            on_default(index.scores_["index"])
        n_draws = MC_DRAWS if lens_name in SENSITIVITY_LENSES else MC_DRAWS_LENSES
        draws = index.monte_carlo(filled, se=se, draws=n_draws, seed=seed, groups=groups, regions=regions)
        analysis_id = f"index-{lens_name}"
        analyses.append(
            {
                "analysis_id": analysis_id,
                "kind": "index",
                "params": ix.params_json(
                    {
                        **index.params(),
                        "lens": lens_name,
                        "monte_carlo": draws.params,
                        "ranking_rule": {
                            "min_residents": ix.MIN_RESIDENTS,
                            "max_imputed_share": ix.MAX_IMPUTED_SHARE,
                            "residents": RESIDENTS,
                            "unranked": reasons[reasons != ""].value_counts().to_dict(),
                        },
                    }
                ),
                "seed": seed,
            }
        )
        base = index.scores_
        frames = {"commune": (base, draws.summary("commune").set_index(base.index))}
        for level in LEVELS_UP:
            g = groups[level]
            level_scores = pd.DataFrame({"index": base["index"].to_numpy() @ g}, index=level_codes[level])
            for d in index.dimensions:
                level_scores[d] = base[d].to_numpy() @ g
            level_scores["rank"] = ix.ranks(level_scores["index"].to_numpy())
            level_scores["imputed"] = (base["imputed"].to_numpy() > 0) @ (g > 0)
            frames[level] = (level_scores, draws.summary(level).set_index(level_scores.index))
        for level, (score, summary) in frames.items():
            frame = score.join(summary)
            frame["level"], frame["lens"], frame["analysis_id"] = level, lens_name, analysis_id
            frame["n_units"] = int(frame["rank"].notna().sum())
            frame["uses_simulated"] = int(uses_simulated)
            frame["demonstration"] = int(lens.demonstration)
            frame["unranked_reason"] = (
                reasons.reindex(frame.index).fillna("").to_numpy() if level == "commune" else ""
            )
            for lang in LANGUAGES:
                frame[f"explanation_{lang}"] = _explanations(
                    index, frame, level, lang, groups, level_codes, filled
                )
            scores.append(frame.rename_axis("code").reset_index())
        if lens_name in SENSITIVITY_LENSES:
            sensitivity.append(
                _choice_sensitivity(index, filled, imputed, units, ranked, seed).assign(
                    analysis_id=analysis_id, lens=lens_name, level="commune"
                )
            )
        if lens_name == DEFAULT_LENS:
            contributions.append(_contribution_rows(index, filled, se, imputed, analysis_id, lens_name))
            pairs, excluded = _excluded_correlation(index, filled, internet)
            correlation.append(pairs.assign(analysis_id=analysis_id, lens=lens_name))
            params = json.loads(analyses[-1]["params"])
            analyses[-1]["params"] = ix.params_json(
                {**params, "excluded_layers": excluded, "vulnerability": VULNERABILITY_DECISION}
            )
            # Sampling error alone: weights pinned (huge concentration), choices as the base draws.
            noise_only = index.monte_carlo(filled, se=se, draws=200, seed=seed, vary_choices=False)
            notes["mc_draws"] = MC_DRAWS
            share = float(
                noise_only.rank_draws["commune"].var(axis=0).sum()
                / draws.rank_draws["commune"].var(axis=0).sum()
            )
            sensitivity.append(
                pd.DataFrame(
                    [
                        {
                            "analysis_id": analysis_id,
                            "lens": lens_name,
                            "level": "commune",
                            "kind": "sampling_error_variance_share",
                            "factor": "sampling_error",
                            "value": min(share, 1.0),
                        }
                    ]
                )
            )
        for level in ("commune", *LEVELS_UP):
            s = draws.sensitivity(level)
            sensitivity.append(
                pd.DataFrame(
                    {
                        "analysis_id": analysis_id,
                        "lens": lens_name,
                        "level": level,
                        "kind": "first_order",
                        "factor": s["factor"],
                        "value": s["first_order"],
                    }
                )
            )
        correlation.append(index.correlation_.assign(analysis_id=analysis_id, lens=lens_name))
    tables = {
        "index_score": pd.concat(scores, ignore_index=True),
        "index_contribution": pd.concat(contributions, ignore_index=True),
        "index_sensitivity": pd.concat(sensitivity, ignore_index=True),
        "index_correlation": pd.concat(correlation, ignore_index=True),
    }
    for d in DIMENSIONS:
        if d not in tables["index_score"]:
            tables["index_score"][d] = np.nan
    notes["uses_simulated"] = simulated
    notes["connector_components"] = [c.indicator for c, _ in extra]
    return tables, {"analysis": pd.DataFrame(analyses), "notes": notes}


def _choice_sensitivity(
    index: ix.FragilityIndex,
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    units: pd.DataFrame,
    ranked: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """Dimension removal (rank shift, top 50 kept) and total-order Sobol indices, as sensitivity rows."""
    removal = index.dimension_removal(filled)
    names = [c.key.name for c in index.components]
    raw = filled[names].where(~imputed.reindex(columns=names, fill_value=False))
    sobol = ix.sobol_sensitivity(index, raw, units["province_code"], ranked=ranked, seed=seed)
    rows = [
        pd.DataFrame({"kind": kind, "factor": removal["dimension"], "value": removal[column]})
        for kind, column in (
            ("dimension_removed_mean_abs_rank_shift", "mean_abs_rank_shift"),
            ("dimension_removed_top50_kept", "top50_kept"),
        )
    ]
    for kind, column in (
        ("total_order", "total_order"),
        ("total_order_ci", "total_order_ci"),
        ("first_order_sobol", "first_order"),
        ("total_order_ranks", "total_order_ranks"),
    ):
        rows.append(pd.DataFrame({"kind": kind, "factor": sobol["factor"], "value": sobol[column]}))
    return pd.concat(rows, ignore_index=True)


def _excluded_correlation(
    index: ix.FragilityIndex, filled: pd.DataFrame, internet: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Why the modelled internet use is not a component: its correlations with every component (rows of
    `index_correlation`), and the R² of its logit regressed on them (for the analysis parameters)."""
    names = [c.key.name for c in index.components]
    signs, _ = index._matrices()
    web = internet[
        (internet.level == "commune")
        & (internet.sex == "all")
        & (internet.indicator_id == "internet_use_15_plus")
    ].set_index("code")["estimate"]
    column = "internet_use_15_plus:2024:all"
    table = filled[names].assign(**{column: web.reindex(filled.index)}).dropna()
    pairs = ix.correlation_report(table, np.append(signs, -1.0))
    pairs = pairs[pairs.indicator_b == column].rename(
        columns={"indicator_a": "indicator_b", "indicator_b": "indicator_a"}
    )
    x = np.column_stack([np.ones(len(table)), table[names].to_numpy(float)])
    y = np.log(table[column] / (100 - table[column])).to_numpy(float)
    fitted = x @ np.linalg.lstsq(x, y, rcond=None)[0]
    r2 = float(1 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2))
    return pairs, {
        column: {
            "r2_logit_on_components": round(r2, 4),
            "max_abs_spearman": round(float(pairs["spearman"].abs().max()), 4),
            "kept_as": "a layer of its own (status modelled or scenario)",
        }
    }


def _explanations(
    index: ix.FragilityIndex,
    frame: pd.DataFrame,
    level: str,
    lang: str,
    groups: dict[str, np.ndarray],
    level_codes: dict[str, list[str]],
    filled: pd.DataFrame,
) -> list[str]:
    names = [c.key.name for c in index.components]
    if level == "commune":
        contrib, vals = index.contributions_, filled[names]
    else:
        g = groups[level]
        contrib = pd.DataFrame(g.T @ index.contributions_.to_numpy(), index=level_codes[level], columns=names)
        vals = pd.DataFrame(g.T @ filled[names].to_numpy(), index=level_codes[level], columns=names)
    # Only the two components pushing furthest matter to the sentence: pick them once, in arrays.
    c = contrib.reindex(frame.index).to_numpy(float)
    v = vals.reindex(frame.index).to_numpy(float)
    top = np.argsort(-c, axis=1)[:, :2]
    rank, n_units = frame["rank"].to_numpy(float), frame["n_units"].to_numpy(int)
    lower, upper = frame["rank_lower"].to_numpy(float), frame["rank_upper"].to_numpy(float)
    reasons = frame["unranked_reason"].to_numpy()
    out = []
    for i in range(len(frame)):
        if np.isnan(rank[i]):
            out.append(ix.explain_unranked(reasons[i], lang))
            continue
        keep = [names[k] for k in top[i]]
        out.append(
            ix.explain(
                int(rank[i]),
                int(n_units[i]),
                (int(lower[i]), int(upper[i])),
                dict(zip(keep, v[i, top[i]], strict=True)),
                dict(zip(keep, c[i, top[i]], strict=True)),
                level=level,
                lang=lang,
            )
        )
    return out


def _contribution_rows(index, filled, se, imputed, analysis_id, lens) -> pd.DataFrame:
    rows = []
    for c in index.components:
        name = c.key.name
        rows.append(
            pd.DataFrame(
                {
                    "analysis_id": analysis_id,
                    "lens": lens,
                    "code": filled.index,
                    "component": name,
                    "indicator_id": c.indicator,
                    "year": c.year,
                    "sex": c.sex,
                    "dimension": c.dimension,
                    "value": filled[name].to_numpy(),
                    "se": se[name].reindex(filled.index).to_numpy(),
                    "normalised": index.normalised_[name].to_numpy(),
                    "contribution": index.contributions_[name].to_numpy(),
                    "imputed": imputed[name].reindex(filled.index).fillna(False).astype(int).to_numpy()
                    if name in imputed
                    else 0,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


# -- spatial --------------------------------------------------------------------------------------
def _spatial(communes: Any, filled: pd.DataFrame, index: pd.Series, seed: int) -> dict[str, pd.DataFrame]:
    """Global Moran of the default index and its inputs, and LISA clusters of the index (`index`: its commune
    scores by code)."""
    weights = spatial.ContiguityWeights.from_geodataframe(communes.assign(code=communes["code"].astype(str)))
    table = pd.DataFrame({"fragility_index": index}).reindex(filled.index)
    for c in (*ix.CENSUS_COMPONENTS, *ix.VULNERABILITY_COMPONENTS):
        table[c.key.name] = filled[c.key.name]
    moran = spatial.global_moran(table, weights, permutations=999, seed=seed)
    lisa = spatial.lisa(
        table["fragility_index"], weights, permutations=LISA_PERMUTATIONS, seed=seed, refine=LISA_REFINE
    )
    analysis_id = "spatial"
    return {
        "spatial_moran": moran.assign(analysis_id=analysis_id),
        "lisa_cluster": lisa.assign(analysis_id=analysis_id),
        "analysis": pd.DataFrame(
            [
                {
                    "analysis_id": analysis_id,
                    "kind": "spatial",
                    "seed": seed,
                    "params": json.dumps(
                        {
                            "weights": "queen contiguity, row-standardised, islands joined to nearest "
                            "centroid",
                            "islands": weights.islands,
                            "permutations_moran": 999,
                            "permutations_lisa": LISA_PERMUTATIONS,
                            "lisa_refine": list(LISA_REFINE),
                            "lisa_refined_units": int((lisa["permutations"] > LISA_PERMUTATIONS).sum()),
                            "lens": DEFAULT_LENS,
                            "fdr": "Benjamini-Hochberg",
                            "alpha": 0.05,
                        }
                    ),
                }
            ]
        ),
    }


# -- stored values --------------------------------------------------------------------------------
def _age_counts(filled: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Residents by sex and five-year age group in 2014 and 2024 (HCP's age shares × resident population)."""
    out = []
    for year in (2014, 2024):
        counts = {}
        for sex in ("female", "male"):
            shares = filled[[f"age_{a}:{year}:{sex}" for a in models.AGE_GROUPS]]
            shares = shares.div(shares.sum(axis=1).where(lambda v: v > 0), axis=0)
            counts[sex] = shares.mul(filled[f"population_municipal:{year}:{sex}"], axis=0).fillna(0.0)
        out.append(counts)
    return out[0], out[1]


def _scenario_levels(
    frame: pd.DataFrame, parents: dict[str, pd.Series], *, weight: pd.Series | None = None
) -> pd.DataFrame:
    """A scenario band at every level: each bound is its own scenario, so each is aggregated as a figure
    (summed, or a weighted mean with `weight`), never treated as a sampling interval."""
    f = frame.set_index("code")[["estimate", "lower", "upper"]]
    out = [f.reset_index().assign(level="commune")]
    w = pd.Series(1.0, index=f.index) if weight is None else weight.reindex(f.index).fillna(0.0)
    for level, parent in parents.items():
        g = parent.reindex(f.index).to_numpy()
        summed = f.mul(w, axis=0).groupby(g).sum()
        if weight is not None:
            summed = summed.div(w.groupby(g).sum(), axis=0)
        out.append(summed.rename_axis("code").reset_index().assign(level=level))
    return pd.concat(out, ignore_index=True).assign(se=np.nan)


def _indicator_rows(frames: list[pd.DataFrame], run_id: str) -> pd.DataFrame:
    """The model and scenario figures of every level as `indicator_value` rows (each level's interval computed
    by the model, never composed from bounds)."""
    values = pd.concat(
        [f.rename(columns={"code": "unit_code", "estimate": "value"}) for f in frames], ignore_index=True
    )
    values["area"] = "total"
    values["period"] = values["year"].astype(str)
    values["suppressed"] = 0
    values["source_id"] = SOURCE_ID
    values["run_id"] = run_id
    return values[TABLES["indicator_value"]]


def _dictionary_rows(existing: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for entry in registry.CURATED:
        if entry.source != SOURCE_ID:
            continue
        for year in entry.years:
            if ((existing.indicator_id == entry.id) & (existing.year == year)).any():
                continue
            rows.append(
                {
                    "indicator_id": entry.id,
                    "year": year,
                    "dataset": "analytics",
                    "topic": entry.dimension or "forecast",
                    "label_fr": entry.label_fr,
                    "label_en": entry.label_en,
                    "heading": entry.label_fr,
                    "unit": entry.unit,
                    "sexes": ",".join(entry.sexes),
                    "definition": entry.label_en,
                    "note": entry.status,
                    "denominator": entry.denominator,
                    "aggregation": "weighted_mean" if entry.unit == "percent" else "sum",
                    "source_id": SOURCE_ID,
                    "licence": entry.licence,
                }
            )
    return pd.DataFrame(rows, columns=existing.columns)


def _source_row(existing: pd.DataFrame) -> pd.DataFrame:
    if (existing.source_id == SOURCE_ID).any():
        return existing.iloc[0:0]
    return pd.DataFrame(
        [
            {
                "source_id": SOURCE_ID,
                "title": "Observatory analytics: derived indicators, models and forecasts",
                "publisher": "Observatoire territorial de l'équité numérique",
                "url": None,
                "sha256": None,
                "licence": registry.DERIVED_LICENCE,
                "retrieved_at": None,
            }
        ],
        columns=existing.columns,
    )
