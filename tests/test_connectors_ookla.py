"""Ookla tiles: quadkey decoding, exact aggregates, conservation of tests, bad inputs, both file formats."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from click.testing import CliRunner
from connectors_support import ookla_frame, points_in, state

from observatory import placement, registry
from observatory.cli import main
from observatory.database import Database
from observatory.errors import ValidationError
from observatory.etl.connectors import ookla, quadkeys

TANGER, ASSILAH, GUEZNAIA = "01.511.01.0", "01.511.01.01", "01.511.01.09"
FILE = "2025-04-01_performance_fixed_tiles.parquet"


@pytest.fixture(scope="module")
def communes(built_db: Database) -> gpd.GeoDataFrame:
    return built_db.read("commune", columns=["code", "province_code", "region_code", "geometry"]).set_index(
        "code", drop=False
    )


def tiles(communes) -> pd.DataFrame:
    """Two tiles in Tanger, one in Assilah, one in the Atlantic, one in Spain: known figures."""
    t_lon, t_lat = points_in(communes.geometry[TANGER], 2, seed=1)
    a_lon, a_lat = points_in(communes.geometry[ASSILAH], 1, seed=2)
    lon = np.r_[t_lon, a_lon, -12.5, -3.70]
    lat = np.r_[t_lat, a_lat, 33.0, 40.42]
    return ookla_frame(
        lon,
        lat,
        d_kbps=[50000, 5000, 30000, 90000, 90000],
        u_kbps=[10000, 2000, 8000, 1, 1],
        lat_ms=[20, 60, 30, 5, 5],
        tests=[30, 10, 5, 7, 100],
        devices=[12, 4, 3, 2, 50],
    )


# -- pure functions ---------------------------------------------------------------------------------


def test_quadkeys_decode_to_the_tiles_bing_defines():
    x, y, zoom, valid = ookla.quadkey_tiles(
        pd.Series(["0331123030032303", "3333333333333333", "0123", None, "03311230300323a3"])
    )
    assert valid.tolist() == [True, True, False, False, False]
    assert (x[0], y[0], zoom[0]) == (31381, 26269, 16)  # Casablanca
    assert (x[1], y[1]) == (65535, 65535)
    lon, lat = ookla.tile_centres(x[:1], y[:1], zoom[:1])
    assert lon[0] == pytest.approx(-7.616272, abs=1e-6) and lat[0] == pytest.approx(33.589455, abs=1e-6)
    assert quadkeys.quadkeys_at(lon, lat).tolist() == ["0331123030032303"]


@pytest.fixture(autouse=True)
def cache_folder(tmp_path_factory, monkeypatch):
    """The tile grid's cache in a folder of this test run, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


def test_grid_places_tiles_exactly_as_point_in_polygon(communes):
    rng = np.random.default_rng(7)
    west, south, east, north = communes.total_bounds
    # Sparse tiles over the whole box, and every tile of 60 km × 60 km around Casablanca and Rabat
    # (its coast, its arrondissements' borders); each placed by a point anywhere in its tile (a
    # file's rounded centre may be off the true one), the corners and edges included.
    grids = [
        np.meshgrid(np.arange(lon - 0.3, lon + 0.3, 0.005), np.arange(lat - 0.3, lat + 0.3, 0.005))
        for lon, lat in ((-7.6, 33.55), (-6.85, 33.97))
    ]
    keys = np.concatenate(
        [
            quadkeys.quadkeys_at(rng.uniform(west, east, 50000), rng.uniform(south, north, 50000)),
            *(quadkeys.quadkeys_at(gx.ravel(), gy.ravel()) for gx, gy in grids),
        ]
    )
    x, y, zoom, _ = ookla.quadkey_tiles(keys)
    w, s, e, n = quadkeys.tile_bounds(x, y, zoom)
    u, v = rng.choice([0.0, 0.5, 1.0, rng.uniform()], size=(2, len(x)))
    lon, lat = w + u * (e - w), s + v * (n - s)
    fast = ookla.locate_tiles(x, y, zoom, communes.geometry.values, lon=lon, lat=lat)
    assert (fast == placement.locate(lon, lat, communes.geometry.values)).all()
    # Ookla's rounded centres: the grid's kept answers for the tiles an outline or the coast crosses.
    from observatory.etl.connectors import ookla_grid

    rounded_lon, rounded_lat = ookla_grid.rounded_centres(x, y)
    grid = ookla_grid.tile_grid(communes.geometry.values)
    marked = grid.owner[y - grid.y0, x - grid.x0] == ookla_grid.EXACT
    assert marked.sum() > 1000
    at_rounded = ookla.locate_tiles(x, y, zoom, communes.geometry.values, lon=rounded_lon, lat=rounded_lat)
    assert (at_rounded == placement.locate(rounded_lon, rounded_lat, communes.geometry.values)).all()
    centre_lon, centre_lat = ookla.tile_centres(x, y, zoom)
    naive = gpd.sjoin(
        gpd.GeoDataFrame(geometry=gpd.points_from_xy(centre_lon, centre_lat), crs=4326),
        communes[["geometry"]].reset_index(drop=True),
        predicate="within",
        how="left",
    )
    naive = naive[~naive.index.duplicated()]["index_right"].fillna(-1).astype(int).to_numpy()
    inside = naive >= 0
    at_centres = ookla.locate_tiles(x, y, zoom, communes.geometry.values)
    assert (at_centres[inside] == naive[inside]).all()
    sparse, off = slice(0, 50000), ~inside[:50000]
    assert 0 < (at_centres[sparse][off] >= 0).sum() < 0.01 * off.sum()
    assert 0.2 < (at_centres[sparse] >= 0).mean() < 0.5  # Morocco fills about a third of its bounding box


