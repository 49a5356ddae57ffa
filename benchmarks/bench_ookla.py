"""
Benchmark: one quarter of Ookla's global tiles placed in communes, the connector beside what a user
writes with Ookla's own columns, in interleaved rounds, on a synthetic global file over the real
commune polygons of a built database.

    .venv/bin/python benchmarks/bench_ookla.py [--db DB] [--file FILE] [--rounds 5] [--warm 3] [--main DIR]

The file (by default /work/builds/ookla_synth.parquet, written once by `ookla_synthetic.py` if
absent) is Ookla's schema since 2023: about 6 million distinct zoom-16 tiles sorted by quadkey, with
`tile_x`/`tile_y` (the tile's centre, 4 decimals). Each method runs in a new process per round (the
communes are read before the clock starts, and each result is turned into a commune code by quadkey
after it stops): its first call is timed (cold: imports, the file's first read, the connector's tile
grid read from the cache folder; Python's bytecode is kept, as for an installed package, and every
method runs once before the rounds), then `--warm` more calls (warm, their median), as wall time and as
the process's CPU time; rounds are interleaved so that the machine's load falls on every method
alike, and each figure is the median round.

- connector: `ookla.scan` (row groups filtered on `tile_x`/`tile_y`), `ookla.validate_tiles`,
  `ookla.assign_tiles`: the tiles of every commune, as `observatory load ookla` places them.
- connector-first: the connector with an empty cache folder: its first call builds the communes' tile
  grid, as the first load after a build does.
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
from installed_bytecode import keep_bytecode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = Path("/work/builds/ookla_synth.parquet")
METHODS = ("connector", "user", "connector-first", "connector-main")


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


def run_one(method: str, path: str, db: str, out: str, warm: int) -> None:
    """One method in this process: the first call (cold) and `warm` more, their times and the
    process's CPU time (every thread's), as JSON; the first call's placement to `out`."""
    import gc
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    communes = communes_of(db)
    gc.collect()
    calls = []
    for _ in range(1 + warm):
        clock, used = time.perf_counter(), cpu()
        result = user(path, communes) if method == "user" else connector(path, communes)
        calls.append((time.perf_counter() - clock, cpu() - used))
        if len(calls) == 1:
            placed = user_series(result) if method == "user" else connector_series(result, communes)
        del result
    placed.rename("code").rename_axis("quadkey").reset_index().to_parquet(out, index=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"method": method, "seconds": calls[0][0], "cpu_s": calls[0][1], "peak_mb": peak}
    if warm:
        figures["warm_s"] = statistics.median(c[0] for c in calls[1:])
        figures["warm_cpu_s"] = statistics.median(c[1] for c in calls[1:])
    print(json.dumps({**figures, "placed": len(placed)}))


