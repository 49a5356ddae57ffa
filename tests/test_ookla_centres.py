"""
Ookla's files since 2023 give each tile's centre (`tile_x`, `tile_y`, degrees rounded to 4 decimals).
The connector filters on them and places each tile by them, so every tile goes to the commune a user's
geopandas join of those centres gives: over Morocco's land, in the land the build gave from the
source's holes, and on the coast, where a centre just off the outline goes to the nearest commune
within 2 km (the user's `sjoin_nearest` in the local UTM zone). A centre not in the tile its quadkey
names, or missing, is quarantined.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from connectors_support import write_quarter
from test_geometry_coverage import COASTAL_TOWNS, FORMER_HOLES

from observatory import placement
from observatory.database import Database
from observatory.etl.connectors import ookla, quadkeys
from observatory.etl.connectors._common import Rejects
from observatory.placement import COAST_TOLERANCE_KM
from observatory.provenance import RunRecord

#: Coastal tiles whose distance to the outline, measured by the user in UTM, is this close to the
#: tolerance are not compared: there the two ways of measuring a distance may round apart.
EDGE_M = 10.0


def block(lon: float, lat: float, half: int) -> np.ndarray:
    """The quadkeys of the (2 half + 1)² zoom-16 tiles centred on the tile that holds a point."""
    x, y, zoom, _ = quadkeys.quadkey_tiles(quadkeys.quadkeys_at(np.array([lon]), np.array([lat])))
    dx, dy = np.meshgrid(np.arange(-half, half + 1), np.arange(-half, half + 1))
    cx, cy = tile_lonlat(x[0] + dx.ravel(), y[0] + dy.ravel())
    return quadkeys.quadkeys_at(cx, cy)


def tile_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return quadkeys.tile_centres(x, y, np.full(len(x), quadkeys.ZOOM))


def centre_file(path, keys: np.ndarray, *, seed: int, row_group: int = 400) -> pd.DataFrame:
    """Ookla's schema since 2023, sorted by quadkey, in small row groups (most are far from Morocco)."""
    rng = np.random.default_rng(seed)
    keys = np.sort(pd.unique(keys).astype("S16")).astype(str)
    lon, lat = quadkeys.tile_centres(*quadkeys.quadkey_tiles(keys)[:3])
    tiles = {"quadkey": keys, "tile": quadkeys.tile_polygons_wkt(keys)}
    return write_quarter(
        path, {**tiles, "tile_x": np.round(lon, 4), "tile_y": np.round(lat, 4)}, rng=rng, row_group=row_group
    )


def connector_communes(path, communes, *, engine: str = "pyarrow") -> pd.Series:
    """Commune code by quadkey of every tile the connector places, as `aggregate_files` places them."""
    box = quadkeys.bounds_of(communes)
    scan = ookla.scan(path, box, engine=engine)
    valid = ookla.validate_tiles(scan.tiles, Rejects())
    lon, lat = ookla.centres_of(valid)
    west, south, east, north = box
    valid = valid.loc[(lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)].reset_index(drop=True)
    where = ookla.assign_tiles(valid, communes).where
    keys = scan.tiles.set_index("row")["quadkey"].reindex(valid["row"]).to_numpy()
    return pd.Series(communes["code"].to_numpy()[where[where >= 0]], index=keys[where >= 0]).sort_index()


