"""
Web-Mercator tile geometry for Ookla's quadkeys: keys to tiles and back, tile centres and bounds, the
quadkey prefixes and ranges that cover a bounding box, and the polygon that holds each tile's centre
(`observatory.placement.locate`: a centre just off the coast goes to the nearest coastal commune).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from observatory.placement import locate

if TYPE_CHECKING:
    from .ookla_grid import TileGrid

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
    sized = pc.fill_null(pc.equal(pc.binary_length(text), ZOOM), False)
    # Every key made 16 bytes long, so the string array's data buffer is the byte matrix itself, read
    # as two little-endian 64-bit words a key.
    fixed = (text if sized.false_count == 0 else pc.if_else(sized, text, "0" * ZOOM)).cast(pa.string())
    start = int(np.frombuffer(fixed.buffers()[1], dtype=np.int32)[fixed.offset])
    raw = np.frombuffer(fixed.buffers()[2], dtype=np.uint8)[start : start + ZOOM * len(fixed)]
    words = np.ascontiguousarray(raw.view("<u8").reshape(len(fixed), 2).T)  # aligned, a row per word
    # The digits "0" to "3" are the bytes 0x30 to 0x33: the two low bits are the digit's.
    digits = ((words & np.uint64(0xFCFCFCFCFCFCFCFC)) == np.uint64(0x3030303030303030)).all(axis=0)
    valid = sized.to_numpy(zero_copy_only=False) & digits

    def number(low_bits: np.ndarray) -> np.ndarray:
        """The low bit of each byte of the two words, the first byte most significant, as 16 bits:
        a multiplication moves the bit of byte i to bit 63 - i, without carries."""
        spread = np.uint64(0x0101010101010101)
        magic = np.uint64(0x8040201008040201)
        with np.errstate(over="ignore"):
            high, low = ((low_bits & spread) * magic >> np.uint64(56)).astype(np.int64)
        return np.asarray((high << 8) | low)

    x = np.where(valid, number(words), -1)
    y = np.where(valid, number(words >> np.uint64(1)), -1)
    return x, y, np.full(len(fixed), ZOOM, dtype=np.int64), valid


def tile_centres(x: np.ndarray, y: np.ndarray, zoom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (EPSG:4326) of the centre of web-Mercator tiles."""
    n = np.exp2(zoom.astype("float64"))
    lon = (x + 0.5) / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * (y + 0.5) / n))))
    return lon, lat


def locate_tiles(
    x: np.ndarray,
    y: np.ndarray,
    zoom: np.ndarray,
    polygons: Any,
    *,
    tree: Any = None,
    lon: np.ndarray | None = None,
    lat: np.ndarray | None = None,
    grid: TileGrid | None = None,
) -> np.ndarray:
    """
    Index of the polygon that holds each tile's centre (or the point `lon`, `lat` given for it, which
    must lie in the tile: Ookla's rounded `tile_x`, `tile_y`), or -1, as `locate` gives it, but
    looked up on the polygons' grid of zoom-16 tiles (`ookla_grid.tile_grid`, built once for a set of
    communes and cached) where a tile lies wholly inside one commune or far from all; the tiles an
    outline crosses or the coast is near, and tiles of another zoom, are tested point by point.
    """
    geoms = np.asarray(polygons)
    if lon is None or lat is None:
        lon, lat = tile_centres(x, y, zoom)
    out = np.full(len(x), -1, dtype=np.int64)
    if not len(x):
        return out
    import shapely

    from .ookla_grid import tile_grid

    tree = tree if tree is not None else shapely.STRtree(geoms)
    ours = zoom == ZOOM
    grid = grid if grid is not None else tile_grid(geoms)
    out[ours] = grid.locate(x[ours], y[ours], lon[ours], lat[ours], geoms, tree=tree)
    if not ours.all():
        out[~ours] = locate(lon[~ours], lat[~ours], geoms, tree=tree)
    return out


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
