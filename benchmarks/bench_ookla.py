"""
Benchmark: one quarter of Ookla's global tiles placed in communes, the connector beside what a user
writes with Ookla's own columns, in interleaved rounds, on a synthetic global file over the real
commune polygons of a built database.

    .venv/bin/python benchmarks/bench_ookla.py [--db DB] [--file FILE] [--rounds 5] [--main ../base]

The file (by default /work/builds/ookla_synth.parquet, written once by `ookla_synthetic.py` if
absent) is Ookla's schema since 2023: about 6 million distinct zoom-16 tiles sorted by quadkey, with
`tile_x`/`tile_y` (the tile's centre, 4 decimals). Each method runs in a new process per round (the
communes are read before the clock starts, and each result is turned into a commune code by quadkey
after it stops), rounds interleaved so that the machine's load falls on
every method alike; the figure is the median round.

- connector: `ookla.scan` (row groups filtered on `tile_x`/`tile_y`), `ookla.validate_tiles`,
  `ookla.assign_tiles`: the tiles of every commune, as `observatory load ookla` places them.
- connector-main: the same calls with the code of another checkout (`--main`), for a before/after.
- user: `pyarrow.parquet.read_table(filters=...)` on `tile_x`/`tile_y` to Morocco's box, then
  `geopandas.sjoin(predicate="within")` of the centres to the communes.

Every tile the user places must be in the same commune for the connector; the connector places a few
more (centres just off the coast, within 2 km of a commune) and validates every row it keeps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = Path("/work/builds/ookla_synth.parquet")
METHODS = ("connector", "user", "connector-main")


def communes_of(db: str):
    from observatory.database import Database

    return Database(db).read("commune", columns=["code", "province_code", "region_code", "geometry"])


def connector(path: str, communes) -> tuple[object, object]:
    """The connector's read, validation and placement: the validated tiles' rows and communes."""
    from observatory.etl.connectors import ookla
    from observatory.etl.connectors._common import Rejects

    box = tuple(float(b) for b in communes.total_bounds)
    scan = ookla.scan(path, box)
    valid = ookla.validate_tiles(scan.tiles, Rejects())
    if "lon" in valid.columns:  # the file's centres (the code of another checkout may lack them)
        lon, lat = valid["lon"].to_numpy(), valid["lat"].to_numpy()
    else:
        lon, lat = ookla.tile_centres(valid["x"].to_numpy(), valid["y"].to_numpy(), valid["zoom"].to_numpy())
    west, south, east, north = box
    valid = valid.loc[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)].reset_index(drop=True)
    return scan, (valid["row"].to_numpy(), ookla.assign_tiles(valid, communes).where)


def connector_series(result: tuple[object, object], communes) -> pd.Series:
    """Commune code by quadkey of every tile the connector placed (after the clock: bench glue)."""
    scan, (rows, where) = result
    keys = scan.tiles.set_index("row")["quadkey"].reindex(rows).to_numpy()
    return pd.Series(communes["code"].to_numpy()[where[where >= 0]], index=keys[where >= 0])


def user(path: str, communes) -> pd.DataFrame:
    """What a user writes with Ookla's centre columns: a pyarrow filter, then a geopandas join."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    west, south, east, north = communes.total_bounds
    frame = pq.read_table(
        path,
        columns=["quadkey", "tile_x", "tile_y", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices"],
        filters=[
            ("tile_x", ">=", west),
            ("tile_x", "<=", east),
            ("tile_y", ">=", south),
            ("tile_y", "<=", north),
        ],
    ).to_pandas()
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["tile_x"], frame["tile_y"]), crs=4326)
    return gpd.sjoin(points, communes[["code", "geometry"]], predicate="within", how="inner")


def user_series(joined: pd.DataFrame) -> pd.Series:
    """Commune code by quadkey of every tile the user's join placed (after the clock)."""
    joined = joined[~joined.index.duplicated(keep="first")]
    return pd.Series(joined["code"].to_numpy(), index=joined["quadkey"].to_numpy())