def test_the_grid_is_built_once_kept_on_disk_and_rebuilt_for_other_communes(communes, tmp_path):
    from observatory.etl.connectors import ookla_grid

    polygons = communes.geometry.values
    ookla_grid._memory.clear()
    built = ookla_grid.tile_grid(polygons, cache=tmp_path)
    (saved,) = tmp_path.glob("ookla-grid-*.npy")
    ookla_grid._memory.clear()
    again = ookla_grid.tile_grid(polygons, cache=tmp_path)
    assert (
        again is not built
        and (again.owner == built.owner).all()
        and (again.x0, again.y0) == (built.x0, built.y0)
    )
    # Most tiles are answered by the grid: the outlines and the coast leave a few percent to test.
    land = (built.owner >= 0).sum()
    assert (built.owner == ookla_grid.EXACT).sum() < 0.15 * land
    moved = shapely.affinity.translate(polygons[0], xoff=1e-9)
    other = np.asarray(polygons).copy()
    other[0] = moved
    assert ookla_grid.fingerprint(other) != ookla_grid.fingerprint(polygons)
    saved.write_bytes(b"not a grid")  # a damaged cache file is rebuilt, not read
    ookla_grid._memory.clear()
    assert (ookla_grid.tile_grid(polygons, cache=tmp_path).owner == built.owner).all()


def test_parse_quarter_and_inference_from_ookla_names(tmp_path):
    assert ookla.parse_quarter("2025-q2") == "2025Q2" and ookla.parse_quarter("2025-10-01") == "2025Q4"
    with pytest.raises(ValidationError, match=r"period '2025-13' is not a quarter: write it as YYYYQn"):
        ookla.parse_quarter("2025-13")
    assert ookla.infer(
        [tmp_path / "2025-07-01_performance_mobile_tiles.parquet"], kind=None, quarter=None
    ) == ("mobile", "2025Q3")
    with pytest.raises(ValidationError, match="pass --type fixed or --type mobile"):
        ookla.infer([tmp_path / "tiles.parquet"], kind=None, quarter="2025Q1")


# -- loading --------------------------------------------------------------------------------------


