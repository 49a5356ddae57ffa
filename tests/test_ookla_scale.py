"""
Ookla at global scale: the bounded readers (pyarrow, DuckDB) keep Morocco's tiles of a world file,
count the rest, and place real tiles where geopandas' join of the tile centroids places them.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from connectors_support import write_quarter

from observatory import placement
from observatory.database import Database
from observatory.etl.connectors import ookla, quadkeys
from observatory.etl.connectors._common import Rejects

#: Zoom-16 tiles of real places (Bing Maps tile system), written from their coordinates.
RABAT = "0331123100322321"  # Hassan Tower
CASABLANCA = "0331123030032303"  # -7.6163, 33.5895: the medina's edge, central Casablanca
DAKHLA = "0331232030300332"  # city centre
SEA = "0331213102213322"  # the Atlantic at 29° N 12.5° W, inside Morocco's bounding box
PARIS = "1202200110120003"  # Eiffel Tower
#: Morocco's extent, west, south, east, north (Lagouira to Tanger, the Atlantic to Figuig).
MOROCCO_BOX = (-17.11, 20.76, -0.99, 35.93)


def world_file(path, *, keys_here: list[str], seed: int, row_group: int = 500) -> pd.DataFrame:
    """Tiles of `keys_here`, 4,000 seeded tiles far from Morocco and one unreadable key, sorted by
    quadkey as Ookla's files are, in small row groups so that most can be skipped."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(-170, 170, 20_000), rng.uniform(-60, 70, 20_000)
    far = (lon < -20) | (lon > 2) | (lat < 18) | (lat > 39)
    keys = pd.unique(np.concatenate([quadkeys.quadkeys_at(lon[far], lat[far])[:4000], [*keys_here, PARIS]]))
    keys = np.sort(keys.astype("S16")).astype(str).tolist()
    keys.insert(1234, "03311230300323")  # 14 digits: unreadable, kept for the quarantine
    n = len(keys)
    tiles = np.full(n, None, dtype=object)
    readable = np.char.str_len(np.array(keys)) == 16
    tiles[readable] = quadkeys.tile_polygons_wkt(np.array(keys)[readable])
    return write_quarter(path, {"quadkey": keys, "tile": tiles}, rng=rng, row_group=row_group)


# -- pure ------------------------------------------------------------------------------------------


def test_box_prefixes_cover_every_tile_of_the_box_and_no_tile_far_from_it():
    prefixes = ookla.box_prefixes(MOROCCO_BOX)
    rng = np.random.default_rng(3)
    west, south, east, north = MOROCCO_BOX
    keys = quadkeys.quadkeys_at(rng.uniform(west, east, 20_000), rng.uniform(south, north, 20_000))
    assert set(k[: ookla.PREFIX_ZOOM] for k in keys) <= set(prefixes)
    ranges = ookla.prefix_ranges(prefixes)
    assert len(ranges) < len(prefixes) / 10  # neighbouring cells merge
    assert all(any(lo <= k <= hi for lo, hi in ranges) for k in keys[:2000])
    assert not any(lo <= PARIS <= hi for lo, hi in ranges)
    assert not any(p.startswith(PARIS[:4]) for p in prefixes)


@pytest.mark.parametrize("engine", ookla.ENGINES)
def test_readers_keep_moroccan_tiles_and_count_the_world_without_keeping_it(tmp_path, engine):
    path = tmp_path / "2025-04-01_performance_fixed_tiles.parquet"
    frame = world_file(path, keys_here=[RABAT, CASABLANCA, DAKHLA, SEA], seed=5)
    assert pq.ParquetFile(path).num_row_groups == 9
    scan = ookla.scan(path, MOROCCO_BOX, engine=engine)
    expected = frame.assign(row=np.arange(1, len(frame) + 1)).loc[
        frame["quadkey"].isin([RABAT, CASABLANCA, DAKHLA, SEA, "03311230300323"])
    ]
    assert scan.tiles["quadkey"].tolist() == expected["quadkey"].tolist()
    assert scan.tiles["row"].tolist() == expected["row"].tolist()  # rows of the file, for the quarantine
    assert (scan.rows, scan.skipped_rows) == (len(frame), len(frame) - 5)
    assert scan.tests == frame["tests"].sum()
    assert scan.skipped_tests == frame["tests"].sum() - expected["tests"].sum()
    assert scan.tiles.loc[scan.tiles["quadkey"] == RABAT, "tile"].iloc[0].startswith("POLYGON((-6.82")


def test_an_unknown_engine_is_named_with_the_choices(tmp_path):
    with pytest.raises(ValueError, match="unknown engine 'spark': use pyarrow or duckdb"):
        ookla.scan(tmp_path / "x.parquet", MOROCCO_BOX, engine="spark")


# -- on the built database -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def communes(built_db: Database):
    return built_db.read("commune", columns=["code", "name_fr", "province_code", "region_code", "geometry"])


