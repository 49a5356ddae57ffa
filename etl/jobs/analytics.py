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
from typing import Any

import numpy as np
import pandas as pd

from observatory import index as ix
from observatory import models, planner, registry, sampling, spatial
from observatory.enums import DIMENSIONS, LANGUAGES, SEXES
from observatory.etl.context import BuildContext
from observatory.indicators import Key, fill_missing, wide
from observatory.planning_frame import CONTEXT as PLAN_CONTEXT
from observatory.planning_frame import PlanningFrame
from observatory.results_schema import RESULT_TABLES

SOURCE_ID = registry.ANALYTICS_SOURCE
DISTANCE = "households_distance_to_paved_road_km"
LEVELS_UP = ("province", "region")
MC_DRAWS = 1000

#: The build's plan: 50 training centres within 15 km (travel proxy), at least one in every région.
DEFAULT_PLAN = {"name": "default", "sites": 50, "radius_km": 15.0, "site_type": "training_centre", "min_per_region": 1}


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
        values = ctx.tables["indicator_value"]

        inputs = _inputs(values, codes)
        zero = [f"{DISTANCE}:{y}:all" for y in (2024, 2014)]
        filled, imputed = fill_missing(inputs, units, zero_when_urban=[z for z in zero if z in inputs])
        se = _input_se(values, codes, filled.columns)

        modelled, cards, validation = _internet_model(filled, imputed, units_ix)
        for sex in SEXES:
            part = modelled[modelled.sex == sex].set_index("code")
            filled[f"internet_use_15_plus:2024:{sex}"] = part["estimate"]
            se[f"internet_use_15_plus:2024:{sex}"] = part["se"]
            imputed[f"internet_use_15_plus:2024:{sex}"] = False
        forecasts, forecast_card = _forecasts(filled, se, units, modelled)
        cards.append(forecast_card)

        connector = _connector_inputs(values, codes)
        index_tables, summary = _index(filled, imputed, se, units_ix, connector, values, seed)
        spatial_tables = _spatial(communes, filled, index_tables["index_score"], seed)
        new_values = _indicator_rows(modelled, forecasts, units_ix, run.run_id, filled)
        context = values[values["indicator_id"].isin(list(PLAN_CONTEXT))]
        default_plan = planner.plan(PlanningFrame.from_tables(communes, pd.concat([new_values, context]),
                                                              index_tables["index_score"]), **DEFAULT_PLAN)
        ctx.add("indicator_value", new_values)
        ctx.add("indicator", _dictionary_rows(ctx.tables["indicator"]))
        ctx.add("source", _source_row(ctx.tables["source"]))
        tables = {
            "indicator_registry": registry.registry_frame(),
            "model_card": pd.DataFrame([{
                "model_id": c["model_id"], "title": c["title"], "target": c["target"], "status": "ok",
                "card_json": json.dumps(c, ensure_ascii=False, sort_keys=True),
                "card_markdown": models.card_markdown(c),
            } for c in cards]),
            "model_validation": validation,
            **index_tables, **spatial_tables, **plan_tables(default_plan),
        }
        tables["analysis"] = pd.concat([tables.get("analysis", pd.DataFrame()), summary["analysis"]], ignore_index=True)
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
    return list(dict.fromkeys(keys))


