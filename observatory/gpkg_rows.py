"""
Rows added to a GeoPackage attribute table by one SQLite statement. GDAL opens and checks the whole
file for every append (0.15 s a call on a built database), which a small load paid once for each of
the eight tables it adds to; SQLite inserts the same rows in milliseconds, and the GeoPackage's own
triggers keep its feature counts right.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pandas as pd

#: Kinds of column (as `pandas.api.types.infer_dtype` names them) SQLite stores as GDAL does.
_PLAIN = {"string", "empty", "integer", "floating", "mixed-integer-float"}


def connect(path: Path) -> sqlite3.Connection:
    """
    A connection to a writer's staging copy that does not flush the file to disk at each commit (a
    load commits a dozen times, each flush 10-30 ms on a busy disk): the copy is flushed once, whole,
    before it replaces the database (`sync`), and a crash before that leaves only a copy to remove.
    """
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA journal_mode = MEMORY")
    return con


def sync(path: Path) -> None:
    """Flush a staging copy to disk, so the database it replaces is never a file half written."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def insertable(frame: pd.DataFrame) -> bool:
    """Whether every column holds text or numbers (GDAL writes dates and geometries in its own forms)."""
    for name, column in frame.items():
        if name == "geometry" or pd.api.types.is_datetime64_any_dtype(column):
            return False
        if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) not in _PLAIN:
            return False
    return True


def append_rows(path: Path, table: str, frame: pd.DataFrame) -> bool:
    """
    Insert a frame's rows into an attribute table the GeoPackage at `path` already holds with all the
    frame's columns, in one transaction. False, with nothing written, when it cannot: no such file,
    table or column, or a column that is neither text nor a number.
    """
    if not path.exists() or not insertable(frame):
        return False
    with contextlib.closing(connect(path)) as con:
        kind = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone()
        if kind is None or kind[0] != "attributes":
            return False
        held = {row[1] for row in con.execute(f'PRAGMA table_info("{table}")')}
        if not set(frame.columns) <= held:
            return False
        names = ", ".join(f'"{c}"' for c in frame.columns)
        marks = ", ".join("?" * len(frame.columns))
        cells = [column.astype(object).where(column.notna(), None).tolist() for _, column in frame.items()]
        con.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', zip(*cells, strict=True))
        con.commit()
    return True
