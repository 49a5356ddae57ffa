"""
The communes are where they are on the ground: places, tiles, sites and boundaries given in real
coordinates (written here from public sources, never taken from the stored polygons) land in the
commune that holds them on the ground.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely
from connectors_support import ookla_frame, topojson, write_json

from observatory import planner
from observatory.database import Database
from observatory.etl.connectors import ookla, quadkeys
from observatory.etl.connectors import osm_boundaries as osm
from observatory.etl.connectors._common import Rejects
from observatory.etl.transform import geometry as G
from observatory.etl.transform import georeference as R
from observatory.formatting import number

#: Landmarks in city centres, WGS 84 (lon, lat), from their Wikipedia/OpenStreetMap entries, or the
#: city's GeoNames entry (geonameid given) where no single landmark stands for the centre.
PLACES = {
    "Rabat": (-6.8226, 34.0240),  # Hassan Tower
    "Casablanca": (-7.6328, 33.6084),  # Hassan II Mosque
    "Marrakech": (-7.9936, 31.6237),  # Koutoubia Mosque
    "Fès": (-4.9736, 34.0646),  # al-Qarawiyyin Mosque
    "Tanger": (-5.8128, 35.7846),  # Grand Socco
    "Agadir": (-9.59815, 30.42018),  # GeoNames 2561668
    "Oujda": (-1.90858, 34.68139),  # GeoNames 2540483
    "Errachidia": (-4.42663, 31.9314),  # GeoNames 7280528
    "Ouarzazate": (-6.89341, 30.91894),  # GeoNames 2540850
    "Laâyoune": (-13.2033, 27.1536),  # city centre, Wikipedia (27°09′N 13°12′W)
    "Dakhla": (-15.9580, 23.6848),  # city centre, Wikipedia (23°41′N 15°57′W)
}
#: Zoom-16 quadkeys (Bing Maps tile system) of tiles holding real places, and one at sea.
RABAT_TILE = "0331123100322321"  # Hassan Tower, Rabat
PARIS_TILE = "1202200110120003"  # Eiffel Tower, Paris
SOUTH_TILES = {"Dakhla": "0331232030300332", "Laâyoune": "0331213232213300", "Lagouira": "0333001133033000"}
SEA_TILE = "0331213102213322"  # the Atlantic at 29° N 12.5° W, between Tarfaya and Lanzarote


# -- pure ------------------------------------------------------------------------------------------


def test_the_correction_is_the_inverse_of_the_misreading_and_moves_latitude_by_e2_sin_2phi():
    lon, lat = np.array([-6.8226, -15.958, -5.8128]), np.array([34.024, 23.6848, 35.7846])
    x, y = G.as_digitised(lon, lat)
    assert np.allclose(x, lon, atol=1e-9)  # Mercator's x is the same on the sphere and the ellipsoid
    # To first order, (e²/2)·sin 2φ radians north (e² of WGS 84): 0.178° at Rabat, 0.141° at Dakhla.
    first_order = np.degrees(0.00669438 / 2 * np.sin(2 * np.radians(lat)))
    assert np.allclose(y - lat, first_order, atol=0.002)
    back = G.to_ground(shapely.points(x, y))
    assert np.allclose(shapely.get_x(back), lon, atol=1e-9) and np.allclose(
        shapely.get_y(back), lat, atol=1e-9
    )


def test_names_compare_without_accents_case_or_arabic_variants():
    assert R.normalise("Aït Ourir") == R.normalise("AIT-OURIR") == "ait ourir"
    assert R.normalise("Fès") == R.normalise("Fes")
    assert R.normalise("Ksar El Kébir") == R.normalise("ksar el-kebir")
    assert R.normalise("أكادير") == R.normalise("اكادير")
    assert R.normalise("القنيطرة") == R.normalise("القنيطره")


def test_towns_match_one_commune_of_their_region_and_shared_names_are_set_aside():
    communes = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d"],
            "region_code": ["01", "01", "01", "02"],
            "name_fr": ["Aït Youssef", "Sidi Ali", "Sidi Ali", "Aït Youssef"],
            "name_ar": ["", "", "", ""],
        }
    )
    towns = pd.DataFrame(
        {
            "geonameid": [1, 2, 3, 4],
            "name": ["Ait Youssef", "Sidi Ali", "Ait Youssef Ou Ali", "Youssef"],
            "names": [["Ait Youssef"], ["Sidi Ali"], ["Ait Youssef Ou Ali", "Aït Youssef"], ["Youssef"]],
            "lon": [0.0] * 4,
            "lat": [0.0] * 4,
            "regions": [["01"]] * 4,
            "population": [900, 500, 600, 100],
        }
    )
    matched = R.match_towns(towns, communes).set_index("geonameid")
    assert matched.loc[1, ["commune_code", "status"]].tolist() == ["a", "control"]  # not d: another région
    assert (
        matched.loc[2, "status"] == "ambiguous" and matched.loc[2, "reason"] == "name shared by communes b, c"
    )
    assert matched.loc[3, "status"] == "duplicate" and "Ait Youssef" in matched.loc[3, "reason"]
    assert 4 not in matched.index


def test_an_ookla_row_whose_polygon_is_not_its_quadkeys_tile_is_quarantined():
    frame = ookla_frame(
        np.array([-6.8226, -6.8226]),
        np.array([34.024, 34.024]),
        d_kbps=[1, 1],
        u_kbps=[1, 1],
        lat_ms=[1, 1],
        tests=[1, 1],
        devices=[1, 1],
    )
    frame["quadkey"] = [RABAT_TILE, PARIS_TILE]
    assert frame["quadkey"].tolist()[0] == quadkeys.quadkeys_at(np.array([-6.8226]), np.array([34.024]))[0]
    frame["tile"] = [
        quadkeys.tile_polygons_wkt(np.array([RABAT_TILE]))[0],
        quadkeys.tile_polygons_wkt(np.array([RABAT_TILE]))[0],
    ]  # row 2: Paris' key, Rabat's polygon
    frame["source"], frame["row"] = "t.parquet", [1, 2]
    rejects = Rejects()
    kept = ookla.validate_tiles(frame, rejects)
    assert kept["row"].tolist() == [1]
    bad = rejects.frame()
    assert bad["row"].tolist() == [2] and bad["column"].tolist() == ["tile"]
    assert bad["reason"][0].startswith("tile WKT is not the tile its quadkey names: quadkey centre 2.29")
    assert "WKT centre -6.82" in bad["reason"][0]


# -- on the built database -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def communes(built_db: Database):
    return built_db.read("commune", columns=["code", "name_fr", "province_code", "region_code", "geometry"])


def _commune_of(communes, lon: float, lat: float) -> list[str]:
    return communes.loc[communes.geometry.contains(shapely.Point(lon, lat)), "name_fr"].tolist()


@pytest.mark.parametrize("city", list(PLACES))
def test_city_centres_fall_in_their_commune(communes, city):
    assert _commune_of(communes, *PLACES[city]) == [city]


def test_an_ookla_tile_in_central_rabat_goes_to_rabat_and_the_south_is_inside_the_country(built_db, communes):
    keys = [RABAT_TILE, *SOUTH_TILES.values(), SEA_TILE]
    frame = pd.DataFrame(
        {
            "quadkey": keys,
            "tile": quadkeys.tile_polygons_wkt(np.array(keys)),
            "avg_d_kbps": 1000,
            "avg_u_kbps": 1000,
            "avg_lat_ms": 10,
            "tests": 1,
            "devices": 1,
        }
    )
    rejects = Rejects()
    valid = ookla.validate_tiles(frame.assign(source="t", row=range(1, len(keys) + 1)), rejects)
    west, south, east, north = communes.total_bounds  # the connector's bounding box of Morocco
    lon, lat = ookla.tile_centres(valid["x"].to_numpy(), valid["y"].to_numpy(), valid["zoom"].to_numpy())
    assert ((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)).all()
    placed = ookla.assign_tiles(valid, communes)
    names = [communes["name_fr"].iloc[i] if i >= 0 else None for i in placed.where]
    assert names == ["Rabat", "Dakhla", "Laâyoune", "Lagouira", None]
    country = built_db.read("country").geometry.iloc[0]
    tiles = shapely.from_wkt(frame["tile"].to_numpy())
    assert shapely.contains(country, tiles).tolist() == [True, True, True, True, False]
    assert not len(rejects)


def test_existing_sites_given_by_lon_lat_land_in_their_commune(communes, tmp_path):
    csv = tmp_path / "sites.csv"
    pd.DataFrame(
        {"name": list(PLACES), "lon": [p[0] for p in PLACES.values()], "lat": [p[1] for p in PLACES.values()]}
    ).to_csv(csv, index=False)
    codes = planner.read_existing_sites(str(csv), units=communes)
    assert communes.set_index("code").loc[codes, "name_fr"].tolist() == list(PLACES)


def test_ground_control_reaches_the_goal_held_out(built_db):
    models = built_db.read("georeference").set_index("model")
    chosen = models[models["chosen"] == 1].iloc[0]
    assert chosen.name == R.CHOSEN and chosen["points"] >= 300
    assert chosen["heldout_share_inside"] >= 0.95 and chosen["heldout_median_km"] == 0
    assert models.loc["none", "share_inside"] < 0.1 and models.loc["none", "median_km"] > 10
    control = built_db.read("ground_control")
    misses = control[(control["status"] == "control") & (control["inside"] == 0)]
    assert misses["reason"].notna().all() and len(misses) <= 0.05 * (control["status"] == "control").sum()


def test_osm_boundaries_in_real_coordinates_line_up_with_the_communes(writable_db, tmp_path):
    # Central Rabat drawn by hand from OpenStreetMap: the Oudayas, the Medina and the streets south to the
    # station, stopping short of the Royal Palace (Touarga, a commune of its own inside Rabat).
    rabat = shapely.Polygon(
        [(-6.8400, 34.0300), (-6.8240, 34.0270), (-6.8290, 34.0160), (-6.8480, 34.0160), (-6.8400, 34.0300)]
    )
    medina = (-6.8360, 34.0230)
    before = writable_db.read("commune").set_index("code", drop=False)
    code = before.index[before["name_fr"] == "Rabat"][0]
    assert before.geometry[code].intersection(rabat).area > 0.99 * rabat.area
    digits = before.loc[code, "code_digits"]
    folder = tmp_path / "osm"
    folder.mkdir()
    write_json(folder / "04.topojson", topojson([(digits, "Rabat", rabat)]))
    result = osm.load(db=writable_db, folder=folder)
    assert result["replaced"] == 1 and result["rejected"] == 0
    after = writable_db.read("commune").set_index("code", drop=False)
    assert after.loc[code, "geometry_source"] == osm.GEOMETRY_SOURCE
    assert after.geometry[code].symmetric_difference(rabat).area < 1e-3 * rabat.area
    assert _commune_of(after.reset_index(drop=True), *medina) == ["Rabat"]
    others = after.index != code  # nothing else moved: the OSM polygon lay inside the corrected Rabat
    assert np.allclose(after.loc[others, "area_km2"], before.loc[others, "area_km2"], rtol=1e-6)


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_each_miss_is_explained_in_every_language_from_the_same_columns(built_db, lang):
    """The app writes the stored reason in the page's language: same kind, same distance, no other script."""
    control = built_db.read("ground_control")
    misses = control[(control["status"] == "control") & (control["inside"] == 0)]
    names = built_db.read("commune").set_index("code")["name_fr"]
    for town in misses.to_dict("records"):
        text = R.miss_reason(town, names.get(town["found_in"]), lang)
        if lang == "en":
            assert text == town["reason"]
        assert number(town["distance_km"], lang) in text
        if isinstance(town["found_in"], str):
            assert f"({town['found_in']})" in text
        if lang == "ar":
            latin = text.replace("GeoNames", "").replace(str(names.get(town["found_in"])), "")
            assert not re.search(r"[A-Za-z]{3,}", latin), text
