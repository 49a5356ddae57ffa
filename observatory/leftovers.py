"""
What killed runs leave beside a GeoPackage, and its removal. A writer works on a staging copy
(`.NAME.PID.tmp.gpkg`, with SQLite's journal beside it) under a lock file (`NAME.gpkg.lock`); a run
killed with SIGKILL leaves all three. The first time a process opens a GeoPackage it removes the
staging copies of processes that are gone and a lock file no one holds, so every command cleans up
after the runs that died, and nothing of a writer at work is touched.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: What a writer keeps beside its staging copy: the private store's next version (`private_store`), and
#: what SQLite leaves beside a file it writes (a rollback journal, or a write-ahead log and its index).
SIDE_FILES = ("-private-journal", "-private", "-journal", "-wal", "-shm")

#: GeoPackages this process has already tidied (`tidy_once`).
_TIDIED: set[str] = set()


def remove_stale_staging(path: Path) -> list[Path]:
    """
    Delete the staging copies (`.NAME.PID.tmp.gpkg`) of writers whose process is gone, with the
    files beside them (`SIDE_FILES`); returns what was removed.
    """
    removed = []
    suffix = ".tmp.gpkg"
    for candidate in path.parent.glob(f".{path.stem}.*{suffix}*"):
        name = candidate.name
        side = next((s for s in SIDE_FILES if name.endswith(suffix + s)), "")
        if not name.endswith(suffix + side):
            continue
        pid = name[len(path.stem) + 2 : -len(suffix + side)]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def remove_stale_lock(path: Path) -> list[Path]:
    """
    Delete the lock file beside a GeoPackage when no process holds it: it is taken first, so a
    writer at work keeps its lock, and a writer that opened it meanwhile sees the file gone and
    opens the new one (`_file_lock` checks that it locked the file the path names).
    """
    import fcntl

    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:
        return []
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        if not names_open_file(fd, lock_path):
            return []
        lock_path.unlink()
        return [lock_path]
    except OSError:
        return []
    finally:
        os.close(fd)


def remove_leftovers(path: Path) -> list[Path]:
    """What killed runs left beside a GeoPackage (staging copies, their journals, a free lock file),
    deleted; returns it. Safe while other processes read or write the database."""
    return remove_stale_staging(path) + remove_stale_lock(path)


def tidy_once(path: Path) -> None:
    """`remove_leftovers` the first time this process opens a GeoPackage: every command that opens
    a database cleans up after the runs that were killed; a folder it may not write is left as it is."""
    key = os.path.abspath(path)
    if key in _TIDIED:
        return
    _TIDIED.add(key)
    with contextlib.suppress(OSError):
        remove_leftovers(Path(path))


def names_open_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the open file `fd` (not removed, nor replaced by another)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
