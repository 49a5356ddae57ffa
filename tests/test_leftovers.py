"""Nothing left behind: a build or load killed mid-way (SIGKILL, no chance to clean up) leaves a
staging copy, its journal and a lock file; the next command that opens the database removes them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from connectors_support import usage_csv

from observatory.cli import main
from observatory.database import Database

#: A writer that starts a transaction on its staging copy (so SQLite writes a journal) and hangs.
HANGING_WRITER = """
import sqlite3, sys, time
from observatory.database import Database
with Database(sys.argv[1]).writer() as w:
    con = sqlite3.connect(w.staging_path)
    con.execute("BEGIN IMMEDIATE")
    con.execute("CREATE TABLE half_written (x INTEGER)")
    con.execute("INSERT INTO half_written VALUES (1)")
    print("writing", flush=True)
    time.sleep(120)
"""


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def folder(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_a_writer_killed_mid_transaction_leaves_nothing_after_the_next_command(built_db, tmp_path):
    target = tmp_path / "observatory.gpkg"
    shutil.copyfile(built_db.path, target)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writer = subprocess.Popen(
        [sys.executable, "-c", HANGING_WRITER, str(target)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        kill(writer)
    staging = f".observatory.{writer.pid}.tmp.gpkg"
    assert folder(target) == sorted(
        ["observatory.gpkg", "observatory.gpkg.lock", staging, staging + "-journal"]
    )
    out = CliRunner().invoke(main, ["info", "--db", str(target)])
    assert out.exit_code == 0, out.output
    assert "How to cite: " in out.output and "digest sha256:" in out.output
    assert folder(target) == ["observatory.gpkg"]


def test_a_load_killed_while_it_writes_leaves_nothing_after_the_next_command(built_db, tmp_path):
    target = tmp_path / "db" / "observatory.gpkg"
    target.parent.mkdir()
    shutil.copyfile(built_db.path, target)
    export = usage_csv(tmp_path / "export.csv", [["01.511.01.0", "tax", "2026-01", "web", 400, 300]])
    load = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from observatory.cli import main; main()",
            "load",
            "usage",
            str(export),
            "--db",
            str(target),
        ],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging = target.parent / f".observatory.{load.pid}.tmp.gpkg"
    try:
        deadline = time.monotonic() + 120
        while not staging.exists() and load.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert staging.exists(), "the load ended before it began to write"
        time.sleep(0.2)  # mid-copy or mid-write
    finally:
        kill(load)
    assert staging.exists() and (target.parent / "observatory.gpkg.lock").exists()
    assert Database(target).exists()  # any command's first look at the database
    assert folder(target) == ["observatory.gpkg"]


def test_a_writer_that_ends_leaves_no_lock_file_and_a_held_lock_is_never_removed(built_db, tmp_path):
    target = tmp_path / "observatory.gpkg"
    shutil.copyfile(built_db.path, target)
    db = Database(target)
    with db.lock():
        assert (tmp_path / "observatory.gpkg.lock").exists()
        from observatory.leftovers import remove_leftovers

        assert remove_leftovers(target) == []
        assert (tmp_path / "observatory.gpkg.lock").exists()
    assert folder(target) == ["observatory.gpkg"]
