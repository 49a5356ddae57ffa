"""
The scenarios to 2030 the build stores: the population by Hamilton-Perry cohort-change ratios
controlled to a national total, illiteracy 10+ by sex by cohort progression (back-tested 2014 → 2024),
the people 15+ who need assisted services (cannot read) in 2024 and 2030, and the people 15+ offline who
need training in 2030; each at every level, with the model card that says how. The statistics are
`observatory.models`'; these functions take frames and return frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import models, sampling
from .enums import SEXES
from .internet import as_scenario_band
from .level_draws import level_summary
from .settings import Settings

#: The forecasts' horizon, and the share of the illiterate adults of 2024 that literacy programmes teach
#: to read by then: a scenario parameter, none by default (a stated assumption, not a forecast of them).
HORIZON = 2030
LITERACY_PROGRAMME = 0.0
MODEL_ID = "forecast_2030"
#: Monte Carlo draws of every 2030 figure (draw 0 is the central scenario); every level sums the same draws.
FORECAST_DRAWS = 200
#: Concentration of the Beta draw of each commune's weight on its own cohort-change ratios against its
#: province's; its mean is the shrinkage weight n / (n + 500) of the central projection.
MIX_CONCENTRATION = 2.0


@dataclass(frozen=True)
class Forecasts:
    """Every level's forecast figures (`code`, `level`, `indicator_id`, `year`, `sex`, `estimate`, bounds,
    `status`, `unit`) and the forecasts' model card."""

    figures: pd.DataFrame
    card: dict[str, Any]


@dataclass(frozen=True)
class _Population:
    """The population projection: commune band, ages by sex in 2014, 2024 and 2030, and the control."""

    band: pd.DataFrame
    ages14: dict[str, pd.DataFrame]
    ages24: dict[str, pd.DataFrame]
    ages30: dict[str, np.ndarray]
    national_factor: float
    own_total: float
    uncontrolled: float
    control_source: str
    draws: np.ndarray
    """People in 2030, draws × communes: draw 0 central, each draw controlled to its national draw."""
    national_sd: float
    """SD of the national total's log on the draws: the gap between the two national projections."""


def national_control(settings: Settings) -> tuple[float, str] | None:
    """The published national population 2030 and its source, when the build was given one."""
    if settings.national_population_2030 is None:
        return None
    source = settings.national_population_2030_source or "a national projection supplied to the build"
    return float(settings.national_population_2030), source


def forecasts(
    *,
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    se: pd.DataFrame,
    units: pd.DataFrame,
    draws: models.CellDraws,
    parents: dict[str, pd.Series],
    internet_status: str,
    control: tuple[float, str] | None = None,
    seed: int = 0,
    bandless_levels: tuple[str, ...] = (),
) -> Forecasts:
    """
    The forecasts from the filled commune inputs (`filled`; `imputed` says which were filled, `se` their
    sampling errors), the communes by code (`units`), the internet layer's cell `draws` and its status,
    each commune's `parents`, and a published national population 2030 with its source (`control`);
    `bandless_levels` are the internet layer's levels whose intervals are too wide to show.
    """
    province = units["province_code"]
    rng = np.random.default_rng([seed, 2030])
    population = _project_population(filled, units, control, rng)
    progression, backtests, assisted = {}, [], {}
    for sex in ("male", "female"):
        youth = youth_rate(filled, sex, province)
        progression[sex] = _progression(filled, population, sex, youth, province)
        backtests.append(_backtest(filled, imputed, population, sex, youth, province))
        assisted[sex] = _assisted_2024(filled, se, sex)
    backtest = pd.concat(backtests, ignore_index=True)
    cohort = _cohort_draws(progression, population, backtest, rng)
    frames = [
        _population_figures(population, parents, filled.index),
        *_illiteracy_figures(progression, cohort, parents, filled.index),
        *_assisted_figures(assisted, progression, cohort, parents, filled.index),
        as_scenario_band(_training_figures(draws, population, parents, filled.index), bandless_levels),
    ]
    out = pd.concat(frames, ignore_index=True)
    national = {
        f"{r.indicator_id}:{r.year}:{r.sex}": round(float(r.estimate), 2 if r.unit == "percent" else 0)
        for r in out[out.level == "country"].itertuples()
    }
    card = forecast_card(
        national=national,
        intervals=_national_intervals(out),
        national_sd=population.national_sd,
        backtest=backtest,
        national_factor=population.national_factor,
        uncontrolled=population.uncontrolled,
        own_total=population.own_total,
        control_source=population.control_source,
        internet_status=internet_status,
    )
    return Forecasts(figures=out, card=card)


