"""
Ookla for Good open data (Speedtest® performance tiles) aggregated to communes.

The published files hold one row per zoom-16 web-Mercator tile and quarter, for fixed or mobile
networks: `quadkey`, `tile` (WKT polygon, EPSG:4326), `avg_d_kbps`, `avg_u_kbps`, `avg_lat_ms`,
`tests`, `devices`, as Parquet or as a zipped Shapefile. A row whose polygon is not the tile its
quadkey names is quarantined. Each tile is placed by the centre its quadkey encodes, found in a commune
polygon with one vectorised STRtree query, and the tiles' measurements are summed per commune, then per
province, région and the country, from which the test-weighted means and shares are computed. Tiles whose
centre is in no commune (the sea, neighbouring countries) are dropped and counted: tests read = tests assigned
+ tests dropped + tests in quarantined rows.

Licence: CC BY-NC-SA 4.0 (Speedtest® by Ookla® Global Fixed and Mobile Network Performance Maps),
carried in the `source` and `indicator` rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from observatory import disclosure
from observatory.errors import ValidationError
from observatory.registry import OOKLA_LICENCE

from ._common import (
    MAX_COUNT,
    IndicatorSpec,
    Rejects,
    dictionary_rows,
    indicator_rows,
    read_parquet,
    require_file,
    roll_up,
)

TYPES = ("fixed", "mobile")
COLUMNS = ("quadkey", "tile", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices")
REQUIRED = ("quadkey", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices")
PUBLISHER = "Ookla"
URL = "https://github.com/teamookla/ookla-open-data"
THRESHOLDS_MBPS = (10, 25)
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def indicator_specs(kind: str) -> list[IndicatorSpec]:
    """How the eight indicators of a quarter of `kind` (fixed or mobile) tiles are computed."""
    p = f"ookla_{kind}_"
    weighted = "test-weighted mean over the tiles whose centre lies in the unit"
    specs = [
        IndicatorSpec(p + "download_mbps", "connectivity", f"avg_d_kbps / 1000, {weighted}", "weighted_mean"),
        IndicatorSpec(p + "upload_mbps", "connectivity", f"avg_u_kbps / 1000, {weighted}", "weighted_mean"),
        IndicatorSpec(p + "latency_ms", "connectivity", f"avg_lat_ms, {weighted}", "weighted_mean"),
        IndicatorSpec(p + "tests", "connectivity", "sum of tests over the unit's tiles", "sum"),
        IndicatorSpec(
            p + "devices",
            "connectivity",
            "sum of devices over the unit's tiles",
            "sum",
            note="a device tested in two tiles counts twice: an upper bound of distinct devices",
        ),
        IndicatorSpec(
            p + "tiles",
            "connectivity",
            "zoom-16 tiles (about 600 m × 600 m) whose centre lies in the unit",
            "sum",
        ),
    ]
    specs += [
        IndicatorSpec(
            f"{p}tests_share_{mbps}mbps",
            "connectivity",
            f"share of the unit's tests made in tiles whose mean download is at least {mbps} Mbit/s",
            "weighted_mean",
        )
        for mbps in THRESHOLDS_MBPS
    ]
    return specs


# -- reading ---------------------------------------------------------------------------------------


def read_tiles(path: str | Path, *, crs: str | None = None) -> pd.DataFrame:
    """
    One Ookla file (Parquet, or a zipped Shapefile) as a frame with the published columns plus
    `source` and `row` (1-based row in the file). Columns keep their published names and types;
    cells are validated later, row by row.
    """
    path = require_file(path)
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        frame = read_parquet(path, remedy="download it again")
    elif name.endswith((".zip", ".shp")):
        frame = _read_shapefile(path, crs=crs)
    else:
        raise ValidationError(
            f"{path}: unsupported file type; give Ookla's .parquet or zipped Shapefile (.zip)"
        )
    _require_columns(path, list(frame.columns))
    out = pd.DataFrame({c: frame[c] for c in COLUMNS if c in frame.columns})
    if "tile" not in out.columns:
        out["tile"] = None
    out["source"] = path.name
    out["row"] = np.arange(1, len(out) + 1)
    return out


#: Zoom of the quadkey prefixes that cover a bounding box: a zoom-10 cell is about 39 km wide, so the
#: prefixes of Morocco's box are about 2,000, tested per row as one hash lookup.
PREFIX_ZOOM = 10
#: Rows per batch when a Parquet file is streamed: memory stays a few batches whatever the file's size.
BATCH_ROWS = 131_072


@dataclass
class Scan:
    """What a bounded read of one file kept (tiles in the box, and unreadable ones, with their file
    row numbers) and what it skipped unread or read only to count (rows and tests beyond the box)."""

    tiles: pd.DataFrame
    rows: int
    tests: float
    skipped_rows: int
    skipped_tests: float


def box_prefixes(box: tuple[float, float, float, float], *, zoom: int = PREFIX_ZOOM) -> list[str]:
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


def scan_parquet(path: Path, box: tuple[float, float, float, float], *, batch_rows: int = BATCH_ROWS) -> Scan:
    """
    An Ookla Parquet file read with bounded memory, keeping the tiles in a bounding box. Row groups
    whose quadkey statistics lie outside the box's quadkey ranges have only their `quadkey` and
    `tests` columns read (to count the tests and catch unreadable keys); the others are streamed in
    batches and filtered on the key's prefix, so a global file of millions of tiles costs a few
    batches of memory. Rows with an unreadable quadkey are kept for the quarantine. The centre test
    against the box itself is left to the caller (a prefix cell overhangs the box).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as err:
        raise ValidationError(
            f"{path}: not a readable Parquet file (truncated or corrupt: {err}); download it again"
        ) from err
    names = parquet.schema_arrow.names
    _require_columns(path, names)
    if not pa.types.is_string(parquet.schema_arrow.field("quadkey").type) and not pa.types.is_large_string(
        parquet.schema_arrow.field("quadkey").type
    ):
        whole = read_tiles(path)  # keys stored as numbers: every row is quarantined, none is skipped
        tests = float(pd.to_numeric(whole["tests"], errors="coerce").fillna(0).clip(lower=0).sum())
        return Scan(whole, len(whole), tests, 0, 0.0)
    prefixes = box_prefixes(box)
    ranges = prefix_ranges(prefixes)
    wanted = pa.array(prefixes)
    column = names.index("quadkey")
    columns = [c for c in COLUMNS if c in names]
    kept, offset, tests_total, skipped_rows, skipped_tests = [], 0, 0.0, 0, 0.0
    try:
        for group in range(parquet.num_row_groups):
            stats = parquet.metadata.row_group(group).column(column).statistics
            near = stats is None or not stats.has_min_max or _meets(stats.min, stats.max, ranges)
            for batch in parquet.iter_batches(
                batch_size=batch_rows, row_groups=[group], columns=columns if near else ["quadkey", "tests"]
            ):
                keys = batch.column("quadkey")
                readable = pc.fill_null(pc.match_substring_regex(keys, f"^[0-3]{{{ZOOM}}}$"), False)
                keep = pc.invert(readable)
                if near:
                    prefix = pc.utf8_slice_codeunits(keys, 0, PREFIX_ZOOM)
                    inside = pc.fill_null(pc.is_in(prefix, wanted), False)
                    keep = pc.or_(keep, pc.and_(readable, inside))
                keep = keep.to_numpy(zero_copy_only=False)
                tests = _tests(batch.column("tests"))
                tests_total += tests.sum()
                skipped_rows += int((~keep).sum())
                skipped_tests += tests[~keep].sum()
                if keep.any():
                    part = batch.filter(pa.array(keep)).to_pandas()
                    part["row"] = offset + 1 + np.flatnonzero(keep)
                    kept.append(part)
                offset += batch.num_rows
    except ValidationError:
        raise
    except Exception as err:
        raise ValidationError(
            f"{path}: not a readable Parquet file (truncated or corrupt: {err}); download it again"
        ) from err
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[*columns, "row"])
    out = pd.DataFrame({c: frame[c] if c in frame.columns else None for c in COLUMNS})
    out["source"] = path.name
    out["row"] = frame["row"].to_numpy(dtype="int64")
    return Scan(out, offset, float(tests_total), skipped_rows, float(skipped_tests))


