"""
The explorer's answer and the indicator's metadata without a browser, in French, Arabic and English: the
answer's ranks are out of one total, each with its 90 % interval and the index's certainty in the words
the reports use, ranks that cannot be told apart grouped; every column names its unit. The metadata sheet
says definition, source, unit, status, comparability and how not to use it; the bivariate hover gives both
values and the LISA hover the cluster; the profile lists its estimates and its change since 2014 beside
the province, région and Morocco; the change map draws every commune. Figures come from the library.
"""

from __future__ import annotations

import numpy as np
import pytest
from components import find, text_of

from observatory import i18n
from observatory.census_change import change, changes_at
from observatory.dashboards import ids
from observatory.dashboards.i18n import LANGUAGES, number, t
from observatory.dashboards.pages import change as change_page
from observatory.dashboards.pages import profile
from observatory.dashboards.pages.explorer_callbacks import update_maps
from observatory.dashboards.pages.explorer_sheet import sheet
from observatory.dashboards.pages.explorer_view import map_view
from observatory.dashboards.state import parse
from observatory.index_explanations import ordinal
from observatory.rank_certainty import certainty, rank_tiers

QUESTION = "?lang={lang}&level=commune&region=08"
ILLITERACY = "illiteracy_rate_10_plus"
ANEMZI = "08.363.17.13"


def having(component, test) -> list:
    """The components of a tree that pass `test`."""
    found = [component] if test(component) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            found += having(child, test)
    return found


def test_rank_tiers_group_ranks_whose_intervals_reach_the_first_of_their_tier():
    lower = np.array([1, 2, 9, 12, np.nan, 30])
    upper = np.array([10, 14, 20, 25, np.nan, 40])
    assert rank_tiers(lower, upper).tolist() == [0, 0, 0, 1, -1, 2]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_answer_ranks_out_of_one_total_with_intervals_certainty_and_units(data, lang):
    state = parse(QUESTION.format(lang=lang))
    view = map_view(data, state)
    answer = update_maps(data, ids.REGION, state)[5]
    text = text_of(answer)
    total = number(view["total"], lang, decimals=0)
    assert t("answer_rank_head", lang, total=total, scope=t("morocco", lang)) in text
    # The help says the same total as the table: no '3 / 125' beside '/ 1 465'.
    assert (
        t(
            "answer_help",
            lang,
            indicator=view["label"],
            n=number(125, lang, decimals=0),
            total=total,
            scope=t("morocco", lang),
            units=t("level_in_text_commune", lang),
        )
        in text
    )
    index = data.index_frame("commune", "fr").set_index("code")
    first = min(
        (c for c in view["codes"] if c in index.index and index.loc[c, "rank"] == index.loc[c, "rank"]),
        key=lambda c: index.loc[c, "rank"],
    )
    row = index.loc[first]
    assert ordinal(int(row["rank"]), lang) in text
    between = t(
        "answer_between",
        lang,
        lower=ordinal(int(row["rank_lower"]), lang),
        upper=ordinal(int(row["rank_upper"]), lang),
    )
    assert between in text
    assert certainty(float(row["p_top_decile"]), float(row["p_region_top10"]), lang) in text
    # Units in the heads: the index in points, illiteracy in %.
    assert f"({i18n.text('unit.score', lang)})" in text and f"({i18n.text('unit.percent', lang)})" in text
    # The ten first of Drâa-Tafilalet overlap: at least one tier says they cannot be told apart.
    assert having(answer, lambda c: getattr(c, "className", None) == "tier-line")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_sheet_says_definition_source_unit_status_and_how_not_to_use_it(data, lang):
    state = parse(QUESTION.format(lang=lang))
    text = text_of(sheet(data, state, ILLITERACY, 2024))
    for key in (
        "sheet_definition",
        "sheet_source",
        "sheet_date",
        "sheet_unit",
        "sheet_status",
        "sheet_cautions",
    ):
        assert t(key, lang) in text
    assert i18n.text("sheet.caution.rate", lang) in text
    assert i18n.text("sheet.caution.sampled", lang) in text  # a long-form question in 2024
    assert i18n.text("sheet.comparable", lang) in text
    assert t("sheet_change_link", lang) in text
    index = text_of(sheet(data, state, "fragility_index", 2024))
    assert (
        i18n.text("sheet.index_definition", lang) in index and i18n.text("sheet.caution.index", lang) in index
    )
    assert t("sheet_change_link", lang) not in index


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_bivariate_hover_gives_both_values_and_the_lisa_hover_the_cluster(data, lang):
    both = map_view(
        data,
        parse(
            f"?lang={lang}&indicator={ILLITERACY}&year=2024&indicator2=amenities_electricity"
            "&year2=2024&compare=bivariate"
        ),
    )
    assert "customdata[1]" in both["hovertemplate"] and len(both["customdata"][0]) == 2
    assert all("%" in cell for cell in both["customdata"][0])
    lisa = map_view(data, parse(f"?lang={lang}&indicator={ILLITERACY}&year=2024&lisa=1"))
    assert t("lisa_cluster_hover", lang) in lisa["hovertemplate"]
    clusters = {row[1] for row in lisa["customdata"]}
    assert t("lisa_HH", lang) in clusters and t("lisa_ns", lang) in clusters


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_profile_lists_its_estimates_and_its_change_beside_province_region_morocco(data, built_db, lang):
    page = profile.layout(data, parse(f"?lang={lang}&code={ANEMZI}"))
    modelled = find(page, ids.PROFILE_MODELLED)
    assert having(modelled, lambda c: getattr(c, "className", "") == "profile-table estimated-table")
    assert t("status_scenario", lang) in text_of(modelled)
    changed = text_of(find(page, ids.PROFILE_CHANGE))
    places = {"commune": ANEMZI, "province": "08.363", "region": "08", "country": "MA"}
    expected = changes_at([ILLITERACY], places, db=built_db).set_index("level")["change"]
    for level in places:
        assert number(expected[level], lang) in changed
    assert number(-14.5, lang) in changed and number(-7.4, lang) in changed  # HCP: 74.2 → 59.7, 32.2 → 24.8


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_change_map_draws_every_commune_with_morocco_beside(data, built_db, lang):
    state = change_page.chosen(data, parse(f"?lang={lang}"))
    figure, _legend, title, line = change_page.view(data, state)
    assert len(figure.data[0].locations) == len(data.units("commune"))
    frame = change(ILLITERACY, db=built_db).set_index("code")
    coloured = np.asarray(figure.data[0].z)
    assert (coloured > 0).sum() == frame["change"].notna().sum()  # z 0 is no data
    assert number(32.2, lang) in line and number(24.8, lang) in line and number(-7.4, lang) in line
    assert i18n.text("unit.points", lang) in line
