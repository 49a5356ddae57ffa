"""
The 2024 internet-use layer: `models.InternetModel` tested ex post against the carry-forward of four
household outcomes HCP published in both censuses (it is an estimate only if it wins), fitted on 2014,
drawn in every commune × area × sex cell of people aged 15+, summed to every level, validated by
leaving one région out, and described by its model card. Pure: frames in, frames out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import models
from .enums import SEXES

#: Household outcomes HCP published by commune in 2014 and 2024: the ex-post test of the internet model.
EXPOST_OUTCOMES = (
    "amenities_running_water",
    "wastewater_public_sewer",
    "amenities_toilet",
    "amenities_bathroom",
)
#: Household outcomes known by commune in both censuses that the interval's spread is not fitted on: the
#: calibration test of its coverage.
CALIBRATION_OUTCOMES = (
    "amenities_kitchen",
    "wastewater_septic_tank",
    "household_waste_municipal_bin",
    "household_waste_truck",
    "cooking_fuel_gas",
    "cooking_fuel_firewood",
    "dwelling_type_moroccan_house",
    "dwelling_type_rural",
    "dwelling_type_apartment",
    "occupancy_owner",
    "occupancy_tenant",
)
INTERNET_DRAWS = 200
MODEL_ID = "internet_use_2024"
#: A level whose median 90% interval is wider than this (points) gets no interval: a band that wide
#: guides no decision, so its draws' range is shown as the scenario's band instead.
MAX_INTERVAL_WIDTH = 30.0
#: The layer's indicators: the share online and the people offline (the same cells' draws).
LAYER_INDICATORS = ("internet_use_15_plus", "training_need_15_plus")


@dataclass(frozen=True)
class InternetLayer:
    """The layer's figures at every level (`indicator_value`-like rows with `code` and `estimate`), its
    cell draws (which the training forecasts carry to 2030), its model card and validation rows."""

    figures: pd.DataFrame
    draws: models.CellDraws
    card: dict[str, Any]
    validation: pd.DataFrame
    status: str
    """`modelled` when the model beats carry-forward ex post, else `scenario`."""
    bandless_levels: tuple[str, ...] = ()
    """Levels whose intervals are too wide to guide a decision (`MAX_INTERVAL_WIDTH`): shown as a scenario
    band instead (`as_scenario_band`)."""


@dataclass(frozen=True)
class _ExPost:
    table: pd.DataFrame
    wins: int
    outcomes: int
    status: str
    temporal_sd: float


def unit_parents(units: pd.DataFrame) -> dict[str, pd.Series]:
    """Each commune's province, région and country code (`units` indexed by commune code)."""
    return {
        "province": units["province_code"].astype(str),
        "region": units["region_code"].astype(str),
        "country": pd.Series("MA", index=units.index),
    }


def internet_layer(
    *,
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    units: pd.DataFrame,
    values: pd.DataFrame,
    parents: dict[str, pd.Series],
    seed: int,
) -> InternetLayer:
    """The layer from the filled commune inputs (`filled`, with `imputed` saying which were filled), the
    communes by code (`units`), the stored values (for the raking cells) and each commune's `parents`."""
    urban = units["type"].eq("urban")
    x14, x24 = models.design(filled, 2014, urban), models.design(filled, 2024, urban)
    y = filled["equipment_internet:2014:all"].where(~imputed["equipment_internet:2014:all"])
    h14, h24 = filled["households_count:2014:all"], filled["households_count:2024:all"]
    expost = _expost(filled, imputed, x14, x24, h14.where(h14 > 0), h24.where(h24 > 0))
    model = models.InternetModel(predictive_sd=expost.temporal_sd).fit(x14, y, h14.where(h14 > 0))
    cells = raking_cells(values, units, filled)
    draws = model.simulate_2024(x24, cells, draws=INTERNET_DRAWS, seed=seed)
    figures = _figures(draws, parents, expost.status)
    region = units["region_code"].reindex(filled.index)
    cv = models.spatial_cross_validation(x14, y, region, households=h14.where(h14 > 0))
    calibration = _calibration(filled, imputed, x14, x24, h14, h24, region, expost)
    widths = _median_widths(figures)
    bandless = tuple(level for level, width in widths.items() if width > MAX_INTERVAL_WIDTH)
    card = _card(
        model,
        expost,
        cv,
        covariates=list(x14.columns),
        cells=len(cells),
        calibration=calibration,
        widths=widths,
        bandless=bandless,
    )
    return InternetLayer(
        figures=as_scenario_band(figures, bandless),
        draws=draws,
        card=card,
        validation=cv.assign(model_id=MODEL_ID),
        status=expost.status,
        bandless_levels=bandless,
    )


