"""
The app's cached reads give what a direct read of the database gives: the map's GeoJSON (rings held as
arrays) encodes to the same JSON as nested lists, a profile's locator cut from the country's GeoJSON is
the province read alone, a profile reads its four units' values in one query and shows each unit's
own values, and a served app has read the first page's data before its first visitor.
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
import shapely

from observatory import profile, query
from observatory.cli.serve import APP_DATA, create_server, warm
from observatory.dashboards.data import AppData, feature_collection
from observatory.enums import MAP_LEVELS

ERRACHIDIA = "08.201.01.05"


def nested_lists(coords, digits):
    """GeoJSON coordinates as nested lists, rounded as Python rounds: what the map sent before."""
    if isinstance(coords[0], (float, int)):
        return [round(float(c), digits) for c in coords[:2]]
    return [nested_lists(c, digits) for c in coords]


@pytest.mark.parametrize("level", ["region", "province"])
def test_map_geojson_encodes_as_nested_lists_would(data, level):
    frame = query.web_geometry(level, db=data.db)
    shapes = shapely.orient_polygons(frame.geometry.values, exterior_cw=True)
    expected = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "geometry": {
                    "type": shape.geom_type,
                    "coordinates": nested_lists(shape.__geo_interface__["coordinates"], 3),
                },
            }
            for code, shape in zip(frame.code, shapes, strict=True)
        ],
    }
    served = data.geojson(level, "low")
    ring = served["features"][0]["geometry"]["coordinates"][0]
    assert isinstance(ring if served["features"][0]["geometry"]["type"] == "Polygon" else ring[0], np.ndarray)
    codes = list(frame.code)

    def figure(geojson):
        return go.Figure(go.Choropleth(geojson=geojson, locations=codes, z=list(range(len(codes))))).to_json()

    assert figure(served) == figure(expected)
    assert json.loads(figure(served))["data"][0]["geojson"] == expected


def test_locator_geojson_is_the_province_read_alone(data):
    province = "08.201"
    cut = data.province_geojson(province)
    codes = list(data.scope("commune", province=province).code)
    alone = feature_collection(query.web_geometry("commune", db=data.db, codes=codes), "low")
    assert [f["id"] for f in cut["features"]] == [f["id"] for f in alone["features"]] == codes
    for mine, theirs in zip(cut["features"], alone["features"], strict=True):
        assert json.dumps(mine, default=np.ndarray.tolist) == json.dumps(theirs, default=np.ndarray.tolist)


def test_profile_reads_its_four_units_values_once(data, monkeypatch):
    reads = []
    read = query.indicator_values

    def counted(*args, **kwargs):
        reads.append(kwargs)
        return read(*args, **kwargs)

    monkeypatch.setattr(query, "indicator_values", counted)
    frame = profile.commune_profile(ERRACHIDIA, db=data.db)
    assert len(reads) == 1
    monkeypatch.undo()
    commune = data.units("commune").set_index("code").loc[ERRACHIDIA]
    for column, level, unit in (
        ("commune", "commune", ERRACHIDIA),
        ("province", "province", commune.province_code),
        ("region", "region", commune.region_code),
    ):
        own = query.indicator_values(db=data.db, level=level, units=[unit])
        own = own[own.status != "simulated"].drop_duplicates(["indicator_id", "year"])
        expected = own.set_index(["indicator_id", "year"])["value"].astype(float)
        for row in frame.sample(40, random_state=24).itertuples():
            want = expected.get((row.indicator_id, row.year), np.nan)
            got = getattr(row, column)
            assert (np.isnan(want) and np.isnan(got)) or want == pytest.approx(got), column


def test_a_served_app_has_read_the_first_page_before_its_first_visitor(built_db):
    server = create_server(built_db)
    data = server.extensions[APP_DATA]
    assert data.geojson.cache_info().currsize == 0
    warm(server)
    assert data.geojson.cache_info().currsize == len(MAP_LEVELS)
    assert data.towns.cache_info().currsize == 1 and data.values.cache_info().currsize >= 1


def test_a_profile_in_another_language_reads_the_commune_once(built_db):
    from observatory.dashboards.pages import load_pages
    from observatory.dashboards.state import parse

    data = AppData(built_db)
    layout = load_pages()["/commune"].layout
    for lang in ("fr", "ar", "en"):
        layout(data, parse(f"?lang={lang}&code={ERRACHIDIA}"))
    info = data.commune_profile.cache_info()
    assert (info.misses, info.hits) == (1, 2)
