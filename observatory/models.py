"""
Small-area models: 2024 internet use by commune, forecasts to 2030, and their validation.

**Internet use 2024.** HCP published household internet by commune for 2014 only, and for 2024 only
national figures (people aged 15+ who used the internet in the last three months). `InternetModel`
fits the 2014 commune rate on the logit scale against covariates the census gives for both years
(illiteracy, schooling, electricity, distance to a paved road, age structure, urban/rural), carries
it to 2024 with the 2024 covariates, then *benchmarks* it: a shift on the logit scale per area
(urban, rural) and per sex makes the population-weighted (people 15+) averages equal HCP's published
figures. Each commune gets an estimate with a 90% predictive interval, flagged `modelled`.
Leave-one-région-out cross-validation measures the error and the interval coverage; the model card
that ships with the estimates records all of it.

**Forecasts to 2030.** Population from each commune's 2014→2024 growth, shrunk towards its
province's and scaled so the national total follows the national growth; illiteracy 10+ by sex
from the 2014→2024 trend on the logit scale; from those, the people aged 15+ who need assisted
digital services (illiterate) or training (offline).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit

from .enums import SEXES
from .errors import ValidationError

#: HCP, RGPH 2024: people aged 15+ who used the internet in the last three months (percent).
NATIONAL_INTERNET_2024 = {"total": 59.6, "urban": 70.2, "rural": 40.4, "male": 64.4, "female": 55.0}
Z90 = 1.6448536269514722

#: Covariates available in both censuses (the same HCP definitions), keyed by indicator id.
COVARIATES = (
    "illiteracy_rate_10_plus", "education_none", "amenities_electricity", "households_distance_to_paved_road_km",
    "age_60_plus", "age_15_24", "disability_prevalence",
)


def design(frame: pd.DataFrame, year: int, urban: pd.Series) -> pd.DataFrame:
    """The covariate matrix for a census year: columns named `indicator:year:all`, plus `urban` (0/1)."""
    columns = {name: frame[f"{name}:{year}:all"] for name in COVARIATES}
    out = pd.DataFrame(columns, index=frame.index)
    out["log_distance"] = np.log1p(out.pop("households_distance_to_paved_road_km"))
    out["urban"] = urban.reindex(frame.index).astype(float)
    return out


@dataclass
class InternetModel:
    """
    Logit-linear model of 2014 household internet, carried to 2024 and benchmarked. After `fit()`:
    `coefficients_`, `r2_`, `sigma_` (residual SD on the logit scale), `n_`; after `predict()`:
    a frame with estimate, lower, upper (percent) per commune and sex; `benchmark_` holds the shifts
    and the achieved national figures.
    """

    floor: float = 0.5
    """Rates are clipped to [floor, 100 - floor] percent before the logit."""
    targets: Mapping[str, float] = field(default_factory=lambda: dict(NATIONAL_INTERNET_2024))

    def fit(self, x: pd.DataFrame, y_percent: pd.Series) -> InternetModel:
        import statsmodels.api as sm

        keep = y_percent.notna() & x.notna().all(axis=1)
        if keep.sum() < 30:
            raise ValidationError(f"too few communes with 2014 internet and covariates to fit a model: {int(keep.sum())}")
        self.mean_, self.scale_ = x[keep].mean(), x[keep].std().replace(0, 1)
        design_matrix = sm.add_constant((x[keep] - self.mean_) / self.scale_)
        target = logit(np.clip(y_percent[keep], self.floor, 100 - self.floor) / 100)
        self.result_ = sm.OLS(target, design_matrix).fit()
        self.coefficients_ = self.result_.params
        self.r2_ = float(self.result_.rsquared)
        self.sigma_ = float(np.sqrt(self.result_.scale))
        self.n_ = int(keep.sum())
        return self

    def linear(self, x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Linear predictor and its predictive SD (parameters and residual) on the logit scale."""
        import statsmodels.api as sm

        z = sm.add_constant((x - self.mean_) / self.scale_, has_constant="add")[self.coefficients_.index]
        eta = z.to_numpy() @ self.coefficients_.to_numpy()
        cov = self.result_.cov_params().to_numpy()
        var = np.einsum("ij,jk,ik->i", z.to_numpy(), cov, z.to_numpy()) + self.sigma_**2
        return eta, np.sqrt(var)

    def predict_2024(
        self, x: pd.DataFrame, urban: pd.Series, population_15: Mapping[str, pd.Series]
    ) -> pd.DataFrame:
        """
        Benchmarked 2024 estimates. `population_15` maps all/male/female to people aged 15+ per commune
        (the weights). Returns one row per commune and sex with estimate, lower, upper, se (percent).
        """
        eta, sd = self.linear(x)
        is_urban = urban.reindex(x.index).to_numpy(bool)
        weights = {s: population_15[s].reindex(x.index).fillna(0).to_numpy(float) for s in SEXES}
        shift = np.zeros(len(eta))
        bench: dict[str, Any] = {}
        for area, mask in (("urban", is_urban), ("rural", ~is_urban)):
            a = _solve_shift(eta[mask], weights["all"][mask], self.targets[area])
            shift[mask] = a
            bench[f"shift_{area}"] = a
        rows = []
        for sex in SEXES:
            b = 0.0 if sex == "all" else _solve_shift(eta + shift, weights[sex], self.targets[sex])
            bench[f"shift_{sex}"] = b
            centre = eta + shift + b
            rows.append(pd.DataFrame({
                "code": x.index, "sex": sex,
                "estimate": 100 * expit(centre),
                "lower": 100 * expit(centre - Z90 * sd),
                "upper": 100 * expit(centre + Z90 * sd),
                # Delta-method SE on the percent scale, for carrying into the index.
                "se": 100 * expit(centre) * (1 - expit(centre)) * sd,
            }))
        out = pd.concat(rows, ignore_index=True)
        achieved = {}
        for name, sex, mask in (("total", "all", None), ("urban", "all", is_urban), ("rural", "all", ~is_urban),
                                ("male", "male", None), ("female", "female", None)):
            est = out.loc[out.sex == sex, "estimate"].to_numpy()
            w = weights[sex] if mask is None else weights[sex] * mask
            achieved[name] = float(np.sum(est * w) / np.sum(w))
        bench["achieved"] = achieved
        bench["targets"] = dict(self.targets)
        self.benchmark_ = bench
        return out


