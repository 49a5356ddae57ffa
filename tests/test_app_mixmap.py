"""
The AI service mix on the explorer's map, without a browser: the segment chosen is kept in the URL, the
map shows each unit's share of its adults 15+ in it as the library serves it (`obs.service_mix`), with its
people and their bounds in the hover, a legend that says it is a scenario with Fréchet bounds and gives
each input's year, at commune, province and région levels; a change of segment sends values only, and
the full ranking downloads with the bounds. A database built before the mix says so and maps the
indicator.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3

import numpy as np
import pandas as pd
import plotly
import pytest
from dash import Patch

import observatory as obs
from observatory import i18n
from observatory.classify import classify
from observatory.dashboards import create_app, ids
from observatory.dashboards.app import shell
from observatory.dashboards.i18n import LANGUAGES, number, t
from observatory.dashboards.pages import load_pages
from observatory.dashboards.pages.explorer_callbacks import state_from_controls, update_maps
from observatory.dashboards.pages.explorer_ranking import ranking_export
from observatory.dashboards.pages.explorer_view import map_view
from observatory.dashboards.state import encode, parse
from observatory.service_mix import SEGMENTS

DRAA_TAFILALET = "08"
LEVEL_UNITS = {"region": 12, "province": 75, "commune": 1503}


def text_of(component) -> str:
    return json.dumps(
        json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)), ensure_ascii=False
    )


def library_mix(data, segment: str, level: str, region: str | None = None) -> pd.DataFrame:
    """The segment's rows as the library serves them, by unit code."""
    mix = obs.service_mix(level, region=region, db=data.db)
    return mix[mix["segment"] == segment].set_index("unit_code")


def hover_of(template: str, row: list, lang: str) -> str:
    """The text plotly writes for a row of customdata (',.Nf' as the library's number, '–' for none)."""

    def fill(match: re.Match) -> str:
        value = row[int(match["i"])]
        if value is None:
            return "–"
        decimals = int(match["f"][3:-1]) if match["f"] and match["f"].endswith("f") else 0
        return number(value, lang, decimals=decimals).replace("\u2066", "").replace("\u2069", "")

    body = re.sub(r"%\{customdata\[(?P<i>\d)\](?P<f>:[^}]*)?\}", fill, template)
    return re.sub(r"<[^>]+>", " ", body).replace("\u2066", "").replace("\u2069", "")


def test_the_segment_is_kept_in_the_url_and_a_stale_one_is_dropped():
    state = parse("?lang=ar&mix=voice_assistant&level=province")
    assert state["mix"] == "voice_assistant"
    assert encode(state) == "?lang=ar&level=province&mix=voice_assistant"
    assert parse("?mix=robots")["mix"] == "" and parse("?mix=")["mix"] == ""
    assert parse(encode(state)) == state
    chosen = {
        "lang": "fr",
        "level": "commune",
        "region": DRAA_TAFILALET,
        "province": None,
        "indicator": "illiteracy_rate_10_plus|2024",
        "scheme": "quantiles",
        "k": "5",
        "palette": "Viridis",
        "compare": "none",
        "indicator2": None,
        "lisa": [],
    }
    state = state_from_controls(**chosen, mix="online_chat")
    assert encode(state) == "?lang=fr&indicator=illiteracy_rate_10_plus&year=2024&mix=online_chat&region=08"
    assert state_from_controls(**chosen, mix="nothing")["mix"] == ""
    assert state_from_controls(**chosen, mix=None)["mix"] == ""


@pytest.mark.parametrize("segment", SEGMENTS)
def test_the_commune_map_shows_the_library_s_share_people_and_bounds(data, segment):
    view = map_view(data, parse(f"?mix={segment}&region={DRAA_TAFILALET}"))
    expected = library_mix(data, segment, "commune", DRAA_TAFILALET)
    assert len(view["codes"]) == 125 == len(expected)
    share = expected["share"].reindex(view["codes"]).to_numpy() * 100
    assert np.allclose(view["values"], share)
    people = [row[2:] for row in view["customdata"]]
    assert (
        people
        == expected.reindex(view["codes"])[["people", "people_lower", "people_upper"]]
        .astype(int)
        .values.tolist()
    )
    assert all(low <= mid <= high for mid, low, high in people)
    assert [row[0] for row in view["customdata"]] == [round(v, 1) for v in share]


def bare(text: str) -> str:
    return text.replace("\u2066", "").replace("\u2069", "")


@pytest.mark.parametrize(
    ("lang", "written"),
    [
        ("fr", "Adultes de 15 ans et plus : {people} (entre {lower} et {upper})"),
        ("ar", "عدد البالغين 15 سنة فأكثر: {people} (بين {lower} و{upper})"),
        ("en", "Adults aged 15 and over: {people} (between {lower} and {upper})"),
    ],
)
def test_the_hover_writes_the_people_and_their_bounds_in_order(data, lang, written):
    code = "08.201.01.05"  # Errachidia
    row = library_mix(data, "voice_assistant", "commune").loc[code]
    view = map_view(data, parse(f"?lang={lang}&mix=voice_assistant&region={DRAA_TAFILALET}"))
    i = view["codes"].index(code)
    text = hover_of(view["hovertemplate"], view["customdata"][i], lang)
    people, lower, upper = (
        bare(number(row[c], lang, decimals=0)) for c in ("people", "people_lower", "people_upper")
    )
    assert int(row["people_lower"]) < int(row["people"]) < int(row["people_upper"])
    assert written.format(people=people, lower=lower, upper=upper) in text, text
    assert bare(number(100 * row["share"], lang)) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_legend_says_scenario_frechet_and_the_input_years(data, lang):
    view = map_view(data, parse(f"?lang={lang}&mix=assisted_point"))
    legend = text_of(view["legend"])
    years = {"literacy_year": 2024, "device_year": 2014, "online_year": 2024}
    assert t("mix_legend_scenario", lang) in legend and t("mix_legend_years", lang, **years) in legend
    assert "2014" in legend and ("Fréchet" in legend or "فريشيه" in legend)
    written = view["annotations"][0]["text"]  # the legend written into the figure (the PNG), wrapped
    assert t("mix_short", lang, **years).replace(" · ", " ") in written.replace("<br>", " ")
    assert "RGPH 2014" in view["credit"] or "2014" in view["credit"]


