"""
The private store on PostGIS: after a usage load the schema that is served holds no raw count, no
perturbation key and no suppressed number, read with plain SQL (nothing masks what it holds); the
private schema holds them.
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from connectors_support import usage_csv
from sqlalchemy import text
from test_disclosure import export_rows
from test_disclosure_shared import file_tables

from observatory import disclosure, private_store, value_store
from observatory.cli import main
from observatory.database import PG_SCHEMA, Database
from observatory.etl.connectors import usage


def schema_columns(con, schema: str) -> dict[str, set[str]]:
    """Every table and view of a schema and its columns, from the catalogue."""
    rows = con.execute(
        text("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = :s"),
        {"s": schema},
    ).all()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


@pytest.mark.postgis
def test_a_usage_load_on_postgis_leaves_raw_counts_and_keys_in_the_private_schema_only(postgis_db, tmp_path):
    # A build forgets the raw counts of the build before it (here, perhaps, an earlier run's load).
    assert private_store.read(postgis_db, "usage_count").empty
    # A database written before the private store: suppressed values with their number, the raw
    # counts and their keys in the served schema.
    facts, raw_table = f"{PG_SCHEMA}.{value_store.FACTS}", f'{PG_SCHEMA}."usage_count"'
    kept = f'{private_store.PG_PRIVATE_SCHEMA}."usage_count"'
    with postgis_db.engine().begin() as con:
        legacy = con.execute(text(f"UPDATE {facts} SET value = 3 WHERE suppressed = 1")).rowcount
        con.execute(text(f"CREATE TABLE {raw_table} AS SELECT * FROM {kept}"))
    assert legacy > 0
    export = export_rows()
    usage.load([usage_csv(tmp_path / "export.csv", export.values.tolist())], db=postgis_db)
    with postgis_db.engine().connect() as con:
        public = schema_columns(con, PG_SCHEMA)
        assert value_store.FACTS in public
        assert "usage_count" not in public
        assert not [t for t, columns in public.items() if "record_key" in columns]
        hidden, numbered = con.execute(
            text(
                f"SELECT count(*), {' + '.join(f'count({c})' for c in disclosure.HIDDEN_COLUMNS)} "
                f"FROM {facts} WHERE suppressed = 1"
            )
        ).one()
        usage_hidden = con.execute(
            text(
                f"SELECT count(*) FROM {PG_SCHEMA}.{value_store.VIEW} "
                "WHERE suppressed = 1 AND indicator_id LIKE 'usage%'"
            )
        ).scalar_one()
        private = schema_columns(con, private_store.PG_PRIVATE_SCHEMA)
        raw = con.execute(text(f"SELECT count(*), count(DISTINCT record_key) FROM {kept}")).one()
    assert usage_hidden > 0 and hidden >= usage_hidden
    assert numbered == 0
    assert {"record_key"} <= private["usage_count"]
    assert raw[0] > 0 and raw[1] > 1
    # What the library reads back is the private copy, not the public schema's.
    assert len(private_store.read(postgis_db, "usage_count")) == raw[0]


@pytest.mark.postgis
def test_a_postgis_database_exports_a_shareable_geopackage_of_what_it_serves(postgis_db, tmp_path):
    out = tmp_path / "shared.gpkg"
    result = CliRunner().invoke(main, ["export", "--shareable", str(out), "--db", postgis_db.target])
    assert result.exit_code == 0, result.output
    assert "shareable copy written" in result.output
    tables = file_tables(out)
    assert "usage_count" not in tables and not any("record_key" in c for c in tables.values())
    with postgis_db.engine().connect() as con:
        served = con.execute(text(f"SELECT count(*) FROM {PG_SCHEMA}.{value_store.VIEW}")).scalar_one()
    with sqlite3.connect(f"file:{out}?mode=ro", uri=True) as con:
        copied = con.execute(f"SELECT count(*) FROM {value_store.VIEW}").fetchone()[0]
        numbered = con.execute(
            f"SELECT count(*) FROM {value_store.FACTS} WHERE suppressed = 1 AND value IS NOT NULL"
        ).fetchone()[0]
    assert copied == served > 0 and numbered == 0
    communes = Database(out).read("commune", columns=["code"])["code"]
    assert sorted(communes) == sorted(postgis_db.read("commune", columns=["code"])["code"])