#: How a Parquet file is read: streamed by pyarrow (the default), or by DuckDB.
ENGINES = ("pyarrow", "duckdb")


def scan(
    path: str | Path,
    box: tuple[float, float, float, float],
    *,
    crs: str | None = None,
    engine: str = "pyarrow",
) -> Scan:
    """One Ookla file, Parquet read with bounded memory (`scan_parquet`, or `scan_duckdb`) or a
    Shapefile read whole (a Shapefile has no row groups to skip)."""
    if engine not in ENGINES:
        raise ValidationError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}")
    path = require_file(path)
    if path.name.lower().endswith((".parquet", ".pq")):
        return scan_duckdb(path, box) if engine == "duckdb" else scan_parquet(path, box)
    tiles = read_tiles(path, crs=crs)
    tests = float(pd.to_numeric(tiles["tests"], errors="coerce").fillna(0).clip(lower=0).sum())
    return Scan(tiles, len(tiles), tests, 0, 0.0)


#: A quadkey Ookla could have written: 16 digits 0-3 (DuckDB's regular-expression form).
READABLE_SQL = "regexp_full_match(quadkey, '[0-3]{16}')"


def scan_duckdb(path: Path, box: tuple[float, float, float, float]) -> Scan:
    """
    `scan_parquet`'s result read by DuckDB: the tiles in the box's quadkey ranges (row groups
    outside them skipped by their statistics), the rows with an unreadable key, and the file's row
    and test counts, in three queries under DuckDB's memory limit.
    """
    from . import duckdb_engine as D

    con = D.connect()
    try:
        source = f"read_parquet({D.files_sql([path])}, file_row_number = true)"
        try:
            described = con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
        except Exception as err:
            raise ValidationError(
                f"{path}: not a readable Parquet file (truncated or corrupt: {err}); download it again"
            ) from err
        types = {name: kind for name, kind, *_ in described}
        _require_columns(path, [n for n in types if n != "file_row_number"])
        if types["quadkey"] != "VARCHAR":
            return scan_parquet(path, box)  # keys stored as numbers: every row is quarantined
        prefixes = box_prefixes(box)
        con.register("prefix", _prefix_table(prefixes))
        tests = "greatest(coalesce(try_cast(tests AS DOUBLE), 0), 0)"
        rows, tests_total = con.sql(f"SELECT count(*), coalesce(sum({tests}), 0) FROM {source}").fetchall()[0]
        columns = ", ".join(c for c in COLUMNS if c in types)
        kept = con.sql(
            f"SELECT {columns}, file_row_number + 1 AS row FROM {source} "
            f"WHERE {D.ranges_sql('quadkey', prefix_ranges(prefixes))} "
            f"AND substr(quadkey, 1, {PREFIX_ZOOM}) IN (SELECT p FROM prefix) AND {READABLE_SQL} "
            f"UNION ALL SELECT {columns}, file_row_number + 1 FROM {source} "
            f"WHERE quadkey IS NULL OR NOT {READABLE_SQL} ORDER BY row"
        ).to_arrow_table()
    finally:
        con.close()
    frame = kept.to_pandas()
    out = pd.DataFrame({c: frame[c] if c in frame.columns else None for c in COLUMNS})
    out["source"] = path.name
    out["row"] = frame["row"].to_numpy(dtype="int64")
    kept_tests = float(_tests(kept.column("tests")).sum())
    return Scan(out, int(rows), float(tests_total), int(rows) - len(out), float(tests_total) - kept_tests)