@pytest.mark.parametrize("level", ["region", "province", "commune"])
def test_every_level_maps_every_unit_with_national_classes(data, level):
    view = map_view(data, parse(f"?mix=online_chat&level={level}"))
    assert len(view["codes"]) == LEVEL_UNITS[level]
    expected = library_mix(data, "online_chat", level)["share"].reindex(view["codes"]).to_numpy() * 100
    assert np.allclose(view["values"], expected)
    classes = classify(expected, scheme="quantiles", k=5).classes
    assert np.asarray(view["classes"]).tolist() == classes.tolist()
    top = int(np.nanargmin(view["ranks"]))
    assert view["values"][top] == np.nanmax(expected)  # rank 1 is the largest share


def test_the_view_scope_classes_and_ranks_within_the_province(data):
    view = map_view(data, parse("?mix=voice_assistant&province=08.201&scope=view"))
    expected = library_mix(data, "voice_assistant", "commune", DRAA_TAFILALET)
    share = expected["share"].reindex(view["codes"]).to_numpy() * 100
    assert view["total"] == len(view["codes"]) == int(np.isfinite(share).sum())
    assert np.asarray(view["classes"]).tolist() == classify(share, scheme="quantiles", k=5).classes.tolist()


def test_choosing_a_segment_sends_only_values(data):
    state = parse("?mix=training_text")
    out = update_maps(data, ids.MIX, state)
    patch = out[0]
    assert isinstance(patch, Patch)
    operations = patch.to_plotly_json()["operations"]
    assert not any("geojson" in op["location"] for op in operations)
    z = next(op for op in operations if op["location"] == ["data", 0, "z"])["params"]["value"]
    assert len(z) == 1503
    assert len(json.dumps(patch.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder)) <= 150_000
    assert t("mix_legend_scenario", "fr") in text_of(out[1])
    ranking = text_of(out[5])  # the units with the largest share first, said so
    assert t("mix_ranking_title", "fr", where="Maroc") in ranking and "besoin est le plus fort" not in ranking
    # Clearing the segment maps the indicator again.
    back = map_view(data, parse("?indicator=illiteracy_rate_10_plus&year=2024"))
    assert back["indicator"] == "illiteracy_rate_10_plus"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_picker_shows_the_segment_of_the_url(data, lang):
    page = text_of(shell(load_pages(), data, "/", f"?lang={lang}&mix=voice_assistant", default_lang=lang))
    assert f'"id": "{ids.MIX}"' in page and '"value": "voice_assistant"' in page
    assert t("mix_label", lang) in page


def test_the_full_ranking_downloads_the_segment_with_its_bounds(data):
    content, name = ranking_export(data, parse("?mix=voice_assistant&level=commune"), "xlsx")
    frame = pd.read_excel(io.BytesIO(content))
    assert name == "classement_service_mix_voice_assistant_commune.xlsx" and len(frame) == 1503
    country = library_mix(data, "voice_assistant", "country").iloc[0]
    assert frame["people"].sum() == country["people"]
    assert frame["people_lower"].sum() == country["people_lower"]
    assert (frame["people_lower"] <= frame["people"]).all() and (
        frame["people"] <= frame["people_upper"]
    ).all()
    assert frame.loc[frame["rank"] == 1, "share_percent"].iloc[0] == frame["share_percent"].max()
    assert set(frame["device_year"]) == {2014} and frame["licence"].str.contains("CC BY").all()


def test_a_database_without_the_mix_says_so_and_maps_the_indicator(built_db, tmp_path):
    copy = tmp_path / "without_mix.gpkg"
    shutil.copy(built_db.path, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("DROP TABLE service_mix")
        connection.execute("DELETE FROM gpkg_contents WHERE table_name = 'service_mix'")
    data = create_app(str(copy)).data
    view = map_view(data, parse("?mix=voice_assistant&indicator=illiteracy_rate_10_plus&year=2024"))
    assert view["indicator"] == "illiteracy_rate_10_plus"
    page = text_of(shell(load_pages(), data, "/", "?lang=fr&mix=voice_assistant", default_lang="fr"))
    assert i18n.text("mix.missing", "fr") in page


def test_lisa_and_the_bivariate_comparison_say_they_are_of_the_indicator(data):
    plain = text_of(map_view(data, parse("?mix=online_chat"))["legend"])
    assert t("mix_indicator_only", "en") not in text_of(
        map_view(data, parse("?lang=en&mix=online_chat"))["legend"]
    )
    for asked in ("lisa=1", "compare=bivariate"):
        view = map_view(data, parse(f"?lang=en&mix=online_chat&{asked}"))
        assert view["indicator"] == "service_mix.online_chat"
        assert t("mix_indicator_only", "en") in text_of(view["legend"])
    assert t("mix_legend_scenario", "fr") in plain
