"""
Issue 25, item 6: the seats the report maps name in bold are the provinces' chefs-lieux as the law fixes them
(dahir n° 1-59-351 du 2 décembre 1959, as amended), checked against the built database's communes and
against where GeoNames puts each town, not against the table itself. Five provinces are not named for
their seat: Figuig's is Bouarfa, Boulemane's Missour, Skhirate-Témara's Témara, Al Haouz's Tahannaout and
Chtouka-Aït Baha's Biougra.
"""

from __future__ import annotations

import csv
import unicodedata
from importlib import resources

import geopandas as gpd
import pytest

from observatory import query
from observatory.etl.sources.geonames import towns
from observatory.province_seats import seat_codes
from observatory.reports.content import gather
from observatory.reports.view import map_images

#: Province -> its seat as GeoNames spells the town (French Wikipedia's infobox of each province).
SEATS = {
    "02.251": "Bouarfa",  # Figuig
    "03.131": "Missour",  # Boulemane
    "04.501": "Temara",  # Skhirate-Témara
    "07.041": "Tahannaout",  # Al Haouz
    "09.163": "Tine Biougra",  # Chtouka-Aït Baha
    "08.363": "Midelt",  # Midelt
}
#: A metric projection of Morocco (UTM zone 29N) to measure how far a town lies from its commune.
METRES = "EPSG:32629"


def plain(name: str) -> str:
    bare = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(bare.replace("-", " ").replace("'", " ").split())


@pytest.fixture(scope="module")
def communes(built_db):
    return query.units("commune", db=built_db)


def _places(names: set[str]) -> gpd.GeoDataFrame:
    """GeoNames' towns known by any of these names (accents and case aside), as points."""
    found = towns()
    found = found[[bool(names & {plain(n) for n in known if n}) for known in found["names"]]]
    return gpd.GeoDataFrame(found, geometry=gpd.points_from_xy(found["lon"], found["lat"]), crs="EPSG:4326")


def test_every_province_of_the_database_has_one_seat_among_its_communes(built_db, communes):
    provinces = query.units("province", db=built_db, geometry=False)
    seats = seat_codes()
    with_communes = set(communes["province_code"])
    assert set(seats) == with_communes == set(provinces["code"])  # 75, no unknown code
    province_of = communes.set_index("code")["province_code"]
    assert all(province_of.get(seat) == province for province, seat in seats.items())
    assert len(set(seats.values())) == len(seats)
    # The table's names, for a human reader, are the database's names of its codes.
    text = resources.files("observatory").joinpath("data/province_seats.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    names = {**communes.set_index("code")["name_fr"], **provinces.set_index("code")["name_fr"]}
    assert [(names[r["province_code"]], names[r["seat_code"]]) for r in rows] == [
        (r["province"], r["seat"]) for r in rows
    ]


@pytest.mark.parametrize(("province", "town"), SEATS.items())
def test_the_seat_commune_holds_the_town_of_the_seat(province, town, communes):
    seat = communes.set_index("code").loc[seat_codes()[province]]
    place = _places({plain(town)})
    assert len(place) == 1, town
    assert seat.geometry.contains(place.geometry.iloc[0]), f"{town} is not in {seat['name_fr']}"


def test_each_seat_holds_the_geonames_town_of_its_name(communes):
    """Where GeoNames knows a town of the seat's name, it is in the seat's commune (GeoNames gives a
    position to the hundredth of a degree: within 1 km of its outline)."""
    seats = communes[communes["code"].isin(seat_codes().values())].to_crs(METRES)
    checked = 0
    for seat in seats.itertuples():
        places = _places({plain(seat.name_fr)}).to_crs(METRES)
        if len(places):
            checked += 1
            assert places.distance(seat.geometry).min() < 1_000, seat.name_fr
    assert checked >= 70


@pytest.mark.parametrize(
    ("region", "lang", "seat", "not_seat"),
    [
        ("07", "fr", "07.041.01.09", "07.041.01.01"),  # Tahannaout, not Ait Ourir
        ("04", "fr", "04.501.01.07", "04.501.01.05"),  # Témara, not Skhirate
        ("07", "ar", "07.041.01.09", "07.041.01.01"),
    ],
)
def test_the_region_maps_name_the_seat_in_bold(region, lang, seat, not_seat, built_db, communes):
    content = gather(level="region", code=region, lang=lang, db=built_db)
    names = communes.set_index("code")[f"name_{lang}"]
    figures = map_images(content)
    assert figures
    for figure in figures:
        bold = {w.lines[0] for w in figure.drawing.words if w.bold}
        assert names[seat] in bold, figure.title
        assert names[not_seat] not in bold, figure.title
