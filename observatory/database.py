"""
Storage: one interface over a GeoPackage file (the default) and a PostGIS schema.

Reads filter with bound parameters only; column names are checked against the table, so no caller
value is ever spliced into SQL. Writes happen in a `Writer` that commits all at once: a GeoPackage
is written to a copy that replaces the file on success, PostGIS in one transaction (a full build
fills a staging schema and swaps it in), so a failed build or load leaves the previous data intact.

One writer at a time: every write holds the database's lock (an `flock` on `<file>.lock` beside a
GeoPackage, a session advisory lock on PostGIS). A second writer waits up to the lock timeout
(`OBSERVATORY_LOCK_TIMEOUT`, 60 s) and then fails with one line naming the holder. A GeoPackage
keeps its file mode across a write, and a read-only one (no owner write bit) is refused, not made
writable. Nothing outlives a run: a writer removes its lock file as it lets go, and the first time
a process opens a GeoPackage it removes what killed runs left (staging copies, their journals, a
lock file no one holds). Raw counts and perturbation keys are written to the private store beside
the database (`observatory.private_store`), and a suppressed value is stored without its number, so
the database that is served or shared holds nothing that is hidden.
SQLAlchemy and the PostgreSQL driver are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import sqlite3
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from . import disclosure, gpkg_rows, private_store, value_store
from .errors import DatabaseLockedError, DatabaseNotFoundError, DatabaseReadOnlyError, unknown_name
from .leftovers import names_open_file, remove_stale_staging, tidy_once

T = TypeVar("T")

#: PostGIS schema that holds the published tables.
PG_SCHEMA = "observatory"

#: What each GeoPackage file held when last looked at, by (path, what) → (file identity, value).
_FILE_FACTS: dict[tuple[str, str], tuple[tuple[int, int, int], Any]] = {}

#: PostgreSQL engines by URL, shared by every `Database` of the process.
_ENGINES: dict[str, Any] = {}
_ENGINES_LOCK = threading.Lock()

#: The schema's tables and views, and a table's columns in order, from the catalogue in one round trip
#: each (SQLAlchemy's inspector makes several).
_PG_TABLES = (
    "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v') ORDER BY c.relname"
)
_PG_COLUMNS = (
    "SELECT a.attname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema "
    "AND c.relname = :table AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
)

CRS = "EPSG:4326"

Filter = Mapping[str, Any]


def _is_url(target: str) -> bool:
    return "://" in target


class Database:
    """A built observatory database, addressed by a `.gpkg` path or a `postgresql+psycopg://` URL."""

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = str(target)
        if _is_url(self.target):
            if not self.target.startswith(("postgresql", "postgis")):
                raise ValueError(
                    f"unsupported database URL {self.target!r}: give a .gpkg path or a "
                    "postgresql+psycopg:// URL"
                )
            self.kind = "postgis"
        else:
            self.kind = "gpkg"
            self.path = Path(self.target)
        self._engine: Any = None
        self._columns: dict[str, list[str]] = {}

    def __repr__(self) -> str:
        return f"Database({self.display!r})"

    @property
    def display(self) -> str:
        """The target with any password hidden, for messages and provenance."""
        if self.kind == "gpkg":
            return str(self.path)
        from sqlalchemy.engine import make_url

        return make_url(self.target).render_as_string(hide_password=True)

    # -- connection -------------------------------------------------------------------------------
    def engine(self) -> Any:
        """
        The SQLAlchemy engine of a PostGIS database: one per URL in the process, so that every
        `Database` of a server draws on one pool of connections (a new `Database` opens none).
        """
        if self.kind != "postgis":
            raise TypeError("a GeoPackage is read with sqlite3 and pyogrio, not a SQLAlchemy engine")
        if self._engine is None:
            url = self.target.replace("postgis://", "postgresql+psycopg://", 1)
            if url.startswith("postgresql://"):
                url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            with _ENGINES_LOCK:
                if url not in _ENGINES:
                    import geoalchemy2  # noqa: F401 - registers the geometry type with SQLAlchemy's inspector
                    from sqlalchemy import create_engine

                    _ENGINES[url] = create_engine(url, pool_pre_ping=True)
                self._engine = _ENGINES[url]
        return self._engine

    @contextlib.contextmanager
    def _sqlite(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            yield con
        finally:
            con.close()

    def state(self) -> tuple[str, str]:
        """
        What is at the target, as (state, one-line reason): `ready` (a complete build), `missing`
        (nothing there: the only state a build may create), `directory`, `unreadable`, `not-sqlite`
        (a truncated or foreign file), `foreign` (a database that is not an observatory build),
        `unreachable` (no PostGIS server answers). Callers that write must refuse every state but
        `ready` and `missing`, so nothing that is not ours is ever overwritten.
        """
        if self.kind == "gpkg":
            return self._file_state()
        try:
            present = self.tables()
        except Exception as err:  # noqa: BLE001 - any driver failure means the server did not answer
            return "unreachable", f"no PostGIS server answers at {self.display}: {type(err).__name__}"
        if "build" in present:
            return "ready", f"observatory database at {self.display}"
        if present:
            return "foreign", f"schema {PG_SCHEMA} at {self.display} holds tables but no observatory build"
        return "missing", f"no observatory database at {self.display}"

    def _cached(self, name: str, compute: Callable[[], T]) -> T:
        """
        `compute()` of what a GeoPackage holds (its state, tables, a table's columns), remembered for the
        process while the file is the same one (inode, modification time, size): a query makes several
        reads, and each opened the file to parse its schema again. Values are never remembered.
        """
        try:
            info = os.stat(self.path)
        except OSError:
            return compute()
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        key = (os.path.abspath(self.path), name)
        seen = _FILE_FACTS.get(key)
        if seen is None or seen[0] != stamp:
            seen = _FILE_FACTS[key] = (stamp, compute())
        value: T = seen[1]
        return value

    def _file_state(self) -> tuple[str, str]:
        tidy_once(self.path)
        if self.path.is_file():
            return self._cached("state", self._read_file_state)
        return self._read_file_state()

    def _read_file_state(self) -> tuple[str, str]:
        path = self.path
        if not path.exists():
            if not path.parent.is_dir():
                return "missing", f"no observatory database at {path} (folder {path.parent} does not exist)"
            return "missing", f"no observatory database at {path}"
        if path.is_dir():
            return "directory", f"{path} is a directory, not a GeoPackage file"
        if not os.access(path, os.R_OK):
            return "unreadable", f"{path} cannot be read (permissions)"
        try:
            with self._sqlite() as con:
                names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as err:
            return "not-sqlite", f"{path} is not a readable GeoPackage (truncated or another format: {err})"
        if "gpkg_contents" not in names:
            return (
                "foreign",
                f"{path} is an SQLite file of another application, not an observatory GeoPackage",
            )
        if "build" not in self.tables():
            return "foreign", f"{path} is a GeoPackage without an observatory build table"
        return "ready", f"observatory database at {path}"

    def exists(self) -> bool:
        """Whether a complete build is there (it has its build table)."""
        return self.state()[0] == "ready"

    def require(self) -> Database:
        """Self, or a one-line error that says what is there instead and what to do."""
        state, reason = self.state()
        if state == "ready":
            return self
        if state == "missing":
            raise DatabaseNotFoundError(f"{reason}: run `observatory build --db {self.display}` first")
        raise DatabaseNotFoundError(f"{reason}; give --db the path or URL of an observatory database")

    def tables(self) -> list[str]:
        """Names of the tables and layers the database holds."""
        if self.kind == "gpkg":
            tidy_once(self.path)
            if not self.path.exists():
                return []

            def read() -> list[str]:
                with self._sqlite() as con:
                    rows = con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name").fetchall()
                return [r[0] for r in rows]

            return list(self._cached("tables", read))
        from sqlalchemy import text

        with self.engine().connect() as con:
            return [r[0] for r in con.execute(text(_PG_TABLES), {"schema": PG_SCHEMA})]

    def columns(self, table: str) -> list[str]:
        """Columns of a table (geometry included), checked so that filters name real columns."""
        if self.kind == "gpkg":
            if table not in self.tables():
                raise unknown_name("table", table, self.tables())

            def read() -> list[str]:
                with self._sqlite() as con:
                    cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")').fetchall()]
                return ["geometry" if c == "geom" else c for c in cols if c != "fid"]

            return list(self._cached(f"columns:{table}", read))
        if table not in self._columns:
            from sqlalchemy import text

            with self.engine().connect() as con:  # no columns: no such table (one round trip, not two)
                rows = con.execute(text(_PG_COLUMNS), {"schema": PG_SCHEMA, "table": table})
                found = [r[0] for r in rows]
            if not found:
                raise unknown_name("table", table, self.tables())
            self._columns[table] = [c for c in found if c != "_row"]
        return self._columns[table]

    # -- reading ----------------------------------------------------------------------------------
    def _where(self, table: str, where: Filter | None, placeholder: str) -> tuple[str, dict[str, Any]]:
        """A WHERE clause over checked column names, with every value bound as a parameter."""
        if not where:
            return "", {}
        valid = set(self.columns(table))
        clauses, params = [], {}
        for i, (column, value) in enumerate(where.items()):
            if column not in valid:
                raise unknown_name(f"column of {table}", column, valid - {"geometry"})
            if value is None:
                continue
            values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            names = [f"p{i}_{j}" for j in range(len(values))]
            params.update(
                {n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, values, strict=True)}
            )
            marks = ", ".join(placeholder.format(n) for n in names) or "NULL"
            clauses.append(f'"{column}" IN ({marks})')
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def read(
        self,
        table: str,
        *,
        where: Filter | None = None,
        columns: Sequence[str] | None = None,
        geometry: bool = True,
        distinct: bool = False,
    ) -> pd.DataFrame:
        """
        Rows of a table as a DataFrame, or a GeoDataFrame for a spatial table read with its geometry.
        `where` maps column names to a value or a list of values (all must match). `distinct` keeps
        each combination of the columns once, found by the database (ordered by those columns): a
        few hundred rows where reading every row of the fact table to drop duplicates took seconds.
        """
        if table != "build":  # the build table is what require() itself looks for
            self.require()
        valid = self.columns(table)
        if columns is not None:
            missing = [c for c in columns if c not in valid]
            if missing:
                raise unknown_name(f"column of {table}", missing[0], valid)
        spatial = geometry and "geometry" in valid and (columns is None or "geometry" in columns)
        attrs = [c for c in (columns or valid) if c != "geometry"]
        if distinct:
            if spatial:
                raise ValueError(f"distinct rows of {table} are read without their geometry (geometry=False)")
            return self._read_distinct(table, where, attrs)
        if self.kind == "gpkg":
            return self._read_gpkg(table, where, attrs, spatial)
        return self._read_pg(table, where, attrs, spatial)

    def _read_gpkg(self, table: str, where: Filter | None, attrs: list[str], spatial: bool) -> pd.DataFrame:
        clause, params = self._where(table, where, ":{}")
        if spatial:
            import pyogrio

            with self._sqlite() as con:
                fids = [r[0] for r in con.execute(f'SELECT fid FROM "{table}"{clause} ORDER BY fid', params)]
            if not fids:
                import geopandas as gpd

                return gpd.GeoDataFrame(pd.DataFrame(columns=attrs), geometry=[], crs=CRS)
            frame = pyogrio.read_dataframe(self.path, layer=table, fids=fids, columns=attrs)
            return frame.reset_index(drop=True)
        cols = ", ".join(f'"{c}"' for c in attrs)
        with self._sqlite() as con:
            return pd.read_sql_query(f'SELECT {cols} FROM "{table}"{clause} ORDER BY fid', con, params=params)

    def _read_distinct(self, table: str, where: Filter | None, attrs: list[str]) -> pd.DataFrame:
        cols = ", ".join(f'"{c}"' for c in attrs)
        clause, params = self._where(table, where, ":{}")
        if self.kind == "gpkg":
            with self._sqlite() as con:
                sql = f'SELECT DISTINCT {cols} FROM "{table}"{clause} ORDER BY {cols}'
                return pd.read_sql_query(sql, con, params=params)
        from sqlalchemy import text

        with self.engine().connect() as con:
            sql = f'SELECT DISTINCT {cols} FROM {PG_SCHEMA}."{table}"{clause} ORDER BY {cols}'
            return pd.read_sql_query(text(sql), con, params=params)

    def _read_pg(self, table: str, where: Filter | None, attrs: list[str], spatial: bool) -> pd.DataFrame:
        from sqlalchemy import text

        clause, params = self._where(table, where, ":{}")
        cols = ", ".join(f'"{c}"' for c in attrs + (["geometry"] if spatial else []))
        sql = text(f'SELECT {cols} FROM {PG_SCHEMA}."{table}"{clause} ORDER BY "_row"')
        with self.engine().connect() as con:
            if spatial:
                import geopandas as gpd

                return gpd.read_postgis(sql, con, geom_col="geometry", params=params)
            return pd.read_sql_query(sql, con, params=params)

    # -- writing ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, *, timeout: float | None = None) -> Iterator[None]:
        """
        Hold the writer lock for a block: a load holds it from its first read to its commit, so two
        loads run one after the other and the second sees what the first wrote. Re-entrant within a
        thread. `timeout` (seconds; default the settings' lock timeout) bounds the wait.
        """
        if timeout is None:
            from .settings import get_settings

            timeout = get_settings(db=self.target).lock_timeout
        if self.kind == "gpkg":
            with _file_lock(self.path, timeout=timeout):
                yield
        else:
            with _advisory_lock(self, timeout=timeout):
                yield

    def check_writable(self, *, rebuild: bool = False) -> None:
        """
        Refuse, with one line, a target this process must not write: anything but a build (or, for
        a rebuild, nothing at all), and a read-only GeoPackage, which stays as its owner left it.
        """
        state, reason = self.state()
        if rebuild and state not in ("ready", "missing"):
            raise DatabaseNotFoundError(
                f"{reason}: refusing to build over it; give --db a new path or an observatory database"
            )
        if not rebuild:
            self.require()
        if self.kind == "gpkg" and self.path.exists() and not self.path.stat().st_mode & stat.S_IWUSR:
            mode = stat.S_IMODE(self.path.stat().st_mode)
            raise DatabaseReadOnlyError(
                f"{self.path} is read-only (mode {mode:o}): it is left as it is; make it "
                f"writable (chmod u+w {self.path}) to write to it"
            )

    @contextlib.contextmanager
    def writer(self, *, rebuild: bool = False) -> Iterator[Writer]:
        """
        A transaction over the database, under the writer lock. With `rebuild`, it starts from an empty
        database that replaces the old one only if the block completes; otherwise it edits a copy
        (GeoPackage) or the live schema in one transaction (PostGIS); an error leaves it as it was.
        """
        self.check_writable(rebuild=rebuild)
        if self.kind == "gpkg":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock():
            if self.kind == "gpkg":
                with self._gpkg_writer(rebuild=rebuild) as writer:
                    yield writer
                return
            from sqlalchemy import text

            schema = f"{PG_SCHEMA}_staging" if rebuild else PG_SCHEMA
            with self.engine().begin() as con:
                if rebuild:
                    con.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    con.execute(text(f"CREATE SCHEMA {schema}"))
                yield Writer(self, connection=con, schema=schema)
                private_store.blank_stored_pg(con, schema)
                if rebuild:
                    con.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
                    con.execute(text(f"ALTER SCHEMA {schema} RENAME TO {PG_SCHEMA}"))
            self._columns.clear()

    @contextlib.contextmanager
    def _gpkg_writer(self, *, rebuild: bool) -> Iterator[Writer]:
        remove_stale_staging(self.path)
        staging = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp.gpkg")
        staging.unlink(missing_ok=True)
        mode = stat.S_IMODE(self.path.stat().st_mode) if self.path.exists() else None
        if not rebuild:
            shutil.copyfile(self.path, staging)
        private = private_store.staging_path(self.path)
        private.unlink(missing_ok=True)
        try:
            yield Writer(self, staging_path=staging, rebuild=rebuild)
            if mode is not None:
                os.chmod(staging, mode)
            private_store.blank_stored(staging)
            gpkg_rows.sync(staging)
            if private.exists():
                private_store.publish(private, self.path)
            elif rebuild:  # a new build holds no private table: none of the old one's may outlive it
                private_store.private_path(self.path).unlink(missing_ok=True)
            os.replace(staging, self.path)
        finally:
            staging.unlink(missing_ok=True)
            private.unlink(missing_ok=True)
            self._columns.clear()


def _command() -> str:
    """This process's command line, with any password in a database URL hidden."""
    command = (
        " ".join([os.path.basename(sys.argv[0]), *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    )
    return re.sub(r"(://[^:/@\s]+):[^@\s]*@", r"\1:***@", command)


def _holder() -> str:
    """Who this process is, for the lock's holder line: pid, command and since when."""
    since = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return f"pid {os.getpid()} ({_command()[:200]}) since {since}"


#: Locks this process holds, by (lock file or key, thread): file descriptor or connection, and depth.
_HELD: dict[tuple[str, int], list[Any]] = {}


@contextlib.contextmanager
def _file_lock(path: Path, *, timeout: float) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    key = (str(lock_path.resolve()), threading.get_ident())
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    import fcntl

    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if names_open_file(fd, lock_path):
                    break
                # The holder removed the file as it let go: lock the one the path names now.
                os.close(fd)
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 1024, 0).decode(errors="replace").strip() or "another process"
                    raise DatabaseLockedError(
                        f"{path} is being written by {holder}; waited {timeout:g} s: try again when it ends, "
                        "or wait longer with OBSERVATORY_LOCK_TIMEOUT"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder().encode(), 0)
        _HELD[key] = [fd, 1]
        try:
            yield
        finally:
            del _HELD[key]
            # Removed while still held, so no lock file outlives its writer.
            with contextlib.suppress(OSError):
                lock_path.unlink()
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _advisory_key() -> int:
    return int.from_bytes(
        hashlib.sha256(f"observatory writer {PG_SCHEMA}".encode()).digest()[:8], "big", signed=True
    )


@contextlib.contextmanager
def _advisory_lock(db: Database, *, timeout: float) -> Iterator[None]:
    """A session advisory lock on its own connection, named in pg_stat_activity by the holder's line."""
    from sqlalchemy import text

    key = (f"{db.display} advisory", threading.get_ident())
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield
        finally:
            _HELD[key][1] -= 1
        return
    lock_key = _advisory_key()
    with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as con:
        con.execute(
            text("SELECT set_config('application_name', :name, false)"),
            {"name": f"observatory pid {os.getpid()} {_command()}"[:63]},
        )
        deadline = time.monotonic() + timeout
        while not con.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key}).scalar_one():
            if time.monotonic() >= deadline:
                row = con.execute(
                    text(
                        "SELECT a.pid, a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND "
                        "l.granted AND l.classid = :hi AND l.objid = :lo"
                    ),
                    {"hi": (lock_key >> 32) & 0xFFFFFFFF, "lo": lock_key & 0xFFFFFFFF},
                ).first()
                holder = (
                    f"{row.application_name or 'a session'} (server pid {row.pid}, from "
                    f"{row.client_addr or 'a local socket'}) since "
                    f"{row.backend_start.isoformat(timespec='seconds')}"
                    if row
                    else "another session"
                )
                raise DatabaseLockedError(
                    f"{db.display} is being written by {holder}; waited {timeout:g} s: try again when it "
                    "ends, or wait longer with OBSERVATORY_LOCK_TIMEOUT"
                )
            time.sleep(0.05)
        _HELD[key] = [con, 1]
        try:
            yield
        finally:
            del _HELD[key]
            con.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})


