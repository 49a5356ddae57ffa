"""Models that say what they are: scenarios named as scenarios on every surface, intervals calibrated on
outcomes they were not fitted on or not shown, 2030 intervals from draws that agree across levels,
scenario bands in their own columns, both Sobol designs, redundancy re-weighted, docs that match the
stored parameters, and no interval printed for a full count."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import observatory as obs
from observatory import formatting, i18n, registry
from observatory import index as ix
from observatory.enums import LANGUAGES
from observatory.query import indicator_values

DOCS = Path(__file__).resolve().parents[1] / "docs" / "method.md"

#: Words that make a scenario pass for an estimate, by language (stems, matched case-insensitively).
ESTIMATE_WORDS = {
    "fr": ("estim", "modélis"),
    "en": ("estimat", "modelled"),
    "ar": ("تقدير", "مقدر", "يقدر"),
}
#: The layer that loses to carrying 2014 forward, and what it drives.
SCENARIO_LAYER = ("internet_use_15_plus", "training_need_15_plus")


def _words(lang: str) -> list[str]:
    """Every label and phrase of the scenario layer in `lang`'s catalogue, and their status's name."""
    ids = [f"indicator.{i}{suffix}" for i in SCENARIO_LAYER for suffix in ("", ".phrase")]
    return [i18n.text(m, lang) for m in ids if i18n.has(m, lang)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_surface_calls_the_scenario_an_estimate(lang):
    words = _words(lang) + [registry.get(i).label(lang) for i in SCENARIO_LAYER]
    wrong = [w for w in words if any(stem in w.lower() for stem in ESTIMATE_WORDS[lang])]
    assert not wrong, wrong
    assert i18n.text("status.scenario", lang) in registry.get("internet_use_15_plus").label(lang)
    for indicator in SCENARIO_LAYER:
        assert registry.get(indicator).status == "scenario"


def test_the_registry_the_dictionary_and_the_values_agree_on_every_status(built_db):
    catalogue = obs.catalogue(db=built_db)
    for entry in registry.CURATED:
        if entry.source != registry.ANALYTICS_SOURCE or entry.status not in ("modelled", "scenario"):
            continue
        for year in entry.years:
            noted = catalogue[(catalogue.indicator_id == entry.id) & (catalogue.year == year)]
            stored = indicator_values(entry.id, db=built_db, level=None, year=year, sex=None)
            assert set(noted.note) == {entry.status_of(year)}, (entry.id, year)
            assert set(stored.status) == {entry.status_of(year)}, (entry.id, year)
    for lang in ("fr", "en"):
        labels = catalogue.loc[catalogue.indicator_id.isin(SCENARIO_LAYER), f"label_{lang}"]
        assert not labels.str.lower().str.contains("|".join(ESTIMATE_WORDS[lang])).any()


def test_internet_intervals_are_calibrated_on_outcomes_not_used_to_fit_them(built_db):
    card = obs.model_card("internet_use_2024", db=built_db)
    calibration = pd.DataFrame(card["metrics"]["calibration"])
    roles = calibration.groupby("role").outcome.nunique()
    assert roles["left_out"] == 4 and roles["held_out"] >= 10 and calibration.n.min() > 1400
    assert calibration.coverage_90.between(0.5, 1.0).all()
    # Each fitted outcome is tested with the spread of the other three, never its own.
    left = calibration[calibration.role == "left_out"].set_index("outcome")
    spread = pd.DataFrame(card["metrics"]["expost"]).query("method == 'model'").set_index("outcome")
    for outcome, row in left.iterrows():
        others = spread.drop(index=outcome).rmse_logit
        assert row.sd_logit == pytest.approx(np.sqrt(np.mean(others**2)), abs=1e-3)
    # Too wide to guide a decision: no interval at those levels, the draws' range as a scenario band.
    widths = card["metrics"]["interval_median_width_pp"]
    bandless = set(card["metrics"]["levels_without_interval"])
    assert bandless == {level for level, width in widths.items() if width > 30} and "commune" in bandless
    values = indicator_values("internet_use_15_plus", db=built_db, level=None, year=2024, sex=None)
    for level, rows in values.dropna(subset=["value"]).groupby("level"):
        if level in bandless:
            assert rows.lower.isna().all() and rows.scenario_low.notna().all(), level
        else:
            assert rows.lower.notna().all() and rows.scenario_low.isna().all(), level
            assert float((rows.upper - rows.lower).median()) <= 30


@pytest.mark.parametrize(
    ("indicator", "sex"), [("population_forecast", "all"), ("assisted_service_need_15_plus", "female")]
)
def test_2030_intervals_come_from_draws_that_agree_across_levels(built_db, indicator, sex):
    values = indicator_values(indicator, db=built_db, level=None, year=2030, sex=sex)
    by_level = {level: rows for level, rows in values.groupby("level")}
    nation = by_level["country"].iloc[0]
    # The nation's own interval: not zero-width, not the sum of the régions' bounds.
    assert nation.lower < nation.value < nation.upper
    for level in ("region", "province", "commune"):
        rows = by_level[level]
        assert rows.value.sum() == pytest.approx(nation.value, rel=1e-9)
        assert rows.upper.sum() > nation.upper and rows.lower.sum() < nation.lower
        inside = (rows.lower <= rows.value) & (rows.value <= rows.upper)
        # The central value is draw 0; a commune whose draws are skewed may see it just outside.
        assert inside.mean() > (0.99 if level == "commune" else 0.999 - 1 / len(rows)), level
    card = obs.model_card("forecast_2030", db=built_db)
    assert card["params"]["draws"] == 200 and card["metrics"]["national_log_sd_2030"] > 0


def test_scenario_bands_live_in_their_own_columns(built_db):
    for indicator, year in (
        ("illiteracy_rate_10_plus_forecast", 2030),
        ("assisted_service_need_15_plus", 2030),
        ("population_forecast", 2030),
    ):
        rows = indicator_values(indicator, db=built_db, level=None, year=year, sex=None).dropna(
            subset=["value"]
        )
        assert rows.scenario_low.notna().all() and rows.scenario_high.notna().all(), indicator
        inside = (rows.scenario_low <= rows.value + 1e-9) & (rows.value <= rows.scenario_high + 1e-9)
        assert inside.all(), indicator
        # A central scenario, not an end of the band passed off as a value (where the band has a width:
        # a commune without cohort-change ratios of its own has its province's, and no band).
        wide = rows[rows.scenario_high > rows.scenario_low + 1e-9]
        assert len(wide) > 0.9 * len(rows), indicator
        at_end = (wide.value == wide.scenario_high) | (wide.value == wide.scenario_low)
        # A commune whose ratios are clipped alike in every age group sits on an end: 3% of them.
        assert at_end.mean() < (0.05 if indicator == "population_forecast" else 0.01), indicator
    # No census figure has a band.
    census = indicator_values("illiteracy_rate_10_plus", db=built_db, level=None, year=2024, sex=None)
    assert census.scenario_low.isna().all()


def test_sobol_indices_in_both_designs_with_the_monte_carlos_weights(built_db):
    sensitivity = obs.index_sensitivity(db=built_db)
    sobol = sensitivity[sensitivity.kind == "total_order"]
    assert set(sobol.design) == set(ix.DESIGNS)
    by = sobol.set_index(["design", "factor"]).value
    assert by[("with_exclusion", "dimension_left_out")] > 0.8
    assert ("without_exclusion", "dimension_left_out") not in by.index
    # Without the exclusion factor the weights and the normalisation are what moves the ranks.
    for factor in ("weight_access", "weight_skills", "normalisation"):
        assert by[("without_exclusion", factor)] > 0.2 > by[("with_exclusion", factor)], factor
    params = json.loads(built_db.read("analysis", where={"analysis_id": "index-census"}).params.iloc[0])
    assert params["monte_carlo"]["concentration"] == ix.WEIGHT_CONCENTRATION


def test_redundant_components_are_re_weighted(built_db):
    params = json.loads(built_db.read("analysis", where={"analysis_id": "index-census"}).params.iloc[0])
    r2 = params["redundancy"]["r2"]
    weights = {f"{c['indicator']}:{c['year']}:{c['sex']}": c for c in params["components"]}
    redundant = {k for k, v in r2.items() if v >= ix.REDUNDANCY_R2}
    assert redundant == {
        "equipment_internet:2014:all",
        "equipment_computer:2014:all",
        "education_none:2024:all",
    }
    for dimension in {weights[k]["dimension"] for k in redundant}:
        mine = [weights[k]["weight"] for k in redundant if weights[k]["dimension"] == dimension]
        others = [
            c["weight"] for k, c in weights.items() if c["dimension"] == dimension and k not in redundant
        ]
        assert sum(mine) <= min(others)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_2014_input_is_dated_where_a_reason_quotes_it(lang):
    for component in ix.CENSUS_COMPONENTS:
        if component.year == 2014:
            phrase = component.entry.phrase(12.0, lang=lang)
            assert "2014" in phrase, (component.indicator, lang, phrase)


def _documented_treatments() -> dict[str, tuple[str, int]]:
    """The outlier table of docs/method.md: component key → (method, winsorised points)."""
    rows = re.findall(r"^\s*\| `([a-z0-9_]+:\d{4}:[a-z]+)` \| (\w+) \| (\d+) \|", DOCS.read_text(), re.M)
    return {key: (method, int(points)) for key, method, points in rows}


def test_docs_match_the_stored_outlier_treatments(built_db):
    params = json.loads(built_db.read("analysis", where={"analysis_id": "index-census"}).params.iloc[0])
    stored = {
        key: (t["method"], int(t.get("points", 0))) for key, t in params["outliers"]["treatments"].items()
    }
    assert _documented_treatments() == stored


def test_a_full_count_prints_no_interval(built_db):
    assert formatting.interval(59.7, 59.7, "percent", "fr") == ""
    assert formatting.interval(59.71, 59.74, "percent", "fr") == ""  # alike once printed
    assert formatting.interval(58.0, 61.4, "percent", "fr") == "58,0\u202f% – 61,4\u202f%"
    band = formatting.bounds(None, None, 18.9, 21.7, "percent", "en")
    assert band == "scenario: 18.9% – 21.7%"
    # A commune the long form covered whole has no sampling error, so no stored bounds.
    rates = indicator_values("illiteracy_rate_10_plus", db=built_db, level=None, year=2024, sex=None)
    counted = rates[rates.se == 0]
    assert len(counted) > 100 and counted.lower.isna().all() and counted.upper.isna().all()
    assert not (rates.lower == rates.upper).any()