def _calibration(
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    x14: pd.DataFrame,
    x24: pd.DataFrame,
    h14: pd.Series,
    h24: pd.Series,
    region: pd.Series,
    expost: _ExPost,
) -> pd.DataFrame:
    """Coverage of the intervals on outcomes their spread was not fitted on (`interval_calibration`)."""
    observed = {
        o: tuple(filled[f"{o}:{yr}:all"].where(~imputed[f"{o}:{yr}:all"]) for yr in (2014, 2024))
        for o in (*EXPOST_OUTCOMES, *CALIBRATION_OUTCOMES)
        if f"{o}:2024:all" in filled
    }
    model_rows = expost.table[expost.table.method == "model"]
    spread = dict(zip(model_rows.outcome, model_rows.rmse_logit, strict=True))
    return models.interval_calibration(
        observed, spread, x14, x24, h14.where(h14 > 0), h24.where(h24 > 0), region
    )


def _median_widths(figures: pd.DataFrame) -> dict[str, float]:
    """The median width (points) of the 90% intervals of internet use, people 15+ of both sexes, by level."""
    rate = figures[(figures.indicator_id == "internet_use_15_plus") & (figures.sex == "all")]
    return {
        str(level): round(float(group["upper"].sub(group["lower"]).median()), 2)
        for level, group in rate.groupby("level", sort=False)
    }


def as_scenario_band(figures: pd.DataFrame, levels: tuple[str, ...]) -> pd.DataFrame:
    """The layer's `figures` with the intervals of `levels` moved to `scenario_low`/`scenario_high` (the
    range of the scenario's draws) and no interval or SE left: too wide to read as knowledge."""
    out = figures.copy()
    for column in ("scenario_low", "scenario_high"):
        if column not in out:
            out[column] = np.nan
    moved = out.level.isin(levels) & out.indicator_id.isin(LAYER_INDICATORS)
    out.loc[moved, "scenario_low"] = out.loc[moved, "lower"]
    out.loc[moved, "scenario_high"] = out.loc[moved, "upper"]
    out.loc[moved, ["lower", "upper", "se"]] = np.nan
    return out


def _expost(
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    x14: pd.DataFrame,
    x24: pd.DataFrame,
    h14: pd.Series,
    h24: pd.Series,
) -> _ExPost:
    """The ex-post analogue test: the layer is an estimate when the model beats carry-forward for most
    outcomes; its RMSE on the logit scale is the predictive SD of the temporal step."""
    observed = {
        o: tuple(filled[f"{o}:{yr}:all"].where(~imputed[f"{o}:{yr}:all"]) for yr in (2014, 2024))
        for o in EXPOST_OUTCOMES
    }
    expost = models.expost_test(observed, x14, x24, h14, h24)
    by_method = expost.pivot(index="outcome", columns="method", values="rmse_pp")
    wins = int((by_method["model"] < by_method["carry_forward"]).sum())
    return _ExPost(
        table=expost,
        wins=wins,
        outcomes=len(by_method),
        status="modelled" if wins > len(by_method) / 2 else "scenario",
        temporal_sd=float(np.sqrt(np.mean(expost.loc[expost.method == "model", "rmse_logit"] ** 2))),
    )