def test_readers_place_real_tiles_as_the_geopandas_centroid_join_does(communes, tmp_path):
    rng = np.random.default_rng(11)
    west, south, east, north = communes.total_bounds
    inland = quadkeys.quadkeys_at(rng.uniform(west, east, 3000), rng.uniform(south, north, 3000)).tolist()
    path = tmp_path / "2025-04-01_performance_fixed_tiles.parquet"
    frame = world_file(path, keys_here=[RABAT, CASABLANCA, DAKHLA, SEA, *inland], seed=6)
    # The baseline a user writes: every polygon parsed, its centroid joined to the communes.
    tiles = frame.loc[frame["tile"].notna()]
    polygons = gpd.GeoSeries.from_wkt(tiles["tile"], crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # centroids in degrees, as the user computes them
        centroids = polygons.centroid
    points = gpd.GeoDataFrame(
        {"quadkey": tiles["quadkey"].to_numpy()}, geometry=centroids.to_numpy(), crs=4326
    )
    joined = gpd.sjoin(points, communes[["name_fr", "geometry"]], predicate="within")
    baseline = joined.drop_duplicates("quadkey").set_index("quadkey")["name_fr"].sort_index()
    assert baseline[[RABAT, CASABLANCA, DAKHLA]].tolist() == ["Rabat", "Casablanca", "Dakhla"]
    assert SEA not in baseline.index and PARIS not in baseline.index
    for engine in ookla.ENGINES:
        scan = ookla.scan(path, tuple(communes.total_bounds), engine=engine)
        valid = ookla.validate_tiles(scan.tiles, Rejects())
        where = ookla.assign_tiles(valid, communes).where
        keys = scan.tiles.set_index("row").loc[valid["row"], "quadkey"].to_numpy()
        placed = pd.Series(communes["name_fr"].to_numpy()[where[where >= 0]], index=keys[where >= 0])
        # Where the plain join places a tile, the same commune; a tile it leaves in no commune is placed
        # only within the coastal tolerance of one (`observatory.placement`).
        pd.testing.assert_series_equal(placed[baseline.index].sort_index(), baseline, check_names=False)
        extra = points.set_index("quadkey").loc[placed.index.difference(baseline.index)].to_crs(32629)
        gap = extra.distance(communes.to_crs(32629).union_all())  # UTM 29N: metres, near enough here
        assert (gap <= placement.COAST_TOLERANCE_KM * 1000 * 1.01).all() and len(extra) < 0.02 * len(placed)


def test_quarter_sums_are_the_same_with_duckdb_and_pyarrow(communes, tmp_path):
    rng = np.random.default_rng(12)
    west, south, east, north = communes.total_bounds
    paths = []
    for q in (1, 2):
        inland = quadkeys.quadkeys_at(rng.uniform(west, east, 2000), rng.uniform(south, north, 2000)).tolist()
        paths.append(tmp_path / f"2025-{3 * q - 2:02d}-01_performance_fixed_tiles.parquet")
        world_file(paths[-1], keys_here=[RABAT, CASABLANCA, *inland], seed=q)
    duck = ookla.quarter_sums(paths, communes, engine="duckdb")
    arrow = ookla.quarter_sums(paths, communes, engine="pyarrow")
    pd.testing.assert_frame_equal(duck, arrow, check_dtype=False)
    rabat = duck.loc[(duck["code"] == communes.loc[communes["name_fr"] == "Rabat", "code"].iloc[0])]
    assert (rabat["tiles"] >= 1).all() and len(duck) == 2 * len(communes)


def test_both_engines_load_a_file_with_bad_rows_to_the_same_figures_and_quarantine(communes, tmp_path):
    from observatory.provenance import RunRecord

    rng = np.random.default_rng(13)
    west, south, east, north = communes.total_bounds
    inland = quadkeys.quadkeys_at(rng.uniform(west, east, 500), rng.uniform(south, north, 500)).tolist()
    path = tmp_path / "2025-04-01_performance_fixed_tiles.parquet"
    frame = world_file(path, keys_here=[RABAT, CASABLANCA, DAKHLA, SEA, *inland], seed=7).astype(
        {"tests": str}
    )
    frame.loc[frame["quadkey"] == CASABLANCA, "tests"] = "-3"  # rejected, its row and reason kept
    frame.loc[len(frame)] = frame.loc[frame["quadkey"] == RABAT].iloc[0]  # the same tile twice
    frame.to_parquet(path, index=False, row_group_size=500)
    results = {}
    for engine in ookla.ENGINES:
        run = RunRecord(job="load", build_id="", version="")
        r = ookla.aggregate_files([path], communes, kind="fixed", quarter="2025Q2", run=run, engine=engine)
        results[engine] = (
            r.pop("values").drop(columns="run_id"),
            r,
            run.quarantine_rows().drop(columns="run_id"),
        )
    (values, summary, rejected), (values_d, summary_d, rejected_d) = results.values()
    pd.testing.assert_frame_equal(values, values_d)
    pd.testing.assert_frame_equal(rejected, rejected_d)
    assert summary == summary_d
    assert summary["tiles_read"] == len(frame) and summary["tiles_quarantined"] == 3  # bad key, tests, copy
    assert (
        summary["tests_read"]
        == summary["tests_assigned"] + summary["tests_dropped"] + summary["tests_in_rejected_rows"]
    )
