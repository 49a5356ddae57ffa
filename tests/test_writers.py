"""
Writes that lose nothing and overwrite nothing that is not ours: one writer at a time, stale staging
copies removed, file modes kept, and every state of a target told apart before anything is built.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from connectors_support import usage_csv

from observatory import private_store
from observatory.cli import main
from observatory.database import Database
from observatory.errors import DatabaseLockedError, DatabaseReadOnlyError

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))
TANGER, ASSILAH = "01.511.01.0", "01.511.01.01"


def tiny_build(path: Path) -> Database:
    """A GeoPackage with a build table: what `state()` takes for an observatory database."""
    db = Database(path)
    with db.writer(rebuild=True) as w:
        w.replace("build", pd.DataFrame([{"build_id": "b1", "status": "ok"}]))
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- states ---------------------------------------------------------------------------------------


def _foreign_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        con.execute("INSERT INTO invoices VALUES (1, 12.5)")
    return path


def _foreign_gpkg(path: Path) -> Path:
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(0, 0)], crs="EPSG:4326").to_file(
        path, layer="points", driver="GPKG"
    )
    return path


def _truncated(path: Path) -> Path:
    source = _foreign_gpkg(path.with_name("whole.gpkg"))
    path.write_bytes(source.read_bytes()[:3000])
    return path


@pytest.mark.parametrize(
    ("make", "state", "reason"),
    [
        (lambda p: p, "missing", "no observatory database at"),
        (lambda p: p.parent / "no-such-folder" / "x.gpkg", "missing", "does not exist"),
        (lambda p: (p.mkdir(), p)[1], "directory", "is a directory, not a GeoPackage file"),
        (
            lambda p: (p.write_text("not a database, a note"), p)[1],
            "not-sqlite",
            "is not a readable GeoPackage",
        ),
        (_truncated, "not-sqlite", "truncated or another format"),
        (_foreign_sqlite, "foreign", "SQLite file of another application"),
        (_foreign_gpkg, "foreign", "GeoPackage without an observatory build table"),
        (lambda p: tiny_build(p).path, "ready", "observatory database at"),
    ],
)
def test_each_state_of_a_file_target_is_told_apart(tmp_path, make, state, reason):
    path = make(tmp_path / "target.gpkg")
    got, why = Database(path).state()
    assert got == state and reason in why and "\n" not in why


def test_an_unreadable_file_is_told_apart():
    folder = Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        path = tiny_build(folder / "locked.gpkg").path
        path.chmod(0o000)
        code = (
            "from observatory.database import Database; import sys; "
            "print(*Database(sys.argv[1]).state(), sep='|')"
        )
        command = [sys.executable, "-c", code, str(path)]
        if os.geteuid() == 0:  # root reads anything: ask as an ordinary user
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
        assert out == f"unreadable|{path} cannot be read (permissions)"
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


def test_an_unreachable_server_is_told_apart():
    state, reason = Database("postgresql+psycopg://observatory:secret@127.0.0.1:9/none").state()
    assert state == "unreachable" and "no PostGIS server answers" in reason and "secret" not in reason


@pytest.mark.parametrize(
    "make", [_foreign_sqlite, _foreign_gpkg, _truncated, lambda p: (p.write_text("notes"), p)[1]]
)
def test_build_and_serve_never_overwrite_what_is_not_an_observatory_database(tmp_path, make):
    path = make(tmp_path / "app.sqlite")
    before = digest(path)
    runner = CliRunner()
    for args in (
        ["build", "--db", str(path)],
        ["serve", "--no-build", "--db", str(path)],
        ["serve", "--db", str(path)],
    ):
        out = runner.invoke(main, args)
        assert out.exit_code == 1, (args, out.output)
        assert out.output.startswith("error: ") and len(out.output.strip().splitlines()) == 1, out.output
        assert digest(path) == before
    out = runner.invoke(main, ["build", "--db", str(tmp_path)])  # a directory
    assert out.exit_code == 1 and "is a directory" in out.output and "refusing to build over it" in out.output


# -- modes and stale staging copies ----------------------------------------------------------------------


def test_a_read_only_database_is_refused_and_stays_read_only_and_other_modes_are_kept(tmp_path):
    db = tiny_build(tmp_path / "observatory.gpkg")
    db.path.chmod(0o444)
    before = digest(db.path)
    refused = r"is read-only \(mode 444\): it is left as it is; make it writable"
    with pytest.raises(DatabaseReadOnlyError, match=refused), db.writer() as w:
        w.append("build", pd.DataFrame([{"build_id": "b2", "status": "ok"}]))
    assert stat.S_IMODE(db.path.stat().st_mode) == 0o444 and digest(db.path) == before
    db.path.chmod(0o640)
    with db.writer() as w:
        w.append("build", pd.DataFrame([{"build_id": "b2", "status": "ok"}]))
    assert stat.S_IMODE(db.path.stat().st_mode) == 0o640
    assert db.read("build")["build_id"].tolist() == ["b1", "b2"]


def test_staging_copies_of_dead_writers_are_removed_at_the_next_write(tmp_path):
    db = tiny_build(tmp_path / "observatory.gpkg")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        stale = tmp_path / f".observatory.{dead.pid}.tmp.gpkg"
        running = tmp_path / f".observatory.{live.pid}.tmp.gpkg"
        other = tmp_path / ".another.12.tmp.gpkg"
        for path in (stale, running, other):
            path.write_bytes(b"\0" * 1024)
        with db.writer() as w:
            w.append("build", pd.DataFrame([{"build_id": "b2", "status": "ok"}]))
        assert not stale.exists() and running.exists() and other.exists()
    finally:
        live.kill()
        live.wait()


# -- one writer at a time ---------------------------------------------------------------------------


def test_a_second_writer_waits_then_fails_in_one_line_naming_the_holder(tmp_path):
    db = tiny_build(tmp_path / "observatory.gpkg")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from observatory.database import Database\n"
                "with Database(sys.argv[1]).lock(timeout=5):\n"
                "    print('held', flush=True); time.sleep(1.5)"
            ),
            str(db.path),
            "--pretend-load",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        clock = time.monotonic()
        with pytest.raises(DatabaseLockedError) as err, db.lock(timeout=0.5), db.writer() as w:
            w.append("build", pd.DataFrame([{"build_id": "lost", "status": "ok"}]))
        message = str(err.value)
        assert f"is being written by pid {holder.pid} (-c {db.path} --pretend-load) since 20" in message
        assert "waited 0.5 s" in message and "OBSERVATORY_LOCK_TIMEOUT" in message and "\n" not in message
        assert time.monotonic() - clock > 0.4  # it waited for the lock before giving up
    finally:
        holder.wait()
    with db.writer() as w:  # once the holder is gone the lock is free
        w.append("build", pd.DataFrame([{"build_id": "b2", "status": "ok"}]))
    assert db.read("build")["build_id"].tolist() == ["b1", "b2"]


@pytest.mark.postgis
@pytest.mark.usefixtures("postgis_db")  # after the run's PostGIS build, which holds the lock while it writes
def test_postgis_writers_take_turns_on_an_advisory_lock():
    from conftest import postgis_url, require_service
    from sqlalchemy.engine import make_url

    url = postgis_url()
    require_service(url is not None and Database(url).state()[0] != "unreachable", "PostgreSQL")
    if make_url(url).password is None:  # a password on the command line must not show in the holder's line
        url = make_url(url).set(password="secret").render_as_string(hide_password=False)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from observatory.database import Database\n"
                "with Database(sys.argv[1]).lock(timeout=5):\n"
                "    print('held', flush=True); time.sleep(1.5)"
            ),
            url,
            "--pretend-load",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseLockedError) as err, Database(url).lock(timeout=0.5):
            pass
        message = str(err.value)
        assert f"is being written by observatory pid {holder.pid} -c postgresql" in message
        assert "(server pid " in message and " since 20" in message and "waited 0.5 s" in message
        assert "\n" not in message and "secret" not in message and ":***@" in message
    finally:
        holder.wait()
    with Database(url).lock(timeout=0.5):  # free again once the holder is gone
        pass


@pytest.mark.postgis
def test_a_foreign_postgresql_schema_is_told_apart_and_never_built_over():
    from conftest import postgis_url, require_service
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = postgis_url()
    require_service(url is not None and Database(url).state()[0] != "unreachable", "PostgreSQL")
    server = create_engine(make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"observatory_foreign_{os.getpid()}"
    with server.connect() as con:
        con.execute(text(f"CREATE DATABASE {name}"))
    db = Database(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        assert db.state()[0] == "missing"
        with db.engine().begin() as con:
            con.execute(text("CREATE SCHEMA observatory"))
            con.execute(text("CREATE TABLE observatory.invoices (id integer, amount real)"))
        state, reason = db.state()
        assert state == "foreign" and "holds tables but no observatory build" in reason
        out = CliRunner().invoke(main, ["build", "--db", db.target])
        assert out.exit_code == 1 and "refusing to build over it" in out.output, out.output
        assert db.tables() == ["invoices"]
    finally:
        db.engine().dispose()
        with server.connect() as con:
            con.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        server.dispose()


def test_two_concurrent_loads_both_land_in_order(writable_db, tmp_path, tally):
    first = usage_csv(
        tmp_path / "tax.csv",
        [[TANGER, "tax", "2026-01", "web", 5000, 4000], [ASSILAH, "tax", "2026-01", "web", 300, 200]],
    )
    second = usage_csv(
        tmp_path / "social.csv", [[TANGER, "social_protection", "2026-01", "counter", 2000, 1500]]
    )
    env = {**os.environ, "OBSERVATORY_LOCK_TIMEOUT": "300"}
    clock = time.monotonic()
    runs = [
        subprocess.Popen(
            [OBSERVATORY, "load", "usage", str(path), "--db", str(writable_db.path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in (first, second)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    seconds = time.monotonic() - clock
    assert [run.returncode for run in runs] == [0, 0], outputs
    tally(f"two concurrent loads: both done in {seconds:.1f} s")
    counts = private_store.read(writable_db, "usage_count").query("period == '2026-01'")
    assert sorted(counts["service"].unique()) == ["social_protection", "tax"] and len(counts) == 3
    runs_table = writable_db.read("etl_run", where={"job": "load usage"})
    assert len(runs_table) == 2 and runs_table["status"].tolist() == ["ok", "ok"]
    first_run, second_run = runs_table.sort_values("started_at").to_dict("records")
    assert second_run["started_at"] >= first_run["ended_at"]  # one after the other, not interleaved
    tanger = writable_db.read(
        "indicator_value",
        where={"indicator_id": "usage_transactions", "period": "2026-01", "unit_code": TANGER},
    )["value"].iloc[0]
    assert abs(tanger - 7000) <= 3  # both loads' counts (published with their cell-key noise)
    assert not list(writable_db.path.parent.glob(".*.tmp.gpkg"))