def _figures(draws: models.CellDraws, parents: dict[str, pd.Series], status: str) -> pd.DataFrame:
    """Internet use (percent) and training need (people offline) of every unit of every level and sex."""
    code = draws.cells["code"].to_numpy()
    frames = []
    for level in ("commune", *parents):
        unit = code if level == "commune" else parents[level].reindex(code).to_numpy()
        for sex in SEXES:
            rate = draws.summarise(unit, sex=None if sex == "all" else sex)
            need = draws.summarise(unit, sex=None if sex == "all" else sex, count=True)
            common = {"level": level, "sex": sex, "year": 2024, "status": status}
            frames.append(rate.assign(**common, indicator_id="internet_use_15_plus", unit="percent"))
            frames.append(need.assign(**common, indicator_id="training_need_15_plus", unit="people"))
    return pd.concat(frames, ignore_index=True)


def raking_cells(values: pd.DataFrame, units: pd.DataFrame, filled: pd.DataFrame) -> pd.DataFrame:
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


def _card(
    model: models.InternetModel,
    expost: _ExPost,
    cv: pd.DataFrame,
    *,
    covariates: list[str],
    cells: int,
    calibration: pd.DataFrame,
    widths: dict[str, float],
    bandless: tuple[str, ...],
) -> dict[str, Any]:
    """The model card: method, data, metrics, validation and limitations, with the ex-post verdict."""
    modelled = expost.status == "modelled"
    weights = cv["n"] / cv["n"].sum()
    by_role = calibration.groupby("role")
    coverage = by_role["coverage_90"].median().round(3).to_dict()
    width = by_role["median_width_pp"].median().round(1).to_dict()
    others = len(calibration) - len(EXPOST_OUTCOMES)
    nan = float("nan")
    calibrated = (
        "Calibration on outcomes the spread is not fitted on (régions held out): median coverage "
        f"{coverage.get('left_out', nan):.3f} leaving each of the {len(EXPOST_OUTCOMES)} fitted outcomes "
        f"out, {coverage.get('held_out', nan):.3f} on {others} other outcomes, median width "
        f"{width.get('held_out', nan):.1f} points. "
        + (
            f"Intervals wider than {MAX_INTERVAL_WIDTH:g} points (median) guide no decision: at the "
            f"{', '.join(bandless)} level the value is shown without an interval, its draws' range as the "
            "scenario band (scenario_low, scenario_high)."
            if bandless
            else ""
        )
    )
    verdict = f"The model beats carry-forward for {expost.wins} of {expost.outcomes} outcomes: " + (
        "it is published as an estimate (status modelled)."
        if modelled
        else "it does not beat it, so every surface calls the layer a scenario (status scenario), not an "
        "estimate."
    )
    return models.model_card(
        model_id=MODEL_ID,
        title="Internet use by commune, people aged 15+, 2024 (small-area "
        + ("estimate)" if modelled else "scenario)"),
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
            "interval comes from the same draws. " + calibrated + " " + verdict
        ),
        data={
            "communes_fitted": model.n_,
            "covariates": covariates,
            "benchmark_targets": dict(model.targets),
            "cells": cells,
            "expost_outcomes": list(EXPOST_OUTCOMES),
        },
        metrics={
            "level_2014_fitted": round(model.level_2014_["fitted"], 3),
            "level_2014_observed": round(model.level_2014_["observed"], 3),
            "r2_2014_weighted": round(model.r2_, 4),
            "residual_sd_logit_2014": round(model.sigma_, 4),
            "predictive_sd_logit": round(expost.temporal_sd, 4),
            "expost": expost.table.round(4).to_dict(orient="records"),
            "expost_model_wins": expost.wins,
            "beats_carry_forward": modelled,
            "status": expost.status,
            "cv_rmse_pp": round(float(np.sqrt(np.sum(weights * cv["rmse"] ** 2))), 4),
            "cv_coverage_90": round(float(np.sum(weights * cv["coverage_90"])), 4),
            "calibration": calibration.round(4).to_dict(orient="records"),
            "calibration_median_coverage": coverage,
            "calibration_median_width_pp": width,
            "interval_median_width_pp": widths,
            "levels_without_interval": list(bandless),
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
            "max_interval_width_points": MAX_INTERVAL_WIDTH,
            "validation": "ex-post analogue test; leave one région out",
        },
    )