def spawn(method: str, path: Path, db: str, out: Path, main_root: Path | None, warm: int) -> dict:
    """Run one method in a new process. `connector-first` is the connector with an empty cache
    folder: its first call builds the communes' tile grid, as the first load after a build does."""
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
        "--warm",
        str(warm),
    ]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"}
        if method == "connector-first":
            env["XDG_CACHE_HOME"] = cache
        done = subprocess.run(
            [*command, "--out", str(out)], env=env, cwd=root, capture_output=True, text=True, check=False
        )
    if done.returncode:
        raise SystemExit(f"{method} failed (exit status {done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--main", type=Path, default=None, help="Another checkout, timed as connector-main.")
    parser.add_argument("--warm", type=int, default=3, help="Calls after the first in each process.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures to this file.")
    parser.add_argument("--one", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.one:
        sys.path.insert(0, str(ROOT))
    from observatory.settings import get_settings

    db = str(get_settings(db=args.db).db)
    if args.one:
        run_one(args.one, str(args.file), db, args.out, args.warm)
        return
    if not args.file.exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import ookla_synthetic

        ookla_synthetic.make(args.file, communes_of(db), tiles=6_000_000, morocco=60_000, seed=42)
    methods = [m for m in METHODS if m != "connector-main" or args.main is not None]
    rounds: dict[str, list[dict]] = {m: [] for m in methods}
    placed: dict[str, pd.Series] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # a cold call does not include compiling Python source
        keep_bytecode(Path(tmp) / "pycache")
        # Not counted: each method once, so that its modules are compiled and the cache folder holds
        # the communes' tile grid before the rounds.
        for method in (m for m in methods if m != "connector-first"):
            ready = spawn(method, args.file, db, Path(tmp) / "ready.parquet", args.main, 0)
            print(f"before the rounds, {method}: {ready['seconds']:.2f} s", flush=True)
        for r in range(args.rounds):
            for method in methods if r % 2 == 0 else methods[::-1]:
                out = Path(tmp) / f"{method}.parquet"
                rounds[method].append(spawn(method, args.file, db, out, args.main, args.warm))
                frame = pd.read_parquet(out)
                placed[method] = pd.Series(
                    frame["code"].to_numpy(), index=frame["quadkey"].to_numpy()
                ).sort_index()
            print(
                f"round {r + 1}: "
                + ", ".join(
                    f"{m} {rounds[m][-1]['seconds']:.2f} s" + _warm_text(rounds[m][-1]) for m in methods
                ),
                flush=True,
            )
    mine, theirs = placed["connector"], placed["user"]
    both = theirs.index.intersection(mine.index)
    same = bool((mine.loc[both] == theirs.loc[both]).all()) and len(both) == len(theirs)
    same &= bool(placed["connector-first"].equals(mine))
    figures: dict[str, object] = {"file": str(args.file), "file_mb": args.file.stat().st_size / 1e6}
    measures = ("seconds", "cpu_s", "warm_s", "warm_cpu_s")
    median = {
        m: {k: statistics.median(x[k] for x in rounds[m]) for k in measures if k in rounds[m][0]}
        for m in methods
    }
    for m in methods:
        times = sorted(x["seconds"] for x in rounds[m])
        figures[m] = {**median[m], "times_s": times, "peak_mb": rounds[m][-1]["peak_mb"]}
        warm = (
            f"; warm {median[m]['warm_s']:.3f} s ({median[m]['warm_cpu_s']:.3f} s CPU)"
            if "warm_s" in median[m]
            else ""
        )
        print(
            f"{m:>15}: cold {median[m]['seconds']:.3f} s ({median[m]['cpu_s']:.3f} s CPU, wall min "
            f"{times[0]:.3f}, max {times[-1]:.3f}){warm}, medians of {len(times)} rounds; process peak "
            f"{rounds[m][-1]['peak_mb']:,.0f} MB, {rounds[m][-1]['placed']:,} tiles placed"
        )
    for key, name in (
        ("seconds", "cold"),
        ("cpu_s", "cold CPU"),
        ("warm_s", "warm"),
        ("warm_cpu_s", "warm CPU"),
    ):
        if key in median["connector"]:
            ratio = median["user"][key] / median["connector"][key]
            figures[f"connector_speed_vs_user_{key}"] = ratio
            print(f"connector, {name}: {ratio:.2f}x the user's speed")
            if "connector-main" in median:
                speed = median["connector-main"][key] / median["connector"][key]
                figures[f"connector_speed_vs_main_{key}"] = speed
                print(f"connector, {name}: {speed:.2f}x the speed of the other checkout's connector")
    print(
        f"every one of the user's {len(theirs):,} tiles in the same commune (with and without a cached "
        f"grid): {same}; {len(mine) - len(both):,} more placed by the coastal tolerance"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    assert same, "the connector places tiles differently from the user's geopandas join"


def _warm_text(figures: dict) -> str:
    return f" (warm {figures['warm_s']:.2f} s)" if "warm_s" in figures else ""


if __name__ == "__main__":
    main()
