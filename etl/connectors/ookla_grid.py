"""
Which commune holds each zoom-16 tile of Morocco, worked out once for a set of commune polygons and
kept (in memory, and on disk in the user's cache folder), so that placing a quarter's tiles is an
array lookup: Ookla's tiles form a regular grid in web-Mercator, and most of them lie wholly inside
one commune or far from every one.

The grid holds, for every tile of the communes' bounding box (plus a margin), the index of the
polygon whose interior holds the whole tile, `FAR` if the tile is more than the coastal tolerance
from every polygon, or `EXACT` if a polygon's outline crosses or touches the tile, or the tile is
within the tolerance of the coast: those tiles are placed point by point by
`observatory.placement.locate`, so that every tile gets the commune the point-in-polygon test gives
its centre. The grid is built with a scanline over the tile centres' rows (even-odd rule, on the
polygons' own edges in degrees) and the outlines drawn on the grid through every tile they touch.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from observatory.placement import COAST_TOLERANCE_KM, locate
from observatory.settings import user_cache

from .quadkeys import ZOOM, tile_centres

log = logging.getLogger(__name__)

#: A tile placed point by point: an outline crosses or touches it, or the coast is within the tolerance.
EXACT = -2
#: A tile farther than the coastal tolerance from every commune: in none.
FAR = -1
#: Tiles of margin around the communes' bounding box, beyond the coastal tolerance.
EDGE_TILES = 8
#: The narrowest a zoom-16 tile is on the ground in Morocco, either way (m): 611.5 m × cos 36° on the
#: sphere, 493.6 m north-south on the ellipsoid, whose meridians curve less there.
MIN_TILE_M = 490.0
#: Tiles (either way) within which a tile may hold a point within `COAST_TOLERANCE_KM` of a commune:
#: 2 km is under 4.1 tiles, so such a point and the commune's are at most 5 tiles' index apart.
COAST_TILES = int(COAST_TOLERANCE_KM * 1000.0 / MIN_TILE_M) + 1
#: Bumped when the way a grid is built changes, so that a grid cached by older code is not read.
VERSION = 1

_memory: dict[str, TileGrid] = {}


@dataclass(frozen=True)
class TileGrid:
    """
    A polygon index (or `FAR`, `EXACT`) for every zoom-16 tile from column `x0`, row `y0`; and for
    the `EXACT` tiles (their flat indices in `exact`, sorted), the polygon that holds the point
    Ookla's files give for them, the centre rounded to 4 decimals (`at_rounded`, -1 if none).
    """

    x0: int
    y0: int
    owner: np.ndarray
    exact: np.ndarray
    at_rounded: np.ndarray

    def locate(
        self,
        x: np.ndarray,
        y: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        polygons: Any,
        *,
        tree: Any = None,
    ) -> np.ndarray:
        """
        Index of the polygon that holds each zoom-16 tile `x`, `y` (or its point `lon`, `lat`, which
        lies in the tile), or -1, as `locate` gives it: looked up on the grid; where the grid says
        `EXACT`, the answer kept for the tile's rounded centre if that is the point, else `locate`.
        """
        height, width = self.owner.shape
        col, row = x - self.x0, y - self.y0
        within = (col >= 0) & (col < width) & (row >= 0) & (row < height)
        out = np.full(len(x), FAR, dtype=np.int64)
        out[within] = self.owner[row[within], col[within]]
        todo = np.flatnonzero(out == EXACT)
        if len(todo):
            at = np.searchsorted(self.exact, row[todo] * width + col[todo])
            rounded_lon, rounded_lat = rounded_centres(x[todo], y[todo])
            known = (lon[todo] == rounded_lon) & (lat[todo] == rounded_lat)
            out[todo[known]] = self.at_rounded[at[known]]
            rest = todo[~known]
            if len(rest):
                out[rest] = locate(lon[rest], lat[rest], polygons, tree=tree)
        return out


def rounded_centres(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The centres of zoom-16 tiles rounded to 4 decimals, as Ookla's `tile_x`, `tile_y` give them."""
    lon, lat = tile_centres(x, y, np.full(len(x), ZOOM))
    return np.round(lon, 4), np.round(lat, 4)


def tile_grid(polygons: Any, *, cache: Path | None = None) -> TileGrid:
    """
    The grid of `polygons` (EPSG:4326): from this process's memory, else from the cache folder
    (`cache`, by default the user's: `$XDG_CACHE_HOME/observatory`), else built and saved there. A
    grid is named by a fingerprint of the polygons and the coastal tolerance, so new communes (or a
    new tolerance) get a new grid.
    """
    key = fingerprint(polygons)
    grid = _memory.get(key)
    if grid is not None:
        return grid
    folder = cache if cache is not None else user_cache()
    path = folder / f"ookla-grid-{key}.npy"
    grid = _read(path)
    if grid is None:
        grid = build_grid(polygons)
        _write(path, grid)
    _memory.clear()  # one set of communes at a time: a grid is 20 MB
    _memory[key] = grid
    return grid


