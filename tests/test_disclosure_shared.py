"""
Disclosure control of what is shared: the database that is served or handed over holds no raw count,
no perturbation key and no suppressed value, and an attacker who holds only the shareable file (read
with SQL, not through the library's masking) recovers no hidden count for certain.
"""

from __future__ import annotations

import sqlite3
import stat

import pandas as pd
from click.testing import CliRunner
from connectors_support import usage_csv
from test_disclosure import LEVELS, PERIODS, export_rows, published_cells, recovered, true_cells

from observatory import disclosure, private_store
from observatory.cli import main
from observatory.etl.connectors import usage


def file_tables(path) -> dict[str, list[str]]:
    """Every table of an SQLite file and its columns."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
        return {n: [c[1] for c in con.execute(f'PRAGMA table_info("{n}")')] for n in names}


def shared_values(path) -> pd.DataFrame:
    """Every usage value the file stores, read with SQL: nothing masks what it holds."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        return pd.read_sql_query(
            "SELECT * FROM indicator_value WHERE indicator_id LIKE 'usage%' AND period IN (?, ?)",
            con,
            params=list(PERIODS),
        )


def shared_population(path) -> pd.Series:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        frames = [
            pd.read_sql_query(f'SELECT code, population_2024 FROM "{level}"', con).assign(level=level)
            for level in LEVELS
        ]
    return pd.concat(frames).set_index(["level", "code"])["population_2024"].astype(float)


def test_an_old_database_exported_shareable_loses_its_raw_counts_and_hidden_values(writable_db, tmp_path):
    legacy = "usage_count" in writable_db.tables()  # a database built before the private store
    out = tmp_path / "shared.gpkg"
    result = CliRunner().invoke(main, ["export", "--shareable", str(out), "--db", str(writable_db.path)])
    assert result.exit_code == 0, result.output
    assert "shareable copy written" in result.output
    tables = file_tables(out)
    assert "usage_count" not in tables and not any("record_key" in c for c in tables.values())
    if legacy:
        assert "private tables dropped: usage_count" in result.output
    with sqlite3.connect(out) as con:
        left = con.execute(
            "SELECT count(*) FROM value_fact WHERE suppressed = 1 AND value IS NOT NULL"
        ).fetchone()[0]
    assert left == 0
    again = CliRunner().invoke(main, ["export", "--shareable", str(out), "--db", str(writable_db.path)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_no_hidden_count_can_be_derived_from_the_shared_file(writable_db, tmp_path, tally):
    export = export_rows()
    usage.load([usage_csv(tmp_path / "export.csv", export.values.tolist())], db=writable_db)
    # The served database: no raw counts, no keys, no suppressed value; those are in the private store.
    served = file_tables(writable_db.path)
    assert "usage_count" not in served and not any("record_key" in c for c in served.values())
    private = private_store.private_path(writable_db.path)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "record_key" in file_tables(private)["usage_count"]

    out = tmp_path / "shared.gpkg"
    result = CliRunner().invoke(main, ["export", "--shareable", str(out), "--db", str(writable_db.path)])
    assert result.exit_code == 0, result.output
    values = shared_values(out)
    hidden_rows = values["suppressed"] == 1
    assert hidden_rows.sum() > 500
    assert values.loc[hidden_rows, ["value", "se", "lower", "upper"]].isna().all().all()

    truth = true_cells(export)
    published = published_cells(values.dropna(subset=["value"]), shared_population(out))
    after = recovered(truth, published, noise=disclosure.MAX_NOISE)
    tally(
        f"shared-file attack: {len(values):,} usage values in the file, {int(hidden_rows.sum()):,} stored "
        f"without their number; {after['hidden']:,} hidden counts, {after['pinned']} pinned, "
        f"{after['recovered']} recovered"
    )
    assert after["hidden"] > 400 and after["pinned"] == 0 and after["recovered"] == 0