def _inputs(values: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    return wide(values, _keys()).reindex(codes)


def _connector_inputs(values: pd.DataFrame, codes: list[str]) -> dict[str, tuple[pd.Series, bool]]:
    """Latest commune values of each connector indicator loaded, and whether they are simulated."""
    out = {}
    for component in ix.CONNECTOR_COMPONENTS:
        rows = values[(values.indicator_id == component.indicator) & (values.level == "commune")
                      & (values.sex == "all") & (values.area == "total") & (values.suppressed.fillna(0) == 0)
                      & values.value.notna()]
        if rows.empty:
            continue
        latest = rows.sort_values("period").groupby("unit_code").last()
        out[component.indicator] = (latest["value"].reindex(codes), bool((latest["status"] == "simulated").any()))
    return out


def _fill_standard_errors(ctx: BuildContext, units: pd.DataFrame) -> None:
    """Give every 2024 long-form commune rate its sampling SE (and 90% bounds), and its aggregates theirs."""
    values = ctx.tables["indicator_value"]
    dictionary = ctx.tables["indicator"]
    sampled_ids = {e.id for e in (*registry.CURATED, *registry.census_entries()) if e.sampled}
    datasets = dictionary[dictionary.year == 2024].drop_duplicates("indicator_id").set_index("indicator_id")["dataset"]
    rows = (values.level == "commune") & (values.year == 2024) & (values.unit == "percent") & (
        values.indicator_id.isin(sampled_ids)) & values.se.isna()
    if not rows.any():
        return
    part = values.loc[rows, ["unit_code", "indicator_id", "sex", "area", "value"]]
    households = units["households_2024"].reindex(part.unit_code).to_numpy(float)
    people = values[(values.indicator_id == "illiteracy_population_10_plus") & (values.level == "commune")
                    & (values.year == 2024)].set_index(["unit_code", "sex", "area"])["value"]
    people = people[~people.index.duplicated()]
    person_den = people.reindex(pd.MultiIndex.from_frame(part[["unit_code", "sex", "area"]])).to_numpy(float)
    is_household = part.indicator_id.map(datasets).eq("households").to_numpy()
    denominator = np.where(is_household | np.isnan(person_den), households, person_den)
    se = sampling.rate_standard_error(part["value"].to_numpy(float), denominator, households)
    values.loc[rows, "se"] = se
    values.loc[rows, "lower"] = np.clip(part["value"].to_numpy(float) - models.Z90 * se, 0, 100)
    values.loc[rows, "upper"] = np.clip(part["value"].to_numpy(float) + models.Z90 * se, 0, 100)
    # Aggregates: SE of a denominator-weighted mean of independent commune rates.
    part = part.assign(se=se, w=np.nan_to_num(denominator))
    for level, column in (("province", "province_code"), ("region", "region_code"), ("country", None)):
        parent = units[column].reindex(part.unit_code).to_numpy() if column else np.full(len(part), "MA")
        keys = part.assign(parent=parent)[["parent", "indicator_id", "sex", "area"]]
        agg_se = sampling.aggregate_standard_error(part["se"], part["w"], keys)
        target = (values.level == level) & (values.year == 2024) & values.indicator_id.isin(sampled_ids) & (
            values.unit == "percent") & values.se.isna()
        index = pd.MultiIndex.from_frame(values.loc[target, ["unit_code", "indicator_id", "sex", "area"]].astype(str))
        found = agg_se.reindex(index).to_numpy(float)
        value = values.loc[target, "value"].to_numpy(float)
        values.loc[target, "se"] = found
        values.loc[target, "lower"] = np.clip(value - models.Z90 * found, 0, 100)
        values.loc[target, "upper"] = np.clip(value + models.Z90 * found, 0, 100)
    distance = (values.level == "commune") & (values.year == 2024) & (values.indicator_id == DISTANCE) & values.se.isna()
    hh = units["households_2024"].reindex(values.loc[distance, "unit_code"]).to_numpy(float)
    values.loc[distance, "se"] = sampling.mean_standard_error(values.loc[distance, "value"].to_numpy(float), hh)
    ctx.tables["indicator_value"] = values


def _input_se(values: pd.DataFrame, codes: list[str], columns: pd.Index) -> pd.DataFrame:
    keys = [Key.parse(c) for c in columns]
    subset = values[(values.level == "commune") & (values.area == "total") & values.se.notna()
                    & values.indicator_id.isin({k.indicator for k in keys})]
    table = subset.pivot_table(index="unit_code", columns=["indicator_id", "year", "sex"], values="se", aggfunc="first")
    out = pd.DataFrame(index=codes)
    for key in keys:
        col = (key.indicator, key.year, key.sex)
        out[key.name] = table[col].reindex(codes) if col in table.columns else 0.0
    return out.fillna(0.0)


# -- models ---------------------------------------------------------------------------------------
def _internet_model(filled: pd.DataFrame, imputed: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, list[dict], pd.DataFrame]:
    urban = units["type"].eq("urban")
    x14, x24 = models.design(filled, 2014, urban), models.design(filled, 2024, urban)
    y = filled["equipment_internet:2014:all"].where(~imputed["equipment_internet:2014:all"])
    model = models.InternetModel().fit(x14, y)
    population = {s: filled[f"illiteracy_population_15_plus:2024:{s}"] for s in SEXES}
    estimates = model.predict_2024(x24, urban, population)
    cv = models.spatial_cross_validation(x14, y, units["region_code"].reindex(filled.index))
    validation = cv.assign(model_id="internet_use_2024")
    weights = cv["n"] / cv["n"].sum()
    card = models.model_card(
        model_id="internet_use_2024",
        title="Internet use by commune, people aged 15+, 2024 (small-area estimate)",
        target="internet_use_15_plus (percent of people aged 15+ who used the internet in the last 3 months)",
        method=(
            "OLS on the logit of the 2014 share of households with internet at home (HCP, RGPH 2014), against "
            "covariates defined alike in 2014 and 2024; applied to the 2024 covariates; benchmarked by logit "
            "shifts (urban, rural; then by sex) so the estimates weighted by people aged 15+ equal HCP's "
            "published 2024 national figures. 90% predictive intervals from parameter and residual variance."
        ),
        data={"communes_fitted": model.n_, "covariates": list(x14.columns), "benchmark_targets": model.targets},
        metrics={
            "r2_2014": round(model.r2_, 4), "residual_sd_logit": round(model.sigma_, 4),
            "cv_rmse_pp": round(float(np.sqrt(np.sum(weights * cv["rmse"] ** 2))), 4),
            "cv_mae_pp": round(float(np.sum(weights * cv["mae"])), 4),
            "cv_coverage_90": round(float(np.sum(weights * cv["coverage_90"])), 4),
            "benchmark_achieved": {k: round(v, 3) for k, v in model.benchmark_["achieved"].items()},
            "benchmark_shifts": {k: round(v, 4) for k, v in model.benchmark_.items() if k.startswith("shift")},
            "coefficients": {k: round(float(v), 4) for k, v in model.coefficients_.items()},
        },
        validation=cv,
        limitations=[
            ("Carries the 2014 relation between household internet and covariates to 2024; the benchmark fixes "
             "the level, not the spread between communes."),
            ("Urban/rural is the commune's type; HCP's urban figure also counts urban centres in rural communes, "
             "so the benchmarked total differs slightly from 59.6%."),
            "Validation is on the 2014 household measure (leave one région out), not on 2024 individual use.",
            "A modelled estimate: show it with its interval, never as a census figure.",
        ],
        params={"floor_percent": model.floor, "interval": 0.9, "validation": "leave one région out"},
    )
    return estimates, [card], validation


def _forecasts(
    filled: pd.DataFrame, se: pd.DataFrame, units: pd.DataFrame, internet: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    population = models.forecast_population(units)
    out: dict[str, pd.DataFrame] = {"population_forecast:2030:all": population}
    pop = population.set_index("code")
    share15 = {}
    for sex in SEXES:
        share15[sex] = (filled[f"illiteracy_population_15_plus:2024:{sex}"] /
                        filled["illiteracy_population_15_plus:2024:all"].where(lambda s: s > 0)).fillna(0.5 if sex != "all" else 1.0)
    adults = filled["illiteracy_population_15_plus:2024:all"] / units.set_index("code")["population_2024"].reindex(filled.index)
    adults = adults.clip(0, 1).fillna(adults.median())
    for sex in ("male", "female"):
        rate = models.forecast_rate(
            filled[f"illiteracy_rate_10_plus:2024:{sex}"], filled[f"illiteracy_rate_10_plus:2014:{sex}"],
            se.get(f"illiteracy_rate_10_plus:2024:{sex}"),
        )
        out[f"illiteracy_rate_10_plus_forecast:2030:{sex}"] = rate
    for year in (2024, 2030):
        for sex in ("male", "female"):
            pop15 = pd.DataFrame({
                "code": filled.index,
                "estimate": (pop["estimate"] if year == 2030 else units.set_index("code")["population_2024"]).reindex(filled.index) * adults * share15[sex],
                "lower": (pop["lower"] if year == 2030 else units.set_index("code")["population_2024"]).reindex(filled.index) * adults * share15[sex],
                "upper": (pop["upper"] if year == 2030 else units.set_index("code")["population_2024"]).reindex(filled.index) * adults * share15[sex],
            }).reset_index(drop=True)
            # 15+ illiteracy moves with the 10+ trend (same logit shift).
            r15 = filled[f"illiteracy_rate_15_plus:2024:{sex}"].fillna(filled[f"illiteracy_rate_10_plus:2024:{sex}"])
            if year == 2030:
                f10 = out[f"illiteracy_rate_10_plus_forecast:2030:{sex}"].set_index("code")
                base = filled[f"illiteracy_rate_10_plus:2024:{sex}"]
                ratio = {b: f10[b] / base.where(base > 0) for b in ("estimate", "lower", "upper")}
                illiterate = pd.DataFrame({"code": filled.index, **{b: (r15 * ratio[b].fillna(1)).clip(0, 100)
                                                                   for b in ("estimate", "lower", "upper")}})
            else:
                s = se.get(f"illiteracy_rate_15_plus:2024:{sex}", pd.Series(0.0, index=filled.index)).reindex(filled.index).fillna(0)
                illiterate = pd.DataFrame({"code": filled.index, "estimate": r15, "lower": (r15 - models.Z90 * s).clip(0),
                                           "upper": (r15 + models.Z90 * s).clip(upper=100)})
            out[f"assisted_service_need_15_plus:{year}:{sex}"] = models.need_counts(pop15, illiterate.reset_index(drop=True))
            web = internet[internet.sex == sex].set_index("code").reindex(filled.index)
            offline = pd.DataFrame({"code": filled.index, "estimate": 100 - web["estimate"], "lower": 100 - web["upper"],
                                    "upper": 100 - web["lower"]}).reset_index(drop=True)
            out[f"training_need_15_plus:{year}:{sex}"] = models.need_counts(pop15, offline)
    for name in ("assisted_service_need_15_plus", "training_need_15_plus"):
        for year in (2024, 2030):
            m, f = (out[f"{name}:{year}:{s}"].set_index("code") for s in ("male", "female"))
            out[f"{name}:{year}:all"] = (m + f).reset_index()
    national = {k: round(float(v["estimate"].sum()), 0) for k, v in out.items() if "need" in k or "population" in k}
    card = models.model_card(
        model_id="forecast_2030",
        title="Forecasts to 2030: population, illiteracy 10+ by sex, need for assisted services and training",
        target="population_forecast, illiteracy_rate_10_plus_forecast, assisted_service_need_15_plus, training_need_15_plus",
        method=(
            "Population: each commune's 2014-2024 annual growth shrunk halfway to its province's, scaled so the "
            "national total grows at the national 2014-2024 rate. Illiteracy: 2014-2024 trend on the logit scale. "
            "Needs: people aged 15+ (2024 age structure) times the illiteracy rate (assisted services) or the "
            "modelled offline share held at its 2024 level (training)."
        ),
        data={"national_totals": national, "national_growth": population.attrs["national_growth"]},
        metrics={"population_2030": national["population_forecast:2030:all"],
                 "growth_spread_sd": round(population.attrs["spread"], 5)},
        limitations=[
            "Trend extrapolation, not a cohort-component projection: migration shifts after 2024 are not modelled.",
            "The offline share is held at its modelled 2024 level, so training need in 2030 is an upper bound.",
            "Intervals reflect the spread of commune trends and sampling error, not every source of uncertainty.",
        ],
        params={"horizon": 2030, "shrink_to_province": 0.5, "interval": 0.9},
    )
    return out, card


# -- index ----------------------------------------------------------------------------------------
def _index(
    filled: pd.DataFrame, imputed: pd.DataFrame, se: pd.DataFrame, units: pd.DataFrame,
    connector: dict[str, tuple[pd.Series, bool]], values: pd.DataFrame, seed: int,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    extra = []
    simulated = False
    for component in ix.CONNECTOR_COMPONENTS:
        if component.indicator in connector:
            series, is_sim = connector[component.indicator]
            if series.notna().mean() < 0.5:
                continue  # too sparse to rank communes on
            key = component.key.name
            filled[key] = series.fillna(series.groupby(units["province_code"].reindex(series.index)).transform("median")
                                        ).fillna(series.median())
            imputed[key] = series.isna()
            se[key] = 0.0
            extra.append(component)
            simulated |= is_sim
    codes = list(filled.index)
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
    for lens_name in ix.LENSES:
        pool = ix.CENSUS_COMPONENTS if lens_name == "census" else (*ix.CENSUS_COMPONENTS, *extra)
        components = ix.lens_components(lens_name, pool)
        uses_simulated = simulated and lens_name != "census"
        index = ix.FragilityIndex(components, weights="equal")
        index.fit(filled, imputed=imputed)
        draws = index.monte_carlo(filled, se=se, draws=MC_DRAWS, seed=seed, groups=groups)
        analysis_id = f"index-{lens_name}"
        analyses.append({"analysis_id": analysis_id, "kind": "index", "params": ix.params_json(
            {**index.params(), "lens": lens_name, "monte_carlo": draws.params}), "seed": seed})
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
            frame["n_units"] = len(frame)
            frame["uses_simulated"] = int(uses_simulated)
            for lang in LANGUAGES:
                frame[f"explanation_{lang}"] = _explanations(index, frame, level, lang, groups, level_codes, filled)
            scores.append(frame.rename_axis("code").reset_index())
        if lens_name == "all":
            contributions.append(_contribution_rows(index, filled, se, imputed, analysis_id, lens_name))
            removal = index.dimension_removal(filled)
            sensitivity.append(pd.DataFrame({"analysis_id": analysis_id, "lens": lens_name, "level": "commune",
                                              "kind": "dimension_removed_mean_abs_rank_shift",
                                              "factor": removal["dimension"], "value": removal["mean_abs_rank_shift"]}))
            # Sampling error alone: weights pinned (huge concentration), choices as the base draws.
            noise_only = index.monte_carlo(filled, se=se, draws=200, seed=seed, vary_choices=False)
            notes["mc_draws"] = MC_DRAWS
            share = float(noise_only.rank_draws["commune"].var(axis=0).sum() / draws.rank_draws["commune"].var(axis=0).sum())
            sensitivity.append(pd.DataFrame([{"analysis_id": analysis_id, "lens": lens_name, "level": "commune",
                                              "kind": "sampling_error_variance_share", "factor": "sampling_error",
                                              "value": min(share, 1.0)}]))
        for level in ("commune", *LEVELS_UP):
            s = draws.sensitivity(level)
            sensitivity.append(pd.DataFrame({"analysis_id": analysis_id, "lens": lens_name, "level": level,
                                             "kind": "first_order", "factor": s["factor"], "value": s["first_order"]}))
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
    notes["connector_components"] = [c.indicator for c in extra]
    return tables, {"analysis": pd.DataFrame(analyses), "notes": notes}


def _explanations(
    index: ix.FragilityIndex, frame: pd.DataFrame, level: str, lang: str,
    groups: dict[str, np.ndarray], level_codes: dict[str, list[str]], filled: pd.DataFrame,
) -> list[str]:
    names = [c.key.name for c in index.components]
    if level == "commune":
        contrib, vals = index.contributions_, filled[names]
    else:
        g = groups[level]
        contrib = pd.DataFrame(g.T @ index.contributions_.to_numpy(), index=level_codes[level], columns=names)
        vals = pd.DataFrame(g.T @ filled[names].to_numpy(), index=level_codes[level], columns=names)
    out = []
    for code, row in frame.iterrows():
        out.append(ix.explain(
            int(row["rank"]), int(row["n_units"]), (int(row["rank_lower"]), int(row["rank_upper"])),
            vals.loc[code].to_dict(), contrib.loc[code].to_dict(), level=level, lang=lang,
        ))
    return out


def _contribution_rows(index, filled, se, imputed, analysis_id, lens) -> pd.DataFrame:
    rows = []
    for c in index.components:
        name = c.key.name
        rows.append(pd.DataFrame({
            "analysis_id": analysis_id, "lens": lens, "code": filled.index, "component": name,
            "indicator_id": c.indicator, "year": c.year, "sex": c.sex, "dimension": c.dimension,
            "value": filled[name].to_numpy(), "se": se[name].reindex(filled.index).to_numpy(),
            "normalised": index.normalised_[name].to_numpy(), "contribution": index.contributions_[name].to_numpy(),
            "imputed": imputed[name].reindex(filled.index).fillna(False).astype(int).to_numpy()
            if name in imputed else 0,
        }))
    return pd.concat(rows, ignore_index=True)


# -- spatial --------------------------------------------------------------------------------------
def _spatial(communes: Any, filled: pd.DataFrame, scores: pd.DataFrame, seed: int) -> dict[str, pd.DataFrame]:
    weights = spatial.ContiguityWeights.from_geodataframe(communes.assign(code=communes["code"].astype(str)))
    base = scores[(scores.level == "commune") & (scores.lens == "all")].set_index("code")
    table = pd.DataFrame({"fragility_index": base["index"]}).reindex(filled.index)
    for c in ix.CENSUS_COMPONENTS:
        table[c.key.name] = filled[c.key.name]
    moran = spatial.global_moran(table, weights, permutations=999, seed=seed)
    lisa = spatial.lisa(table["fragility_index"], weights, permutations=999, seed=seed)
    analysis_id = "spatial"
    return {
        "spatial_moran": moran.assign(analysis_id=analysis_id),
        "lisa_cluster": lisa.assign(analysis_id=analysis_id),
        "analysis": pd.DataFrame([{"analysis_id": analysis_id, "kind": "spatial", "seed": seed, "params": json.dumps({
            "weights": "queen contiguity, row-standardised, islands joined to nearest centroid",
            "islands": weights.islands, "permutations": 999, "fdr": "Benjamini-Hochberg", "alpha": 0.05})}]),
    }


# -- planner --------------------------------------------------------------------------------------
def plan_tables(result: planner.Plan) -> dict[str, pd.DataFrame]:
    """A solved plan as rows of the plan tables, its parameters (with what its frame holds) as JSON."""
    row = {**{k: result.summary.get(k) for k in RESULT_TABLES["plan"] if k != "params"},
           "params": json.dumps(result.params, sort_keys=True)}
    return {"plan": pd.DataFrame([row]), "plan_site": result.sites, "plan_coverage": result.coverage,
            "plan_audit": result.audit, "plan_language": result.languages}


def store_plan(result: planner.Plan, *, db: Any, by: str = "observatory") -> str:
    """
    Save a plan solved after the build into the database (one transaction, with its `etl_run` row) as a
    draft for people to review; a plan with the same id (same parameters, same inputs) replaces the
    stored one and its review. Returns the plan id.
    """
    from observatory.etl.provenance import RunRecord, code_version, new_id

    record = RunRecord(job="store_plan", build_id=new_id("load"), version=code_version())
    record.add_input("plan", plan_id=result.plan_id, params=result.params)
    tables = {**plan_tables(result), "plan_review": pd.DataFrame([{
        "plan_id": result.plan_id, "status": "draft", "reviewer": by, "reviewed_at": _now(), "reason": "saved"}])}
    with db.writer() as writer:
        for name, frame in tables.items():
            writer.delete(name, {"plan_id": result.plan_id})
            writer.append(name, frame.reindex(columns=RESULT_TABLES[name]))
        record.count(read=len(tables["plan_coverage"]), loaded=len(tables["plan_coverage"]))
        record.close("ok")
        writer.append("etl_run", record.etl_run_row())
    return result.plan_id


def review_plan(plan_id: str, status: str, *, reviewer: str, reason: str, db: Any) -> dict[str, str]:
    """
    Record a review of a stored plan (draft → reviewed → approved or rejected; back to draft to rework):
    who, when and why, appended, never overwritten. Returns the recorded row.
    """
    from observatory import results

    if not reviewer.strip() or not reason.strip():
        raise ValueError("a review needs who (reviewer) and why (reason)")
    current = results.plan_status(plan_id, db=db)
    row = {"plan_id": plan_id, "status": planner.review(current, status), "reviewer": reviewer.strip(),
           "reviewed_at": _now(), "reason": reason.strip()}
    with db.writer() as writer:
        writer.append("plan_review", pd.DataFrame([row]).reindex(columns=RESULT_TABLES["plan_review"]))
    return row


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


# -- stored values --------------------------------------------------------------------------------
def _indicator_rows(modelled: pd.DataFrame, forecasts: dict[str, pd.DataFrame], units: pd.DataFrame,
                    run_id: str, filled: pd.DataFrame) -> pd.DataFrame:
    frames = [modelled.assign(indicator_id="internet_use_15_plus", year=2024, status="modelled", unit="percent")]
    for key, frame in forecasts.items():
        k = Key.parse(key)
        entry = registry.get(k.indicator)
        frames.append(frame.assign(indicator_id=k.indicator, year=k.year, sex=k.sex, se=np.nan, unit=entry.unit,
                                   status="forecast" if k.year > 2024 else "modelled"))
    values = pd.concat(frames, ignore_index=True).rename(columns={"code": "unit_code", "estimate": "value"})
    values["level"], values["area"] = "commune", "total"
    # Higher levels: counts sum; rates are weighted by people aged 15+ (or 10+).
    up = []
    for level, column in (("province", "province_code"), ("region", "region_code"), ("country", None)):
        parent = units[column].reindex(values.unit_code).to_numpy() if column else np.full(len(values), "MA")
        grouped = values.assign(parent=parent)
        weight = _rate_weights(values, filled)
        rates = grouped.unit == "percent"
        for b in ("value", "lower", "upper"):
            grouped[b + "_w"] = np.where(rates, grouped[b] * weight, grouped[b])
        grouped["w"] = np.where(rates, weight, 1.0)
        agg = grouped.groupby(["parent", "indicator_id", "year", "sex", "unit", "status"], as_index=False)[
            ["value_w", "lower_w", "upper_w", "w"]].sum()
        is_rate = agg.unit == "percent"
        for b in ("value", "lower", "upper"):
            agg[b] = np.where(is_rate, agg[b + "_w"] / agg["w"], agg[b + "_w"])
        up.append(agg.rename(columns={"parent": "unit_code"}).assign(level=level, area="total", se=np.nan)[
            ["unit_code", "level", "indicator_id", "year", "sex", "area", "value", "se", "lower", "upper", "unit", "status"]])
    values = pd.concat([values, *up], ignore_index=True)
    values["period"] = values["year"].astype(str)
    values["suppressed"] = 0
    values["source_id"] = SOURCE_ID
    values["run_id"] = run_id
    columns = ["unit_code", "level", "indicator_id", "year", "period", "sex", "area", "value", "se", "lower", "upper",
               "unit", "status", "suppressed", "source_id", "run_id"]
    return values[columns]


def _rate_weights(values: pd.DataFrame, filled: pd.DataFrame) -> np.ndarray:
    """Each rate's own denominator: people aged 15+ for internet use, 10+ for illiteracy, by sex."""
    weight = np.ones(len(values))
    for sex in SEXES:
        for indicator, population in (("internet_use_15_plus", "illiteracy_population_15_plus"),
                                      ("illiteracy_rate_10_plus_forecast", "illiteracy_population_10_plus")):
            pick = ((values.indicator_id == indicator) & (values.sex == sex)).to_numpy()
            column = filled[f"{population}:2024:{sex}"]
            weight[pick] = column.reindex(values.unit_code[pick]).fillna(0).to_numpy(float)
    return weight


def _dictionary_rows(existing: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for entry in registry.CURATED:
        if entry.source != SOURCE_ID:
            continue
        for year in entry.years:
            if ((existing.indicator_id == entry.id) & (existing.year == year)).any():
                continue
            rows.append({
                "indicator_id": entry.id, "year": year, "dataset": "analytics", "topic": entry.dimension or "forecast",
                "label_fr": entry.label_fr, "label_en": entry.label_en, "heading": entry.label_fr, "unit": entry.unit,
                "sexes": ",".join(entry.sexes), "definition": entry.label_en, "note": entry.status,
                "denominator": entry.denominator, "aggregation": "weighted_mean" if entry.unit == "percent" else "sum",
                "source_id": SOURCE_ID, "licence": entry.licence,
            })
    return pd.DataFrame(rows, columns=existing.columns)


def _source_row(existing: pd.DataFrame) -> pd.DataFrame:
    if (existing.source_id == SOURCE_ID).any():
        return existing.iloc[0:0]
    return pd.DataFrame([{
        "source_id": SOURCE_ID, "title": "Observatory analytics: derived indicators, models and forecasts",
        "publisher": "Observatoire territorial de l'équité numérique", "url": None, "sha256": None,
        "licence": registry.DERIVED_LICENCE, "retrieved_at": None,
    }], columns=existing.columns)
