"""
DuckDB behind the connectors, for inputs beyond one machine's memory: many quarters of Ookla's
global files, or years of usage exports. DuckDB reads the Parquet files itself (a list or a glob),
skips the row groups its filters rule out by their statistics, and aggregates out of core under a
memory limit; the point-in-polygon stays in shapely, on the few distinct keys DuckDB returns.
Nothing is installed at run time (no DuckDB extension): the observatory runs offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: DuckDB's own memory budget: beyond it, its sorts and aggregates spill to a temporary directory.
MEMORY_LIMIT = "1GB"


def connect(*, memory_limit: str = MEMORY_LIMIT, threads: int | None = None) -> Any:
    """An in-memory DuckDB connection with a memory budget and no extension auto-loading."""
    try:
        import duckdb
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "engine 'duckdb' needs DuckDB: pip install -e '.[scale]' (or use the default engine)"
        ) from err

    config: dict[str, Any] = {
        "memory_limit": memory_limit,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if threads:
        config["threads"] = threads
    return duckdb.connect(":memory:", config=config)


def files_sql(paths: Sequence[str | Path]) -> str:
    """A DuckDB list literal of file paths (or globs)."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def ranges_sql(column: str, ranges: Sequence[tuple[str, str]]) -> str:
    """`column` within any of the inclusive text ranges: DuckDB prunes row groups on it."""
    return "(" + " OR ".join(f"{column} BETWEEN '{lo}' AND '{hi}'" for lo, hi in ranges) + ")"