def test_parquet_aggregates_to_communes_and_up_with_test_weights_and_conserved_tests(
    writable_db, communes, tmp_path
):
    tiles(communes).to_parquet(tmp_path / FILE, index=False)
    r = ookla.load([tmp_path / FILE], db=writable_db)
    assert (r["type"], r["quarter"], r["tiles_read"], r["tiles_assigned"]) == ("fixed", "2025Q2", 5, 3)
    assert (r["tiles_skipped_outside_box"], r["tiles_dropped_outside"], r["tiles_quarantined"]) == (1, 1, 0)
    assert (r["tests_read"], r["tests_assigned"], r["tests_dropped"]) == (152, 45, 107)
    assert r["tests_read"] == r["tests_assigned"] + r["tests_dropped"] + r["tests_in_rejected_rows"]
    v = writable_db.read("indicator_value", where={"period": "2025Q2"}).set_index(
        ["indicator_id", "level", "unit_code"]
    )
    down = v.loc["ookla_fixed_download_mbps"]
    assert down.loc[("commune", TANGER), "value"] == pytest.approx((30 * 50 + 10 * 5) / 40)  # 38.75 Mbit/s
    assert np.isnan(down.loc[("commune", ASSILAH), "value"])  # 5 tests: stored without its number
    assert down.loc[("province", "01.511"), "value"] == pytest.approx((30 * 50 + 10 * 5 + 5 * 30) / 45)
    assert down.loc[("country", "MA"), "value"] == pytest.approx(down.loc[("region", "01"), "value"])
    assert ("commune", GUEZNAIA) not in down.index  # no tile: no measurement, not a suppressed value
    assert v.loc[("ookla_fixed_latency_ms", "commune", TANGER), "value"] == pytest.approx(
        (30 * 20 + 10 * 60) / 40
    )
    assert v.loc[("ookla_fixed_tests_share_10mbps", "commune", TANGER), "value"] == pytest.approx(75.0)
    assert v.loc[("ookla_fixed_tests_share_25mbps", "province", "01.511"), "value"] == pytest.approx(
        35 / 45 * 100
    )
    assert v.loc[("ookla_fixed_tests", "country", "MA"), "value"] == 45
    assert v.loc[("ookla_fixed_tiles", "commune", TANGER), "value"] == 2
    assert v.loc[("ookla_fixed_devices", "commune", TANGER), "value"] == 16
    # Assilah's 5 tests: stored, suppressed; Tanger's 40: published. All measured, with the source.
    assert v.loc[("ookla_fixed_tests", "commune", ASSILAH), "suppressed"] == 1
    assert v.loc[("ookla_fixed_tests", "commune", TANGER), "suppressed"] == 0
    assert set(v["status"]) == {"measured"} and set(v["source_id"]) == {"ookla-fixed-2025Q2"}
    assert len(v.xs("commune", level="level")) == 8 * 2  # the communes with a tile
    source = writable_db.read("source", where={"source_id": "ookla-fixed-2025Q2"}).iloc[0]
    assert source.licence.startswith("CC BY-NC-SA 4.0") and len(source.sha256) == 64
    licences = set(writable_db.read("indicator", where={"source_id": "ookla-fixed-2025Q2"})["licence"])
    assert licences == {registry.OOKLA_LICENCE}
    run = writable_db.read("etl_run").iloc[-1]
    assert (run.rows_read, run.rows_loaded, run.rows_quarantined) == (4, 3, 1)
    assert "tests 152 = 45 assigned + 107 dropped + 0 in rejected rows" in run.message
    q = writable_db.read("quarantine", where={"run_id": run.run_id})
    assert q["reason"].tolist() == [
        "outside Morocco: the tile centre is in no commune (dropped, tests counted)"
    ]


def test_bad_tiles_are_quarantined_and_the_rest_load(writable_db, communes, tmp_path):
    frame = tiles(communes).astype({"tests": str, "avg_d_kbps": str})
    extra = frame.iloc[[0, 1, 2, 2]].copy()
    extra.iloc[0, extra.columns.get_loc("tile")] = "POLYGON((-5.8 35.7, -5.79 35.7"  # truncated WKT
    extra.iloc[1, extra.columns.get_loc("quadkey")] = "03311230300323"  # 14 digits
    extra.iloc[2, extra.columns.get_loc("tests")] = "-4"
    extra.iloc[3, extra.columns.get_loc("avg_d_kbps")] = "fast"
    bad = pd.concat([frame, extra], ignore_index=True)
    bad.loc[len(bad)] = frame.iloc[0]  # a duplicate tile
    bad.to_parquet(tmp_path / FILE, index=False)
    r = ookla.load([tmp_path / FILE], db=writable_db)
    assert (r["tiles_read"], r["tiles_assigned"], r["tiles_quarantined"]) == (10, 3, 5)
    run = writable_db.read("etl_run").iloc[-1]
    assert run.rows_read == run.rows_loaded + run.rows_quarantined == 9  # the tile in Spain was skipped
    q = writable_db.read("quarantine", where={"run_id": run.run_id})
    q = q.iloc[np.argsort(q["row"].astype(int).to_numpy(), kind="stable")]
    assert list(zip(q["row"].astype(int), q["column"], strict=True)) == [
        (4, "quadkey"),
        (6, "tile"),
        (7, "quadkey"),
        (8, "tests"),
        (9, "avg_d_kbps"),
        (10, "quadkey"),
    ]
    reasons = q.set_index(q["row"].astype(int))["reason"]
    assert reasons[6] == "invalid WKT: expected a POLYGON in EPSG:4326"
    assert reasons[7] == "invalid quadkey: expected 16 digits 0-3 as text (a zoom-16 tile)"
    assert reasons[8] == "negative value" and reasons[9] == "not a number"
    assert reasons[10] == f"duplicate tile: quadkey already in {FILE} row 1"
    tests = writable_db.read(
        "indicator_value", where={"indicator_id": "ookla_fixed_tests", "level": "country"}
    )
    assert tests["value"].tolist() == [45]


