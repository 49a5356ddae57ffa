"""
Web-Mercator tile geometry for Ookla's quadkeys: keys to tiles and back, tile centres and bounds, the
quadkey prefixes and ranges that cover a bounding box, and the polygon that holds each tile's centre
(`observatory.placement.locate`: a centre just off the coast goes to the nearest coastal commune).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from observatory.placement import locate, margin_degrees

#: A west, south, east, north box in degrees (EPSG:4326).
Box = tuple[float, float, float, float]

ZOOM = 16


def quadkey_tiles(quadkeys: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """
    Tile x, y, zoom and a validity mask for an array of Ookla quadkeys (16 digits 0-3: zoom 16),
    decoded all at once on a byte matrix: each digit carries one bit of x (its low bit) and one of
    y (its high bit). A key stored as a number has lost its leading zeros, so it is invalid.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = pd.Series(quadkeys, copy=False)
    if not (pd.api.types.is_string_dtype(keys) or keys.dtype == object):
        keys = pd.Series(pd.NA, index=keys.index, dtype="str")
    text = pa.chunked_array([pa.Array.from_pandas(keys.astype("str"))]).combine_chunks()
    if not len(text):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0, dtype=bool)
    checked = pc.fill_null(pc.match_substring_regex(text, f"^[0-3]{{{ZOOM}}}$"), False)
    valid = checked.to_numpy(zero_copy_only=False)
    # Every key now 16 bytes long, so the string array's data buffer is the byte matrix itself.
    fixed = pc.if_else(checked, text, "0" * ZOOM).cast(pa.string())
    start = int(np.frombuffer(fixed.buffers()[1], dtype=np.int32)[fixed.offset])
    raw = np.frombuffer(fixed.buffers()[2], dtype=np.uint8)[start : start + ZOOM * len(fixed)]
    digits = raw.reshape(len(fixed), ZOOM) - np.uint8(48)

    def number(bits: np.ndarray) -> np.ndarray:  # 16 bits, most significant first -> integer
        packed = np.packbits(bits, axis=1).astype(np.int64)
        return (packed[:, 0] << 8) | packed[:, 1]

    x = np.where(valid, number(digits & 1), -1)
    y = np.where(valid, number(digits >> 1), -1)
    return x, y, np.full(len(fixed), ZOOM, dtype=np.int64), valid