def _prefix_table(prefixes: list[str]) -> Any:
    import pyarrow as pa

    return pa.table({"p": pa.array(prefixes, pa.string())})


def quarter_sums(paths: list[str | Path], communes: pd.DataFrame, *, engine: str = "pyarrow") -> pd.DataFrame:
    """
    The additive commune sums (`SUMS`) of each file, for trends over many quarters: one row per
    file and commune (columns `source`, `code` and the sums). Rows with an unreadable key or number
    are left out, as the loader leaves them out, and a tile twice in one file counts once; the tile
    polygons are not read (the quadkey places the tile). With `engine="duckdb"` DuckDB reads every
    file in one query, skipping row groups outside Morocco, and sums per file and commune out of core
    under its memory limit; the distinct tiles it finds are placed once with shapely, whatever the
    number of quarters. With `"pyarrow"` each file is streamed (`scan_parquet`) in turn.
    """
    if engine not in ENGINES:
        raise ValidationError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}")
    paths = [require_file(p) for p in paths]
    box = tuple(float(b) for b in communes.total_bounds)
    if engine == "duckdb":
        return _quarter_sums_duckdb(paths, communes, box)
    parts = []
    for path in paths:
        tiles = scan_parquet(path, box).tiles.assign(tile=None)
        valid = validate_tiles(tiles, Rejects())
        lon, lat = tile_centres(valid["x"].to_numpy(), valid["y"].to_numpy(), valid["zoom"].to_numpy())
        west, south, east, north = box
        valid = valid.loc[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)]
        sums = assign_tiles(valid.reset_index(drop=True), communes).sums
        parts.append(sums.reset_index().assign(source=path.name))
    return pd.concat(parts, ignore_index=True)[["source", "code", *SUMS]]


