"""
The private store: what the observatory keeps but never publishes nor shares, the raw usage counts
(small ones included) with the secret record keys of cell-key perturbation (`observatory.disclosure`).
Beside a GeoPackage it is a separate SQLite file, `NAME.private.sqlite`, readable by its owner only,
that the API, the app and the reports never open and `observatory export --shareable` never copies;
on PostGIS it is the schema `observatory_private`, which nothing that serves reads. A `Writer`
sends these tables here by itself, in the same transaction as the rest of a load.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .schema import TABLES

if TYPE_CHECKING:
    from .database import Database, Writer

#: Tables that hold raw counts or perturbation keys: kept in the private store only.
PRIVATE_TABLES = ("usage_count",)
#: The PostGIS schema of the private store.
PG_PRIVATE_SCHEMA = "observatory_private"
#: The private file's mode: its owner reads and writes it, no one else.
PRIVATE_MODE = 0o600


def private_path(path: Path) -> Path:
    """The private store beside a GeoPackage."""
    return path.with_name(f"{path.stem}.private.sqlite")


def staging_path(path: Path) -> Path:
    """Where a writer of this process builds the private store's next version (see `leftovers`)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp.gpkg-private")


def read(db: Database, table: str) -> pd.DataFrame:
    """
    A private table, empty with its columns when there is none; from a database built before the
    private store existed, the copy it still holds (the next load moves it here).
    """
    if table not in PRIVATE_TABLES:
        raise ValueError(f"{table!r} is not a private table ({', '.join(PRIVATE_TABLES)})")
    empty = pd.DataFrame(columns=TABLES[table])
    if db.kind == "gpkg":
        path = private_path(db.path)
        if path.exists():
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
                if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
                    return pd.read_sql_query(f'SELECT * FROM "{table}"', con)
        return db.read(table) if table in db.tables() else empty
    from sqlalchemy import inspect, text

    with db.engine().connect() as con:
        if table in inspect(con).get_table_names(schema=PG_PRIVATE_SCHEMA):
            return pd.read_sql_query(text(f'SELECT * FROM {PG_PRIVATE_SCHEMA}."{table}"'), con)
    return db.read(table) if table in db.tables() else empty


def write_file(path: Path, source: Path | None, table: str, frame: pd.DataFrame) -> None:
    """Write a whole private table into the staging file `path`, started from `source` if given."""
    if not path.exists():
        if source is not None and source.exists():
            with (
                contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
                contextlib.closing(sqlite3.connect(path)) as dst,
            ):
                src.backup(dst)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_MODE))
        os.chmod(path, PRIVATE_MODE)
    with contextlib.closing(sqlite3.connect(path)) as con:
        frame.to_sql(table, con, if_exists="replace", index=False)
        con.commit()


def write_pg(connection: Any, table: str, frame: pd.DataFrame) -> None:
    """Write a whole private table into the PostGIS private schema, inside the writer's transaction."""
    from sqlalchemy import text

    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PG_PRIVATE_SCHEMA}"))
    frame.to_sql(table, connection, schema=PG_PRIVATE_SCHEMA, if_exists="replace", index=False)


def blank_stored(path: Path) -> None:
    """Empty the suppressed values a GeoPackage written before still stores with their number, so
    the first write after an upgrade leaves nothing hidden in the served file."""
    from . import disclosure, gpkg_rows, value_store

    with contextlib.closing(gpkg_rows.connect(path)) as con:
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (value_store.FACTS,)).fetchone():
            con.execute(disclosure.blank_stored_sql(value_store.FACTS))
            con.commit()


def blank_stored_pg(connection: Any, schema: str) -> None:
    """`blank_stored` for a PostGIS schema, inside the writer's transaction."""
    from sqlalchemy import text

    from . import disclosure, value_store

    if connection.execute(text("SELECT to_regclass(:t)"), {"t": f"{schema}.{value_store.FACTS}"}).scalar():
        connection.execute(text(disclosure.blank_stored_sql(f"{schema}.{value_store.FACTS}")))


def publish(staging: Path, path: Path) -> None:
    """Put a finished private staging file in place, readable by its owner only."""
    os.chmod(staging, stat.S_IRUSR | stat.S_IWUSR)
    os.replace(staging, private_path(path))


def write(writer: Writer, table: str, frame: pd.DataFrame) -> None:
    """
    Write a whole private table in a writer's transaction: to the private staging file that
    replaces the private store when the GeoPackage is replaced, or to the PostGIS private schema;
    a copy the published database still holds (built before the private store) is dropped.
    """
    if writer.staging_path is None:
        write_pg(writer.connection, table, frame)
        if writer._holds(table):
            from sqlalchemy import text

            writer.connection.execute(text(f'DROP TABLE {writer.schema}."{table}"'))
        return
    path = writer.db.path
    write_file(staging_path(path), None if writer.rebuild else private_path(path), table, frame)
    if writer._holds(table):
        with contextlib.closing(sqlite3.connect(writer.staging_path)) as con:
            con.execute(f'DROP TABLE "{table}"')
            present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for meta in ("gpkg_contents", "gpkg_ogr_contents", "gpkg_geometry_columns"):
                if meta in present:
                    con.execute(f"DELETE FROM {meta} WHERE table_name = ?", (table,))
            con.commit()
        writer.db._columns.pop(table, None)