def _solve_shift(eta: np.ndarray, weight: np.ndarray, target_percent: float) -> float:
    """The logit shift a with Σ w·expit(eta + a) / Σ w = target."""
    goal = target_percent / 100

    def gap(a: float) -> float:
        return float(np.sum(weight * expit(eta + a)) / np.sum(weight) - goal)

    return float(brentq(gap, -20, 20))


def spatial_cross_validation(
    x: pd.DataFrame, y_percent: pd.Series, region: pd.Series, *, floor: float = 0.5
) -> pd.DataFrame:
    """
    Leave one région out: fit on the other régions, predict the held-out one. One row per région with
    n, RMSE and MAE (percentage points), bias, and the share of communes inside their 90% interval.
    """
    rows = []
    keep = y_percent.notna() & x.notna().all(axis=1)
    for code in sorted(region[keep].unique()):
        test = keep & (region == code)
        train = keep & (region != code)
        model = InternetModel(floor=floor).fit(x[train], y_percent[train])
        eta, sd = model.linear(x[test])
        predicted = 100 * expit(eta)
        lower, upper = 100 * expit(eta - Z90 * sd), 100 * expit(eta + Z90 * sd)
        observed = y_percent[test].to_numpy(float)
        error = predicted - observed
        rows.append({
            "fold": code, "n": int(test.sum()), "rmse": float(np.sqrt(np.mean(error**2))),
            "mae": float(np.mean(np.abs(error))), "bias": float(np.mean(error)),
            "coverage_90": float(np.mean((observed >= lower) & (observed <= upper))),
        })
    return pd.DataFrame(rows)


# -- forecasts ------------------------------------------------------------------------------------
def forecast_population(
    units: pd.DataFrame, *, horizon: int = 2030, shrink: float = 0.5, national_growth: float | None = None
) -> pd.DataFrame:
    """
    Population in `horizon` per commune, with a 90% interval. Each commune's annual growth
    2014→2024 is shrunk halfway towards its province's (new or redrawn communes take the province's),
    then all are scaled so the national total grows at the national 2014→2024 rate (or
    `national_growth`). The interval spans the spread of commune growth around the province's.
    """
    frame = units.set_index("code")[["province_code", "population_2024", "population_2014"]].astype(
        {"population_2024": float, "population_2014": float}
    )
    years = horizon - 2024
    ok = frame["population_2014"] > 0
    own = np.where(ok, (frame["population_2024"] / frame["population_2014"].where(ok)) ** 0.1 - 1, np.nan)
    frame["own_growth"] = np.clip(own, -0.05, 0.08)
    sums = frame[ok].groupby("province_code")[["population_2024", "population_2014"]].sum()
    province = (sums["population_2024"] / sums["population_2014"]) ** 0.1 - 1
    frame["province_growth"] = frame["province_code"].map(province).fillna(float(np.nanmedian(own)))
    frame["growth"] = np.where(
        ok, shrink * frame["province_growth"] + (1 - shrink) * frame["own_growth"], frame["province_growth"]
    )
    residual = (frame["own_growth"] - frame["province_growth"]).dropna()
    spread = float(np.sqrt(np.mean(residual**2))) * (1 - shrink)
    nat = (
        national_growth
        if national_growth is not None
        else (frame.loc[ok, "population_2024"].sum() / frame.loc[ok, "population_2014"].sum()) ** 0.1 - 1
    )
    central = frame["population_2024"] * (1 + frame["growth"]) ** years
    target = frame["population_2024"].sum() * (1 + nat) ** years
    scale = target / central.sum()
    out = pd.DataFrame({
        "code": frame.index,
        "estimate": central * scale,
        "lower": frame["population_2024"] * (1 + frame["growth"] - Z90 * spread) ** years * scale,
        "upper": frame["population_2024"] * (1 + frame["growth"] + Z90 * spread) ** years * scale,
        "growth": frame["growth"],
    }).reset_index(drop=True)
    out.attrs.update({"national_growth": float(nat), "scale": float(scale), "spread": spread, "horizon": horizon})
    return out


