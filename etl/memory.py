"""
The build's heap. A build holds a few hundred MB of tables while its steps make and drop temporaries of
as much again; glibc keeps the pages of freed heap memory, so each step's peak would land on top of the
last one's leftovers. These helpers hand that memory back; elsewhere than glibc they do nothing, or
only collect.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Iterator


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def one_heap() -> None:
    """
    Keep worker threads (GEOS and NumPy work on the second core) on the main thread's heap: glibc gives
    each thread an arena of its own, whose freed pages stay fragmented between what the thread still
    holds, about 150 MB over the build's peak. For a process that only builds (the `build` command):
    glibc keeps the limit for the life of the process, and a server's threads want their arenas.
    """
    arena_max = -8  # M_ARENA_MAX in glibc's malloc.h
    with contextlib.suppress(OSError, AttributeError):
        _libc().mallopt(arena_max, 1)


def trim() -> None:
    """Return the free pages of the heap to the system (glibc `malloc_trim`): a few milliseconds, for the
    point where a step's temporaries are gone and the next step's are to come."""
    with contextlib.suppress(OSError, AttributeError):
        _libc().malloc_trim(0)


def release() -> None:
    """Between jobs: collect what reference cycles hold (a job's temporaries partly are), then trim."""
    gc.collect()
    trim()


@contextlib.contextmanager
def collect_young() -> Iterator[None]:
    """
    While a build runs, the cyclic collector leaves alone what was there before it: the imported
    libraries' 150,000 objects, which every collection between jobs traversed again (0.1 s each). What
    the build makes is still collected.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