def user_communes(path, communes) -> tuple[pd.Series, set[str]]:
    """
    What a user writes: pyarrow filters the centres to Morocco's box, geopandas joins them to the
    communes, and the centres in none go to the nearest commune within the tolerance, measured in
    the UTM zone of each centre. Also the quadkeys whose distance is at the tolerance's edge.
    """
    import geopandas as gpd

    west, south, east, north = communes.total_bounds
    table = pq.read_table(
        path,
        columns=["quadkey", "tile_x", "tile_y", "tests"],
        filters=[
            ("tile_x", ">=", west),
            ("tile_x", "<=", east),
            ("tile_y", ">=", south),
            ("tile_y", "<=", north),
        ],
    )
    frame = table.to_pandas()
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["tile_x"], frame["tile_y"]), crs=4326)
    joined = gpd.sjoin(points, communes[["code", "geometry"]], predicate="within", how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    placed = joined.set_index("quadkey")["code"]
    rest = joined.loc[joined["code"].isna(), ["quadkey", "geometry"]]
    edge: set[str] = set()
    tolerance = COAST_TOLERANCE_KM * 1000.0
    zones = (31 + np.floor(rest.geometry.x / 6)).astype(int)
    for zone, part in rest.groupby(zones):
        crs = 32600 + int(zone)
        near = communes.cx[
            part.total_bounds[0] - 0.1 : part.total_bounds[2] + 0.1,
            part.total_bounds[1] - 0.1 : part.total_bounds[3] + 0.1,
        ]
        if near.empty:
            continue
        nearest = gpd.sjoin_nearest(
            part.to_crs(crs),
            near[["code", "geometry"]].to_crs(crs),
            max_distance=tolerance + EDGE_M,
            distance_col="metres",
        )
        nearest = nearest[~nearest.index.duplicated(keep="first")]
        edge |= set(nearest.loc[(nearest["metres"] - tolerance).abs() <= EDGE_M, "quadkey"])
        inside = nearest.loc[nearest["metres"] <= tolerance]
        placed.loc[inside["quadkey"].to_numpy()] = inside["code"].to_numpy()
    return placed.dropna().sort_index(), edge


@pytest.fixture(scope="module")
def communes(built_db: Database):
    return built_db.read("commune", columns=["code", "province_code", "region_code", "geometry"])


@pytest.fixture(scope="module")
def centre_tiles(communes, tmp_path_factory) -> tuple[object, pd.DataFrame, dict[str, np.ndarray]]:
    rng = np.random.default_rng(11)
    west, south, east, north = communes.total_bounds
    groups = {
        "land": quadkeys.quadkeys_at(rng.uniform(west, east, 4000), rng.uniform(south, north, 4000)),
        "holes": np.concatenate([block(lon, lat, 6) for lon, lat, _ in FORMER_HOLES]),
        "coast": np.concatenate([block(lon, lat, 8) for lon, lat, _ in COASTAL_TOWNS]),
    }
    lon, lat = rng.uniform(-170, 170, 20_000), rng.uniform(-60, 70, 20_000)
    far = (lon < west - 3) | (lon > east + 3) | (lat < south - 3) | (lat > north + 3)
    world = quadkeys.quadkeys_at(lon[far], lat[far])[:6000]
    path = tmp_path_factory.mktemp("centres") / "2025-04-01_performance_fixed_tiles.parquet"
    frame = centre_file(path, np.concatenate([*groups.values(), world]), seed=4)
    return path, frame, groups


@pytest.mark.parametrize("engine", ookla.ENGINES)
def test_every_tile_goes_to_the_commune_of_the_users_geopandas_join(centre_tiles, communes, engine):
    path, frame, groups = centre_tiles
    assert pq.ParquetFile(path).num_row_groups > 20
    mine = connector_communes(path, communes, engine=engine)
    theirs, edge = user_communes(path, communes)
    assert len(edge) <= 3, edge
    mine, theirs = mine.drop(list(edge), errors="ignore"), theirs.drop(list(edge), errors="ignore")
    assert mine.index.is_unique and theirs.index.is_unique
    assert len(mine) > 3000
    pd.testing.assert_series_equal(mine, theirs, check_names=False, check_dtype=False)
    # Each kind of place is there: tiles of the former holes in the commune that took each hole, and
    # coastal tiles both on land, just off the outline (placed) and out at sea (in no commune).
    for (_lon, _lat, code), keys in zip(
        FORMER_HOLES, np.split(groups["holes"], len(FORMER_HOLES)), strict=True
    ):
        assert (mine.reindex(keys) == code).sum() >= 20, code
    coast = mine.reindex(pd.unique(groups["coast"]))
    assert coast.notna().sum() > 100 and coast.isna().sum() > 20
    centres = frame.set_index("quadkey").loc[coast.dropna().index]
    on_land = placement.locate(
        centres["tile_x"].to_numpy(), centres["tile_y"].to_numpy(), communes.geometry.values, tolerance_km=0
    )
    assert (on_land < 0).sum() > 5  # placed by the coastal tolerance, as the user's nearest join places them


def test_a_centre_outside_its_tile_or_missing_is_quarantined_and_tests_add_up(
    centre_tiles, communes, tmp_path
):
    _, frame, groups = centre_tiles
    frame = frame.copy()
    rabat = frame.index[frame["quadkey"].isin(groups["land"])][:3]
    frame.loc[rabat[0], "tile_x"] += 0.01  # two tiles east: the centre is not in the tile the key names
    frame.loc[rabat[1], ["tile_x", "tile_y"]] = np.nan
    path = tmp_path / "2025-04-01_performance_fixed_tiles.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=400)
    run = RunRecord(job="test", build_id="", version="test")
    result = ookla.aggregate_files([path], communes, kind="fixed", quarter="2025Q2", run=run)
    reasons = " | ".join(run.quarantine_rows()["reason"].astype(str))
    assert "not in the tile its quadkey names" in reasons and "tile_x/tile_y missing" in reasons
    assert result["tiles_read"] == len(frame) and result["tests_read"] == frame["tests"].sum()
    assert result["tests_read"] == pytest.approx(
        result["tests_assigned"] + result["tests_dropped"] + result["tests_in_rejected_rows"]
    )
    bad = frame.loc[rabat[:2], "tests"].sum()
    assert result["tests_in_rejected_rows"] == bad


def test_quarter_sums_place_tiles_by_their_centres_with_either_engine(centre_tiles, communes):
    path, frame, _ = centre_tiles
    sums = {engine: ookla.quarter_sums([path], communes, engine=engine) for engine in ookla.ENGINES}
    pd.testing.assert_frame_equal(sums["duckdb"], sums["pyarrow"], check_dtype=False)
    placed = connector_communes(path, communes)
    tests = frame.set_index("quadkey").loc[placed.index, "tests"].groupby(placed.to_numpy()).sum()
    got = sums["pyarrow"].set_index("code")["tests"]
    assert (got.reindex(tests.index) == tests).all() and got.sum() == tests.sum()