def forecast_rate(
    rate_2024: pd.Series, rate_2014: pd.Series, se_2024: pd.Series | None = None, *, horizon: int = 2030
) -> pd.DataFrame:
    """
    A percent rate in `horizon` from its 2014→2024 trend on the logit scale (so it stays in 0-100),
    with a 90% interval that grows with the size of the trend (half of it either way) and the 2024
    sampling error. Units without a 2014 value keep the median trend.
    """
    p24 = np.clip(rate_2024.to_numpy(float), 0.1, 99.9) / 100
    p14 = np.clip(rate_2014.reindex(rate_2024.index).to_numpy(float), 0.1, 99.9) / 100
    trend = (logit(p24) - logit(p14)) / 10
    trend = np.where(np.isnan(trend), np.nanmedian(trend), trend)
    years = horizon - 2024
    centre = logit(p24) + trend * years
    se = np.zeros(len(p24)) if se_2024 is None else se_2024.reindex(rate_2024.index).fillna(0).to_numpy(float)
    sd = np.sqrt((0.5 * np.abs(trend) * years / Z90) ** 2 + (se / 100 / np.maximum(p24 * (1 - p24), 1e-3)) ** 2)
    return pd.DataFrame({
        "code": rate_2024.index,
        "estimate": 100 * expit(centre),
        "lower": 100 * expit(centre - Z90 * sd),
        "upper": 100 * expit(centre + Z90 * sd),
    }).reset_index(drop=True)


def need_counts(population: pd.DataFrame, rate: pd.DataFrame) -> pd.DataFrame:
    """People = population × rate, with interval bounds from the bounds (both move the same way)."""
    p = population.set_index("code")
    r = rate.set_index("code").reindex(p.index)
    return pd.DataFrame({
        "code": p.index,
        "estimate": p["estimate"] * r["estimate"] / 100,
        "lower": p["lower"] * r["lower"] / 100,
        "upper": p["upper"] * r["upper"] / 100,
    }).reset_index(drop=True)


# -- model cards ----------------------------------------------------------------------------------
def model_card(
    *,
    model_id: str,
    title: str,
    target: str,
    method: str,
    data: Mapping[str, Any],
    metrics: Mapping[str, Any],
    validation: pd.DataFrame | None = None,
    limitations: list[str],
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """A model card (as in Mitchell et al., 2019): what, how, on what data, how good, what not to use it for."""
    card = {
        "model_id": model_id, "title": title, "target": target, "method": method, "data": dict(data),
        "metrics": dict(metrics), "params": dict(params), "limitations": list(limitations),
        "validation": [] if validation is None else validation.round(4).to_dict(orient="records"),
    }
    return json.loads(json.dumps(card, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (pd.Series, pd.Index)):
        return value.tolist()
    return str(value)


def card_markdown(card: Mapping[str, Any]) -> str:
    """The card as Markdown, for the app and the reports."""
    lines = [f"# {card['title']}", "", f"**Model** `{card['model_id']}` — target: {card['target']}", "",
             "## Method", "", str(card["method"]), "", "## Data", ""]
    lines += [f"- {k}: {v}" for k, v in card["data"].items()]
    lines += ["", "## Metrics", ""] + [f"- {k}: {v}" for k, v in card["metrics"].items()]
    if card.get("validation"):
        head = list(card["validation"][0])
        lines += ["", "## Validation", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(str(row[h]) for h in head) + " |" for row in card["validation"]]
    lines += ["", "## Limitations", ""] + [f"- {item}" for item in card["limitations"]]
    lines += ["", "## Parameters", "", "```json", json.dumps(card["params"], indent=2, ensure_ascii=False), "```"]
    return "\n".join(lines) + "\n"
