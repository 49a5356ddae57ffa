"""
Benchmark: aggregating Ookla tiles to communes, the connector's vectorised path against the naive
`geopandas.sjoin` of tile polygons, side by side in the same run, on synthetic tiles over the real
commune polygons of a built database.

    .venv/bin/python benchmarks/bench_ookla.py [--db geodata/observatory.gpkg] [--tiles 1000000] [--seed 42]

The tiles are generated here, seeded: 75 % in Morocco's communes (uniform over the land), 25 % in
its bounding box but outside (the sea, neighbouring countries), each a distinct zoom-16 quadkey
with its `tile` WKT and random speeds and counts, as Ookla publishes them. Each method runs in its
own process, so that its time and its peak memory (the peak resident set size during the method,
the kernel's mark reset just before it, minus the size at its start) are its own.

- vectorised: quadkey -> tile centre, zoom-12 cells wholly inside one commune assigned at once,
  the remaining centres by STRtree bounding boxes + vectorised `intersects_xy` on prepared
  polygons, then `np.bincount` sums (`etl.connectors.ookla.assign_tiles`).
- naive: parse the tile polygons from WKT, `geopandas.sjoin(tiles, communes, predicate="intersects")`,
  keep the first commune of a tile that straddles a border, then `groupby` sums.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    """Peak resident set size since the last `reset_peak()` (VmHWM), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Reset the kernel's peak-RSS mark, so that the peak measured is the method's (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def make_tiles(communes, n: int, seed: int) -> pd.DataFrame:
    import shapely

    from observatory.etl.connectors.quadkeys import locate, quadkey_tiles, quadkeys_at, tile_centres

    rng = np.random.default_rng(seed)
    west, south, east, north = communes.total_bounds
    inside_wanted, outside_wanted = int(n * 0.75), n - int(n * 0.75)
    keys_in, keys_out = [], []
    while sum(map(len, keys_in)) < inside_wanted or sum(map(len, keys_out)) < outside_wanted:
        lon, lat = rng.uniform(west, east, 2_000_000), rng.uniform(south, north, 2_000_000)
        keys = quadkeys_at(lon, lat)
        x, y, z, _ = quadkey_tiles(keys)
        where = locate(*tile_centres(x, y, z), communes.geometry.values)
        keys_in.append(keys[where >= 0])
        keys_out.append(keys[where < 0])
    inside = pd.unique(np.concatenate(keys_in))[:inside_wanted]
    outside = pd.unique(np.concatenate(keys_out))[:outside_wanted]
    keys = np.concatenate([inside, outside])
    keys = keys[rng.permutation(len(keys))]
    x, y, z, _ = quadkey_tiles(keys)
    size = np.exp2(z)

    def lat_of(row):
        return np.degrees(np.arctan(np.sinh(np.pi * (1.0 - 2.0 * row / size))))

    boxes = shapely.box(x / size * 360 - 180, lat_of(y + 1), (x + 1) / size * 360 - 180, lat_of(y))
    tests = rng.integers(1, 60, len(keys))
    return pd.DataFrame(
        {
            "quadkey": pd.Series(keys, dtype="str"),
            "tile": shapely.to_wkt(boxes, rounding_precision=8),
            "avg_d_kbps": rng.gamma(2.0, 12000.0, len(keys)).round().astype("int64"),
            "avg_u_kbps": rng.gamma(2.0, 4000.0, len(keys)).round().astype("int64"),
            "avg_lat_ms": rng.integers(4, 150, len(keys)),
            "tests": tests,
            "devices": np.minimum(tests, rng.integers(1, 20, len(keys))),
        }
    )


def vectorised(tiles: pd.DataFrame, communes) -> tuple[pd.DataFrame, np.ndarray]:
    from observatory.etl.connectors.ookla import assign_tiles, quadkey_tiles

    x, y, z, _valid = quadkey_tiles(tiles["quadkey"])
    typed = pd.DataFrame(
        {
            "x": x,
            "y": y,
            "zoom": z,
            "tests": tiles["tests"],
            "devices": tiles["devices"],
            "avg_d_kbps": tiles["avg_d_kbps"],
            "avg_u_kbps": tiles["avg_u_kbps"],
            "avg_lat_ms": tiles["avg_lat_ms"],
        }
    )
    result = assign_tiles(typed, communes)
    return result.sums, result.where


def naive(tiles: pd.DataFrame, communes) -> tuple[pd.DataFrame, np.ndarray]:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        tiles.drop(columns="tile"), geometry=gpd.GeoSeries.from_wkt(tiles["tile"]), crs=4326
    )
    joined = gpd.sjoin(
        frame, communes[["code", "geometry"]].reset_index(drop=True), predicate="intersects", how="inner"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    d = joined["tests"] * joined["avg_d_kbps"]
    sums = joined.assign(d_x_tests=d, one=1).groupby("code")[["tests", "devices", "one", "d_x_tests"]].sum()
    where = np.full(len(tiles), -1)
    where[joined.index.to_numpy()] = joined["index_right"].to_numpy()
    return sums.reindex(communes["code"], fill_value=0), where


def run_method(name: str, data: str, db: str, queue) -> None:
    import gc

    from observatory.database import Database

    communes = Database(db).read("commune", columns=["code", "province_code", "region_code", "geometry"])
    tiles = pd.read_parquet(data)
    gc.collect()
    reset_peak()
    before = rss_mb()
    start = time.perf_counter()
    sums, where = (vectorised if name == "vectorised" else naive)(tiles, communes)
    seconds = time.perf_counter() - start
    queue.put(
        {
            "method": name,
            "seconds": seconds,
            "peak_mb_above_start": peak_mb() - before,
            "peak_rss_mb": peak_mb(),
            "tests_in": int(tiles["tests"].sum()),
            "tests_assigned": int(sums["tests"].sum()),
            "tiles_assigned": int((where >= 0).sum()),
            "where": where,
        }
    )


def main() -> None:
    from observatory.database import Database
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--tiles", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures to this file.")
    args = parser.parse_args()
    db = Database(get_settings(db=args.db).db).require()
    communes = db.read("commune", columns=["code", "geometry"])
    clock = time.perf_counter()
    tiles = make_tiles(communes, args.tiles, args.seed)
    print(
        f"{len(tiles):,} synthetic tiles (seed {args.seed}) over {len(communes):,} communes "
        f"generated in {time.perf_counter() - clock:.1f} s",
        flush=True,
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "tiles.parquet")
        tiles.to_parquet(data, index=False)
        context = mp.get_context("spawn")
        for name in ("vectorised", "naive"):
            queue = context.Queue()
            process = context.Process(target=run_method, args=(name, data, db.target, queue))
            process.start()
            results[name] = queue.get()
            process.join()
            r = results[name]
            print(
                f"{name:>10}: {r['seconds']:7.2f} s, peak memory +{r['peak_mb_above_start']:,.0f} MB "
                f"(process peak {r['peak_rss_mb']:,.0f} MB), {r['tiles_assigned']:,} tiles assigned, "
                f"tests {r['tests_in']:,} = {r['tests_assigned']:,} assigned + "
                f"{r['tests_in'] - r['tests_assigned']:,} dropped",
                flush=True,
            )
    fast, slow = results["vectorised"], results["naive"]
    same = (fast["where"] == slow["where"]).mean()
    straddling = ((fast["where"] < 0) & (slow["where"] >= 0)).sum()
    print(
        f"ratio: vectorised is {slow['seconds'] / fast['seconds']:.1f}x faster than the naive sjoin; "
        f"{same:.2%} of tiles go to the same commune (the naive join also takes {straddling:,} tiles whose "
        "centre is outside every commune but whose polygon touches one)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "tiles": len(tiles),
                    "seed": args.seed,
                    **{
                        f"{k}_{m}": v
                        for m, r in results.items()
                        for k, v in r.items()
                        if k not in ("where", "method")
                    },
                    "ratio": slow["seconds"] / fast["seconds"],
                    "same_commune_share": float(same),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