def fingerprint(polygons: Any) -> str:
    """A name for a set of polygons that changes when any vertex moves: a digest of each polygon's
    number of coordinates, bounds, area and perimeter (computed without copying the coordinates), and
    of the coastal tolerance the grid applies."""
    import shapely

    geoms = np.asarray(polygons)
    digest = hashlib.sha1(shapely.get_num_coordinates(geoms).astype("int64").tobytes())
    for measure in (shapely.bounds(geoms), shapely.area(geoms), shapely.length(geoms)):
        digest.update(np.ascontiguousarray(measure, dtype="float64").tobytes())
    digest.update(np.float64(COAST_TOLERANCE_KM).tobytes())
    return f"v{VERSION}-{len(geoms)}-{digest.hexdigest()[:24]}"


FIELDS = ("x0", "y0", "owner", "exact", "at_rounded")


def _read(path: Path) -> TileGrid | None:
    """A saved grid, its arrays mapped from the file rather than read (a load touches a few pages)."""
    arrays: list[np.ndarray] = []
    try:
        with path.open("rb") as handle:
            for _ in FIELDS:
                header = (
                    np.lib.format.read_array_header_1_0
                    if np.lib.format.read_magic(handle) == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, fortran, dtype = header(handle)
                offset = handle.tell()
                if fortran or dtype.hasobject:
                    return None
                arrays.append(np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape))
                handle.seek(offset + arrays[-1].nbytes)
    except (OSError, ValueError, EOFError):
        return None
    return TileGrid(int(arrays[0]), int(arrays[1]), *arrays[2:])