#: Rows sent to the database at a time by a bulk insert: fact rows (eight numbers; 25,000 make 2 MB of CSV),
#: and rows of other tables, which pandas turns into Python tuples first (20,000 of those are about 10 MB).
_CHUNK = 25_000
_TUPLE_CHUNK = 20_000


class Writer:
    """Writes tables inside a `Database.writer()` block. Row order is kept in a `_row` column on PostGIS."""

    def __init__(
        self,
        db: Database,
        *,
        staging_path: Path | None = None,
        connection: Any = None,
        schema: str = PG_SCHEMA,
        rebuild: bool = False,
    ) -> None:
        self.db = db
        self.staging_path = staging_path
        self.connection = connection
        self.schema = schema
        self.rebuild = rebuild

    def replace(self, table: str, frame: pd.DataFrame) -> None:
        """Write a whole table, replacing any table of that name; a private table goes to the private
        store (`observatory.private_store`), and leaves the published database if it was there."""
        if table in private_store.PRIVATE_TABLES:
            private_store.write(self, table, frame)
            return
        self._write(table, frame, append=False)

    def append(self, table: str, frame: pd.DataFrame) -> None:
        """Add rows to a table, creating it if it does not exist (a private table is written whole)."""
        if table in private_store.PRIVATE_TABLES:
            raise ValueError(f"{table} is private: write it whole with replace()")
        self._write(table, frame, append=True)

    def delete(self, table: str, where: Filter) -> int:
        """Delete the rows of an attribute table that match `where`; returns how many went."""
        if self.staging_path is not None:
            with contextlib.closing(gpkg_rows.connect(self.staging_path)) as con:
                if not con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (table,)).fetchone():
                    return 0
                clause, params = self.db._where(table, where, ":{}")
                statement = (
                    value_store.delete_sql("", clause, row_column="fid")
                    if table == value_store.VIEW
                    else f'DELETE FROM "{table}"{clause}'
                )
                n = con.execute(statement, params).rowcount
                con.commit()
                return n
        from sqlalchemy import inspect, text

        inspector = inspect(self.connection)
        if table not in inspector.get_table_names(schema=self.schema) + inspector.get_view_names(
            schema=self.schema
        ):
            return 0
        clause, params = self.db._where(table, where, ":{}")
        statement = (
            value_store.delete_sql(f"{self.schema}.", clause, row_column="_row")
            if table == value_store.VIEW
            else f'DELETE FROM {self.schema}."{table}"{clause}'
        )
        deleted: int = self.connection.execute(text(statement), params).rowcount
        return deleted

    def index(self, indexes: Mapping[str, Sequence[Sequence[str]]]) -> None:
        """Create indexes (table → column tuples) on the tables this transaction holds, so filtered reads stay
        fast; on PostGIS, then gather the planner's statistics of every table (without them it takes each
        join to match one row and nests loops over thousands)."""

        def statements(present: set[str], prefix: str) -> list[str]:
            out = []
            for table, column_sets in indexes.items():
                if table not in present:
                    continue
                for columns in column_sets:
                    cols = ", ".join(f'"{c}"' for c in columns)
                    out.append(
                        f'CREATE INDEX IF NOT EXISTS idx_{table}_{"_".join(columns)} ON {prefix}"{table}" '
                        f"({cols})"
                    )
            return out

        if self.staging_path is not None:
            with contextlib.closing(gpkg_rows.connect(self.staging_path)) as con:
                present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                for statement in statements(present, ""):
                    con.execute(statement)
                con.commit()
            return
        from sqlalchemy import inspect, text

        present = set(inspect(self.connection).get_table_names(schema=self.schema))
        for statement in statements(present, f"{self.schema}."):
            self.connection.execute(text(statement))
        if present:
            tables = ", ".join(f'{self.schema}."{t}"' for t in sorted(present))
            self.connection.execute(text(f"ANALYZE {tables}"))

    def _holds(self, table: str) -> bool:
        """Whether this transaction holds a table of that name."""
        if self.staging_path is not None:
            if not self.staging_path.exists():
                return False
            with contextlib.closing(gpkg_rows.connect(self.staging_path)) as con:
                return (
                    con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone() is not None
                )
        from sqlalchemy import inspect

        return table in inspect(self.connection).get_table_names(schema=self.schema)

    def _stored(self, table: str) -> pd.DataFrame:
        """A (small) table as this transaction holds it, empty with no columns if it has no such table."""
        if not self._holds(table):
            return pd.DataFrame()
        if self.staging_path is not None:
            with contextlib.closing(gpkg_rows.connect(self.staging_path)) as con:
                return pd.read_sql_query(f'SELECT * FROM "{table}"', con)
        from sqlalchemy import text

        return pd.read_sql_query(text(f'SELECT * FROM {self.schema}."{table}"'), self.connection)

    def _write_values(self, frame: pd.DataFrame, *, append: bool) -> None:
        """
        Indicator values go to the value store's fact, series and lookup tables behind the tidy view,
        a suppressed value without its number: what is hidden is not stored where it is served.
        """
        frame = disclosure.mask(frame)
        empty = value_store.empty_tables()

        def stored(table: str) -> pd.DataFrame:
            found = self._stored(table)
            return found if len(found.columns) else empty[table]

        present = self._holds(value_store.FACTS)
        if present and not append:
            self._clear_values()
        if not len(frame) and not present:
            return
        parts, facts = value_store.encode(frame, stored)
        for table in (*value_store.LOOKUPS, value_store.UNITS, value_store.SERIES):
            if len(parts[table]):
                self._write(table, parts[table], append=True)
        if self.staging_path is not None:
            with contextlib.closing(gpkg_rows.connect(self.staging_path)) as con:
                if not present:
                    con.execute(value_store.fact_ddl("", sqlite=True))
                marks = ", ".join("?" * len(value_store.FACT_COLUMNS))
                insert = f"INSERT INTO {value_store.FACTS} VALUES ({marks})"
                for chunk in facts.chunks(_CHUNK):  # in chunks: Python rows of all 2.8 M would take GBs
                    con.executemany(insert, zip(*(chunk[c].tolist() for c in chunk.columns), strict=True))
                if not present:
                    con.execute(value_store.view_ddl("", row_column="fid"))
                    con.execute(
                        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                        "VALUES (?, 'attributes', ?, ?)",
                        (value_store.VIEW, value_store.VIEW, "indicator values in tidy form"),
                    )
                for statement in value_store.index_ddl("", sqlite=True):
                    con.execute(statement)
                con.commit()
        else:
            from sqlalchemy import text

            prefix = f"{self.schema}."
            if not present:
                self.connection.execute(text(value_store.fact_ddl(prefix, sqlite=False)))
            for chunk in facts.chunks(_CHUNK):
                _copy_numbers(self.connection, f"{prefix}{value_store.FACTS}", chunk)
            if not present:
                self.connection.execute(text(value_store.key_ddl(prefix)))
                self.connection.execute(text(value_store.view_ddl(prefix, row_column="_row")))
            for statement in value_store.index_ddl(prefix, sqlite=False):
                self.connection.execute(text(statement))
        self.db._columns.pop(value_store.VIEW, None)

    def _clear_values(self) -> None:
        """Empty the value store (a replace of the whole indicator_value table)."""
        statements = [f"DELETE FROM {{}}{table}" for table in value_store.STORE_TABLES]
        if self.staging_path is not None:
            with contextlib.closing(gpkg_rows.connect(self.staging_path)) as con:
                for statement in statements:
                    con.execute(statement.format(""))
                con.commit()
            return
        from sqlalchemy import text

        for statement in statements:
            self.connection.execute(text(statement.format(f"{self.schema}.")))

    def _write(self, table: str, frame: pd.DataFrame, *, append: bool) -> None:
        if table == value_store.VIEW:
            self._write_values(frame, append=append)
            return
        frame = _storable(frame)
        if self.staging_path is not None:
            import pyogrio

            if append and gpkg_rows.append_rows(self.staging_path, table, frame):
                self.db._columns.pop(table, None)
                return
            exists = self.staging_path.exists() and table in {
                name for name, _ in pyogrio.list_layers(self.staging_path)
            }
            pyogrio.write_dataframe(
                frame,
                self.staging_path,
                layer=table,
                driver="GPKG",
                append=append and exists,
                promote_to_multi="geometry" in frame.columns,
            )
            self.db._columns.pop(table, None)
            return
        from sqlalchemy import inspect, text

        if append and table in inspect(self.connection).get_table_names(schema=self.schema):
            start = self.connection.execute(
                text(f'SELECT COALESCE(MAX("_row"), -1) + 1 FROM {self.schema}."{table}"')
            ).scalar_one()
        else:
            start = 0
        frame = frame.assign(_row=range(start, start + len(frame)))
        how = "append" if append else "replace"
        if "geometry" in frame.columns:
            import geopandas as gpd

            gpd.GeoDataFrame(frame, geometry="geometry").to_postgis(
                table, self.connection, schema=self.schema, if_exists=how, index=False
            )
        else:
            frame.to_sql(
                table,
                self.connection,
                schema=self.schema,
                if_exists=how,
                index=False,
                chunksize=_TUPLE_CHUNK,
                method=_copy_rows,
            )
        self.db._columns.pop(table, None)


