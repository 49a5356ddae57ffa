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

**Scenarios to 2030.** Population by Hamilton-Perry cohort-change ratios, controlled to a national
total (the same projection of the national totals unless a published one is supplied); illiteracy 10+
by sex by cohort progression (the illiterate of 2024 age in place, new cohorts enter at today's youth
rate), bounded by two scenarios of who dies and leaves, and back-tested 2014→2024; from those, the
people aged 15+ who need assisted digital services (illiterate) or training (offline).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ValidationError


def expit(x: Any) -> Any:
    """scipy's logistic function, imported on first use: importing scipy costs every process that imports
    the library (a report, the API) a fifth of a second of CPU, and only the models need it."""
    from scipy.special import expit as logistic

    return logistic(x)


def logit(x: Any) -> Any:
    """scipy's logit, imported on first use (see `expit`)."""
    from scipy.special import logit as log_odds

    return log_odds(x)


#: HCP, RGPH 2024: people aged 15+ who used the internet in the last three months (percent).
NATIONAL_INTERNET_2024 = {"total": 59.6, "urban": 70.2, "rural": 40.4, "male": 64.4, "female": 55.0}
Z90 = 1.6448536269514722

#: Covariates available in both censuses (the same HCP definitions), keyed by indicator id.
COVARIATES = (
    "illiteracy_rate_10_plus",
    "education_none",
    "amenities_electricity",
    "households_distance_to_paved_road_km",
    "age_60_plus",
    "age_15_24",
    "disability_prevalence",
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
    Binomial model of 2014 household internet, carried to 2024 and benchmarked. `fit()` is a
    household-weighted binomial GLM (logit link, overdispersion from the Pearson χ²): its fitted
    national level equals the observed one, which an unweighted fit on logits does not. After `fit()`:
    `coefficients_`, `r2_`, `sigma_` (SD of the commune residuals on the logit scale), `n_`,
    `level_2014_` (fitted and observed national 2014 level). `predictive_sd` (logit scale) is the
    commune-level error used for intervals: the ex-post analogue test's, when given.
    """

    floor: float = 0.5
    """Rates are clipped to [floor, 100 - floor] percent before the logit."""
    targets: Mapping[str, float] = field(default_factory=lambda: dict(NATIONAL_INTERNET_2024))
    predictive_sd: float | None = None

    def fit(
        self, x: pd.DataFrame, y_percent: pd.Series, households: pd.Series | None = None
    ) -> InternetModel:
        import statsmodels.api as sm

        keep = y_percent.notna() & x.notna().all(axis=1)
        if households is not None:
            keep &= households.reindex(x.index).fillna(0) > 0
        if keep.sum() < 30:
            raise ValidationError(
                f"too few communes with 2014 internet and covariates to fit a model: {int(keep.sum())}"
            )
        self.mean_, self.scale_ = x[keep].mean(), x[keep].std().replace(0, 1)
        design_matrix = self._z(x[keep])
        share = np.clip(y_percent[keep].to_numpy(float), self.floor, 100 - self.floor) / 100
        w = (
            np.ones(int(keep.sum()))
            if households is None
            else households.reindex(x.index)[keep].to_numpy(float)
        )
        result = sm.GLM(share, design_matrix, family=sm.families.Binomial(), var_weights=w).fit(scale="X2")
        self.coefficients_ = pd.Series(result.params, index=["const", *x.columns])
        self.cov_ = np.asarray(result.cov_params())
        eta = design_matrix @ self.coefficients_.to_numpy()
        residual = logit(share) - eta
        self.sigma_ = float(np.sqrt(np.mean(residual**2)))
        self.r2_ = float(
            1
            - np.sum(w * (share - expit(eta)) ** 2) / np.sum(w * (share - np.average(share, weights=w)) ** 2)
        )
        self.level_2014_ = {
            "fitted": float(100 * np.average(expit(eta), weights=w)),
            "observed": float(100 * np.average(share, weights=w)),
        }
        self.n_ = int(keep.sum())
        return self

    @property
    def error_sd(self) -> float:
        return self.sigma_ if self.predictive_sd is None else self.predictive_sd

    def linear(self, x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Linear predictor and its predictive SD (parameters and commune error) on the logit scale."""
        z = self._z(x)
        eta = z @ self.coefficients_.to_numpy()
        var = np.einsum("ij,jk,ik->i", z, self.cov_, z) + self.error_sd**2
        return eta, np.sqrt(var)

    def _z(self, x: pd.DataFrame) -> np.ndarray:
        """The standardised design matrix, constant first, as numpy (statsmodels is ten times faster on
        it)."""
        scaled = ((x[self.mean_.index] - self.mean_) / self.scale_).to_numpy(float)
        return np.column_stack([np.ones(len(scaled)), scaled])

    def simulate_2024(
        self,
        x: pd.DataFrame,
        cells: pd.DataFrame,
        *,
        draws: int = 200,
        seed: int = 0,
        benchmark_sd: float = 0.1,
    ) -> CellDraws:
        """
        Benchmarked 2024 internet use in each commune × area × sex cell of people aged 15+ (`cells`:
        code, area urban/rural, sex male/female, weight), with `draws` joint simulations. Each draw takes
        the coefficients from their sampling distribution, one logit error per commune (`error_sd`), and
        HCP's national level moved by `benchmark_sd` points; logit shifts per area and per sex are then
        raked so the weighted cells hit every target (urban, rural, men, women; so the total). Draw 0 is
        the central estimate (no noise). Aggregates of any units come from the same draws.
        """
        rng = np.random.default_rng(seed)
        codes = cells["code"].to_numpy()
        row = pd.Index(x.index).get_indexer(codes)
        if (row < 0).any():
            raise ValidationError(
                f"{int((row < 0).sum())} cells of communes without covariates (first: {codes[row < 0][0]})"
            )
        xc = x.iloc[row].copy()
        xc["urban"] = (cells["area"].to_numpy() == "urban").astype(float)
        z = self._z(xc)
        beta = self.coefficients_.to_numpy()
        betas = np.vstack([beta, rng.multivariate_normal(beta, self.cov_, draws - 1)])
        commune_error = rng.standard_normal((draws, len(x))) * self.error_sd
        commune_error[0] = 0.0
        eta = betas @ z.T + commune_error[:, row]
        level = rng.standard_normal(draws) * benchmark_sd
        level[0] = 0.0
        weight = cells["weight"].to_numpy(float)
        groups = {
            "urban": cells["area"].to_numpy() == "urban",
            "rural": cells["area"].to_numpy() == "rural",
            "male": cells["sex"].to_numpy() == "male",
            "female": cells["sex"].to_numpy() == "female",
        }
        targets = {k: (self.targets[k] + level) / 100 for k in groups}
        share = rake(eta, weight, groups, targets)
        achieved = {k: float(100 * np.average(share[0, m], weights=weight[m])) for k, m in groups.items()}
        achieved["total"] = float(100 * np.average(share[0], weights=weight))
        self.benchmark_: dict[str, Any] = {
            "targets": dict(self.targets),
            "achieved": achieved,
            "benchmark_sd": benchmark_sd,
        }
        return CellDraws(cells.reset_index(drop=True), share)


def rake(
    eta: np.ndarray,
    weight: np.ndarray,
    groups: Mapping[str, np.ndarray],
    targets: Mapping[str, np.ndarray],
    *,
    iterations: int = 30,
    tolerance: float = 1e-4,
) -> np.ndarray:
    """
    Raking on the logit scale: one additive shift per group (the groups of one margin partition the
    cells: urban/rural, male/female), found by iterative proportional fitting with Newton steps, so the
    weighted share of each group meets its target in every draw (rows of `eta`); it stops when no shift
    moves by more than `tolerance` (logit). When the margins' targets are not exactly consistent with the
    cells' weights, the last margin is met exactly and the others within the inconsistency. Returns the
    shares, shape of `eta`.
    """
    shift = np.zeros_like(eta)
    norm = {name: weight[mask] / weight[mask].sum() for name, mask in groups.items()}
    goals = {name: np.broadcast_to(np.asarray(targets[name], dtype=float), eta.shape[:1]) for name in groups}
    for _ in range(iterations):
        moved = 0.0
        for name, mask in groups.items():
            block = eta[:, mask] + shift[:, mask]
            a = np.zeros(eta.shape[0])
            for _ in range(6):
                p = expit(block + a[:, None])
                gap = p @ norm[name] - goals[name]
                step = gap / np.maximum((p * (1 - p)) @ norm[name], 1e-9)
                a -= step
                if np.abs(step).max() < tolerance:
                    break
            shift[:, mask] += a[:, None]
            moved = max(moved, float(np.abs(a).max()))
        if moved < tolerance:
            break
    return expit(eta + shift)


@dataclass
class CellDraws:
    """Simulated shares (draws × cells) of a rate over weighted cells; draw 0 is the central estimate."""

    cells: pd.DataFrame
    share: np.ndarray

    def summarise(
        self,
        unit: np.ndarray | pd.Series,
        *,
        sex: str | None = None,
        count: bool = False,
        factor: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """
        The rate (percent) or, with `count`, the people outside it (weight × (1 − share), summed), per unit
        (a label per cell), over the cells of `sex` (all when None): estimate from draw 0, 90% interval and
        SE from the draws. `factor` multiplies each cell's weight (a projected population, say).
        """
        pick = np.ones(len(self.cells), bool) if sex is None else (self.cells["sex"].to_numpy() == sex)
        labels = np.asarray(unit)[pick]
        w = self.cells["weight"].to_numpy(float)[pick] * (1.0 if factor is None else np.asarray(factor)[pick])
        uniq, inverse = np.unique(labels, return_inverse=True)
        from scipy.sparse import csr_matrix

        m = csr_matrix((w, (np.arange(len(w)), inverse)), shape=(len(w), len(uniq)))
        share = self.share[:, pick]
        if count:
            values = (m.T @ (1 - share).T).T
        else:
            with np.errstate(invalid="ignore", divide="ignore"):  # a unit without people has no rate
                values = 100 * (m.T @ share.T).T / np.asarray(m.sum(axis=0)).ravel()
        return pd.DataFrame(
            {
                "code": uniq,
                "estimate": values[0],
                "lower": np.quantile(values[1:], 0.05, axis=0),
                "upper": np.quantile(values[1:], 0.95, axis=0),
                "se": values[1:].std(axis=0),
            }
        )


def expost_test(
    outcomes: Mapping[str, tuple[pd.Series, pd.Series]],
    x14: pd.DataFrame,
    x24: pd.DataFrame,
    households14: pd.Series,
    households24: pd.Series,
    *,
    floor: float = 0.5,
) -> pd.DataFrame:
    """
    The ex-post analogue of the internet model: for household outcomes known by commune in both
    censuses (`outcomes`: name → (2014, 2024) percent), fit the same model on 2014, apply it to the 2024
    covariates, benchmark it to the outcome's 2024 national level, and compare with the 2024 truth;
    beside it, carry-forward: the 2014 value shifted on the logit scale to the same national level.
    RMSE in points and on the logit scale, per outcome.
    """
    rows = []
    for name, (y14, y24) in outcomes.items():
        model = InternetModel(floor=floor).fit(x14, y14, households14)
        ok = y24.notna() & y14.notna() & x24.notna().all(axis=1) & (households24.fillna(0) > 0)
        w24 = households24[ok].to_numpy(float)
        truth = np.clip(y24[ok].to_numpy(float), floor, 100 - floor) / 100
        national = float(np.average(truth, weights=w24))
        eta, _ = model.linear(x24[ok])
        carry = logit(np.clip(y14[ok].to_numpy(float), floor, 100 - floor) / 100)
        for method, base in (("model", eta), ("carry_forward", carry)):
            a = _solve_shift(base, w24, 100 * national)
            error = expit(base + a) - truth
            rows.append(
                {
                    "outcome": name,
                    "method": method,
                    "n": int(ok.sum()),
                    "rmse_pp": float(100 * np.sqrt(np.mean(error**2))),
                    "rmse_logit": float(np.sqrt(np.mean((base + a - logit(truth)) ** 2))),
                }
            )
    return pd.DataFrame(rows)


def _solve_shift(eta: np.ndarray, weight: np.ndarray, target_percent: float) -> float:
    """The logit shift a with Σ w·expit(eta + a) / Σ w = target."""
    # Imported here: the optimiser takes 0.3 s to import, which every command paid.
    from scipy.optimize import brentq

    goal = target_percent / 100

    def gap(a: float) -> float:
        return float(np.sum(weight * expit(eta + a)) / np.sum(weight) - goal)

    return float(brentq(gap, -20, 20))


def interval_calibration(
    outcomes: Mapping[str, tuple[pd.Series, pd.Series]],
    spread: Mapping[str, float],
    x14: pd.DataFrame,
    x24: pd.DataFrame,
    households14: pd.Series,
    households24: pd.Series,
    region: pd.Series,
    *,
    floor: float = 0.5,
) -> pd.DataFrame:
    """
    Coverage of the layer's 90% intervals on outcomes not used to fit their spread. `spread` gives the
    logit RMSE of each outcome the spread is fitted on; an outcome among them is tested with the spread of
    the others (leave one outcome out), any other outcome of `outcomes` with the spread of all. Each
    commune is predicted by the model fitted without its région (régions held out), benchmarked to the
    outcome's 2024 national level; its interval adds the coefficients' variance. One row per outcome:
    `role` (left_out or held_out), n, the spread used, the share of communes inside their interval and
    the median width in points.
    """
    rows = []
    for name, (y14, y24) in outcomes.items():
        ok = y24.notna() & y14.notna() & x24.notna().all(axis=1) & (households24.fillna(0) > 0)
        eta, var = np.full(len(x24), np.nan), np.full(len(x24), np.nan)
        for code in sorted(region[ok].unique()):
            held = (ok & (region == code)).to_numpy()
            model = InternetModel(floor=floor, predictive_sd=0.0).fit(
                x14[~held], y14[~held], households14[~held]
            )
            eta[held], sd = model.linear(x24[held])
            var[held] = sd**2
        keep = ok.to_numpy()
        truth = np.clip(y24[ok].to_numpy(float), floor, 100 - floor) / 100
        w24 = households24[ok].to_numpy(float)
        centre = eta[keep] + _solve_shift(eta[keep], w24, 100 * float(np.average(truth, weights=w24)))
        others = [v for k, v in spread.items() if k != name]
        sd_used = float(np.sqrt(np.mean(np.square(others))))
        half = Z90 * np.sqrt(var[keep] + sd_used**2)
        rows.append(
            {
                "outcome": name,
                "role": "left_out" if name in spread else "held_out",
                "n": int(keep.sum()),
                "sd_logit": sd_used,
                "coverage_90": float(np.mean(np.abs(centre - logit(truth)) <= half)),
                "median_width_pp": float(np.median(100 * (expit(centre + half) - expit(centre - half)))),
            }
        )
    return pd.DataFrame(rows)


def spatial_cross_validation(
    x: pd.DataFrame,
    y_percent: pd.Series,
    region: pd.Series,
    *,
    floor: float = 0.5,
    households: pd.Series | None = None,
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
        model = InternetModel(floor=floor).fit(
            x[train], y_percent[train], None if households is None else households[train]
        )
        eta, sd = model.linear(x[test])
        predicted = 100 * expit(eta)
        lower, upper = 100 * expit(eta - Z90 * sd), 100 * expit(eta + Z90 * sd)
        observed = y_percent[test].to_numpy(float)
        error = predicted - observed
        rows.append(
            {
                "fold": code,
                "n": int(test.sum()),
                "rmse": float(np.sqrt(np.mean(error**2))),
                "mae": float(np.mean(np.abs(error))),
                "bias": float(np.mean(error)),
                "coverage_90": float(np.mean((observed >= lower) & (observed <= upper))),
            }
        )
    return pd.DataFrame(rows)


# -- forecasts ------------------------------------------------------------------------------------
#: What the 2030 population is controlled to when no published national projection is supplied.
OWN_CONTROL_SOURCE = "the observatory's own Hamilton-Perry projection of the national totals"
#: Five-year age groups of the census, the last open (75+): the cohorts Hamilton-Perry carries.
AGE_GROUPS = (
    "0_4",
    "5_9",
    "10_14",
    "15_19",
    "20_24",
    "25_29",
    "30_34",
    "35_39",
    "40_44",
    "45_49",
    "50_54",
    "55_59",
    "60_64",
    "65_69",
    "70_74",
    "75_plus",
)


def _hp_step(
    p14: Mapping[str, np.ndarray], p24: Mapping[str, np.ndarray], ccr: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """One ten-year Hamilton-Perry step from 2024 (units × 16 groups per sex) with the given cohort-change
    ratios."""
    out = {}
    for sex in ("female", "male"):
        nxt = np.zeros_like(p24[sex])
        nxt[:, 2:15] = ccr[sex][:, 2:15] * p24[sex][:, 0:13]
        nxt[:, 15] = ccr[sex][:, 15] * p24[sex][:, 13:16].sum(axis=1)
        out[sex] = nxt
    women_next = out["female"]
    for sex in ("female", "male"):
        # Children from child-woman ratios: 0-4 per woman 15-44, 5-9 per woman 20-49 (2024 ratios held).
        for g, (lo, hi) in ((0, (3, 9)), (1, (4, 10))):
            women = p24["female"][:, lo:hi].sum(axis=1)
            ratio = np.divide(p24[sex][:, g], women, out=np.zeros(len(women)), where=women > 0)
            out[sex][:, g] = ratio * women_next[:, lo:hi].sum(axis=1)
    return out


def _ccr(p14: np.ndarray, p24: np.ndarray) -> np.ndarray:
    """Cohort-change ratios 2014→2024 (units × 16; NaN where the 2014 cohort is empty)."""
    ccr = np.full(p24.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ccr[:, 2:15] = p24[:, 2:15] / p14[:, 0:13]
        ccr[:, 15] = p24[:, 15] / p14[:, 13:16].sum(axis=1)
    return np.where(np.isfinite(ccr), ccr, np.nan)


def hamilton_perry(
    p14: Mapping[str, pd.DataFrame],
    p24: Mapping[str, pd.DataFrame],
    province: pd.Series,
    *,
    horizon: int = 2030,
    prior: float = 500.0,
) -> pd.DataFrame:
    """
    Hamilton-Perry cohort-change projection of each unit's population to `horizon`, from people by sex
    and five-year age group (`AGE_GROUPS`) in 2014 and 2024 (frames indexed by unit code). A unit's
    cohort-change ratios are shrunk toward its province's, each with weight n / (n + `prior`), n the
    2014 cohort (small cohorts swing); children come from 2024 child-woman ratios. The ten-year step
    to 2034 is interpolated geometrically to `horizon`. Returns, per unit, `factor` (population in
    `horizon` over 2024), with `factor_own` and `factor_province` (unshrunk and province ratios: the
    scenario band); `attrs["national_factor"]` is the same projection of the national totals and
    `attrs["ages"]` the people by sex (units × 16 groups) at `horizon`.
    """
    codes = p24["female"].index
    g = province.reindex(codes).to_numpy()
    a14 = {s: p14[s].reindex(codes).fillna(0.0).to_numpy(float) for s in ("female", "male")}
    a24 = {s: p24[s].reindex(codes).fillna(0.0).to_numpy(float) for s in ("female", "male")}
    groups = pd.Index(pd.unique(g))
    idx = groups.get_indexer(g)
    mixed, own, prov = {}, {}, {}
    for sex in ("female", "male"):
        s14 = np.zeros((len(groups), 16))
        s24 = np.zeros((len(groups), 16))
        np.add.at(s14, idx, a14[sex])
        np.add.at(s24, idx, a24[sex])
        province_ccr = _ccr(s14, s24)[idx]
        unit_ccr = _ccr(a14[sex], a24[sex])
        base = np.zeros_like(a14[sex])
        base[:, 2:15] = a14[sex][:, 0:13]
        base[:, 15] = a14[sex][:, 13:16].sum(axis=1)
        weight = base / (base + prior)
        unit_filled = np.where(np.isnan(unit_ccr), province_ccr, unit_ccr)
        own[sex] = np.clip(unit_filled, 0.2, 5.0)
        prov[sex] = province_ccr
        mixed[sex] = np.clip(weight * unit_filled + (1 - weight) * province_ccr, 0.2, 5.0)
    years = (horizon - 2024) / 10
    total24 = a24["female"].sum(axis=1) + a24["male"].sum(axis=1)

    def factor(ccr: Mapping[str, np.ndarray]) -> np.ndarray:
        nxt = _hp_step(a14, a24, ccr)
        total34 = nxt["female"].sum(axis=1) + nxt["male"].sum(axis=1)
        return np.divide(total34, total24, out=np.ones(len(total24)), where=total24 > 0) ** years

    # People by sex and age group at the horizon (mixed ratios): the ten-year step interpolated linearly
    # per group, then scaled to the unit's geometric total, the base of the cohort progression.
    step = _hp_step(a14, a24, mixed)
    interpolated = {s: a24[s] + years * (step[s] - a24[s]) for s in step}
    total = interpolated["female"].sum(axis=1) + interpolated["male"].sum(axis=1)
    to_total = np.divide(total24 * factor(mixed), total, out=np.zeros(len(total)), where=total > 0)
    ages = {s: interpolated[s] * to_total[:, None] for s in interpolated}
    n14 = {s: a14[s].sum(axis=0, keepdims=True) for s in a14}
    n24 = {s: a24[s].sum(axis=0, keepdims=True) for s in a24}
    national = _hp_step(n14, n24, {s: _ccr(n14[s], n24[s]) for s in n14})
    national_factor = float(
        ((national["female"].sum() + national["male"].sum()) / (n24["female"].sum() + n24["male"].sum()))
        ** years
    )
    out = pd.DataFrame(
        {"code": codes, "factor": factor(mixed), "factor_own": factor(own), "factor_province": factor(prov)}
    )
    out.attrs["national_factor"] = national_factor
    out.attrs["ages"] = ages
    return out


def older_than(pop: np.ndarray, age: float) -> np.ndarray:
    """People aged `age` or more in each row of `pop` (units × the 16 `AGE_GROUPS`), ages spread evenly
    within a five-year group; the open group 75+ counts whole up to age 75."""
    if age > 75:
        raise ValidationError(f"ages above 75 fall inside the open group 75+; got {age}")
    frac = np.clip((np.arange(16) * 5.0 + 5.0 - age) / 5.0, 0.0, 1.0)
    frac[15] = 1.0
    return np.asarray(pop, float) @ frac


def illiteracy_progression(
    rate: np.ndarray,
    ages_base: np.ndarray,
    ages_horizon: np.ndarray,
    youth_rate: np.ndarray,
    *,
    years: float,
    programme: float = 0.0,
    old_age: float = 60.0,
) -> pd.DataFrame:
    """
    Illiteracy 10+ carried `years` ahead by cohort progression, per unit: the illiterate people 10+ of the
    base year (`rate`, percent of the people 10+) age in place and stay illiterate, except the share
    `programme` that adult literacy programmes teach to read; people who reach 10 in the period
    (`ages_horizon` aged 10 to 10 + years) enter at `youth_rate` (percent, today's 10-14 rate). Ages
    come from the base and horizon populations by five-year group (units × 16). Who leaves (deaths and
    net migration) is not known by literacy: `alike`, the leavers are as illiterate as everyone 10+ (the
    central scenario); the net loss of the people aged `old_age`+ (mostly deaths) falls on the illiterate
    first (`old_first`) or on the literate first (`literate_first`), the other changes at the unit's rate:
    the two ends of the band, with `alike` between them. Both stay in [0, 100] because
    the illiterate are never more than the people they are part of. Returns, per scenario, the illiterate
    10+ and 15+ (counts) and the rate 10+ (percent), with the people 10+ and the entrants at the horizon.
    """
    if not 5 <= years <= 10:
        raise ValidationError(f"cohort progression runs 5 to 10 years (five-year groups); got {years}")
    base10 = older_than(ages_base, 10)
    share = np.clip(np.nan_to_num(np.asarray(rate, float)), 0, 100) / 100
    illiterate = share * base10
    stayers = older_than(ages_horizon, 10 + years)
    entrants = older_than(ages_horizon, 10) - stayers
    entrants_15 = older_than(ages_horizon, 15) - stayers
    old_loss = np.clip(older_than(ages_base, old_age) - older_than(ages_horizon, old_age + years), 0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.where(base10 > 0, stayers / base10, 0.0)
    other_change = (base10 - stayers) - old_loss
    adults = {
        "alike": illiterate * kept,
        "old_first": np.clip(illiterate - np.minimum(old_loss, illiterate) - other_change * share, 0, None),
        "literate_first": np.clip(
            illiterate - np.clip(old_loss - (base10 - illiterate), 0, None) - other_change * share, 0, stayers
        ),
    }
    adults["old_first"] = np.minimum(adults["old_first"], adults["alike"])
    adults["literate_first"] = np.maximum(adults["literate_first"], adults["alike"])
    learners = 1.0 - float(np.clip(programme, 0.0, 1.0))
    youth = np.clip(np.nan_to_num(np.asarray(youth_rate, float)), 0, 100) / 100
    pop10 = stayers + entrants
    out = pd.DataFrame({"population_10_plus": pop10, "entrants": entrants})
    for name, kept_illiterate in adults.items():
        # Every stayer is 15+ at the horizon; of the entrants, those aged 15 and over.
        out[f"illiterate_{name}"] = kept_illiterate * learners + youth * entrants
        out[f"illiterate_15_plus_{name}"] = kept_illiterate * learners + youth * entrants_15
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"rate_{name}"] = np.where(pop10 > 0, 100 * out[f"illiterate_{name}"] / pop10, np.nan)
        out[f"rate_{name}"] = out[f"rate_{name}"].clip(0, 100)
    return out


def illiteracy_backtest(
    rate_base: pd.Series,
    rate_truth: pd.Series,
    ages_base: np.ndarray,
    ages_truth: np.ndarray,
    youth_rate: pd.Series,
    *,
    years: float = 10,
) -> pd.DataFrame:
    """
    The cohort progression run over a past interval (2014 → 2024) against the census that closed it:
    from the base year's rate and ages and the closing census's ages (population known, so the test is
    of the literacy step), each scenario's rate beside carry-forward (the base rate held). Units with a
    missing rate are left out. One row per method: n, RMSE and bias in points (unweighted, and weighted
    by people 10+), the national level against the truth's, and the share of units inside the band.
    """
    ok = (rate_base.notna() & rate_truth.notna()).to_numpy()
    prog = illiteracy_progression(
        rate_base.to_numpy(float)[ok],
        ages_base[ok],
        ages_truth[ok],
        youth_rate.to_numpy(float)[ok],
        years=years,
    )
    truth = rate_truth.to_numpy(float)[ok]
    weight = older_than(ages_truth[ok], 10)
    low, high = prog["rate_old_first"].to_numpy(), prog["rate_literate_first"].to_numpy()
    inside = float(np.mean((truth >= low - 1e-9) & (truth <= high + 1e-9)))
    rows = []
    for method, predicted in (
        ("carry_forward", rate_base.to_numpy(float)[ok]),
        ("cohort_alike", prog["rate_alike"].to_numpy()),
        ("cohort_old_first", low),
        ("cohort_literate_first", high),
    ):
        error = predicted - truth
        rows.append(
            {
                "method": method,
                "n": int(ok.sum()),
                "rmse_pp": float(np.sqrt(np.mean(error**2))),
                "rmse_pp_weighted": float(np.sqrt(np.average(error**2, weights=weight))),
                "bias_pp_weighted": float(np.average(error, weights=weight)),
                "national": float(np.average(predicted, weights=weight)),
                "national_truth": float(np.average(truth, weights=weight)),
                "band_coverage": inside,
            }
        )
    return pd.DataFrame(rows)


def aggregate_levels(
    frame: pd.DataFrame,
    parents: Mapping[str, pd.Series],
    *,
    weight: pd.Series | None = None,
    rho: float = 0.0,
    fixed: Sequence[str] = (),
) -> pd.DataFrame:
    """
    Higher-level figures from commune ones (`frame`: code, estimate, se), with intervals computed,
    not composed from bounds: counts sum (rates, with `weight`, are weighted means), and the variance
    of the sum is (1 − rho)·Σ se² + rho·(Σ se)², rho the stated correlation of commune errors. Levels in
    `fixed` are controlled totals (a benchmark or a national projection fixes them): no interval.
    """
    f = frame.set_index("code")
    w = pd.Series(1.0, index=f.index) if weight is None else weight.reindex(f.index).fillna(0.0)
    rows = []
    for level, parent in parents.items():
        g = parent.reindex(f.index)
        num = (f["estimate"] * w).groupby(g).sum()
        den = w.groupby(g).sum()
        var = (1 - rho) * ((f["se"] * w) ** 2).groupby(g).sum() + rho * (f["se"] * w).groupby(g).sum() ** 2
        est = num / den if weight is not None else num
        se = np.sqrt(var) / den if weight is not None else np.sqrt(var)
        if level in fixed:
            se = se * 0.0
        lo, hi = est - Z90 * se, est + Z90 * se
        rows.append(
            pd.DataFrame(
                {
                    "level": level,
                    "code": est.index,
                    "estimate": est.to_numpy(),
                    "se": se.to_numpy(),
                    "lower": np.clip(lo, 0, 100 if weight is not None else None).to_numpy(),
                    "upper": np.clip(hi, 0, 100 if weight is not None else None).to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


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
    """A model card (as in Mitchell et al., 2019): what, how, on what data, how good, what not to use it
    for."""
    card = {
        "model_id": model_id,
        "title": title,
        "target": target,
        "method": method,
        "data": dict(data),
        "metrics": dict(metrics),
        "params": dict(params),
        "limitations": list(limitations),
        "validation": [] if validation is None else validation.round(4).to_dict(orient="records"),
    }
    plain: dict[str, Any] = json.loads(json.dumps(card, default=_jsonable))
    return plain


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
    lines = [
        f"# {card['title']}",
        "",
        f"**Model** `{card['model_id']}` — target: {card['target']}",
        "",
        "## Method",
        "",
        str(card["method"]),
        "",
        "## Data",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in card["data"].items()]
    lines += ["", "## Metrics", ""] + [f"- {k}: {v}" for k, v in card["metrics"].items()]
    if card.get("validation"):
        head = list(card["validation"][0])
        lines += ["", "## Validation", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(str(row[h]) for h in head) + " |" for row in card["validation"]]
    lines += ["", "## Limitations", ""] + [f"- {item}" for item in card["limitations"]]
    lines += [
        "",
        "## Parameters",
        "",
        "```json",
        json.dumps(card["params"], indent=2, ensure_ascii=False),
        "```",
    ]
    return "\n".join(lines) + "\n"
