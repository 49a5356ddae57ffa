"""
A shareable copy of a database: what may leave the machine. The published GeoPackage already holds
no raw counts, no perturbation keys and no suppressed value (`observatory.private_store`,
`Writer`); a copy of one built before that is cleaned here all the same, so the copy holds only
what the API serves: private tables dropped, every suppressed value, interval and standard error
emptied, the values of quarantined rows removed (a refused row may hold a small count), and the
file rewritten (VACUUM) so no deleted page keeps what was dropped.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from . import disclosure, value_store
from .database import Database
from .errors import ValidationError
from .private_store import PRIVATE_TABLES, private_path
from .schema import UNSHARED_TABLES

#: The mode of a shareable copy: anyone may read it.
SHAREABLE_MODE = 0o644


def export_shareable(db: Database, out: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the shareable copy of a database to `out` (a new GeoPackage, from PostGIS too); returns
    what it did."""
    db.require()
    target = Path(out)
    if target.exists():
        raise ValidationError(f"{target} already exists: give export --shareable a new file")
    if db.kind == "gpkg" and target.resolve() in (db.path.resolve(), private_path(db.path).resolve()):
        raise ValidationError(f"{target} is the database itself: give export --shareable a new file")
    if not target.parent.is_dir():
        raise ValidationError(f"{target.parent} is not a folder: create it first")
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if db.kind == "gpkg":
            with (
                contextlib.closing(sqlite3.connect(f"file:{db.path}?mode=ro", uri=True)) as src,
                contextlib.closing(sqlite3.connect(staging)) as dst,
            ):
                src.backup(dst)
        else:
            _copy_served(db, staging)
        with contextlib.closing(sqlite3.connect(staging, isolation_level=None)) as con:
            report = _clean(con)
        os.chmod(staging, SHAREABLE_MODE)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return {"path": str(target), "bytes": target.stat().st_size, **report}


def _copy_served(db: Database, staging: Path) -> None:
    """Write the served schema of a PostGIS database into a new GeoPackage through the library's
    readers and writer, so the copy is the GeoPackage a build would have made; the private schema
    is never read."""
    left_out = {*value_store.STORE_TABLES, value_store.VIEW, *PRIVATE_TABLES, *UNSHARED_TABLES}
    with Database(staging).writer(rebuild=True) as writer:
        for table in db.tables():
            if table not in left_out:
                writer.replace(table, db.read(table))
        # The values one indicator at a time: the whole table at once would take gigabytes.
        indicators = db.read(value_store.VIEW, columns=["indicator_id"], distinct=True)["indicator_id"]
        for indicator in sorted(indicators):
            writer.append(value_store.VIEW, db.read(value_store.VIEW, where={"indicator_id": indicator}))


def _clean(con: sqlite3.Connection) -> dict[str, Any]:
    """Drop and blank in an open copy what must not be shared; the counts of what went."""
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    dropped = sorted((set(PRIVATE_TABLES) | UNSHARED_TABLES) & tables)
    con.execute("BEGIN")
    for table in dropped:
        con.execute(f'DROP TABLE "{table}"')
        for meta in ("gpkg_contents", "gpkg_ogr_contents", "gpkg_geometry_columns"):
            if meta in tables:
                con.execute(f"DELETE FROM {meta} WHERE table_name = ?", (table,))
    blanked = 0
    if value_store.FACTS in tables:
        blanked = con.execute(disclosure.blank_stored_sql(value_store.FACTS)).rowcount
    quarantined = 0
    if "quarantine" in tables:
        quarantined = con.execute('UPDATE quarantine SET "value" = NULL WHERE "value" IS NOT NULL').rowcount
    con.execute("COMMIT")
    con.execute("VACUUM")
    return {
        "private_tables_dropped": dropped,
        "hidden_values_blanked": blanked,
        "quarantine_values_removed": quarantined,
    }
