"""
Benchmark: Ookla at the scale Ookla publishes, side by side with the baseline a user would write.

    .venv/bin/python benchmarks/bench_ookla_scale.py global [--db DB] [--file FILE]
    .venv/bin/python benchmarks/bench_ookla_scale.py quarters [--db DB] [--quarters 4]

`global`: one quarter's global file (about 6 million tiles; by default
/work/builds/ookla_synth.parquet, written once by `ookla_synthetic.py` if absent). The connector
streams it (`ookla.scan`, with pyarrow and with DuckDB), validates the tiles kept and places them
(`ookla.assign_tiles`); the baseline reads the whole file with pandas, parses every tile polygon
with geopandas and joins the polygons' centroids to the communes
(`geopandas.sjoin(predicate="within")`). The commune of every Moroccan tile must be the same.

`quarters`: several quarters of that size (the base file with reseeded measurements per quarter),
summed per quarter and commune (`ookla.quarter_sums`) by DuckDB (one query over every file) and by
pyarrow (each file streamed in turn), against the pandas path: every file read whole into one
frame, tiles placed and summed with `groupby`. The sums must be equal.

Each method runs in its own process; its time is the wall time of the work, its peak memory the
process's peak resident set (`ru_maxrss`: imports and the commune table included, the same for all).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_FILE = Path("/work/builds/ookla_synth.parquet")


def communes_of(db: str):
    from observatory.database import Database

    return Database(db).read("commune", columns=["code", "province_code", "region_code", "geometry"])


# -- one quarter, global -----------------------------------------------------------------------------


def connector(path: str, db: str, engine: str) -> pd.Series:
    """The connector's read and placement: commune code by quadkey of every tile placed."""
    from observatory.etl.connectors import ookla
    from observatory.etl.connectors._common import Rejects

    communes = communes_of(db)
    box = tuple(float(b) for b in communes.total_bounds)
    start = time.perf_counter()
    scan = ookla.scan(path, box, engine=engine)
    tiles = scan.tiles
    valid = ookla.validate_tiles(tiles, Rejects())
    lon, lat = ookla.tile_centres(valid["x"].to_numpy(), valid["y"].to_numpy(), valid["zoom"].to_numpy())
    west, south, east, north = box
    valid = valid.loc[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)].reset_index(drop=True)
    where = ookla.assign_tiles(valid, communes).where
    keys = tiles.set_index("row")["quadkey"].reindex(valid["row"]).to_numpy()
    placed = pd.Series(communes["code"].to_numpy()[where[where >= 0]], index=keys[where >= 0])
    return placed, time.perf_counter() - start, scan.rows


