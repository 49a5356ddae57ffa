"""Rows a writer adds to a GeoPackage attribute table by SQLite read back exactly as GDAL's append
writes them, and a frame SQLite cannot store as GDAL does goes to GDAL untouched."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest

from observatory import disclosure, gpkg_rows, value_store


def frame(n: int, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "name": [f"row {i} é" for i in range(n)],
            "count": rng.integers(0, 1000, n).astype("int64"),
            "share": np.where(rng.random(n) < 0.3, np.nan, rng.random(n)),
            "note": pd.Series([None if i % 3 == 0 else f"note {i}" for i in range(n)], dtype=object),
        }
    )


@pytest.fixture
def gpkg(tmp_path):
    path = tmp_path / "t.gpkg"
    pyogrio.write_dataframe(frame(5, seed=1), path, layer="t", driver="GPKG")
    return path


def feature_count(path, table: str) -> int:
    with sqlite3.connect(path) as con:
        query = "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?"
        return int(con.execute(query, (table,)).fetchone()[0])


def test_rows_added_by_sqlite_read_back_as_gdal_writes_them(gpkg, tmp_path):
    by_gdal = tmp_path / "gdal.gpkg"
    shutil.copyfile(gpkg, by_gdal)
    added = frame(40, seed=2)
    pyogrio.write_dataframe(added, by_gdal, layer="t", driver="GPKG", append=True)
    # GDAL matches the columns by position; SQLite by name, so the order of the frame's does not count.
    assert gpkg_rows.append_rows(gpkg, "t", added[["count", "name", "note", "share"]])
    ours, theirs = pyogrio.read_dataframe(gpkg, layer="t"), pyogrio.read_dataframe(by_gdal, layer="t")
    assert len(ours) == 45
    pd.testing.assert_frame_equal(ours, theirs)
    assert feature_count(gpkg, "t") == feature_count(by_gdal, "t") == 45


@pytest.mark.parametrize(
    "added",
    [
        pd.DataFrame({"name": ["x"], "when": pd.to_datetime(["2026-01-01"])}),  # GDAL's own date format
        pd.DataFrame({"name": ["x"], "extra": [1]}),  # a column the table lacks
        pd.DataFrame({"name": [{"a": 1}]}),  # neither text nor a number
    ],
    ids=["date", "new-column", "object"],
)
def test_a_frame_sqlite_cannot_store_as_gdal_does_is_left_to_gdal(gpkg, added):
    before = gpkg.read_bytes()
    assert not gpkg_rows.append_rows(gpkg, "t", added)
    assert gpkg.read_bytes() == before


def test_no_file_or_table_is_made_by_an_append_that_cannot_be_done(gpkg, tmp_path):
    missing = tmp_path / "none.gpkg"
    assert not gpkg_rows.append_rows(missing, "t", frame(2, seed=3))
    assert not missing.exists()
    assert not gpkg_rows.append_rows(gpkg, "other", frame(2, seed=3))


def test_emptying_suppressed_values_reads_them_through_their_index():
    with sqlite3.connect(":memory:") as con:
        con.execute(value_store.fact_ddl("", sqlite=True))
        for statement in value_store.index_ddl("", sqlite=True):
            if f"ON {value_store.FACTS} " in statement:
                con.execute(statement)
        plan = con.execute("EXPLAIN QUERY PLAN " + disclosure.blank_stored_sql(value_store.FACTS)).fetchall()
    assert any(f"idx_{value_store.FACTS}_suppressed" in row[-1] for row in plan), plan
