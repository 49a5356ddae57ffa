"""
Synthetic global Ookla files at the scale Ookla publishes, for the scale benchmarks: one row per
distinct zoom-16 tile in Ookla's open-data schema since 2023 (`quadkey`, `tile` WKT, `tile_x` and
`tile_y` the tile's centre rounded to 4 decimals, `avg_d_kbps`, `avg_u_kbps`, `avg_lat_ms`,
`tests`, `devices`), sorted by quadkey as Ookla's files are, written in row groups as pyarrow
writes them (`--no-centroids` leaves out `tile_x`/`tile_y`, as files before 2023 do). Seeded: the
same arguments give the same file.

The world's tiles are drawn where people are, roughly: around 4,000 seeded city centres over the
inhabited latitudes with a spread of a few tens of kilometres, so that tiles cluster as Ookla's do;
Morocco gets `--morocco` tiles uniform over its communes' land and a quarter as many again in its
bounding box but outside every commune (the sea, neighbouring countries).

    .venv/bin/python benchmarks/ookla_synthetic.py --db DB --out /work/builds/ookla_synth.parquet
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Rows per Parquet row group (pyarrow's writer cuts a table into groups of at most this many rows).
ROW_GROUP = 262_144


def world_keys(rng: np.random.Generator, n: int, box: tuple[float, float, float, float]) -> np.ndarray:
    """About `n` distinct quadkeys of tiles around seeded city centres, none in Morocco's box."""
    from observatory.etl.connectors.quadkeys import quadkeys_at

    west, south, east, north = box
    centres_lon = rng.uniform(-170, 175, 4000)
    centres_lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-45)), np.sin(np.radians(65)), 4000)))
    away = ~(
        (centres_lon > west - 1)
        & (centres_lon < east + 1)
        & (centres_lat > south - 1)
        & (centres_lat < north + 1)
    )
    centres_lon, centres_lat = centres_lon[away], centres_lat[away]
    keys: list[np.ndarray] = []
    total = 0
    while total < n:
        pick = rng.integers(0, len(centres_lon), 2_000_000)
        spread = rng.exponential(0.25, 2_000_000)
        angle = rng.uniform(0, 2 * np.pi, 2_000_000)
        lon = np.clip(centres_lon[pick] + spread * np.cos(angle), -179.99, 179.99)
        lat = np.clip(centres_lat[pick] + spread * np.sin(angle), -84.0, 84.0)
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        keys.append(quadkeys_at(lon[~inside], lat[~inside]))
        keys = [pd.unique(np.concatenate(keys))]
        total = len(keys[0])
    return keys[0][:n]


def morocco_keys(rng: np.random.Generator, communes, n: int) -> np.ndarray:
    """`n` distinct quadkeys whose tile centre is in a commune, and n / 4 in the box but in none."""
    from observatory.etl.connectors.quadkeys import locate, quadkey_tiles, quadkeys_at, tile_centres

    west, south, east, north = communes.total_bounds
    inside, outside = [], []
    while sum(map(len, inside)) < n or sum(map(len, outside)) < n // 4:
        keys = pd.unique(
            quadkeys_at(rng.uniform(west, east, 1_000_000), rng.uniform(south, north, 1_000_000))
        )
        x, y, z, _ = quadkey_tiles(keys)
        where = locate(*tile_centres(x, y, z), communes.geometry.values)
        inside.append(keys[where >= 0])
        outside.append(keys[where < 0])
    return np.concatenate(
        [pd.unique(np.concatenate(inside))[:n], pd.unique(np.concatenate(outside))[: n // 4]]
    )


def write(
    path: Path, keys: np.ndarray, rng: np.random.Generator, *, chunk: int = 1_048_576, centroids: bool = True
) -> None:
    """The tiles of sorted `keys` with seeded measurements, written chunk by chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from observatory.etl.connectors.quadkeys import quadkey_tiles, tile_centres, tile_polygons_wkt

    writer = None
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        tests = rng.integers(1, 60, len(part))
        lon, lat = tile_centres(*quadkey_tiles(part)[:3])
        centre = {"tile_x": np.round(lon, 4), "tile_y": np.round(lat, 4)} if centroids else {}
        table = pa.table(
            {
                "quadkey": pa.array(part, pa.string()),
                "tile": pa.array(tile_polygons_wkt(part), pa.string()),
                **centre,
                "avg_d_kbps": rng.gamma(2.0, 12000.0, len(part)).round().astype("int64"),
                "avg_u_kbps": rng.gamma(2.0, 4000.0, len(part)).round().astype("int64"),
                "avg_lat_ms": rng.integers(4, 150, len(part)),
                "tests": tests,
                "devices": np.minimum(tests, rng.integers(1, 20, len(part))),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
    if writer is not None:
        writer.close()


def make(path: Path, communes, *, tiles: int, morocco: int, seed: int, centroids: bool = True) -> Path:
    """Write a synthetic global quarter of `tiles` rows (of which Morocco's) to `path`."""
    from observatory.etl.connectors.ookla import quadkey_tiles

    rng = np.random.default_rng(seed)
    moroccan = morocco_keys(rng, communes, morocco)
    keys = np.concatenate([moroccan, world_keys(rng, tiles - len(moroccan), tuple(communes.total_bounds))])
    keys = np.sort(keys.astype("S16")).astype(str)
    assert quadkey_tiles(keys[:10])[3].all()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    write(tmp, keys, rng, centroids=centroids)
    tmp.replace(path)
    return path


def main() -> None:
    from observatory.database import Database
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tiles", type=int, default=6_000_000)
    parser.add_argument("--morocco", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-centroids", action="store_true", help="Leave out tile_x and tile_y.")
    args = parser.parse_args()
    communes = Database(get_settings(db=args.db).db).require().read("commune", columns=["code", "geometry"])
    clock = time.perf_counter()
    make(
        args.out,
        communes,
        tiles=args.tiles,
        morocco=args.morocco,
        seed=args.seed,
        centroids=not args.no_centroids,
    )
    print(f"{args.out}: {args.out.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - clock:.0f} s")


if __name__ == "__main__":
    main()