def tile_centres(x: np.ndarray, y: np.ndarray, zoom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (EPSG:4326) of the centre of web-Mercator tiles."""
    n = np.exp2(zoom.astype("float64"))
    lon = (x + 0.5) / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * (y + 0.5) / n))))
    return lon, lat


#: Zooms of the cells tested whole, coarse to fine: a zoom-12 cell (about 10 km × 8 km in Morocco)
#: holds 256 zoom-16 tiles, a zoom-14 cell 16.
CELL_ZOOMS = (12, 14)
#: Tiles a cell must hold to be tested whole: testing a cell against the communes costs about what
#: testing a dozen points does, so the cells of sparse tiles (the countryside) are not worth it.
CELL_MIN_TILES = 12


def locate_tiles(
    x: np.ndarray,
    y: np.ndarray,
    zoom: np.ndarray,
    polygons: Any,
    *,
    tree: Any = None,
    lon: np.ndarray | None = None,
    lat: np.ndarray | None = None,
) -> np.ndarray:
    """
    Index of the polygon that holds each tile's centre (or the point `lon`, `lat` given for it, which
    must lie in the tile: Ookla's rounded `tile_x`, `tile_y`), or -1, as `locate` gives it, but faster
    where tiles are dense: tiles are grouped by their parent cell at zoom 12, then 14; a cell of at
    least `CELL_MIN_TILES` tiles lying wholly within one commune gives all its tiles to that commune at
    once, a cell that touches no commune drops them all (bounding-box candidates from the STRtree,
    then vectorised predicates on prepared polygons, over the few distinct cells), and the other
    tiles are tested point by point.
    """
    import shapely

    geoms = np.asarray(polygons)
    shapely.prepare(geoms)
    tree = tree if tree is not None else shapely.STRtree(geoms)
    out = np.full(len(x), -1, dtype=np.int64)
    pending = np.flatnonzero(zoom >= max(CELL_ZOOMS))
    rest = [np.flatnonzero(zoom < max(CELL_ZOOMS))]
    for cell_zoom in CELL_ZOOMS:
        if not len(pending):
            break
        shift = zoom[pending] - cell_zoom
        cell = ((x[pending] >> shift) << cell_zoom) | (y[pending] >> shift)
        cells, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
        dense = counts >= CELL_MIN_TILES
        owner = np.full(len(cells), -1, dtype=np.int64)
        owner[dense] = _cell_owners(cells[dense], cell_zoom, geoms, tree)
        found = owner[inverse]
        out[pending[found >= 0]] = found[found >= 0]
        rest.append(pending[(found == -1) & ~dense[inverse]])
        pending = pending[
            (found == -1) & dense[inverse]
        ]  # -2: the cell touches no commune, its tiles stay -1
    todo = np.sort(np.concatenate([*rest, pending]))
    if len(todo):
        if lon is None or lat is None:
            px, py = tile_centres(x[todo], y[todo], zoom[todo])
        else:
            px, py = lon[todo], lat[todo]
        out[todo] = locate(px, py, geoms, tree=tree)
    return out


def _cell_owners(cells: np.ndarray, cell_zoom: int, geoms: np.ndarray, tree: Any) -> np.ndarray:
    """For cells coded x << zoom | y: the polygon that holds each whole, -1 if a border crosses
    it, -2 if no polygon comes within the coastal tolerance of it."""
    import shapely

    cx, cy = cells >> cell_zoom, cells & ((1 << cell_zoom) - 1)
    n = float(1 << cell_zoom)

    def lat(row: np.ndarray) -> np.ndarray:
        return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * row / n))))

    west, south, east, north = cx / n * 360.0 - 180.0, lat(cy + 1), (cx + 1) / n * 360.0 - 180.0, lat(cy)
    boxes = shapely.box(west, south, east, north)
    # A cell at sea within the coastal tolerance of a commune is tested tile by tile, not dropped.
    m = margin_degrees()
    near = shapely.box(west - m, south - m, east + m, north + m)
    cell_index, polygon_index = tree.query(near)  # candidate pairs by bounding box
    touching = shapely.intersects(geoms[polygon_index], near[cell_index])
    whole = touching & shapely.contains_properly(geoms[polygon_index], boxes[cell_index])
    owner = np.full(len(cells), -2, dtype=np.int64)
    owner[cell_index[touching]] = -1
    owner[cell_index[whole]] = polygon_index[whole]
    return owner


#: Zoom of the quadkey prefixes that cover a bounding box: a zoom-10 cell is about 39 km wide, so the
#: prefixes of Morocco's box are about 2,000, tested per row as one hash lookup.
PREFIX_ZOOM = 10


def bounds_of(geometries: Any) -> Box:
    """The total bounds of a GeoDataFrame (the communes) as a west, south, east, north box."""
    west, south, east, north = (float(b) for b in geometries.total_bounds)
    return west, south, east, north


def box_prefixes(box: Box, *, zoom: int = PREFIX_ZOOM) -> list[str]:
    """Quadkey prefixes (at `zoom`) of the cells that cover a west, south, east, north box, sorted."""
    west, south, east, north = box
    (x0, y0), (x1, y1) = (_tile_xy(lon, lat, zoom) for lon, lat in ((west, north), (east, south)))
    x, y = np.meshgrid(np.arange(x0, x1 + 1), np.arange(y0, y1 + 1))
    bits = np.arange(zoom - 1, -1, -1)
    digits = ((x.ravel()[:, None] >> bits) & 1) + 2 * ((y.ravel()[:, None] >> bits) & 1)
    return sorted((digits.astype(np.uint8) + 48).view(f"S{zoom}").ravel().astype(str))


def _tile_xy(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    rad = np.radians(lat)
    y = (1.0 - np.log(np.tan(rad) + 1.0 / np.cos(rad)) / np.pi) / 2.0 * n
    return int(np.clip((lon + 180.0) / 360.0 * n, 0, n - 1)), int(np.clip(y, 0, n - 1))


def prefix_ranges(prefixes: list[str]) -> list[tuple[str, str]]:
    """The keys under sorted prefixes as few inclusive (first, last) ranges of 16-digit quadkeys:
    neighbouring prefixes merge, so a row group's quadkey statistics can be tested against them."""
    zoom = len(prefixes[0])
    numbers = [int(p, 4) for p in prefixes]
    ranges: list[list[int]] = []
    for n in numbers:
        if ranges and ranges[-1][1] == n - 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])

    def key(n: int, fill: str) -> str:
        return np.base_repr(n, 4).zfill(zoom) + fill * (ZOOM - zoom)

    return [(key(a, "0"), key(b, "3")) for a, b in ranges]


def quadkeys_at(lon: np.ndarray, lat: np.ndarray, *, zoom: int = 16) -> np.ndarray:
    """Quadkeys of the zoom-`zoom` tiles that hold points (to make test and benchmark files)."""
    lon, lat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    n = 2**zoom
    x = np.clip(((lon + 180.0) / 360.0 * n).astype(np.int64), 0, n - 1)
    rad = np.radians(lat)
    y = np.clip(
        ((1.0 - np.log(np.tan(rad) + 1.0 / np.cos(rad)) / np.pi) / 2.0 * n).astype(np.int64), 0, n - 1
    )
    bits = np.arange(zoom - 1, -1, -1, dtype=np.int64)
    digits = ((x[:, None] >> bits) & 1) + 2 * ((y[:, None] >> bits) & 1)
    return np.asarray((digits.astype(np.uint8) + 48).view(f"S{zoom}").ravel().astype(str))


def tile_bounds(x: np.ndarray, y: np.ndarray, zoom: np.ndarray) -> tuple[np.ndarray, ...]:
    """West, south, east and north (EPSG:4326) of web-Mercator tiles."""
    n = np.exp2(zoom.astype("float64"))

    def lat(row: np.ndarray) -> np.ndarray:
        return np.asarray(np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * row / n)))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def tile_polygons_wkt(quadkeys: np.ndarray) -> np.ndarray:
    """WKT of the tiles of quadkeys, as Ookla writes the `tile` column."""
    x, y, zoom, _ = quadkey_tiles(quadkeys)
    w, south, e, north = tile_bounds(x, y, zoom)
    return np.array(
        [
            f"POLYGON(({a:.8f} {s:.8f}, {b:.8f} {s:.8f}, {b:.8f} {t:.8f}, {a:.8f} {t:.8f}, {a:.8f} {s:.8f}))"
            for a, b, s, t in zip(w, e, south, north, strict=True)
        ],
        dtype=object,
    )
