"""
Ookla for Good open data (Speedtest® performance tiles) aggregated to communes.

The published files hold one row per zoom-16 web-Mercator tile and quarter, for fixed or mobile
networks: `quadkey`, `tile` (WKT polygon, EPSG:4326), `avg_d_kbps`, `avg_u_kbps`, `avg_lat_ms`,
`tests`, `devices`, as Parquet or as a zipped Shapefile, and since 2023 the tile's centre `tile_x`,
`tile_y` (degrees, 4 decimals). A row whose polygon, or centre, is not in the tile its quadkey names
is quarantined. Each tile is placed by its centre (the file's `tile_x`/`tile_y`, else the centre its
quadkey encodes), found in a commune polygon with one vectorised STRtree query, and the tiles'
measurements are summed per commune, then per province, région and the country, from which the
test-weighted means and shares are computed. Tiles whose centre is in no commune (the sea,
neighbouring countries) are dropped and counted: tests read = tests assigned + tests dropped + tests
in quarantined rows.

Licence: CC BY-NC-SA 4.0 (Speedtest® by Ookla® Global Fixed and Mobile Network Performance Maps),
carried in the `source` and `indicator` rows.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from observatory import disclosure
from observatory.errors import ValidationError
from observatory.etl.progress import steps
from observatory.registry import OOKLA_LICENCE

from ._common import MAX_COUNT, IndicatorSpec, Rejects, dictionary_rows, indicator_rows, require_file, roll_up
from .ookla_scan import CENTRES, ENGINES, READABLE_SQL, prefix_table, scan, scan_parquet
from .quadkeys import (
    PREFIX_ZOOM,
    ZOOM,
    Box,
    bounds_of,
    box_prefixes,
    locate_tiles,
    prefix_ranges,
    quadkey_tiles,
    tile_bounds,
    tile_centres,
)

if TYPE_CHECKING:
    from observatory.database import Database
    from observatory.provenance import RunRecord


log = logging.getLogger(__name__)

TYPES = ("fixed", "mobile")
PUBLISHER = "Ookla"
URL = "https://github.com/teamookla/ookla-open-data"
THRESHOLDS_MBPS = (10, 25)
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")

#: A tile's WKT may differ from the tile its quadkey names by this much (degrees, about 1 m) at any corner.
TILE_TOLERANCE_DEG = 1e-5


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


# -- validating and aggregating ---------------------------------------------------------------------


def validate_tiles(tiles: pd.DataFrame, rejects: Rejects) -> pd.DataFrame:
    """The tiles whose every cell is usable, typed; the others go to `rejects` with their reason."""
    bad = np.zeros(len(tiles), dtype=bool)
    x, y, zoom, ok = quadkey_tiles(tiles["quadkey"])
    _reject(
        rejects, tiles, ~ok, "quadkey", "invalid quadkey: expected 16 digits 0-3 as text (a zoom-16 tile)"
    )
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
    lon, lat = tile_centres(x, y, zoom)
    if all(c in tiles.columns for c in CENTRES) and tiles[list(CENTRES)].notna().any(axis=None):
        lon, lat, misplaced = _file_centres(tiles, x, y, zoom, lon, lat, bad)
        refused = misplaced != ""
        given = np.full(len(tiles), "", dtype=object)
        given[refused] = [f"{a} {b}" for a, b in tiles.loc[refused, list(CENTRES)].itertuples(index=False)]
        _reject(rejects, tiles, refused, "tile_x", misplaced, values=given)
        bad |= misplaced != ""
    numbers = {}
    for column, whole in (
        ("tests", True),
        ("devices", True),
        ("avg_d_kbps", False),
        ("avg_u_kbps", False),
        ("avg_lat_ms", False),
    ):
        value = pd.to_numeric(tiles[column], errors="coerce").to_numpy(dtype="float64")
        # The reasons in order, a later one overriding an earlier one (an implausible count is told
        # as such, whether whole or not); the text is only made for the failing rows.
        checks = [
            (np.isnan(value), "not a number"),
            (value < 0, "negative value"),
            (
                (value >= 0) & (value % 1 != 0) if whole else np.zeros(len(value), dtype=bool),
                "not a whole number",
            ),
            (value > MAX_COUNT, f"implausible value: above {MAX_COUNT:,}"),
        ]
        failing = np.logical_or.reduce([mask for mask, _ in checks])
        if failing.any():
            why = np.full(len(value), "", dtype=object)
            for mask, text in checks:
                why[mask] = text
            _reject(rejects, tiles, failing & ~bad, column, why)
        bad |= failing
        numbers[column] = value
    keep = ~bad
    # The same tile twice (two copies of a file, or overlapping files) would count its tests twice.
    # A kept row's quadkey is valid, so the tile's x and y, as one integer, identify it.
    keys = pd.Series(np.where(keep, (x << ZOOM) | y, -1 - np.arange(len(tiles))))
    dup = keep & keys.duplicated(keep="first").to_numpy()
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
    kept = np.flatnonzero(keep)
    return pd.DataFrame(
        {
            "source": tiles["source"].take(kept).reset_index(drop=True),  # stays text, not Python strings
            "row": tiles["row"].to_numpy()[keep],
            "x": x[keep],
            "y": y[keep],
            "zoom": zoom[keep],
            "lon": lon[keep],
            "lat": lat[keep],
            **{c: v[keep] for c, v in numbers.items()},
        }
    )


def _file_centres(
    tiles: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    zoom: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    bad: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The file's tile centres where it gives them, and why a row's centre is refused ("" if not): a
    centre missing, or outside the tile its quadkey names (so the quadkey's cell places it rightly)."""
    cx = pd.to_numeric(tiles["tile_x"], errors="coerce").to_numpy(dtype="float64")
    cy = pd.to_numeric(tiles["tile_y"], errors="coerce").to_numpy(dtype="float64")
    west, south, east, north = tile_bounds(x, y, zoom)
    missing = np.isnan(cx) | np.isnan(cy)
    outside = ~missing & ((cx < west) | (cx > east) | (cy < south) | (cy > north))
    why = np.full(len(tiles), "", dtype=object)
    why[missing & ~bad] = "tile_x/tile_y missing: expected the tile's centre in degrees"
    for i in np.flatnonzero(outside & ~bad):
        why[i] = (
            f"tile_x/tile_y {cx[i]:.4f} {cy[i]:.4f} is not in the tile its quadkey names "
            f"(centre {lon[i]:.4f} {lat[i]:.4f})"
        )
    given = ~missing & ~outside
    return np.where(given, cx, lon), np.where(given, cy, lat), why