def _project_population(
    filled: pd.DataFrame,
    units: pd.DataFrame,
    control: tuple[float, str] | None,
    rng: np.random.Generator,
) -> _Population:
    """Communes carried by their own (shrunk) cohort-change ratios, controlled to a national total: a
    published projection when one is supplied, else the same Hamilton-Perry projection of the nation.
    Draws: each commune's weight on its own ratios against its province's from a Beta around the
    shrinkage weight, and the national total from its own uncertainty (the gap between projecting the
    nation whole and summing its communes, as a 90% range on the log scale); each draw's communes are
    controlled to that draw's national total, so every level's draws agree."""
    ages14, ages24 = age_counts(filled)
    projection = models.hamilton_perry(ages14, ages24, units["province_code"], horizon=HORIZON)
    national_factor = projection.attrs["national_factor"]
    ages30 = projection.attrs["ages"]
    projection = projection.set_index("code").reindex(filled.index)
    pop24 = units["population_2024"].reindex(filled.index).astype(float).fillna(0.0).to_numpy()
    own_total = float(pop24.sum() * national_factor)
    national_total, control_source = control if control else (own_total, models.OWN_CONTROL_SOURCE)
    factor, own, prov = (projection[c].to_numpy(float) for c in ("factor", "factor_own", "factor_province"))
    uncontrolled = float((pop24 * factor).sum())
    scale = national_total / uncontrolled
    gap = own - prov
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(np.abs(gap) > 1e-9, (factor - prov) / gap, 0.5)
    weight = np.nan_to_num(weight, nan=0.5)
    a = np.clip(weight, 0.02, 0.98)
    mix = rng.beta(MIX_CONCENTRATION * a, MIX_CONCENTRATION * (1 - a), (FORECAST_DRAWS, len(pop24)))
    drawn = pop24 * np.clip(factor + (mix - weight) * gap, 0.0, None)
    drawn[0] = pop24 * factor
    national_sd = abs(float(np.log(uncontrolled / own_total))) / models.Z90
    totals = national_total * np.exp(rng.standard_normal(FORECAST_DRAWS) * national_sd)
    totals[0] = national_total
    drawn *= (totals / drawn.sum(axis=1))[:, None]
    band = pd.DataFrame(
        {
            "code": filled.index,
            "estimate": drawn[0],
            "low": pop24 * np.fmin(own, prov) * scale,
            "high": pop24 * np.fmax(own, prov) * scale,
        }
    )
    return _Population(
        band=band,
        ages14=ages14,
        ages24=ages24,
        ages30={sex: a * scale for sex, a in ages30.items()},
        national_factor=national_factor,
        own_total=own_total,
        uncontrolled=uncontrolled,
        control_source=control_source,
        draws=drawn,
        national_sd=national_sd,
    )


def _population_figures(
    population: _Population, parents: dict[str, pd.Series], codes: pd.Index
) -> pd.DataFrame:
    """The 90% interval from the draws at every level; the scenario band beside it: each commune on the
    lower, then the higher, of its own and its province's cohort-change ratios, each summed as its own
    scenario (so the band holds the central value at every level)."""
    figures = level_summary(population.draws, codes, parents)
    return _with_band(figures, scenario_levels(population.band, parents), ("low", "high")).assign(
        indicator_id="population_forecast", year=HORIZON, sex="all", status="scenario", unit="people"
    )