def run_one(method: str, path: str, db: str, out: str) -> None:
    """One method, once, in this process: its time and peak memory as JSON, its placement to `out`."""
    import gc
    import resource

    communes = communes_of(db)
    gc.collect()
    start = time.perf_counter()
    result = user(path, communes) if method == "user" else connector(path, communes)
    seconds = time.perf_counter() - start
    placed = user_series(result) if method == "user" else connector_series(result, communes)
    placed.rename("code").rename_axis("quadkey").reset_index().to_parquet(out, index=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"method": method, "seconds": seconds, "peak_mb": peak, "placed": len(placed)}))


def spawn(method: str, path: Path, db: str, out: Path, main_root: Path | None) -> dict:
    root = main_root if method == "connector-main" else ROOT
    assert root is not None
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        method,
        "--file",
        str(path),
        "--db",
        db,
    ]
    env = {**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [*command, "--out", str(out)], env=env, cwd=root, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--main", type=Path, default=None, help="Another checkout, timed as connector-main.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures to this file.")
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.one:
        sys.path.insert(0, str(ROOT))
    from observatory.settings import get_settings

    db = str(get_settings(db=args.db).db)
    if args.one:
        run_one(args.one, str(args.file), db, args.out)
        return
    if not args.file.exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import ookla_synthetic

        ookla_synthetic.make(args.file, communes_of(db), tiles=6_000_000, morocco=60_000, seed=42)
    methods = [m for m in METHODS if m != "connector-main" or args.main is not None]
    rounds: dict[str, list[dict]] = {m: [] for m in methods}
    placed: dict[str, pd.Series] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for method in methods if r % 2 == 0 else methods[::-1]:
                out = Path(tmp) / f"{method}.parquet"
                rounds[method].append(spawn(method, args.file, db, out, args.main))
                frame = pd.read_parquet(out)
                placed[method] = pd.Series(
                    frame["code"].to_numpy(), index=frame["quadkey"].to_numpy()
                ).sort_index()
            print(
                f"round {r + 1}: " + ", ".join(f"{m} {rounds[m][-1]['seconds']:.2f} s" for m in methods),
                flush=True,
            )
    mine, theirs = placed["connector"], placed["user"]
    both = theirs.index.intersection(mine.index)
    same = bool((mine.loc[both] == theirs.loc[both]).all()) and len(both) == len(theirs)
    figures: dict[str, object] = {"file": str(args.file), "file_mb": args.file.stat().st_size / 1e6}
    median = {m: statistics.median(x["seconds"] for x in rounds[m]) for m in methods}
    for m in methods:
        times = sorted(x["seconds"] for x in rounds[m])
        figures[m] = {"median_s": median[m], "times_s": times, "peak_mb": rounds[m][-1]["peak_mb"]}
        print(
            f"{m:>15}: median {median[m]:.2f} s (min {times[0]:.2f}, max {times[-1]:.2f}) over "
            f"{len(times)} rounds, process peak {rounds[m][-1]['peak_mb']:,.0f} MB, "
            f"{rounds[m][-1]['placed']:,} tiles placed"
        )
    ratio = median["user"] / median["connector"]
    figures["connector_speed_vs_user"] = ratio
    print(
        f"connector: {ratio:.2f}x the user's speed; every one of the user's {len(theirs):,} tiles in the "
        f"same commune: {same}; {len(mine) - len(both):,} more placed by the coastal tolerance"
    )
    if "connector-main" in median:
        figures["connector_speed_vs_main"] = median["connector-main"] / median["connector"]
        speed = figures["connector_speed_vs_main"]
        print(f"connector: {speed:.2f}x the speed of the other checkout's connector")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    assert same, "the connector places tiles differently from the user's geopandas join"


if __name__ == "__main__":
    main()