def _copy_rows(table: Any, connection: Any, keys: list[str], rows: Any) -> int:
    """pandas `to_sql` method that sends rows with PostgreSQL COPY (the pandas documentation's recipe)."""
    import csv
    import io

    rows = list(rows)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    columns = ", ".join(f'"{k}"' for k in keys)
    name = f'{table.schema}."{table.name}"' if table.schema else f'"{table.name}"'
    statement = f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())
    return len(rows)


def _copy_numbers(connection: Any, table: str, frame: pd.DataFrame) -> None:
    """
    Numeric rows to PostgreSQL by COPY, written as CSV by Arrow (C++): the fact table's 2.8 million rows
    would take seconds as Python tuples. NaN goes as NULL; floats in the shortest text that reads back
    as the same double.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    buffer = io.BytesIO()
    pa_csv.write_csv(
        pa.Table.from_pandas(frame, preserve_index=False), buffer, pa_csv.WriteOptions(include_header=False)
    )
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(buffer.getbuffer())


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Column types both backends store the same way: nullable ints as floats, objects as text."""
    out = frame.copy()
    for name, column in out.items():
        if name == "geometry":
            continue
        if pd.api.types.is_bool_dtype(column):
            out[name] = column.astype("int64")
        elif pd.api.types.is_integer_dtype(column) and column.isna().any():
            out[name] = column.astype("float64")
        elif isinstance(column.dtype, pd.CategoricalDtype):
            out[name] = column.astype("string")
    return out