def _with_band(figures: pd.DataFrame, scenarios: pd.DataFrame, ends: tuple[str, str]) -> pd.DataFrame:
    """`figures` with `scenario_low`/`scenario_high`: the lower and higher of the two scenarios `ends`
    of `scenarios` at the same level and code, widened to hold the central value."""
    at = pd.MultiIndex.from_frame(figures[["level", "code"]])
    band = scenarios.set_index(["level", "code"]).reindex(at)
    low = np.fmin(band[ends[0]].to_numpy(float), band[ends[1]].to_numpy(float))
    high = np.fmax(band[ends[0]].to_numpy(float), band[ends[1]].to_numpy(float))
    value = figures["estimate"].to_numpy(float)
    return figures.assign(scenario_low=np.fmin(low, value), scenario_high=np.fmax(high, value))


def _progression(
    filled: pd.DataFrame, population: _Population, sex: str, youth: pd.Series, province: pd.Series
) -> pd.DataFrame:
    """Illiteracy 10+ of one sex carried to the horizon. The starting rate is shrunk toward the province
    (people 10+ as its base), so a rate over a handful of people is not carried as if measured."""
    start = sampling.shrink_to_group(
        filled[f"illiteracy_rate_10_plus:2024:{sex}"],
        filled[f"illiteracy_population_10_plus:2024:{sex}"],
        province,
    )
    return models.illiteracy_progression(
        start.to_numpy(float),
        population.ages24[sex].to_numpy(float),
        population.ages30[sex],
        youth.to_numpy(float),
        years=HORIZON - 2024,
        programme=LITERACY_PROGRAMME,
    ).set_index(filled.index)


def _backtest(
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    population: _Population,
    sex: str,
    youth: pd.Series,
    province: pd.Series,
) -> pd.DataFrame:
    """The same step over 2014 → 2024, against the census that closed it (youth rate: 2024's, the only one
    the sources give by commune)."""
    a14 = population.ages14[sex].to_numpy(float)
    start = sampling.shrink_to_group(
        filled[f"illiteracy_rate_10_plus:2014:{sex}"],
        pd.Series(models.older_than(a14, 10), index=filled.index),
        province,
    )
    return models.illiteracy_backtest(
        start.where(~imputed[f"illiteracy_rate_10_plus:2014:{sex}"]),
        filled[f"illiteracy_rate_10_plus:2024:{sex}"].where(~imputed[f"illiteracy_rate_10_plus:2024:{sex}"]),
        a14,
        population.ages24[sex].to_numpy(float),
        youth,
    ).assign(sex=sex)


def _assisted_2024(filled: pd.DataFrame, se: pd.DataFrame, sex: str) -> pd.DataFrame:
    """Assisted services: people 15+ of one sex who cannot read, 2024 from the census (sampling error
    only)."""
    pop15 = filled[f"illiteracy_population_15_plus:2024:{sex}"]
    r15 = filled[f"illiteracy_rate_15_plus:2024:{sex}"].fillna(filled[f"illiteracy_rate_10_plus:2024:{sex}"])
    s15 = se.get(f"illiteracy_rate_15_plus:2024:{sex}", pd.Series(0.0, index=filled.index)).reindex(
        filled.index
    )
    return pd.DataFrame(
        {"code": filled.index, "estimate": pop15 * r15 / 100, "se": pop15 * s15.fillna(0) / 100}
    ).reset_index(drop=True)


@dataclass(frozen=True)
class _CohortDraws:
    """One sex's cohort progression in 2030 as draws × communes (draw 0 the central scenario)."""

    illiterate: np.ndarray
    """Illiterate people 10+."""
    illiterate_15: np.ndarray
    """Illiterate people 15+: the need for assisted services."""
    population: np.ndarray
    """People 10+."""