def _reject(
    rejects: Rejects, tiles: pd.DataFrame, mask: np.ndarray, column: str, reason: Any, *, values: Any = None
) -> None:
    """Reject the rows of `mask` with their value of `column` (or `values`, one per row of `tiles`)."""
    if mask.any():
        shown = (tiles[column] if values is None else pd.Series(values)).to_numpy()
        reason = reason[mask] if isinstance(reason, np.ndarray) else reason
        source = tiles["source"].to_numpy()[mask]
        for name in pd.unique(source):
            here = source == name
            rejects.add(
                name,
                tiles["row"].to_numpy()[mask][here],
                column,
                shown[mask][here],
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


def centres_of(tiles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Where validated tiles are placed: their `lon`/`lat` (the file's centre, else the quadkey's)."""
    if "lon" in tiles.columns:
        return tiles["lon"].to_numpy(dtype="float64"), tiles["lat"].to_numpy(dtype="float64")
    return tile_centres(tiles["x"].to_numpy(), tiles["y"].to_numpy(), tiles["zoom"].to_numpy())


def assign_tiles(tiles: pd.DataFrame, communes: pd.DataFrame, *, tree: Any = None) -> Assignment:
    """
    Sum validated tiles into the communes that hold their centres (vectorised: `locate_tiles`, then
    `np.bincount` per sum). Tiles in no commune get -1 and add to nothing.
    """
    x, y, zoom = tiles["x"].to_numpy(), tiles["y"].to_numpy(), tiles["zoom"].to_numpy()
    lon, lat = centres_of(tiles)
    where = locate_tiles(x, y, zoom, communes.geometry.values, tree=tree, lon=lon, lat=lat)
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
    """
    The eight indicators at every level, from commune sums: means and shares weighted by tests. A
    unit without a tile has no measurement, so no value at all (not a suppressed one: fewer than 10
    tests is a measurement that is hidden, no tile is none).
    """
    rolled = roll_up(sums, communes).assign(period=quarter)
    rolled = rolled.loc[rolled["tiles"].to_numpy() > 0].reset_index(drop=True)
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


#: Ookla's file names: the quarter's first day and the network type.
FILE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})_performance_(fixed|mobile)_tiles")


def infer(paths: list[Path], *, kind: str | None, quarter: str | None) -> tuple[str, str]:
    """Type and quarter from the options or, failing that, from Ookla's file names
    (`2025-04-01_performance_fixed_tiles.parquet`)."""
    kinds, quarters = set(), set()
    for path in paths:
        m = FILE_NAME.search(path.name)
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


def quarters(
    paths: list[Path], *, kind: str | None, quarter: str | None
) -> list[tuple[str, str, list[Path]]]:
    """
    The files of each type and quarter, in order: all of them as one quarter when `quarter` is given,
    else grouped by Ookla's file names (several quarters load in one command). A file whose name
    says nothing is an error naming the option to pass, as for one quarter.
    """
    if quarter is not None:
        return [(*infer(paths, kind=kind, quarter=quarter), paths)]
    groups: dict[tuple[str, str], list[Path]] = {}
    unnamed = [p for p in paths if not FILE_NAME.search(p.name)]
    if unnamed:
        infer(unnamed, kind=kind, quarter=None)  # raises: which option tells what the names do not
    for path in paths:
        groups.setdefault(infer([path], kind=kind, quarter=None), []).append(path)
    return [(k, q, files) for (k, q), files in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0]))]


def source_row(kind: str, quarter: str, *, inputs: list[dict[str, Any]], retrieved_at: str) -> pd.DataFrame:
    """The `source` row of a quarter of Ookla tiles (one file's SHA-256, or one over several)."""
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
    db: Database,
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

    files = [Path(p) for p in paths]
    kind, quarter = infer(files, kind=kind, quarter=quarter)
    db.require()
    communes = commune_frame(db)
    run = RunRecord(job=f"load ookla {kind} {quarter}", build_id="", version=code_version())
    result = aggregate_files(files, communes, kind=kind, quarter=quarter, run=run, crs=crs, engine=engine)
    if not result["tiles_assigned"]:
        raise ValidationError(
            f"{', '.join(p.name for p in files)}: no tile loaded, {result['tiles_read']} read and none "
            f"inside a commune ({result['tiles_quarantined']} refused); nothing was stored"
        )
    specs = indicator_specs(kind)
    source_id = f"ookla-{kind}-{quarter}"
    write_load(
        db,
        run=run,
        values=result.pop("values"),
        replace={"indicator_id": [s.indicator_id for s in specs], "period": [quarter]},
        dictionary=dictionary_rows(specs, years=[int(quarter[:4])], dataset="ookla", source_id=source_id),
        sources=source_row(kind, quarter, inputs=run.inputs, retrieved_at=now()),
    )
    return result


def load_quarters(
    paths: list[str | Path],
    *,
    db: Database,
    kind: str | None = None,
    quarter: str | None = None,
    crs: str | None = None,
    engine: str = "pyarrow",
) -> list[dict[str, Any]]:
    """`load` for each type and quarter the files hold (`quarters`), one transaction each, in order;
    the runs' figures."""
    files = [Path(p) for p in paths]
    return [
        load(list[str | Path](group), db=db, kind=k, quarter=q, crs=crs, engine=engine)
        for k, q, group in quarters(files, kind=kind, quarter=quarter)
    ]


def aggregate_files(
    paths: list[Path],
    communes: pd.DataFrame,
    *,
    kind: str,
    quarter: str,
    run: RunRecord,
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
    box = bounds_of(communes)
    scans = []
    with steps(f"reading Ookla {kind} {quarter} tiles", total=len(paths)) as bar:
        for path in paths:
            bar.describe(f"reading {path.name}")
            clock = time.perf_counter()
            run.add_input(path.name, path=path, kind=kind, quarter=quarter)
            scans.append(scan(path, box, crs=crs, engine=engine))
            log.info(
                "%s: %s rows read, %s kept in Morocco's box, %s skipped beyond it, in %.1f s",
                path.name,
                f"{scans[-1].rows:,}",
                f"{len(scans[-1].tiles):,}",
                f"{scans[-1].skipped_rows:,}",
                time.perf_counter() - clock,
            )
            bar.advance()
    tiles = pd.concat([s.tiles for s in scans], ignore_index=True)
    rows_read = sum(s.rows for s in scans)
    tests_read = sum(s.tests for s in scans)
    valid = validate_tiles(tiles, rejects)
    lon, lat = centres_of(valid)
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
    files = [require_file(p) for p in paths]
    box = bounds_of(communes)
    if engine == "duckdb":
        return _quarter_sums_duckdb(files, communes, box)
    parts = []
    for path in files:
        tiles = scan_parquet(path, box).tiles.assign(tile=None)
        valid = validate_tiles(tiles, Rejects())
        lon, lat = centres_of(valid)
        west, south, east, north = box
        valid = valid.loc[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)]
        sums = assign_tiles(valid.reset_index(drop=True), communes).sums
        parts.append(sums.reset_index().assign(source=path.name))
    return pd.concat(parts, ignore_index=True)[["source", "code", *SUMS]]


def _quarter_sums_duckdb(paths: list[Path], communes: pd.DataFrame, box: Box) -> pd.DataFrame:
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
        con.register("prefix", prefix_table(prefixes))
        names = {r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        centres = set(CENTRES) <= names
        # Each tile is placed once, by its centre as the loader places it (the file's, else its key's).
        picked = "quadkey, min(tile_x) AS tile_x, min(tile_y) AS tile_y" if centres else "quadkey"
        distinct = con.sql(f"SELECT {picked} FROM {source} WHERE {where} GROUP BY quadkey").to_df()
        keys = distinct["quadkey"].to_numpy(dtype=object)
        x, y, zoom, _ = quadkey_tiles(keys)
        where_ = np.full(len(keys), -1, dtype=np.int64)
        lon, lat = tile_centres(x, y, zoom)
        usable = np.ones(len(keys), dtype=bool)
        if centres:
            lon, lat, why = _file_centres(distinct, x, y, zoom, lon, lat, np.zeros(len(keys), dtype=bool))
            usable = why == ""  # the loader quarantines these rows
        west, south, east, north = box
        in_box = usable & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        where_[in_box] = locate_tiles(
            x[in_box], y[in_box], zoom[in_box], communes.geometry.values, lon=lon[in_box], lat=lat[in_box]
        )
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
