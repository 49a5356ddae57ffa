"""
The planner page as a non-specialist reads it, on the built database: a map with commune outlines and
names, towns, province lines and numbered sites, a legend for every mark, a table of the same sites, the
need each kind of site serves with its uncertainty, plain words, defaults that fit a one-région plan,
the status said once, the report in the page's language, and the equity frontier drawn from its table
(or a sentence where the database has none).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_app_planner import find, text

import observatory
from observatory.dashboards import create_app, ids
from observatory.dashboards.i18n import t
from observatory.dashboards.pages import planner, planner_frontier
from observatory.dashboards.pages.planner_map import legend_entries
from observatory.dashboards.pages.planner_sites import numbered_sites
from observatory.dashboards.state import parse
from observatory.formatting import number

DRAA_TAFILALET = "08"


@pytest.fixture(scope="module")
def data(built_db):
    return create_app(built_db).data


@pytest.fixture(scope="module")
def shown(data):
    """The page's default plan for Drâa-Tafilalet (10 service points, 3 training centres), in French and
    Arabic: solved once per language."""
    return {lang: planner.run(data, parse(f"?lang={lang}")) for lang in ("fr", "ar")}


def traces(figure, name):
    return [trace for trace in figure["data"] if trace["name"] == name]


@pytest.mark.parametrize(("lang", "town"), [("fr", "Ouarzazate"), ("ar", "ورزازات")])
def test_the_map_names_communes_and_towns_and_draws_province_lines_and_numbered_sites(
    shown, data, lang, town
):
    figure = shown[lang].figure
    # Province lines: the five provinces' outlines in one trace (rings separated by None).
    (lines,) = traces(figure, "outlines")
    assert sum(x is None for x in lines["lon"]) >= 5
    # Town names in the page's language, and commune names where they fit.
    (towns,) = traces(figure, "towns")
    assert any(town in name for name in towns["text"])
    (communes,) = traces(figure, "communes")
    own = {
        data.units("commune").set_index("code").loc[c, f"name_{lang}"] for c in figure["data"][0]["locations"]
    }
    assert 5 <= len(communes["text"]) <= 14 and set(communes["text"]) <= own
    # Commune outlines drawn in grey, not white on white.
    assert figure["data"][0]["marker"]["line"]["color"] != "#ffffff"
    # Every site a numbered marker, the numbers 1..n once each.
    markers = [t for kind in ("service_point", "training_centre") for t in traces(figure, kind)]
    numbers = sorted(int(x) for trace in markers for x in trace["text"])
    assert numbers == list(range(1, 14))


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_table_lists_the_map_s_sites_with_names_services_languages_and_people(shown, data, lang):
    page = shown[lang]
    table = text(page.sites)
    sites = numbered_sites(page.store)
    assert len(sites) == 13 and list(sites["number"]) == list(range(1, 14))
    first = sites.iloc[0]
    name = data.units("commune").set_index("code").loc[first["code"], f"name_{lang}"]
    assert name in table
    # People within reach and served written as the page writes numbers ("2 500", not "2500.0").
    assert number(first["need_reached"], lang, decimals=0) in table
    assert number(2500, lang, decimals=0) in table and "2500.0" not in table
    assert t("planner.legend_service_point", lang) in table and t("language_darija", lang) in table
    for column in ("number", "commune", "service", "languages", "reached", "served"):
        assert t(f"planner.sites_{column}", lang) in table
    # Each site's AI services, from the service mix of the adults it reaches.
    assert table.count(t("planner.sites_ai", lang, services="|").split("|")[0]) == len(sites)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_legend_names_every_mark_and_shading(shown, lang):
    legend = text(shown[lang].legend)
    for key in (
        "reached",
        "not_reached",
        "service_point",
        "training_centre",
        "provinces",
        "communes",
        "towns",
    ):
        assert t(f"planner.legend_{key}", lang) in legend
    assert t("planner.legend_note", lang, radius=number(15, lang, decimals=0)) in legend
    # The same legend is written into the figure, under the map, so a downloaded PNG carries it.
    written = " ".join(
        a["text"] for a in shown[lang].figure["layout"]["annotations"] if a["name"] == "legend"
    )
    marks = legend_entries(shown[lang].store, DRAA_TAFILALET, lang)
    assert all(words in written for _mark, _colour, words in marks)


def test_the_need_is_explained_once_with_its_uncertainty_in_plain_words(shown):
    summary = text(shown["fr"].summary)
    for body in shown["fr"].store["plans"].values():
        assert number(body["summary"]["need_total"], "fr", decimals=0) in summary
    assert t("planner.need_two", "fr") in summary
    assert "ne savent ni lire ni écrire" in summary and "n'utilisent pas Internet" in summary
    assert "Incertitude : entre" in summary and "intervalle à 90" in summary
    page = text(shown["fr"].summary) + text(shown["fr"].review) + t("planner.intro", "fr")
    assert "glouton" not in page and "greedy" not in page
    assert "à portée" in summary and "servies" in summary
    # One status sentence for the two plans; none repeated in the summary.
    assert text(shown["fr"].review).count(t("plan_not_saved", "fr")) == 1
    assert t("plan_proposal", "fr") not in summary


def test_a_one_region_plan_asks_one_site_per_province_not_per_region(data):
    chosen = planner.settings(parse("?lang=fr"))
    assert chosen["region"] == DRAA_TAFILALET and chosen["equity"] == ["province"]
    assert "region" not in {o["value"] for o in planner.equity_options(DRAA_TAFILALET, "fr")}
    assert planner.settings(parse("?lang=fr&region=all"))["equity"] == ["region"]
    page = planner.layout(data, parse("?lang=fr"))
    assert find(page, ids.PLAN_EQUITY).value == ["province"]
    assert t("equity_region", "fr") not in text(find(page, ids.PLAN_EQUITY))


def test_a_floor_a_plan_cannot_meet_is_said_and_the_plan_solved_without_it(shown):
    # Three training centres for five provinces: the centres go without the floor, the ten points keep it.
    store = shown["fr"].store
    assert store["plans"]["service_point"]["params"]["min_per_province"] == 1
    assert store["plans"]["training_centre"]["params"]["min_per_province"] == 0
    said = t(
        "planner.floor_dropped_province", "fr", kind=t("site_training_centre", "fr"), sites="3", units="5"
    )
    assert said in text(shown["fr"].summary)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_report_is_the_region_report_in_the_page_s_language_or_says_how_to_get_it(shown, data, lang):
    assert t("planner.report_unsaved", lang) in text(shown[lang].links)
    default = observatory.list_plans(db=data.db).iloc[0].plan_id
    # The build's national plan is stored: a plan solved with the same settings is recognised as it.
    national = planner.stored_result(data, [default])[0]
    assert national is not None and t("plan_report_national", lang) in text(
        planner.report_links(national, lang)
    )
    regional = {
        "region": "08",
        "plans": {"training_centre": {"summary": {"stored": True, "plan_id": default}}},
    }
    link = text(planner.report_links(regional, lang))
    assert f"/api/v1/reports/region/08?lang={lang}&format=pdf&plan={default}" in link
    assert "format=html" not in link


# -- the equity frontier -----------------------------------------------------------------------------
FRONTIER = pd.DataFrame(
    {
        "point": range(4),
        "floor": [0.0, 0.1, 0.2, 0.25],
        "national_reach": [0.438, 0.431, 0.418, 0.405],
        "lowest_reach": [0.032, 0.10, 0.20, 0.25],
        "lowest_unit": ["08", "08", "10", "11"],
        "level": "region",
        "sites": 50,
        "radius_km": 15.0,
        "site_type": "training_centre",
        "is_default": [False, False, False, True],
    }
)


def test_the_frontier_says_so_where_the_database_has_none(data, monkeypatch):
    tables = data.db.tables
    monkeypatch.setattr(data.db, "tables", lambda: [name for name in tables() if name != "plan_frontier"])
    block = text(planner_frontier.frontier_block(data, None, "fr"))
    assert t("planner.frontier_missing", "fr") in block


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_frontier_is_drawn_with_the_default_and_the_chosen_plan_marked(data, monkeypatch, lang):
    monkeypatch.setattr(observatory, "equity_frontier", lambda *, db: FRONTIER, raising=False)
    tables = data.db.tables
    monkeypatch.setattr(data.db, "tables", lambda: [*tables(), "plan_frontier"])
    summary = {"reached_share": 0.42, "lowest_region_reached_share": 0.15, "radius_km": 15.0}
    national = {"region": "", "plans": {"training_centre": {"summary": summary, "params": {"sites": 50}}}}
    block = planner_frontier.frontier_block(data, national, lang)
    (graph,) = [c for c in block.children if getattr(c, "figure", None) is not None]
    figure = graph.figure
    line, default, chosen = figure.data
    assert list(line.x) == pytest.approx([43.8, 43.1, 41.8, 40.5])
    assert list(line.y) == pytest.approx([3.2, 10, 20, 25])
    assert (default.x[0], default.y[0]) == pytest.approx((40.5, 25))
    assert (chosen.x[0], chosen.y[0]) == pytest.approx((42, 15))
    assert t("planner.frontier_x", lang) in figure.layout.xaxis.title.text
    assert t("planner.frontier_y", lang) in figure.layout.yaxis.title.text
    regions = data.units("region").set_index("code")
    assert regions.loc["08", f"name_{lang}"] in line.customdata[0][1]
    # A national plan of another size is said beside the frontier, not drawn on it.
    other = {"region": "", "plans": {"service_point": {"summary": summary, "params": {"sites": 50}}}}
    block = planner_frontier.frontier_block(data, other, lang)
    (graph,) = [c for c in block.children if getattr(c, "figure", None) is not None]
    assert len(graph.figure.data) == 2
    assert t("site_service_point", lang) in text(block) and number(42, lang) in text(block)
    # A one-région plan is not placed on the national frontier, and the page says why.
    one_region = {"region": "08", "plans": national["plans"]}
    block = planner_frontier.frontier_block(data, one_region, lang)
    assert t("planner.frontier_national_only", lang) in text(block)


def test_the_report_link_of_a_saved_plan_gives_the_region_report_with_the_plan_in_arabic(writable_db):
    """Saved from the page, a région's plan links to the région's report with its plan section, in the
    page's language (fetched here as HTML through the same route; the link asks for the PDF)."""
    from observatory.cli.serve import create_server

    token = "a-long-random-secret-for-tests-0123456789"
    data = create_app(writable_db, allow_writes=True, token=token).data
    shown = planner.run(data, parse("?lang=ar&region=08&points=0&centres=2"))
    _message, saved = planner.save(data, shown.store, by="Amina", token=token, lang="ar")
    assert saved is not None
    (link,) = re.findall(r'"href": "([^"]+)"', text(planner.report_links(saved, "ar")))
    plan_id = saved["plans"]["training_centre"]["summary"]["plan_id"]
    assert link == f"/api/v1/reports/region/08?lang=ar&format=pdf&plan={plan_id}"
    response = create_server(writable_db).test_client().get(link.replace("format=pdf", "format=html"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'dir="rtl"' in page and plan_id in page and "درعة" in page
