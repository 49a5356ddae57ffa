"""
The map explorer's reading aids, in French, Arabic and English, checked against the library on HCP's
RGPH 2024 figures: national classes and need ranks (with the this-view switch), colours that keep their
meaning by the registry's direction, LISA of the indicator shown, province outlines and GeoNames towns,
the theme-grouped picker, the downloads and the source lines.
"""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import pytest

from observatory import query, registry, results, spatial, themes
from observatory.attribution import source_line
from observatory.classify import classify, need_rank
from observatory.dashboards import figures, ids
from observatory.dashboards.i18n import LANGUAGES, number, t
from observatory.dashboards.pages.explorer_callbacks import update_maps
from observatory.dashboards.pages.explorer_controls import indicator_options
from observatory.dashboards.pages.explorer_ranking import ranking_export, report_href
from observatory.dashboards.pages.explorer_view import figure_for, map_view
from observatory.dashboards.state import parse
from observatory.index_explanations import ordinal

DRAA_TAFILALET = "08"
ERRACHIDIA_PROVINCE = "08.201"
ILLITERACY = "illiteracy_rate_10_plus"
ELECTRICITY = "amenities_electricity"


def text_of(component) -> str:
    return json.dumps(
        json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)), ensure_ascii=False
    )


def written(text: str) -> str:
    """An annotation's text as read: its lines (wrapped to the legend's column) joined by spaces, no tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text.replace("<br>", " "))).strip()


def national_values(data, indicator: str, level: str = "commune") -> pd.Series:
    """The library's values of every unit of the level, read straight from the query layer."""
    frame = query.indicator_values(indicator, db=data.db, level=level, year=2024)
    codes = query.units(level, db=data.db, geometry=False).code
    return frame.drop_duplicates("unit_code").set_index("unit_code")["value"].reindex(codes)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_classes_and_ranks_are_national_by_default_and_say_so(data, lang):
    view = map_view(data, parse(f"?lang={lang}&region={DRAA_TAFILALET}&indicator={ILLITERACY}&year=2024"))
    values = national_values(data, ILLITERACY)
    national = classify(values.to_numpy(), scheme="quantiles", k=5)
    position = {code: i for i, code in enumerate(values.index)}
    assert list(view["classes"]) == [national.classes[position[c]] for c in view["codes"]]
    ranks = pd.Series(need_rank(values.to_numpy(), direction="higher_is_worse"), index=values.index)
    assert np.array_equal(view["ranks"], ranks.reindex(view["codes"]).to_numpy(), equal_nan=True)
    assert view["total"] == int(values.notna().sum()) and view["scope"] == t("morocco", lang)
    legend = text_of(view["legend"])
    ranked = number(int(values.notna().sum()), lang, decimals=0)
    assert t("classes_national", lang, n=ranked, level=_word("commune", lang)) in legend
    assert t("rank_in", lang, scope=t("morocco", lang)) in view["hovertemplate"]
    assert t("legend_scope_national", lang) in written(view["annotations"][0]["text"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_switch_computes_classes_and_ranks_within_the_view(data, lang):
    state = parse(f"?lang={lang}&region={DRAA_TAFILALET}&indicator={ILLITERACY}&year=2024&scope=view")
    view = map_view(data, state)
    values = national_values(data, ILLITERACY).reindex(view["codes"]).to_numpy()
    assert list(view["classes"]) == list(classify(values, scheme="quantiles", k=5).classes)
    assert np.array_equal(view["ranks"], need_rank(values, direction="higher_is_worse"), equal_nan=True)
    place = view["place"]
    assert view["scope"] == place and t("rank_in", lang, scope=place) in view["hovertemplate"]
    legend = text_of(view["legend"])
    assert t("legend_scope_view", lang, where=place) in written(view["annotations"][0]["text"])
    assert t("classes_view", lang, n=number(125, lang, decimals=0), level=_word("commune", lang)) in legend
    # The answer table's ranks are out of the same total and place as the hover's: 'Rang sur 125
    # (Drâa-Tafilalet)', '1re'.
    ranking = text_of(update_maps(data, ids.SCOPE, state)[5])
    assert t("answer_rank_head", lang, total=number(125, lang, decimals=0), scope=place) in ranking
    assert f'"{ordinal(1, lang)}"' in ranking


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dark_means_worse_on_both_maps_side_by_side(data, lang):
    """Illiteracy (higher is worse) and electricity (higher is better): the darkest colour goes to the
    highest illiteracy and to the lowest electricity access, and each legend says so."""
    assert registry.get(ILLITERACY).direction == "higher_is_worse"
    assert registry.get(ELECTRICITY).direction == "higher_is_better"
    state = parse(
        f"?lang={lang}&indicator={ILLITERACY}&year=2024&indicator2={ELECTRICITY}&year2=2024&compare=side"
    )
    first, second = map_view(data, state), map_view(data, state, second=True)
    dark = figures.class_colours("Viridis", 5)[-1]
    worst_illiteracy = int(np.nanargmax(first["values"]))
    worst_electricity = int(np.nanargmin(second["values"]))
    assert first["colours"][first["classes"][worst_illiteracy]] == dark
    assert second["colours"][second["classes"][worst_electricity]] == dark
    assert t("dark_higher_is_worse", lang) in text_of(first["legend"])
    assert t("dark_higher_is_better", lang) in text_of(second["legend"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lisa_is_of_the_indicator_shown_and_explained(data, lang):
    state = parse(f"?lang={lang}&level=province&indicator={ILLITERACY}&year=2024&lisa=1")
    view = map_view(data, state)
    label = view["label"]
    assert label in view["title"] and t("lisa_title_of", lang, indicator=label) in view["title"]
    # The library's local Moran over the 75 provinces, computed here independently.
    values = national_values(data, ILLITERACY, "province").dropna().rename("v")
    geometry = query.web_geometry("province", db=data.db)
    weights = spatial.ContiguityWeights.from_geodataframe(geometry[geometry.code.isin(values.index)])
    expected = spatial.lisa(values, weights, refine=()).set_index("code")["cluster"]
    names = {"high-high": 0, "low-low": 1, "high-low": 2, "low-high": 3, "not significant": 4}
    assert list(view["classes"]) == [names[expected[c]] for c in view["codes"]]
    legend = text_of(view["legend"])
    for cluster in ("HH", "LL", "HL", "LH", "ns"):
        assert t(f"lisa_expl_{cluster}", lang) in legend


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lisa_says_plainly_where_it_does_not_apply(data, lang):
    view = map_view(data, parse(f"?lang={lang}&level=region&indicator={ILLITERACY}&year=2024&lisa=1"))
    assert t("lisa_not_applicable", lang, n=12) in text_of(view["legend"])
    assert len(set(view["classes"])) > 1  # the classes map stays, not an all-grey one


@pytest.mark.parametrize("lang", LANGUAGES)
def test_province_outlines_and_main_towns_orient_the_commune_map(data, lang):
    state = parse(f"?lang={lang}&region={DRAA_TAFILALET}&indicator={ILLITERACY}&year=2024")
    view = map_view(data, state)
    figure = go.Figure(figure_for(view, data, "commune"))  # validated as plotly.js will read it
    outlines = next(trace for trace in figure.data if trace.name == "outlines")
    provinces = query.web_geometry("province", db=data.db)
    provinces = provinces[provinces.code.str.startswith(DRAA_TAFILALET + ".")]
    # Each of the 5 provinces' exterior rings, closed, with a break after each ring.
    rings = sum(len(getattr(g, "geoms", [g])) for g in provinces.geometry)
    assert outlines.lon.count(None) == rings
    towns = query.towns(db=data.db)
    inside = towns[towns.region_code == DRAA_TAFILALET]
    names = list(inside["name_ar" if lang == "ar" else "name_fr"])
    trace = next(trace for trace in figure.data if trace.name == "towns")
    labels = list(trace.text)
    # The largest towns of the région (GeoNames population order), labels never on top of each other.
    assert 5 <= len(labels) <= 12 and labels[0] == names[0] == ("الرشيدية" if lang == "ar" else "Errachidia")
    assert [names.index(label) for label in labels] == sorted(names.index(label) for label in labels)
    assert "GeoNames" in figure.layout.annotations[1].text
    assert "GeoNames" in text_of(view["legend"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_national_map_names_few_towns_the_capital_among_them_and_a_scale(data, lang):
    """Fewer names on the national map than on a région's; Rabat's marker, hidden under Casablanca's name
    before, is named; the scale bar's length is true at its latitude."""
    figure = go.Figure(figure_for(map_view(data, parse(f"?lang={lang}")), data, "commune"))
    towns = next(trace for trace in figure.data if trace.name == "towns")
    rabat = "الرباط" if lang == "ar" else "Rabat"
    assert 6 <= len(towns.text) <= 10 and rabat in towns.text
    assert set(towns.textposition) <= {"top center", "middle right", "middle left", "bottom center"}
    scale = next(trace for trace in figure.data if trace.name == "scale")
    km = float(re.sub(r"[^0-9]", "", scale.text[-1]))
    # The bracket's two ends, at one latitude: their great-circle distance is the label's length.
    (lon0, lon1), lat = (scale.lon[1], scale.lon[2]), np.radians(scale.lat[1])
    distance = 6371.0088 * np.arccos(np.sin(lat) ** 2 + np.cos(lat) ** 2 * np.cos(np.radians(lon1 - lon0)))
    assert km == pytest.approx(distance, rel=0.01) and km in {50, 100, 200, 500}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_indicator_picker_is_grouped_by_theme(data, lang):
    options = indicator_options(data, lang)
    headers = [o for o in options if o.get("disabled")]
    assert [h["value"].split(":")[1] for h in headers] == [
        name for name in themes.THEMES if any(h["value"] == f"theme:{name}" for h in headers)
    ]
    assert all(themes.theme_label(h["value"].split(":")[1], lang) in h["label"] for h in headers)
    catalogue = data.catalogue()
    chosen = [o["value"] for o in options if not o.get("disabled")]
    assert sorted(chosen) == sorted(f"{r.indicator_id}|{r.year}" for r in catalogue.itertuples())
    housing = indicator_options(data, lang, "housing")
    assert housing[0]["disabled"] and len([o for o in housing if not o.get("disabled")]) == int(
        (catalogue.topic.map(themes.theme_of) == "housing").sum()
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_png_carries_legend_place_year_and_source(data, lang):
    state = parse(f"?lang={lang}&region={DRAA_TAFILALET}&indicator={ILLITERACY}&year=2024")
    view = map_view(data, state)
    figure = go.Figure(figure_for(view, data, "commune"))  # validated as plotly.js will read it
    assert view["place"] in figure.layout.title.text and "2024" in figure.layout.title.text
    legend, source = figure.layout.annotations[0].text, figure.layout.annotations[1].text
    lowest, highest = classify(national_values(data, ILLITERACY).to_numpy(), k=5).bounds[::5]
    assert number(highest, lang) in legend and number(lowest, lang) in legend
    assert data.source_line("hcp-2024-indicators", lang) in written(source)
    config = figures.graph_config(lang, filename=t("map_file", lang))
    assert config["toImageButtonOptions"]["format"] == "png"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_full_ranking_downloads_with_every_commune(data, fmt):
    content, name = ranking_export(data, parse(f"?indicator={ILLITERACY}&year=2024&region=08"), fmt)
    frame = (
        pd.read_csv(io.BytesIO(content), dtype={"code": str})
        if fmt == "csv"
        else pd.read_excel(io.BytesIO(content), dtype={"code": str})
    )
    values = national_values(data, ILLITERACY)
    assert name.endswith(f".{fmt}") and len(frame) == len(values) == 1503
    assert frame["ranked"].iloc[0] == values.notna().sum()
    assert frame.loc[frame["rank"] == 1, "code"].iloc[0] == values.idxmax()
    assert frame["value"].max() == values.max() and {"source", "licence", "name_ar"} <= set(frame.columns)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_report_link_follows_the_place_viewed(lang):
    assert report_href(parse(f"?lang={lang}")) is None
    assert (
        report_href(parse(f"?lang={lang}&region=08"))[1]
        == f"/api/v1/reports/region/08?lang={lang}&format=pdf"
    )
    province = report_href(parse(f"?lang={lang}&region=08&province={ERRACHIDIA_PROVINCE}"))
    assert province == ("province", f"/api/v1/reports/province/{ERRACHIDIA_PROVINCE}?lang={lang}&format=pdf")


def test_source_lines_are_in_the_page_language(data):
    sources = query.sources(db=data.db).set_index("source_id")
    arabic = data.source_line("hcp-2024-indicators", "ar")
    assert arabic == source_line(
        {"source_id": "hcp-2024-indicators", **sources.loc["hcp-2024-indicators"]}, "ar"
    )
    assert arabic.startswith("المندوبية السامية للتخطيط") and not re.search(r"[A-Za-z]", arabic.split("(")[0])
    assert data.source_line("hcp-2024-indicators", "fr").startswith("Haut-Commissariat au Plan, RGPH 2024")
    view = map_view(data, parse(f"?lang=ar&indicator={ILLITERACY}&year=2024"))
    assert "المندوبية السامية للتخطيط" in text_of(view["legend"])


def _word(level: str, lang: str) -> str:
    word = t(f"level_{level}", lang)
    return word if lang == "ar" else word.lower()


@pytest.mark.parametrize("scope", ["national", "view"])
def test_the_index_map_says_the_rank_the_analysis_gives(data, scope):
    """The index's 'n / N' on the map and in the table is the stored rank among ranked communes: a commune
    left unranked (too few residents, mostly imputed) keeps its colour but has no rank."""
    search = f"?lang=fr&region={DRAA_TAFILALET}&indicator=fragility_index&year=2024"
    view = map_view(data, parse(search + ("&scope=view" if scope == "view" else "")))
    stored = results.fragility_index("commune", db=data.db).set_index("code")
    shown = pd.Series(view["ranks"], index=view["codes"])
    unranked = stored["rank"].reindex(view["codes"]).isna()
    assert shown[unranked].isna().all() and np.isfinite(np.asarray(view["values"])[unranked.to_numpy()]).all()
    if scope == "national":
        assert view["total"] == int(stored["n_units"].iloc[0])
        assert np.array_equal(
            shown.to_numpy(), stored["rank"].reindex(view["codes"]).to_numpy(), equal_nan=True
        )
    else:
        assert view["total"] == int((~unranked).sum())
        assert sorted(shown.dropna().astype(int)) == list(range(1, view["total"] + 1))