def _write(path: Path, grid: TileGrid) -> None:
    """Save a grid atomically; a cache folder that cannot be written only costs the next run a build."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            for field in FIELDS:
                np.save(handle, np.asarray(getattr(grid, field)))
        tmp.replace(path)
    except OSError as err:
        log.info("the tile grid could not be cached in %s (%s): it is rebuilt next time", path.parent, err)


def _tile_x(lon: np.ndarray) -> np.ndarray:
    return np.asarray((lon + 180.0) / 360.0 * float(1 << ZOOM))


def _tile_y(lat: np.ndarray) -> np.ndarray:
    rad = np.radians(lat)
    return np.asarray((1.0 - np.arcsinh(np.tan(rad)) / np.pi) / 2.0 * float(1 << ZOOM))


def build_grid(polygons: Any) -> TileGrid:
    """The grid of `polygons`."""
    import shapely

    geoms = np.asarray(polygons)
    west, south, east, north = shapely.total_bounds(geoms)
    x0 = int(np.floor(_tile_x(np.array(west)))) - EDGE_TILES
    y0 = int(np.floor(_tile_y(np.array(north)))) - EDGE_TILES
    width = int(np.floor(_tile_x(np.array(east)))) + EDGE_TILES + 1 - x0
    height = int(np.floor(_tile_y(np.array(south)))) + EDGE_TILES + 1 - y0
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, point_of = shapely.get_coordinates(rings, return_index=True)
    # Every edge of every ring, with the polygon it bounds.
    same = point_of[1:] == point_of[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    owner = part_of[ring_of[point_of[:-1][same]]]
    ax, ay = _tile_x(a[:, 0]) - x0, _tile_y(a[:, 1]) - y0
    bx, by = _tile_x(b[:, 0]) - x0, _tile_y(b[:, 1]) - y0
    count, label = _scanline(a, b, ay, by, owner, x0=x0, y0=y0, shape=(height, width))
    border = _outlines(ax, ay, bx, by, shape=(height, width))
    land = (count > 0) | border
    near = _window_any(land, COAST_TILES)
    grid = np.full((height, width), FAR, dtype=np.int16 if len(geoms) < 2**15 else np.int32)
    alone = (count == 1) & ~border
    grid[alone] = label[alone] - 1
    grid[~alone & near] = EXACT
    exact = np.flatnonzero(grid == EXACT)
    lon, lat = rounded_centres(exact % width + x0, exact // width + y0)
    tree = shapely.STRtree(geoms)
    at_rounded = np.concatenate(
        [
            locate(lon[i : i + EXACT_BATCH], lat[i : i + EXACT_BATCH], geoms, tree=tree)
            for i in range(0, len(lon), EXACT_BATCH)
        ]
        or [np.zeros(0, dtype=np.int64)]
    ).astype(grid.dtype)
    return TileGrid(x0=x0, y0=y0, owner=grid, exact=exact, at_rounded=at_rounded)


def _scanline(
    a: np.ndarray,
    b: np.ndarray,
    ay: np.ndarray,
    by: np.ndarray,
    owner: np.ndarray,
    *,
    x0: int,
    y0: int,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """How many polygons hold each tile's centre, and the sum of their indices plus one (the index
    where one does): each edge cut with the rows of centres it spans (half-open, so that a vertex on
    a row counts once), the cuts paired per polygon and row (even-odd), the spans summed by rows."""
    height, width = shape
    low = np.ceil(np.minimum(ay, by) - 0.5).astype(np.int64)
    rows = np.ceil(np.maximum(ay, by) - 0.5).astype(np.int64) - low
    edge = np.repeat(np.arange(len(rows)), rows)
    row = low[edge] + np.arange(len(edge)) - np.repeat(np.cumsum(rows) - rows, rows)
    centre_lat = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * (row + y0 + 0.5) / float(1 << ZOOM)))))
    # Where the edge, straight in degrees, meets the row's latitude, in tiles from column x0.
    ea, eb = a[edge], b[edge]
    lon = ea[:, 0] + (centre_lat - ea[:, 1]) * (eb[:, 0] - ea[:, 0]) / (eb[:, 1] - ea[:, 1])
    col = _tile_x(lon) - x0
    polygon = owner[edge]
    order = np.lexsort((col, row, polygon))
    polygon, row, col = polygon[order], row[order], col[order]
    # Centres inside a span: column j (centre j + 0.5) with start < j + 0.5 < stop.
    first = np.clip(np.floor(col[0::2] - 0.5).astype(np.int64) + 1, 0, width)
    last = np.clip(np.ceil(col[1::2] - 0.5).astype(np.int64), 0, width)
    row, polygon = row[0::2], polygon[0::2]
    flat_first, flat_last = row * (width + 1) + first, row * (width + 1) + last
    size = height * (width + 1)
    count = np.zeros(size, dtype=np.int32)
    label = np.zeros(size, dtype=np.int32)
    np.add.at(count, flat_first, 1)
    np.add.at(count, flat_last, -1)
    np.add.at(label, flat_first, polygon + 1)
    np.add.at(label, flat_last, -(polygon + 1))
    count = np.cumsum(count.reshape(height, width + 1), axis=1, dtype=np.int32)[:, :width]
    label = np.cumsum(label.reshape(height, width + 1), axis=1, dtype=np.int32)[:, :width]
    return count, label


def _outlines(
    ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, *, shape: tuple[int, int]
) -> np.ndarray:
    """The tiles an edge crosses or touches: each edge cut in pieces at most half a tile long, each
    piece marking the (at most 2 × 2) tiles of its bounding box, widened by a hair for rounding."""
    height, width = shape
    out = np.zeros((height, width), dtype=bool)
    for start in range(0, len(ax), OUTLINE_EDGES):
        part = slice(start, start + OUTLINE_EDGES)
        _mark_edges(out, ax[part], ay[part], bx[part], by[part])
    return out


#: Rounded centres of `EXACT` tiles tested at once when a grid is built (bounds the memory).
EXACT_BATCH = 32_768
#: Edges drawn at once by `_outlines` (memory: about 200 bytes a piece, a few pieces an edge).
OUTLINE_EDGES = 131_072


def _mark_edges(out: np.ndarray, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray) -> None:
    height, width = out.shape
    pieces = np.ceil(2.0 * np.maximum(np.abs(bx - ax), np.abs(by - ay))).astype(np.int64) + 1
    edge = np.repeat(np.arange(len(pieces)), pieces)
    step = (np.arange(len(edge)) - np.repeat(np.cumsum(pieces) - pieces, pieces)) / pieces[edge]
    dx, dy = (bx - ax)[edge], (by - ay)[edge]
    x1, y1 = ax[edge] + step * dx, ay[edge] + step * dy
    step += 1.0 / pieces[edge]
    x2, y2 = ax[edge] + step * dx, ay[edge] + step * dy
    hair = 1e-6
    for xs in (np.minimum(x1, x2) - hair, np.maximum(x1, x2) + hair):
        for ys in (np.minimum(y1, y2) - hair, np.maximum(y1, y2) + hair):
            c = np.clip(np.floor(xs).astype(np.int64), 0, width - 1)
            r = np.clip(np.floor(ys).astype(np.int64), 0, height - 1)
            out[r, c] = True


def _window_any(mask: np.ndarray, k: int) -> np.ndarray:
    """Whether any cell of `mask` within `k` cells either way (a square window) is set, by a
    summed-area table."""
    height, width = mask.shape
    table = np.zeros((height + 1, width + 1), dtype=np.int32)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=table[1:, 1:])
    r0 = np.clip(np.arange(height) - k, 0, height)[:, None]
    r1 = np.clip(np.arange(height) + k + 1, 0, height)[:, None]
    c0 = np.clip(np.arange(width) - k, 0, width)[None, :]
    c1 = np.clip(np.arange(width) + k + 1, 0, width)[None, :]
    return np.asarray(table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0] > 0)