def baseline(path: str, db: str) -> pd.Series:
    """What a user writes: read everything, parse the polygons, join their centroids."""
    import warnings

    import geopandas as gpd

    communes = communes_of(db)
    start = time.perf_counter()
    frame = pd.read_parquet(path)
    tiles = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries.from_wkt(frame["tile"]), crs=4326)
    if {"tile_x", "tile_y"} <= set(frame.columns):  # the file's own centres, as the connector takes them
        points = tiles[["quadkey"]].set_geometry(
            gpd.points_from_xy(frame["tile_x"], frame["tile_y"], crs=4326)
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # centroids in degrees: what the user computes
            points = tiles[["quadkey"]].set_geometry(tiles.geometry.centroid)
    joined = gpd.sjoin(points, communes[["code", "geometry"]], predicate="within", how="inner")
    joined = joined[~joined.index.duplicated(keep="first")]
    return (
        pd.Series(joined["code"].to_numpy(), index=joined["quadkey"].to_numpy()),
        time.perf_counter() - start,
        len(frame),
    )


def run_global(name: str, path: str, db: str, queue) -> None:
    if name == "baseline":
        placed, seconds, rows = baseline(path, db)
    else:
        placed, seconds, rows = connector(path, db, name)
    queue.put(
        {
            "method": name,
            "seconds": seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rows": rows,
            "placed": placed.sort_index(),
        }
    )


# -- many quarters ----------------------------------------------------------------------------------


def quarter_files(base: Path, n: int, folder: Path, seed: int) -> list[Path]:
    """`n` quarters: the base file's tiles with seeded measurements of their own, row group by group."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for q in range(n):
        year, quarter = 2024 + q // 4, q % 4
        path = folder / f"{year}-{3 * quarter + 1:02d}-01_performance_fixed_tiles.parquet"
        paths.append(path)
        if path.exists():
            continue
        rng = np.random.default_rng(seed + q)
        source = pq.ParquetFile(base)
        writer = pq.ParquetWriter(path.with_suffix(".tmp"), source.schema_arrow)
        for g in range(source.num_row_groups):
            table = source.read_row_group(g)
            k = table.num_rows
            tests = rng.integers(1, 60, k)
            columns = {
                "avg_d_kbps": rng.gamma(2.0, 12000.0, k).round().astype("int64"),
                "avg_u_kbps": rng.gamma(2.0, 4000.0, k).round().astype("int64"),
                "avg_lat_ms": rng.integers(4, 150, k),
                "tests": tests,
                "devices": np.minimum(tests, rng.integers(1, 20, k)),
            }
            for name, values in columns.items():
                table = table.set_column(table.schema.get_field_index(name), name, pa.array(values))
            writer.write_table(table)
        writer.close()
        path.with_suffix(".tmp").replace(path)
    return paths


def pandas_sums(paths: list[Path], communes) -> pd.DataFrame:
    """The pandas path: every quarter read whole into one frame, placed and summed by `groupby`."""
    from observatory.etl.connectors import ookla, quadkeys

    frame = pd.concat([pd.read_parquet(p).assign(source=p.name) for p in paths], ignore_index=True)
    x, y, zoom, _ = ookla.quadkey_tiles(frame["quadkey"])
    lon, lat = ookla.tile_centres(x, y, zoom)
    west, south, east, north = communes.total_bounds
    frame = frame.loc[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)]
    frame = frame.assign(
        commune=quadkeys.locate(lon[frame.index], lat[frame.index], communes.geometry.values)
    )
    frame = frame.loc[frame["commune"] >= 0]
    tests = frame["tests"].astype("float64")
    download = frame["avg_d_kbps"].astype("float64")
    sums = (
        frame.assign(
            tests=tests,
            devices=frame["devices"].astype("float64"),
            tiles=1.0,
            d_x_tests=download * tests,
            u_x_tests=frame["avg_u_kbps"] * tests,
            lat_x_tests=frame["avg_lat_ms"] * tests,
            **{f"tests_{m}mbps": np.where(download >= m * 1000, tests, 0.0) for m in ookla.THRESHOLDS_MBPS},
        )
        .groupby(["source", "commune"])[list(ookla.SUMS)]
        .sum()
    )
    full = pd.MultiIndex.from_product([[p.name for p in paths], range(len(communes))])
    out = sums.reindex(full, fill_value=0.0).reset_index(names=["source", "commune"])
    out["code"] = communes["code"].to_numpy()[out["commune"].to_numpy()]
    return out[["source", "code", *ookla.SUMS]]


def run_quarters(name: str, paths: list[str], db: str, queue) -> None:
    from observatory.etl.connectors import ookla

    communes = communes_of(db)
    start = time.perf_counter()
    paths = [Path(p) for p in paths]
    sums = (
        pandas_sums(paths, communes) if name == "pandas" else ookla.quarter_sums(paths, communes, engine=name)
    )
    queue.put(
        {
            "method": name,
            "seconds": time.perf_counter() - start,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "sums": sums,
        }
    )


def in_process(target, *args) -> dict:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["global", "quarters"])
    parser.add_argument("--db", default=None)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--quarters", type=int, default=4)
    parser.add_argument("--folder", type=Path, default=Path("/work/builds/ookla_quarters"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures to this file.")
    args = parser.parse_args()
    db = str(get_settings(db=args.db).db)
    if not args.file.exists():
        import ookla_synthetic

        ookla_synthetic.make(args.file, communes_of(db), tiles=6_000_000, morocco=60_000, seed=args.seed)
    size = args.file.stat().st_size / 1e6
    figures: dict[str, object] = {"mode": args.mode, "file_mb": size}
    if args.mode == "global":
        results = {
            name: in_process(run_global, name, str(args.file), db)
            for name in ("pyarrow", "duckdb", "baseline")
        }
        base = results["baseline"]
        for name, r in results.items():
            # The connector also places centres just off the coast (within 2 km of a commune), which
            # the baseline's `within` join leaves out: every tile the baseline places must agree.
            mine = r["placed"]
            same = mine.reindex(base["placed"].index).equals(base["placed"])
            print(
                f"{name:>9}: {r['seconds']:6.1f} s, process peak {r['peak_mb']:,.0f} MB, "
                f"{r['rows']:,} rows read, "
                f"{len(mine):,} tiles placed; same communes as the baseline: {same}"
                + (
                    ""
                    if name == "baseline"
                    else f"; {base['seconds'] / r['seconds']:.1f}x faster, "
                    f"{base['peak_mb'] / r['peak_mb']:.1f}x less memory"
                ),
                flush=True,
            )
            assert same, f"{name} places tiles differently from the baseline"
            figures[name] = {k: v for k, v in r.items() if k != "placed"} | {"placed": len(r["placed"])}
    else:
        paths = [str(p) for p in quarter_files(args.file, args.quarters, args.folder, args.seed)]
        total = sum(Path(p).stat().st_size for p in paths) / 1e6
        print(f"{len(paths)} quarters, {total:,.0f} MB of Parquet", flush=True)
        figures["quarters"], figures["parquet_mb"] = len(paths), total
        results = {
            name: in_process(run_quarters, name, paths, db) for name in ("duckdb", "pyarrow", "pandas")
        }
        base = results["pandas"]
        for name, r in results.items():
            pd.testing.assert_frame_equal(r["sums"], base["sums"], check_dtype=False)
            print(
                f"{name:>8}: {r['seconds']:6.1f} s, process peak {r['peak_mb']:,.0f} MB; "
                "sums equal to pandas'"
                + (
                    ""
                    if name == "pandas"
                    else f"; {base['seconds'] / r['seconds']:.1f}x faster, "
                    f"{base['peak_mb'] / r['peak_mb']:.1f}x less memory"
                ),
                flush=True,
            )
            figures[name] = {k: v for k, v in r.items() if k != "sums"}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=float))


if __name__ == "__main__":
    main()
