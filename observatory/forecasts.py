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
from .settings import Settings

#: The forecasts' horizon, and the share of the illiterate adults of 2024 that literacy programmes teach
#: to read by then: a scenario parameter, none by default (a stated assumption, not a forecast of them).
HORIZON = 2030
LITERACY_PROGRAMME = 0.0
MODEL_ID = "forecast_2030"


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
) -> Forecasts:
    """
    The forecasts from the filled commune inputs (`filled`; `imputed` says which were filled, `se` their
    sampling errors), the communes by code (`units`), the internet layer's cell `draws` and its status,
    each commune's `parents`, and a published national population 2030 with its source (`control`).
    """
    province = units["province_code"]
    population = _project_population(filled, units, control)
    progression, backtests, assisted = {}, [], {}
    for sex in ("male", "female"):
        youth = youth_rate(filled, sex, province)
        progression[sex] = _progression(filled, population, sex, youth, province)
        backtests.append(_backtest(filled, imputed, population, sex, youth, province))
        assisted[sex] = _assisted_2024(filled, se, sex)
    progression["all"] = progression["male"] + progression["female"]
    frames = [
        _population_figures(population.band, parents),
        *_illiteracy_figures(progression, parents, filled.index),
        *_assisted_figures(assisted, progression, parents, filled.index),
        *_training_figures(draws, population, parents, filled.index),
    ]
    out = pd.concat(frames, ignore_index=True)
    national = {
        f"{r.indicator_id}:{r.year}:{r.sex}": round(float(r.estimate), 2 if r.unit == "percent" else 0)
        for r in out[out.level == "country"].itertuples()
    }
    card = forecast_card(
        national=national,
        backtest=pd.concat(backtests, ignore_index=True),
        national_factor=population.national_factor,
        uncontrolled=population.uncontrolled,
        own_total=population.own_total,
        control_source=population.control_source,
        internet_status=internet_status,
    )
    return Forecasts(figures=out, card=card)


def _project_population(
    filled: pd.DataFrame, units: pd.DataFrame, control: tuple[float, str] | None
) -> _Population:
    """Communes carried by their own (shrunk) cohort-change ratios, controlled to a national total: a
    published projection when one is supplied, else the same Hamilton-Perry projection of the nation."""
    ages14, ages24 = age_counts(filled)
    projection = models.hamilton_perry(ages14, ages24, units["province_code"], horizon=HORIZON)
    national_factor = projection.attrs["national_factor"]
    ages30 = projection.attrs["ages"]
    projection = projection.set_index("code").reindex(filled.index)
    pop24 = units["population_2024"].reindex(filled.index).astype(float)
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
    return _Population(
        band=band,
        ages14=ages14,
        ages24=ages24,
        ages30={sex: a * scale for sex, a in ages30.items()},
        national_factor=national_factor,
        own_total=own_total,
        uncontrolled=float((pop24 * projection["factor"]).sum()),
        control_source=control_source,
    )


def _population_figures(band: pd.DataFrame, parents: dict[str, pd.Series]) -> pd.DataFrame:
    """A scenario band (own against province cohort-change ratios); the national total is the controlled
    national projection, so it carries no band made of communes."""
    population = scenario_levels(band, parents)
    country = population.level == "country"
    population.loc[country, "lower"] = population.loc[country, "estimate"]
    population.loc[country, "upper"] = population.loc[country, "estimate"]
    return population.assign(
        indicator_id="population_forecast", year=HORIZON, sex="all", status="scenario", unit="people"
    )


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


def _illiteracy_figures(
    progression: dict[str, pd.DataFrame], parents: dict[str, pd.Series], codes: pd.Index
) -> list[pd.DataFrame]:
    """Illiteracy 10+ at the horizon by sex, its band the two scenarios of who leaves."""
    frames = []
    for sex in SEXES:
        prog = progression[sex]
        if sex == "all":
            with np.errstate(divide="ignore", invalid="ignore"):
                for name in ("alike", "old_first"):
                    prog[f"rate_{name}"] = 100 * prog[f"illiterate_{name}"] / prog["population_10_plus"]
        rate = pd.DataFrame(
            {
                "code": codes,
                "estimate": prog["rate_alike"].to_numpy(),
                "lower": prog["rate_old_first"].to_numpy(),
                "upper": prog["rate_alike"].to_numpy(),
            }
        )
        frames.append(
            scenario_levels(rate, parents, weight=prog["population_10_plus"]).assign(
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
    parents: dict[str, pd.Series],
    codes: pd.Index,
) -> list[pd.DataFrame]:
    """Need for assisted services by sex: 2024 from the census at every level, 2030 from the cohort
    progression (the illiterate 15+, both scenarios of who leaves)."""
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
        prog = progression[sex]
        a30 = pd.DataFrame(
            {
                "code": codes,
                "estimate": prog["illiterate_15_plus_alike"].to_numpy(),
                "lower": prog["illiterate_15_plus_old_first"].to_numpy(),
                "upper": prog["illiterate_15_plus_alike"].to_numpy(),
            }
        )
        frames.append(scenario_levels(a30, parents).assign(year=HORIZON, sex=sex, status="scenario", **need))
    return frames


def _training_figures(
    draws: models.CellDraws, population: _Population, parents: dict[str, pd.Series], codes: pd.Index
) -> list[pd.DataFrame]:
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
    return frames


def forecast_card(
    *,
    national: dict[str, float],
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
