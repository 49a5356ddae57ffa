"""
Reading Ookla's tile files: a Parquet file streamed with bounded memory (pyarrow or DuckDB) keeping the
tiles of a bounding box, or a zipped Shapefile read whole, with the published columns plus `source` and
`row`. Files since 2023 carry each tile's centre (`tile_x`, `tile_y`, degrees): the box is then a filter
on those two numbers, as a user would write it, and the `tile` WKT is not read; older files are
filtered on the quadkey's prefix. Cells are validated later (`ookla.validate_tiles`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from observatory.errors import ValidationError

from ._common import read_parquet, require_file
from .quadkeys import PREFIX_ZOOM, ZOOM, Box, box_prefixes, prefix_ranges

COLUMNS = ("quadkey", "tile", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices")
REQUIRED = ("quadkey", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices")
#: The tile's centre, longitude and latitude in degrees rounded to 4 decimals (Ookla's files since 2023).
CENTRES = ("tile_x", "tile_y")
#: Rows per batch when a Parquet file is streamed: memory stays a few batches whatever the file's size.
BATCH_ROWS = 131_072


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
    out = pd.DataFrame({c: frame[c] for c in (*COLUMNS, *CENTRES) if c in frame.columns})
    if "tile" not in out.columns:
        out["tile"] = None
    out["source"] = path.name
    out["row"] = np.arange(1, len(out) + 1)
    return out


@dataclass
class Scan:
    """What a bounded read of one file kept (tiles in the box, and unreadable ones, with their file
    row numbers) and what it skipped unread or read only to count (rows and tests beyond the box)."""

    tiles: pd.DataFrame
    rows: int
    tests: float
    skipped_rows: int
    skipped_tests: float


def scan_parquet(path: Path, box: Box, *, batch_rows: int = BATCH_ROWS) -> Scan:
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
    if all(pa.types.is_floating(parquet.schema_arrow.field(c).type) for c in CENTRES if c in names) and all(
        c in names for c in CENTRES
    ):
        return _scan_centres(parquet, path, box)
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
                batch_tests = _tests(batch.column("tests"))
                tests_total += batch_tests.sum()
                skipped_rows += int((~keep).sum())
                skipped_tests += batch_tests[~keep].sum()
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


#: Rows of a file's row groups read at once when filtering on the tiles' centres (16 bytes a row).
CENTRE_ROWS = 2_097_152


def _scan_centres(parquet: Any, path: Path, box: Box) -> Scan:
    """
    `scan_parquet` for a file with `tile_x`/`tile_y`: the row groups whose statistics (centres, or
    quadkeys) rule out the box have only `tests` read, to count them, on a thread of their own (Arrow
    releases the GIL); the others have their centres read, a few row groups at a time, and only the
    rows inside the box (or with no centre, kept for the quarantine) have their other columns read.
    The `tile` WKT is never read: the quadkey names the tile, and the validation checks that the
    centre is in it.
    """
    meta = parquet.metadata
    names = parquet.schema_arrow.names
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    west, south, east, north = box
    bounds, ranges = [(west, east), (south, north)], prefix_ranges(box_prefixes(box))
    near = [g for g in range(len(sizes)) if _may_hold(meta.row_group(g), names, bounds, ranges)]
    far = sorted(set(range(len(sizes))) - set(near))

    def count_far() -> float:
        import pyarrow.parquet as pq

        # A reader of its own: one Parquet reader read from two threads at once can crash Arrow.
        own = pq.ParquetFile(path)
        return sum(
            (
                _tests_sum(own.read_row_groups(part, columns=["tests"], use_threads=False)["tests"])
                for part in _chunks(far, sizes)
            ),
            0.0,
        )

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            counted = pool.submit(count_far)
            frame, near_tests, kept_tests = _read_near(parquet, near, sizes, box)
            tests_total = near_tests + counted.result()
    except Exception as err:
        raise ValidationError(
            f"{path}: not a readable Parquet file (truncated or corrupt: {err}); download it again"
        ) from err
    out = pd.DataFrame({c: frame[c] if c in frame.columns else None for c in (*COLUMNS, *CENTRES)})
    out["source"] = path.name
    out["row"] = frame["row"].to_numpy(dtype="int64")
    rows_total = sum(sizes)
    return Scan(out, rows_total, float(tests_total), rows_total - len(out), float(tests_total - kept_tests))


def _read_near(
    parquet: Any, groups: list[int], sizes: list[int], box: Box
) -> tuple[pd.DataFrame, float, float]:
    """The rows of `groups` whose centre is in the box or missing, with their 1-based file `row`; the
    tests of the groups and of the rows kept."""
    import pyarrow as pa

    west, south, east, north = box
    names = parquet.schema_arrow.names
    columns = [c for c in (*COLUMNS, *CENTRES) if c in names and c != "tile"]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    kept, tests_total, kept_tests = [], 0.0, 0.0
    for part in _chunks(groups, sizes):
        # Every column at once: decoding the rows the box drops costs less than reading columns twice.
        table = parquet.read_row_groups(part, columns=columns)
        x = table["tile_x"].to_numpy().astype("float64")
        y = table["tile_y"].to_numpy().astype("float64")
        keep = ((x >= west) & (x <= east) & (y >= south) & (y <= north)) | np.isnan(x) | np.isnan(y)
        tests = _tests(table["tests"])
        tests_total += tests.sum()
        kept_tests += tests[keep].sum()
        where = np.flatnonzero(keep)
        if len(where):
            frame = table.take(pa.array(where)).to_pandas()
            frame["row"] = np.concatenate([starts[g] + np.arange(sizes[g]) for g in part])[where] + 1
            kept.append(frame)
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=[*columns, "row"])
    return frame, float(tests_total), float(kept_tests)


def _may_hold(
    group: Any, names: list[str], bounds: list[tuple[float, float]], ranges: list[tuple[str, str]]
) -> bool:
    """Whether a row group may hold a centre in the box, or a missing one, by its statistics (those
    of the quadkeys too: in Ookla's files, sorted by quadkey, they rule out most groups)."""
    keys = group.column(names.index("quadkey")).statistics
    if keys is not None and keys.has_min_max and not _meets(keys.min, keys.max, ranges):
        return False
    for column, (low, high) in zip(CENTRES, bounds, strict=True):
        stats = group.column(names.index(column)).statistics
        if stats is None or not stats.has_min_max or stats.null_count != 0:
            return True
        if float(stats.max) < low or float(stats.min) > high:
            return False
    return True


def _chunks(groups: list[int], sizes: list[int]) -> list[list[int]]:
    """Consecutive runs of `groups` of at most `CENTRE_ROWS` rows (a larger group alone)."""
    out: list[list[int]] = []
    rows = 0
    for g in groups:
        if out and rows + sizes[g] <= CENTRE_ROWS:
            out[-1].append(g)
            rows += sizes[g]
        else:
            out.append([g])
            rows = sizes[g]
    return out


#: How a Parquet file is read: streamed by pyarrow (the default), or by DuckDB.
ENGINES = ("pyarrow", "duckdb")


def scan(
    path: str | Path,
    box: Box,
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


def scan_duckdb(path: Path, box: Box) -> Scan:
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
        con.register("prefix", prefix_table(prefixes))
        tests = "greatest(coalesce(try_cast(tests AS DOUBLE), 0), 0)"
        rows, tests_total = con.sql(f"SELECT count(*), coalesce(sum({tests}), 0) FROM {source}").fetchall()[0]
        columns = ", ".join(c for c in (*COLUMNS, *CENTRES) if c in types)
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
    out[list(CENTRES)] = frame[list(CENTRES)] if set(CENTRES) <= set(frame.columns) else np.nan
    out["source"] = path.name
    out["row"] = frame["row"].to_numpy(dtype="int64")
    kept_tests = float(_tests(kept.column("tests")).sum())
    return Scan(out, int(rows), float(tests_total), int(rows) - len(out), float(tests_total) - kept_tests)


def prefix_table(prefixes: list[str]) -> Any:
    import pyarrow as pa

    return pa.table({"p": pa.array(prefixes, pa.string())})


def _meets(low: str | bytes, high: str | bytes, ranges: list[tuple[str, str]]) -> bool:
    """Whether a row group's quadkeys, from `low` to `high`, may include a key in one of `ranges`."""
    low, high = (v.decode("ascii", "replace") if isinstance(v, bytes) else str(v) for v in (low, high))
    return any(lo <= high and low <= hi for lo, hi in ranges)


def _tests_sum(cells: Any) -> float:
    """The sum of `_tests`, computed by Arrow when the column holds numbers none of which is negative
    or NaN (a global file's: one pass, nothing copied)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(cells.type) or pa.types.is_floating(cells.type):
        low = pc.min_max(cells)["min"].as_py()
        if low is None or (
            low >= 0 and not (pa.types.is_floating(cells.type) and pc.any(pc.is_nan(cells)).as_py())
        ):
            return float(pc.sum(cells).as_py() or 0.0)
    return float(_tests(cells).sum())


def _tests(cells: Any) -> np.ndarray:
    """The tests of a batch as float64, unreadable or negative ones as 0 (they are rejected later)."""
    import pyarrow as pa

    if (pa.types.is_integer(cells.type) or pa.types.is_floating(cells.type)) and cells.null_count == 0:
        numbers = (
            cells.to_numpy() if isinstance(cells, pa.ChunkedArray) else cells.to_numpy(zero_copy_only=False)
        )
        values = np.asarray(numbers, dtype="float64")
    else:
        values = pd.to_numeric(cells.to_pandas(), errors="coerce").to_numpy(dtype="float64")
    return np.asarray(np.nan_to_num(np.clip(values, 0, None), nan=0.0))


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