def _quarter_sums_duckdb(
    paths: list[Path], communes: pd.DataFrame, box: tuple[float, float, float, float]
) -> pd.DataFrame:
    import pyarrow as pa

    from . import duckdb_engine as D

    prefixes = box_prefixes(box)
    numbers = " AND ".join(
        f"try_cast({c} AS DOUBLE) BETWEEN 0 AND {MAX_COUNT} AND NOT isnan(try_cast({c} AS DOUBLE))"
        + (
            f" AND try_cast({c} AS DOUBLE) = floor(try_cast({c} AS DOUBLE))"
            if c in ("tests", "devices")
            else ""
        )
        for c in ("tests", "devices", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms")
    )
    source = f"read_parquet({D.files_sql(paths)}, filename = true, file_row_number = true)"
    where = (
        f"{D.ranges_sql('quadkey', prefix_ranges(prefixes))} AND substr(quadkey, 1, {PREFIX_ZOOM}) IN "
        f"(SELECT p FROM prefix) AND {READABLE_SQL} AND {numbers}"
    )
    con = D.connect()
    try:
        con.register("prefix", _prefix_table(prefixes))
        keys = con.sql(f"SELECT DISTINCT quadkey FROM {source} WHERE {where}").to_arrow_table()
        keys = keys.column("quadkey").to_numpy(zero_copy_only=False)
        x, y, zoom, _ = quadkey_tiles(keys)
        where_ = np.full(len(keys), -1, dtype=np.int64)
        lon, lat = tile_centres(x, y, zoom)
        west, south, east, north = box
        in_box = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        where_[in_box] = locate_tiles(x[in_box], y[in_box], zoom[in_box], communes.geometry.values)
        placed = where_ >= 0
        con.register(
            "placed", pa.table({"quadkey": pa.array(keys[placed], pa.string()), "commune": where_[placed]})
        )
        d, t = "CAST(avg_d_kbps AS DOUBLE)", "CAST(tests AS DOUBLE)"
        sums = con.sql(
            f"""
            WITH rows AS (
                SELECT *, row_number() OVER (PARTITION BY filename, quadkey ORDER BY file_row_number) AS copy
                FROM {source} WHERE {where}
            )
            SELECT filename, commune, sum({t}) AS tests, sum(CAST(devices AS DOUBLE)) AS devices,
                count(*)::DOUBLE AS tiles, sum({d} * {t}) AS d_x_tests,
                sum(CAST(avg_u_kbps AS DOUBLE) * {t}) AS u_x_tests,
                sum(CAST(avg_lat_ms AS DOUBLE) * {t}) AS lat_x_tests,
                {
                ", ".join(
                    f"sum(CASE WHEN {d} >= {m * 1000} THEN {t} ELSE 0 END) AS tests_{m}mbps"
                    for m in THRESHOLDS_MBPS
                )
            }
            FROM rows JOIN placed USING (quadkey) WHERE copy = 1 GROUP BY filename, commune
            """
        ).to_df()
    finally:
        con.close()
    codes = communes["code"].to_numpy()
    sums["source"] = sums["filename"].map(lambda f: Path(f).name)
    full = pd.MultiIndex.from_product(
        [[p.name for p in paths], range(len(codes))], names=["source", "commune"]
    )
    out = sums.set_index(["source", "commune"])[list(SUMS)].reindex(full, fill_value=0.0).reset_index()
    out["code"] = codes[out["commune"].to_numpy()]
    return out[["source", "code", *SUMS]]


def _meets(low: str | bytes, high: str | bytes, ranges: list[tuple[str, str]]) -> bool:
    """Whether a row group's quadkeys, from `low` to `high`, may include a key in one of `ranges`."""
    low, high = (v.decode("ascii", "replace") if isinstance(v, bytes) else str(v) for v in (low, high))
    return any(lo <= high and low <= hi for lo, hi in ranges)


def _tests(cells: Any) -> np.ndarray:
    """The tests of a batch as float64, unreadable or negative ones as 0 (they are rejected later)."""
    values = pd.to_numeric(cells.to_pandas(), errors="coerce").to_numpy(dtype="float64")
    return np.nan_to_num(np.clip(values, 0, None), nan=0.0)


def _require_columns(path: Path, columns: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationError(
            f"{path}: missing column(s) {', '.join(missing)}; Ookla tiles have columns {', '.join(COLUMNS)}, "
            f"found {', '.join(map(str, columns))}",
            failures=[{"source": str(path), "column": m, "reason": "missing column"} for m in missing],
        )


def _read_shapefile(path: Path, *, crs: str | None) -> pd.DataFrame:
    import pyogrio

    target = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        layers = pyogrio.list_layers(target)
        info = pyogrio.read_info(target, layer=layers[0][0])
    except Exception as err:
        raise ValidationError(f"{path}: not a readable zipped Shapefile ({err})") from err
    if info.get("crs") is None and crs is None:
        raise ValidationError(
            f"{path}: the Shapefile has no .prj, so its coordinate system is unknown; put the .prj from "
            "Ookla's archive beside the .shp, or pass --crs EPSG:4326 if you know it is Ookla's"
        )
    frame = pyogrio.read_dataframe(target, layer=layers[0][0])
    if "tile" not in frame.columns and "geometry" in frame.columns:
        import shapely

        frame["tile"] = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


# -- locating --------------------------------------------------------------------------------------


ZOOM = 16
#: A tile's WKT may differ from the tile its quadkey names by this much (degrees, about 1 m) at any corner.
TILE_TOLERANCE_DEG = 1e-5


def quadkey_tiles(quadkeys: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """
    Tile x, y, zoom and a validity mask for an array of Ookla quadkeys (16 digits 0-3: zoom 16),
    decoded all at once on a byte matrix: each digit carries one bit of x (its low bit) and one of
    y (its high bit). A key stored as a number has lost its leading zeros, so it is invalid.
    """
    keys = pd.Series(quadkeys, copy=False)
    if not (pd.api.types.is_string_dtype(keys) or keys.dtype == object):
        keys = pd.Series(pd.NA, index=keys.index, dtype="str")
    keys = keys.astype("str")
    valid = keys.str.fullmatch(f"[0-3]{{{ZOOM}}}").fillna(False).to_numpy(dtype=bool)
    raw = np.asarray(keys.where(valid, "0" * ZOOM).to_numpy(dtype=object), dtype=f"S{ZOOM}")
    digits = raw.view(np.uint8).reshape(len(raw), ZOOM) - np.uint8(48)

    def number(bits: np.ndarray) -> np.ndarray:  # 16 bits, most significant first -> integer
        packed = np.packbits(bits, axis=1).astype(np.int64)
        return (packed[:, 0] << 8) | packed[:, 1]

    x = np.where(valid, number(digits & 1), -1)
    y = np.where(valid, number(digits >> 1), -1)
    return x, y, np.full(len(raw), ZOOM, dtype=np.int64), valid


def tile_centres(x: np.ndarray, y: np.ndarray, zoom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (EPSG:4326) of the centre of web-Mercator tiles."""
    n = np.exp2(zoom.astype("float64"))
    lon = (x + 0.5) / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * (y + 0.5) / n))))
    return lon, lat


def locate(lon: np.ndarray, lat: np.ndarray, polygons: Any, *, tree: Any = None) -> np.ndarray:
    """
    Index of the polygon that holds each point, or -1, all points at once: the STRtree gives the
    candidate (point, polygon) pairs by bounding box, then one vectorised `intersects_xy` over the
    pairs on prepared polygons (far faster than a predicate query, which tests pair by pair
    without preparing). A point on a shared border goes to the lowest polygon index.
    """
    import shapely

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
    return out


#: Zooms of the cells tested whole, coarse to fine: a zoom-12 cell (about 10 km × 8 km in Morocco)
#: holds 256 zoom-16 tiles, a zoom-14 cell 16.
CELL_ZOOMS = (12, 14)


def locate_tiles(
    x: np.ndarray, y: np.ndarray, zoom: np.ndarray, polygons: Any, *, tree: Any = None
) -> np.ndarray:
    """
    Index of the polygon that holds each tile's centre, or -1, as `locate` gives it, but faster:
    tiles are grouped by their parent cell at zoom 12, then 14; a cell lying wholly within one
    commune gives all its tiles to that commune at once, a cell that touches no commune drops them
    all (bounding-box candidates from the STRtree, then vectorised predicates on prepared polygons,
    over the few distinct cells), and only the tiles of zoom-14 cells crossed by a border are
    tested point by point.
    """
    import shapely

    geoms = np.asarray(polygons)
    shapely.prepare(geoms)
    tree = tree if tree is not None else shapely.STRtree(geoms)
    out = np.full(len(x), -1, dtype=np.int64)
    pending = np.flatnonzero(zoom >= max(CELL_ZOOMS))
    for cell_zoom in CELL_ZOOMS:
        if not len(pending):
            break
        shift = zoom[pending] - cell_zoom
        cell = ((x[pending] >> shift) << cell_zoom) | (y[pending] >> shift)
        cells, inverse = np.unique(cell, return_inverse=True)
        owner = _cell_owners(cells, cell_zoom, geoms, tree)
        found = owner[inverse]
        out[pending[found >= 0]] = found[found >= 0]
        pending = pending[found == -1]  # -2: the cell touches no commune, its tiles stay -1
    rest = np.union1d(pending, np.flatnonzero(zoom < max(CELL_ZOOMS)))
    if len(rest):
        lon, lat = tile_centres(x[rest], y[rest], zoom[rest])
        out[rest] = locate(lon, lat, geoms, tree=tree)
    return out


def _cell_owners(cells: np.ndarray, cell_zoom: int, geoms: np.ndarray, tree: Any) -> np.ndarray:
    """For cells coded x << zoom | y: the polygon that holds each whole, -1 if a border crosses
    it, -2 if it touches no polygon."""
    import shapely

    cx, cy = cells >> cell_zoom, cells & ((1 << cell_zoom) - 1)
    n = float(1 << cell_zoom)

    def lat(row: np.ndarray) -> np.ndarray:
        return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * row / n))))

    boxes = shapely.box(cx / n * 360.0 - 180.0, lat(cy + 1), (cx + 1) / n * 360.0 - 180.0, lat(cy))
    cell_index, polygon_index = tree.query(boxes)  # candidate pairs by bounding box
    touching = shapely.intersects(geoms[polygon_index], boxes[cell_index])
    whole = touching & shapely.contains_properly(geoms[polygon_index], boxes[cell_index])
    owner = np.full(len(cells), -2, dtype=np.int64)
    owner[cell_index[touching]] = -1
    owner[cell_index[whole]] = polygon_index[whole]
    return owner


# -- validating and aggregating ---------------------------------------------------------------------


def validate_tiles(tiles: pd.DataFrame, rejects: Rejects) -> pd.DataFrame:
    """The tiles whose every cell is usable, typed; the others go to `rejects` with their reason."""
    bad = np.zeros(len(tiles), dtype=bool)
    x, y, zoom, ok = quadkey_tiles(tiles["quadkey"])
    reason = np.where(ok, "", "invalid quadkey: expected 16 digits 0-3 as text (a zoom-16 tile)")
    _reject(rejects, tiles, ~ok & ~bad, "quadkey", reason)
    bad |= ~ok
    if tiles["tile"].notna().any():
        import shapely

        text = tiles["tile"].astype("string")
        geoms = shapely.from_wkt(text.fillna("").to_numpy(dtype=object), on_invalid="ignore")
        wkt_bad = text.notna().to_numpy() & (shapely.is_missing(geoms) | ~shapely.is_valid_input(geoms))
        wkt_bad |= text.notna().to_numpy() & ~np.isin(shapely.get_type_id(geoms), [3, 6])
        _reject(rejects, tiles, wkt_bad & ~bad, "tile", "invalid WKT: expected a POLYGON in EPSG:4326")
        bad |= wkt_bad
        # The quadkey places the tile; a polygon elsewhere means the row is corrupt, whichever is wrong.
        check = text.notna().to_numpy() & ~bad
        named = np.column_stack(tile_bounds(x[check], y[check], zoom[check]))
        drawn = shapely.bounds(geoms[check])
        elsewhere = np.zeros(len(tiles), dtype=bool)
        elsewhere[check] = np.abs(drawn - named).max(axis=1) > TILE_TOLERANCE_DEG
        if elsewhere.any():
            centre = shapely.centroid(geoms[elsewhere])
            qx, qy = tile_centres(x[elsewhere], y[elsewhere], zoom[elsewhere])
            why = np.full(len(tiles), "", dtype=object)
            why[elsewhere] = [
                f"tile WKT is not the tile its quadkey names: quadkey centre {a:.5f} {b:.5f}, WKT centre "
                f"{c:.5f} {d:.5f}"
                for a, b, c, d in zip(qx, qy, shapely.get_x(centre), shapely.get_y(centre), strict=True)
            ]
            _reject(rejects, tiles, elsewhere, "tile", why)
            bad |= elsewhere
    numbers = {}
    for column, whole in (
        ("tests", True),
        ("devices", True),
        ("avg_d_kbps", False),
        ("avg_u_kbps", False),
        ("avg_lat_ms", False),
    ):
        value = pd.to_numeric(tiles[column], errors="coerce").to_numpy(dtype="float64")
        why = np.where(np.isnan(value), "not a number", "")
        why = np.where(~np.isnan(value) & (value < 0), "negative value", why)
        if whole:
            why = np.where(~np.isnan(value) & (value >= 0) & (value % 1 != 0), "not a whole number", why)
        why = np.where(~np.isnan(value) & (value > MAX_COUNT), f"implausible value: above {MAX_COUNT:,}", why)
        failing = why != ""
        _reject(rejects, tiles, failing & ~bad, column, why)
        bad |= failing
        numbers[column] = value
    keep = ~bad
    # The same tile twice (two copies of a file, or overlapping files) would count its tests twice.
    keys = pd.Series(np.where(keep, tiles["quadkey"].astype(str), None))
    dup = keep & keys.duplicated(keep="first").to_numpy() & keys.notna().to_numpy()
    if dup.any():
        first = tiles.loc[keep & ~dup].assign(k=keys[keep & ~dup].to_numpy()).set_index("k")
        where = first.loc[keys[dup].to_numpy()]
        why = np.full(len(tiles), "", dtype=object)
        why[dup] = [
            f"duplicate tile: quadkey already in {s} row {r}"
            for s, r in zip(where["source"], where["row"], strict=True)
        ]
        _reject(rejects, tiles, dup, "quadkey", why)
        keep &= ~dup
    return pd.DataFrame(
        {
            "source": tiles["source"].to_numpy()[keep],
            "row": tiles["row"].to_numpy()[keep],
            "x": x[keep],
            "y": y[keep],
            "zoom": zoom[keep],
            **{c: v[keep] for c, v in numbers.items()},
        }
    )


def _reject(rejects: Rejects, tiles: pd.DataFrame, mask: np.ndarray, column: str, reason: Any) -> None:
    if mask.any():
        reason = reason[mask] if isinstance(reason, np.ndarray) else reason
        source = tiles["source"].to_numpy()[mask]
        for name in pd.unique(source):
            here = source == name
            rejects.add(
                name,
                tiles["row"].to_numpy()[mask][here],
                column,
                tiles[column].to_numpy()[mask][here],
                reason[here] if isinstance(reason, np.ndarray) else reason,
            )


SUMS = ("tests", "devices", "tiles", "d_x_tests", "u_x_tests", "lat_x_tests", "tests_10mbps", "tests_25mbps")


@dataclass
class Assignment:
    """Tiles placed in communes: additive sums per commune code, and where each tile went (-1: none)."""

    sums: pd.DataFrame
    where: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    @property
    def inside(self) -> np.ndarray:
        return self.where >= 0


def assign_tiles(tiles: pd.DataFrame, communes: pd.DataFrame, *, tree: Any = None) -> Assignment:
    """
    Sum validated tiles into the communes that hold their centres (vectorised: `locate_tiles`, then
    `np.bincount` per sum). Tiles in no commune get -1 and add to nothing.
    """
    x, y, zoom = tiles["x"].to_numpy(), tiles["y"].to_numpy(), tiles["zoom"].to_numpy()
    lon, lat = tile_centres(x, y, zoom)
    where = locate_tiles(x, y, zoom, communes.geometry.values, tree=tree)
    inside = where >= 0
    tests = tiles["tests"].to_numpy(dtype="float64")
    n = len(communes)
    idx = where[inside]

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(idx, weights=weights[inside], minlength=n)

    download = tiles["avg_d_kbps"].to_numpy(dtype="float64")
    sums = pd.DataFrame(
        {
            "tests": total(tests),
            "devices": total(tiles["devices"].to_numpy(dtype="float64")),
            "tiles": np.bincount(idx, minlength=n).astype("float64"),
            "d_x_tests": total(download * tests),
            "u_x_tests": total(tiles["avg_u_kbps"].to_numpy(dtype="float64") * tests),
            "lat_x_tests": total(tiles["avg_lat_ms"].to_numpy(dtype="float64") * tests),
            **{f"tests_{m}mbps": total(np.where(download >= m * 1000, tests, 0.0)) for m in THRESHOLDS_MBPS},
        },
        index=pd.Index(communes["code"].to_numpy(), name="code"),
    )
    return Assignment(sums=sums, where=where, lon=lon, lat=lat)


def indicator_values(
    sums: pd.DataFrame, communes: pd.DataFrame, *, kind: str, quarter: str, source_id: str, run_id: str
) -> pd.DataFrame:
    """The eight indicators at every level, from commune sums: means and shares weighted by tests."""
    rolled = roll_up(sums, communes).assign(period=quarter)
    tests = rolled["tests"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        per_test = {c: np.where(tests > 0, rolled[c].to_numpy() / tests, np.nan) for c in SUMS[3:]}
    suppressed = disclosure.suppressed(tests).astype("int64")
    p = f"ookla_{kind}_"
    values = {
        p + "download_mbps": per_test["d_x_tests"] / 1000.0,
        p + "upload_mbps": per_test["u_x_tests"] / 1000.0,
        p + "latency_ms": per_test["lat_x_tests"],
        p + "tests": tests,
        p + "devices": rolled["devices"].to_numpy(),
        p + "tiles": rolled["tiles"].to_numpy(),
        **{f"{p}tests_share_{m}mbps": per_test[f"tests_{m}mbps"] * 100.0 for m in THRESHOLDS_MBPS},
    }
    frames = [
        indicator_rows(
            rolled,
            indicator_id=i,
            value=pd.Series(np.round(v, 6)),
            status="measured",
            source_id=source_id,
            run_id=run_id,
            suppressed=suppressed,
        )
        for i, v in values.items()
    ]
    return pd.concat(frames, ignore_index=True)


def parse_quarter(text: str) -> str:
    """'2025Q2' (or '2025-q2', '2025-04-01', Ookla's file date) as 2025Q2."""
    text = str(text).strip().upper().replace("-Q", "Q").replace(" ", "")
    if QUARTER.match(text):
        return text
    m = re.match(r"^(\d{4})-(\d{2})(-\d{2})?$", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}Q{(int(m.group(2)) - 1) // 3 + 1}"
    raise ValidationError(f"period {text!r} is not a quarter: write it as YYYYQn, e.g. 2025Q2")


def infer(paths: list[Path], *, kind: str | None, quarter: str | None) -> tuple[str, str]:
    """Type and quarter from the options or, failing that, from Ookla's file names
    (`2025-04-01_performance_fixed_tiles.parquet`)."""
    kinds, quarters = set(), set()
    for path in paths:
        m = re.search(r"(\d{4}-\d{2}-\d{2})_performance_(fixed|mobile)_tiles", path.name)
        if m:
            quarters.add(parse_quarter(m.group(1)))
            kinds.add(m.group(2))
    if kind is None:
        if len(kinds) != 1:
            raise ValidationError(
                "cannot tell fixed from mobile tiles from the file names "
                f"({', '.join(p.name for p in paths)}); pass --type fixed or --type mobile"
            )
        kind = kinds.pop()
    if kind not in TYPES:
        raise ValidationError(f"unknown --type {kind!r}: use fixed or mobile")
    if quarter is None:
        if len(quarters) != 1:
            raise ValidationError(
                f"cannot tell the quarter from the file names ({', '.join(p.name for p in paths)}); "
                "pass --quarter YYYYQn, e.g. --quarter 2025Q2"
            )
        quarter = quarters.pop()
    return kind, parse_quarter(quarter)


def source_row(kind: str, quarter: str, inputs: list[dict[str, Any]], retrieved_at: str) -> pd.DataFrame:
    import hashlib

    digest = (
        inputs[0]["sha256"]
        if len(inputs) == 1
        else hashlib.sha256("".join(sorted(i["sha256"] for i in inputs)).encode()).hexdigest()
    )
    return pd.DataFrame(
        [
            {
                "source_id": f"ookla-{kind}-{quarter}",
                "title": f"Ookla for Good open data: {kind} network performance tiles, {quarter}",
                "publisher": PUBLISHER,
                "url": URL,
                "sha256": digest,
                "licence": OOKLA_LICENCE,
                "retrieved_at": retrieved_at,
            }
        ]
    )


# -- loading ---------------------------------------------------------------------------------------


def load(
    paths: list[str | Path],
    *,
    db: Any,
    kind: str | None = None,
    quarter: str | None = None,
    crs: str | None = None,
    engine: str = "pyarrow",
) -> dict[str, Any]:
    """
    Load Ookla tile files for one quarter and type into a built database: replaces any values of
    that quarter and type (loading the same files again changes nothing), in one transaction.
    Returns the run's figures. `engine` reads Parquet files with pyarrow or DuckDB (`ENGINES`).
    """
    from observatory.provenance import RunRecord, code_version, now

    from ._common import commune_frame, write_load

    paths = [Path(p) for p in paths]
    kind, quarter = infer(paths, kind=kind, quarter=quarter)
    db.require()
    communes = commune_frame(db)
    run = RunRecord(job=f"load ookla {kind} {quarter}", build_id="", version=code_version())
    result = aggregate_files(paths, communes, kind=kind, quarter=quarter, run=run, crs=crs, engine=engine)
    specs = indicator_specs(kind)
    source_id = f"ookla-{kind}-{quarter}"
    write_load(
        db,
        run=run,
        values=result.pop("values"),
        replace={"indicator_id": [s.indicator_id for s in specs], "period": [quarter]},
        dictionary=dictionary_rows(specs, years=[int(quarter[:4])], dataset="ookla", source_id=source_id),
        sources=source_row(kind, quarter, run.inputs, now()),
    )
    return result


def aggregate_files(
    paths: list[Path],
    communes: pd.DataFrame,
    *,
    kind: str,
    quarter: str,
    run: Any,
    crs: str | None = None,
    engine: str = "pyarrow",
) -> dict[str, Any]:
    """
    Read, validate, place and aggregate tile files; records inputs, counts and rejects on `run`.

    Tiles whose centre lies outside Morocco's bounding box (a global file holds millions) are
    skipped as if the file had been clipped, and counted; tiles inside the box but in no commune
    (the sea, a border strip) are quarantined one by one. So rows_read (tiles in the box and
    unreadable tiles) = rows_loaded + rows_quarantined, and the tests add up:
    tests read = tests assigned + tests dropped (skipped or outside) + tests in rejected rows.
    """
    rejects = Rejects()
    box = tuple(float(b) for b in communes.total_bounds)
    scans = []
    for path in paths:
        run.add_input(path.name, path=path, kind=kind, quarter=quarter)
        scans.append(scan(path, box, crs=crs, engine=engine))
    tiles = pd.concat([s.tiles for s in scans], ignore_index=True)
    rows_read = sum(s.rows for s in scans)
    tests_read = sum(s.tests for s in scans)
    valid = validate_tiles(tiles, rejects)
    lon, lat = tile_centres(valid["x"].to_numpy(), valid["y"].to_numpy(), valid["zoom"].to_numpy())
    west, south, east, north = box
    in_box = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    skipped_rows = sum(s.skipped_rows for s in scans) + int((~in_box).sum())
    skipped_tests = sum(s.skipped_tests for s in scans) + float(valid.loc[~in_box, "tests"].sum())
    valid = valid.loc[in_box].reset_index(drop=True)
    assignment = assign_tiles(valid, communes)
    outside = valid.loc[~assignment.inside].assign(
        centre=[
            f"centre {x:.5f} {y:.5f}"
            for x, y in zip(
                assignment.lon[~assignment.inside], assignment.lat[~assignment.inside], strict=True
            )
        ]
    )
    for name, part in outside.groupby("source", sort=True):
        rejects.add(
            name,
            part["row"].to_numpy(),
            "quadkey",
            part["centre"].to_numpy(),
            "outside Morocco: the tile centre is in no commune (dropped, tests counted)",
        )
    values = indicator_values(
        assignment.sums,
        communes,
        kind=kind,
        quarter=quarter,
        source_id=f"ookla-{kind}-{quarter}",
        run_id=run.run_id,
    )
    quarantined = rejects.frame()
    tests_assigned = float(assignment.sums["tests"].sum())
    tests_dropped = float(skipped_tests + outside["tests"].sum())
    tests_rejected = tests_read - tests_assigned - tests_dropped
    run.quarantine(quarantined)
    run.count(read=rows_read - skipped_rows, loaded=int(assignment.inside.sum()))
    summary = {
        "type": kind,
        "quarter": quarter,
        "files": len(paths),
        "tiles_read": rows_read,
        "tiles_assigned": int(assignment.inside.sum()),
        "tiles_skipped_outside_box": skipped_rows,
        "tiles_dropped_outside": len(outside),
        "tiles_quarantined": len(quarantined) - len(outside),
        "tests_read": tests_read,
        "tests_assigned": tests_assigned,
        "tests_dropped": tests_dropped,
        "tests_in_rejected_rows": tests_rejected,
        "communes_with_tests": int((assignment.sums["tests"] > 0).sum()),
    }
    run.message = (
        f"{rows_read} tiles read from {len(paths)} file(s): {summary['tiles_assigned']} assigned to "
        f"{summary['communes_with_tests']} communes, {skipped_rows + len(outside)} outside Morocco dropped "
        f"({skipped_rows} beyond its bounding box), {summary['tiles_quarantined']} rejected; tests "
        f"{tests_read:.0f} = {tests_assigned:.0f} assigned + {tests_dropped:.0f} dropped + "
        f"{tests_rejected:.0f} in rejected rows"
    )
    return {**summary, "values": values}


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
    return (digits.astype(np.uint8) + 48).view(f"S{zoom}").ravel().astype(str)


def tile_bounds(x: np.ndarray, y: np.ndarray, zoom: np.ndarray) -> tuple[np.ndarray, ...]:
    """West, south, east and north (EPSG:4326) of web-Mercator tiles."""
    n = np.exp2(zoom.astype("float64"))

    def lat(row: np.ndarray) -> np.ndarray:
        return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * row / n))))

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
