"""
Issue 25, items 6, 9 and 2, read as a planner reads a report: every provincial seat named on the map and
no dot without a name, names never over each other; a city's map with the communes around it and the sea
(and no sea where the frame meets Algeria); a commune's rank in its province from the library; the
plan's reach by sex and area for the unit reported, adding up to the plan's own audit; the age structure
as HCP publishes it; the build's default plan named in the page's words.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from observatory import results
from observatory.plan_groups import coverage_by_group
from observatory.plans import DEFAULT_PLAN_NAME, read_plan
from observatory.province_ranks import rank_in_province, ranks_in_province
from observatory.reports import maps
from observatory.reports.content import gather
from observatory.reports.plan import chosen_plan
from observatory.reports.render import to_html

MIDELT = "08.363.01.03"
RABAT = "04.421.01.0"


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text.replace("\u2066", "").replace("\u2069", ""))


def _drawn(content):
    """The report's first map drawn as `maps.choropleth` draws it: the names placed, the boxes of every
    word drawn, the dots drawn, and the map's frame."""
    base, lang = content.basemap, content.lang
    frame = base.communes.reset_index(drop=True)
    drawing, projection, _, taken = maps._base_map(base, frame, ["#cccccc"] * len(frame), lang)
    named = maps.place_names(drawing, projection, base.towns, base.around, lang, taken)
    dots = sum(1 for kind, s in drawing.shapes if kind == "mark" and s["fill"] == maps.TOWN)
    return named, drawing.words, dots, projection.view


@pytest.fixture(scope="module")
def region(built_db):
    return gather(level="region", code="08", lang="fr", db=built_db)


@pytest.mark.parametrize(("level", "code", "lang"), [("region", "08", "fr"), ("region", "04", "ar")])
def test_every_seat_is_named_and_no_dot_goes_without_its_name(built_db, level, code, lang):
    content = gather(level=level, code=code, lang=lang, db=built_db)
    named, words, dots, _ = _drawn(content)
    towns = content.basemap.towns
    assert set(towns.loc[towns["seat"], "name"]) <= set(named)
    assert dots == len(named)  # a dot is drawn only with its name
    assert set(named) <= {w.lines[0] for w in words}  # each name is written
    boxes = [w.box for w in words]  # the names, the scale bar's and the north arrow's words
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :]), "two names printed over each other"


def test_midelt_is_named_as_its_province_seat(region, built_db):
    towns = region.basemap.towns.set_index("name")
    assert towns.loc["Midelt", "seat"] and towns.loc["Midelt", "population"] == 62648
    assert {"Errachidia", "Ouarzazate", "Midelt", "Tinghir", "Zagora"} == set(towns.index[towns["seat"]])
    named, *_ = _drawn(region)
    assert "Midelt" in named


def test_a_city_map_shows_its_neighbours_and_the_sea(built_db):
    content = gather(level="commune", code=RABAT, lang="fr", db=built_db)
    around = set(content.basemap.around["name"])
    assert {"Salé", "Témara", "Harhoura"} <= around
    named, _, _, frame = _drawn(content)
    assert named[0] == "Rabat"
    assert sum(p.area for p in maps.sea(frame, content.basemap.land)) > 0
    # Drâa-Tafilalet meets Algeria, not the sea: nothing of its frame is shaded as sea.
    region = gather(level="region", code="08", lang="fr", db=built_db)
    assert region.basemap.around is None
    *_, frame = _drawn(region)
    assert maps.sea(frame, region.basemap.land) == []
    assert maps.sea(maps._bounds(region.basemap.communes, region.basemap), region.basemap.land) == []


def test_the_rank_in_the_province_follows_the_national_ranks(built_db):
    national = results.fragility_index("commune", db=built_db)
    own = national[(national["province_code"] == "08.363") & national["rank"].notna()].sort_values("rank")
    ranks = ranks_in_province("08.363", db=built_db)
    assert list(ranks["code"]) == list(own["code"]) and list(ranks["province_rank"]) == list(
        range(1, len(own) + 1)
    )
    rank, n = rank_in_province(MIDELT, "08.363", db=built_db)
    assert n == len(own) and rank == list(own["code"]).index(MIDELT) + 1
    # From the national index a report has already read, the same rank.
    assert rank_in_province(MIDELT, "08.363", scores=national) == (rank, n)
    content = gather(level="commune", code=MIDELT, lang="fr", db=built_db)
    assert f"{rank}e sur {n} communes classées" in flat(content.brief.in_province)
    assert flat(content.brief.in_province) in flat(unescape(to_html(content)))


def test_the_plan_reach_by_group_adds_up_to_the_plan_audit(built_db):
    plan = read_plan(chosen_plan(built_db), db=built_db)
    audit = plan.audit[plan.audit["plan"] == "optimal"].set_index(["group_type", "group"])
    every = coverage_by_group(plan, list(plan.coverage["code"]), db=built_db).set_index(
        ["group_type", "group"]
    )
    for key, row in every.iterrows():
        for column in ("need", "reached_need", "covered_need", "communes_left_out"):
            assert row[column] == pytest.approx(audit.loc[key, column], rel=1e-6), (key, column)
    region = coverage_by_group(
        plan, list(plan.coverage.loc[plan.coverage["region_code"] == "08", "code"]), db=built_db
    ).set_index(["group_type", "group"])
    assert region.loc[("all", "all"), "reached_need"] == pytest.approx(
        audit.loc[("region", "08"), "reached_need"]
    )
    by_sex = region.xs("sex")
    assert by_sex["need"].sum() == pytest.approx(region.loc[("all", "all"), "need"], rel=1e-6)


def test_the_plan_pages_tell_the_unit_by_sex_and_area(built_db):
    content = gather(level="region", code="08", lang="fr", db=built_db, plan=chosen_plan(built_db))
    coverage = content.plan.coverage
    own = coverage[coverage["scope"].str.startswith("Drâa-Tafilalet")]
    assert set(own["group"]) >= {"hommes", "femmes", "urbain", "rural"}
    assert not coverage["scope"].str.startswith("Maroc").any()


def test_the_default_plan_is_named_in_the_page_words(built_db):
    plan = read_plan(chosen_plan(built_db), db=built_db)
    assert plan.name == DEFAULT_PLAN_NAME  # stored as the build named it
    arabic = gather(level="commune", code=MIDELT, lang="ar", db=built_db)
    assert DEFAULT_PLAN_NAME not in arabic.brief.plan and "الخطة المرجعية" in arabic.brief.plan


def test_the_age_structure_is_hcp_census_and_charted(region):
    ages = region.ages
    assert set(ages["unit_code"]) == {"08", "MA"} and set(ages["source_id"]) == {"hcp-2024-indicators"}
    assert ages["indicator_id"].nunique() == 16
    for _, part in ages.groupby(["unit_code", "sex"]):
        assert part["value"].sum() == pytest.approx(100, abs=0.5)  # HCP's shares, rounded to 0.1
    html = unescape(to_html(region))
    assert "taux clés et pyramide des âges" in html and "Haut-Commissariat au Plan" in html
    changes = region.changes.set_index("indicator_id")
    assert changes.loc["population_legal", "value_2024"] == 1655623  # the change starts with the population