#: Columns that differ between two builds of the same inputs by design (ids of the run that loaded a row).
RUN_COLUMNS = ("run_id",)


def digest_frames(frames: Mapping[str, pd.DataFrame]) -> str:
    """
    SHA-256 over the content of tables (run ids left out), to prove two builds gave the same data:
    each row is hashed by `pandas.util.hash_pandas_object` over its columns in name order, and the
    sorted row hashes are digested, so row order does not count and nothing is converted to text.
    """
    digest = hashlib.sha256()
    for table in sorted(frames):
        frame = pd.DataFrame(frames[table]).drop(columns=list(RUN_COLUMNS), errors="ignore")
        if "geometry" in frame.columns:
            import shapely

            frame["geometry"] = shapely.to_wkb(frame["geometry"].values)
        frame = frame.reindex(sorted(frame.columns), axis=1)
        rows: Any = (
            np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy()) if len(frame.columns) else []
        )
        digest.update(table.encode())
        digest.update("\x1f".join(frame.columns).encode())
        digest.update(np.asarray(rows, dtype="uint64").tobytes())
    return digest.hexdigest()


def content_digest(db: Database, tables: Sequence[str]) -> str:
    """`digest_frames` of tables as read back from a database."""
    return digest_frames({table: db.read(table) for table in tables})