def _cohort_draws(
    progression: dict[str, pd.DataFrame],
    population: _Population,
    backtest: pd.DataFrame,
    rng: np.random.Generator,
) -> dict[str, _CohortDraws]:
    """
    Draws of the progression by sex, and for both (their sum in the same draw). Each draw puts a share of
    the net loss of the people 60+ on the illiterate (1: the old-first end of the band, 0: the
    literate-first end) from a Beta whose mean is the central scenario's share (the leavers as
    illiterate as everyone), moves the commune's people with its population draw, and adds the
    back-test's error of the central scenario: a commune error with its RMSE and a national one with its
    weighted bias, in points of the rate.
    """
    central = population.draws[0]
    ratio = population.draws / np.where(central > 0, central, 1.0)
    out = {}
    for sex in ("male", "female"):
        prog = progression[sex].fillna(0.0)
        check = backtest[(backtest.sex == sex) & (backtest.method == "cohort_alike")].iloc[0]
        shape = (FORECAST_DRAWS, len(prog))
        old, alike, literate = (
            prog[f"illiterate_{s}"].to_numpy(float) for s in ("old_first", "alike", "literate_first")
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            centre = np.where(literate - old > 1e-9, (literate - alike) / (literate - old), 0.5)
        a = np.clip(centre, 0.02, 0.98)
        mix = rng.beta(MIX_CONCENTRATION * a, MIX_CONCENTRATION * (1 - a), shape)
        mix[0] = centre
        error = rng.standard_normal(shape) * check.rmse_pp
        error += rng.standard_normal((FORECAST_DRAWS, 1)) * abs(check.bias_pp_weighted)
        error[0] = 0.0
        pop10 = prog["population_10_plus"].to_numpy(float) * ratio
        pop15 = models.older_than(population.ages30[sex], 15) * ratio
        out[sex] = _CohortDraws(
            illiterate=np.clip(_mixed(prog, "illiterate", mix) * ratio + error / 100 * pop10, 0, pop10),
            illiterate_15=np.clip(
                _mixed(prog, "illiterate_15_plus", mix) * ratio + error / 100 * pop15, 0, pop15
            ),
            population=pop10,
        )
    male, female = out["male"], out["female"]
    out["all"] = _CohortDraws(
        illiterate=male.illiterate + female.illiterate,
        illiterate_15=male.illiterate_15 + female.illiterate_15,
        population=male.population + female.population,
    )
    return out


def _mixed(progression: pd.DataFrame, name: str, mix: np.ndarray) -> np.ndarray:
    """`name` (a count) in each draw: `mix` of the way from the literate-first end to the old-first one."""
    literate = progression[f"{name}_literate_first"].to_numpy(float)
    old = progression[f"{name}_old_first"].to_numpy(float)
    return np.asarray(mix * old + (1 - mix) * literate)


def _scenarios(progression: dict[str, pd.DataFrame], sex: str, name: str) -> pd.DataFrame:
    """The who-leaves scenarios of `name` (a count) for one sex or both: the band's two ends and the
    central scenario (`estimate`, the leavers as illiterate as everyone)."""
    sexes = ("male", "female") if sex == "all" else (sex,)
    alike = sum(progression[s][f"{name}_alike"].fillna(0.0) for s in sexes)
    old = sum(progression[s][f"{name}_old_first"].fillna(0.0) for s in sexes)
    literate = sum(progression[s][f"{name}_literate_first"].fillna(0.0) for s in sexes)
    people = sum(progression[s]["population_10_plus"].fillna(0.0) for s in sexes)
    return pd.DataFrame({"old_first": old, "literate_first": literate, "estimate": alike, "people": people})


def _illiteracy_figures(
    progression: dict[str, pd.DataFrame],
    cohort: dict[str, _CohortDraws],
    parents: dict[str, pd.Series],
    codes: pd.Index,
) -> list[pd.DataFrame]:
    """Illiteracy 10+ at the horizon by sex: the 90% interval from the draws, the scenario band the two
    ends of who leaves, the value the central scenario between them."""
    frames = []
    for sex in SEXES:
        draws = cohort[sex]
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = 100 * draws.illiterate / draws.population
        figures = level_summary(rate, codes, parents, weight=draws.population)
        counts = _scenarios(progression, sex, "illiterate")
        with np.errstate(divide="ignore", invalid="ignore"):
            rates = counts[["old_first", "literate_first", "estimate"]].div(counts["people"], axis=0) * 100
        band = scenario_levels(rates.rename_axis("code").reset_index(), parents, weight=counts["people"])
        frames.append(
            _with_band(figures, band, ("old_first", "literate_first")).assign(
                indicator_id="illiteracy_rate_10_plus_forecast",
                year=HORIZON,
                sex=sex,
                status="scenario",
                unit="percent",
            )
        )
    return frames


def _assisted_figures(
    assisted: dict[str, pd.DataFrame],
    progression: dict[str, pd.DataFrame],
    cohort: dict[str, _CohortDraws],
    parents: dict[str, pd.Series],
    codes: pd.Index,
) -> list[pd.DataFrame]:
    """Need for assisted services by sex: 2024 from the census at every level (sampling error), 2030 from
    the cohort progression's draws (the illiterate 15+), with the who-leaves scenarios as its band."""
    assisted = {
        **assisted,
        "all": assisted["male"].assign(
            estimate=assisted["male"]["estimate"] + assisted["female"]["estimate"],
            se=np.hypot(assisted["male"]["se"], assisted["female"]["se"]),
        ),
    }
    need = {"indicator_id": "assisted_service_need_15_plus", "unit": "people"}
    frames = []
    for sex in SEXES:
        a24 = assisted[sex]
        frames.append(
            a24.assign(
                lower=(a24["estimate"] - models.Z90 * a24["se"]).clip(lower=0),
                upper=a24["estimate"] + models.Z90 * a24["se"],
                level="commune",
                year=2024,
                sex=sex,
                status="modelled",
                **need,
            )
        )
        frames.append(
            models.aggregate_levels(a24, parents).assign(year=2024, sex=sex, status="modelled", **need)
        )
        # A full count (no long-form sample in the commune) has no sampling error, so no interval.
        frames[-2:] = [
            f.assign(lower=f["lower"].where(f["se"] > 0), upper=f["upper"].where(f["se"] > 0))
            for f in frames[-2:]
        ]
        figures = level_summary(cohort[sex].illiterate_15, codes, parents)
        scenarios = _scenarios(progression, sex, "illiterate_15_plus").drop(columns="people")
        band = scenario_levels(scenarios.rename_axis("code").reset_index(), parents)
        frames.append(
            _with_band(figures, band, ("old_first", "literate_first")).assign(
                year=HORIZON, sex=sex, status="scenario", **need
            )
        )
    return frames


def _training_figures(
    draws: models.CellDraws, population: _Population, parents: dict[str, pd.Series], codes: pd.Index
) -> pd.DataFrame:
    """Training: the 2024 offline share of each commune × sex held, on its projected people 15+."""
    growth15 = {}
    for sex in ("male", "female"):
        now = models.older_than(population.ages24[sex].to_numpy(float), 15)
        growth15[sex] = pd.Series(
            np.divide(
                models.older_than(population.ages30[sex], 15), now, out=np.ones(len(codes)), where=now > 0
            ),
            index=codes,
        )
    code = draws.cells["code"].to_numpy()
    factor = np.where(
        draws.cells["sex"].to_numpy() == "male",
        growth15["male"].reindex(code).to_numpy(float),
        growth15["female"].reindex(code).to_numpy(float),
    )
    frames = []
    for sex in SEXES:
        for level in ("commune", *parents):
            unit = code if level == "commune" else parents[level].reindex(code).to_numpy()
            need = draws.summarise(unit, sex=None if sex == "all" else sex, count=True, factor=factor)
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
    return pd.concat(frames, ignore_index=True)


def _national_intervals(figures: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Each national 2030 figure's 90% interval and scenario band (those it has), for the card."""
    country = figures[(figures.level == "country") & (figures.year == HORIZON)]
    digits = {"percent": 2, "people": 0}
    bounds = ("lower", "upper", "scenario_low", "scenario_high")
    return {
        f"{r.indicator_id}:{r.sex}": {
            c: round(float(getattr(r, c)), digits.get(r.unit, 2)) for c in bounds if pd.notna(getattr(r, c))
        }
        for r in country.itertuples()
    }


def forecast_card(
    *,
    national: dict[str, float],
    intervals: dict[str, dict[str, float]],
    national_sd: float,
    backtest: pd.DataFrame,
    national_factor: float,
    uncontrolled: float,
    own_total: float,
    control_source: str,
    internet_status: str,
) -> dict[str, Any]:
    """The forecasts' model card, with the back-test's verdict on the illiteracy step."""
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
        model_id=MODEL_ID,
        title="Scenarios to 2030: population, illiteracy 10+ by sex, need for assisted services and training",
        target="population_forecast, illiteracy_rate_10_plus_forecast, assisted_service_need_15_plus, "
        "training_need_15_plus",
        method=(
            "Population: Hamilton-Perry cohort-change ratios 2014-2024 by sex and five-year age group "
            "(residents), each commune's shrunk toward its province's with weight n/(n+500), children from "
            "2024 child-woman ratios, the ten-year step interpolated geometrically to 2030, and the "
            f"communes controlled to a national total ({control_source}). Intervals: {FORECAST_DRAWS} Monte "
            "Carlo draws; in each, a commune's weight on its own ratios against its province's is drawn "
            f"from a Beta (mean the shrinkage weight, concentration {MIX_CONCENTRATION:g}) and the national "
            "total from its own uncertainty (log-normal, SD "
            f"{national_sd:.4f}: the gap between projecting the nation whole and summing its communes "
            "taken as a 90% range), and the communes are controlled to that draw's total; every level's "
            "interval is the 5th-95th percentile of the sums of the same draws, so the régions' draws add "
            "up to the nation's while their upper bounds need not. The scenario band (scenario_low, "
            "scenario_high) puts every commune on the lower, then the higher, of its own and its "
            "province's ratios. "
            "Illiteracy 10+: cohort progression. The illiterate people 10+ of 2024 age "
            "into 2030 and stay illiterate (adult literacy programmes: a stated scenario parameter, "
            f"{LITERACY_PROGRAMME:.0%} taught to read); the people aged 10-15 in 2030 (4-9 in 2024, from the "
            "projection) enter at the commune's 2024 rate at 10-14 ((illiterate 10+ - illiterate 15+) / "
            "people 10-14, shrunk toward the province). Who dies or leaves is not known by literacy: the "
            "value is the central scenario, 'the leavers are as illiterate as everyone 10+' (the best in "
            "the back-test), inside a scenario band whose ends put the net loss of the people 60+ on the "
            "illiterate first (scenario_low) or on the literate first (scenario_high), all in [0, 100]. "
            "Its 90% interval comes from draws that put a Beta share of that loss on the illiterate "
            "(mean: the central scenario's), move the people with the population's draws, and add the "
            "2014 → 2024 back-test's error of the central scenario (a commune error with its RMSE, a "
            "national one with its weighted bias). "
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
            "national_log_sd_2030": round(national_sd, 5),
            "national_intervals_2030": intervals,
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
            "draws": FORECAST_DRAWS,
            "mix_concentration": MIX_CONCENTRATION,
        },
    )


def youth_rate(filled: pd.DataFrame, sex: str, province: pd.Series) -> pd.Series:
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


def age_counts(filled: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
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


def scenario_levels(
    frame: pd.DataFrame, parents: dict[str, pd.Series], *, weight: pd.Series | None = None
) -> pd.DataFrame:
    """Scenarios at every level (`frame`: `code` and one column per scenario): each scenario is its own
    figure, so each is aggregated as one (summed, or a weighted mean with `weight`), never treated as the
    bound of a sampling interval."""
    f = frame.set_index("code")
    out = [f.reset_index().assign(level="commune")]
    w = pd.Series(1.0, index=f.index) if weight is None else weight.reindex(f.index).fillna(0.0)
    for level, parent in parents.items():
        g = parent.reindex(f.index).to_numpy()
        summed = f.fillna(0.0).mul(w, axis=0).groupby(g).sum()
        if weight is not None:
            summed = summed.div(w.groupby(g).sum(), axis=0)
        out.append(summed.rename_axis("code").reset_index().assign(level=level))
    return pd.concat(out, ignore_index=True)
