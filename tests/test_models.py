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


def test_forecast_rate_stays_in_range_and_follows_the_trend():
    out = models.forecast_rate(pd.Series([40.0, 10.0], index=["a", "b"]), pd.Series([50.0, 5.0], index=["a", "b"]))
    assert out.estimate.iloc[0] < 40 and out.estimate.iloc[1] > 10
    assert ((out.lower <= out.estimate) & (out.estimate <= out.upper)).all()
    assert out[["lower", "upper"]].stack().between(0, 100).all()


def test_internet_estimates_match_hcp_national_figures(built_db):
    card = obs.model_card("internet_use_2024", db=built_db)
    achieved = card["metrics"]["benchmark_achieved"]
    assert achieved["urban"] == pytest.approx(70.2, abs=0.01)
    assert achieved["rural"] == pytest.approx(40.4, abs=0.01)
    assert achieved["male"] == pytest.approx(64.4, abs=0.01)
    assert achieved["female"] == pytest.approx(55.0, abs=0.01)
    assert achieved["total"] == pytest.approx(59.6, abs=1.0)  # commune type vs HCP's urban definition
    estimates = obs.model_estimates("internet_use_15_plus", db=built_db)
    assert len(estimates) == 1503 and set(estimates.status) == {"modelled"}
    assert ((estimates.lower < estimates.value) & (estimates.value < estimates.upper)).all()
    assert card["metrics"]["r2_2014"] > 0.6
    assert 0.75 < card["metrics"]["cv_coverage_90"] <= 1.0
    regions = obs.model_estimates("internet_use_15_plus", db=built_db, level="region")
    assert len(regions) == 12


def test_every_model_has_a_card_and_a_validation(built_db):
    cards = obs.model_cards(db=built_db)
    assert set(cards.model_id) == {"internet_use_2024", "forecast_2030"}
    assert cards.card_markdown.str.contains("## Limitations").all()
    folds = obs.model_validation(db=built_db, model_id="internet_use_2024")
    assert len(folds) == 12 and folds.n.sum() >= 1490


def test_forecasts_2030(built_db):
    population = obs.model_estimates("population_forecast", db=built_db, level="country", year=2030)
    total = float(population.value.iloc[0])
    # National 2014-2024 growth (about 0.85%/year) carried six more years from 36.8 million.
    assert 38.5e6 < total < 39.0e6
    need = obs.model_estimates("assisted_service_need_15_plus", db=built_db, level="country", year=2030, sex="female")
    assert need.value.iloc[0] > 0 and need.lower.iloc[0] <= need.value.iloc[0] <= need.upper.iloc[0]
    with pytest.raises(KeyError, match="unknown modelled indicator 'illiteracy_rate_10_plus'"):
        obs.model_estimates("illiteracy_rate_10_plus", db=built_db)


def test_stored_national_internet_equals_the_benchmark(built_db):
    card = obs.model_card("internet_use_2024", db=built_db)
    country = obs.model_estimates("internet_use_15_plus", db=built_db, level="country", sex=None).set_index("sex")
    assert country.loc["female", "value"] == pytest.approx(55.0, abs=0.01)
    assert country.loc["male", "value"] == pytest.approx(64.4, abs=0.01)
    assert country.loc["all", "value"] == pytest.approx(card["metrics"]["benchmark_achieved"]["total"], abs=0.01)