def test_loading_the_same_quarter_again_replaces_it(writable_db, communes, tmp_path):
    tiles(communes).to_parquet(tmp_path / FILE, index=False)
    ookla.load([tmp_path / FILE], db=writable_db)
    first = writable_db.read("indicator_value", where={"period": "2025Q2"}).drop(columns="run_id")
    ookla.load([tmp_path / FILE], db=writable_db)
    again = writable_db.read("indicator_value", where={"period": "2025Q2"}).drop(columns="run_id")
    pd.testing.assert_frame_equal(first, again)
    assert len(writable_db.read("etl_run", where={"job": "load ookla fixed 2025Q2"})) == 2


def write_shapefile(frame: pd.DataFrame, folder, *, prj: bool) -> str:
    geo = gpd.GeoDataFrame(frame.drop(columns="tile"), geometry=shapely.from_wkt(frame["tile"]), crs=4326)
    folder.mkdir()
    geo.to_file(folder / "gps_fixed_tiles.shp")
    archive = folder.parent / f"{folder.name}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            if prj or part.suffix != ".prj":
                z.write(part, part.name)
    return str(archive)


def test_zipped_shapefile_gives_the_same_figures_and_one_without_prj_is_refused(
    writable_db, communes, tmp_path
):
    archive = write_shapefile(tiles(communes), tmp_path / "2025-04-01_performance_fixed_tiles", prj=True)
    r = ookla.load([archive], db=writable_db)
    assert (r["tiles_assigned"], r["tests_assigned"], r["tests_dropped"]) == (3, 45, 107)
    down = writable_db.read(
        "indicator_value", where={"indicator_id": "ookla_fixed_download_mbps", "unit_code": TANGER}
    )
    assert down["value"].tolist() == [pytest.approx(38.75)]
    before = state(writable_db)
    bare = write_shapefile(tiles(communes), tmp_path / "bare", prj=False)
    with pytest.raises(ValidationError, match=r"bare\.zip: the Shapefile has no \.prj.*pass --crs EPSG:4326"):
        ookla.load([bare], db=writable_db, kind="fixed", quarter="2025Q3")
    assert state(writable_db) == before
    r = ookla.load([bare], db=writable_db, kind="fixed", quarter="2025Q3", crs="EPSG:4326")
    assert r["tests_assigned"] == 45


def test_missing_column_and_truncated_file_fail_cleanly(writable_db, communes, tmp_path):
    before = state(writable_db)
    tiles(communes).drop(columns="tests").to_parquet(tmp_path / FILE, index=False)
    with pytest.raises(
        ValidationError, match=rf"{FILE}: missing column\(s\) tests; Ookla tiles have columns quadkey, tile"
    ):
        ookla.load([tmp_path / FILE], db=writable_db)
    tiles(communes).to_parquet(tmp_path / "full.parquet", index=False)
    data = (tmp_path / "full.parquet").read_bytes()
    (tmp_path / FILE).write_bytes(data[:-200])
    with pytest.raises(ValidationError, match=r"not a readable Parquet file \(truncated or corrupt"):
        ookla.load([tmp_path / FILE], db=writable_db)
    assert state(writable_db) == before


def test_cli_load_ookla(writable_db, communes, tmp_path):
    tiles(communes).to_parquet(tmp_path / "mobile.parquet", index=False)
    out = CliRunner().invoke(
        main,
        [
            "load",
            "ookla",
            str(tmp_path / "mobile.parquet"),
            "--type",
            "mobile",
            "--quarter",
            "2025Q1",
            "--db",
            str(writable_db.path),
        ],
    )
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [
        "ookla mobile 2025Q1: 5 tiles read, 3 assigned to 2 communes, 2 outside Morocco dropped, 0 "
        "quarantined",
        "tests: 152 read = 45 assigned + 107 dropped + 0 in quarantined rows",
    ]
    out = CliRunner().invoke(
        main, ["load", "ookla", str(tmp_path / "mobile.parquet"), "--db", str(writable_db.path)]
    )
    assert out.exit_code == 1 and out.output.startswith("error: cannot tell fixed from mobile tiles")


def test_cli_load_ookla_logs_each_file_on_stderr_and_keeps_stdout_for_results(
    writable_db, communes, tmp_path
):
    tiles(communes).to_parquet(tmp_path / "mobile.parquet", index=False)
    args = ["load", "ookla", str(tmp_path / "mobile.parquet"), "--type", "mobile", "--quarter", "2025Q1"]
    out = CliRunner().invoke(main, ["-v", *args, "--db", str(writable_db.path)])
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("ookla mobile 2025Q1: 5 tiles read") and len(out.stdout.splitlines()) == 2
    log = " ".join(out.stderr.split())
    assert "mobile.parquet: 5 rows read, 4 kept in Morocco's box, 1 skipped beyond it" in log
    assert "load ookla mobile 2025Q1: 4 rows read from 1 input(s), 3 kept, 1 quarantined" in log
