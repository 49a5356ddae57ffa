"""
The API's response cache: least recently used entries go first, and the whole cache is bounded in
bytes as well as in entries, so a few large answers cannot fill the server's memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class ResponseCache:
    """Thread-safe LRU of response bodies, emptied when `stamp` (the database's version) changes."""

    def __init__(
        self, *, entries: int = 256, max_bytes: int = 64_000_000, max_entry_bytes: int = 4_000_000
    ) -> None:
        self.entries, self.max_bytes, self.max_entry_bytes = entries, max_bytes, max_entry_bytes
        self._items: OrderedDict[Hashable, tuple[bytes, Any]] = OrderedDict()
        self._bytes = 0
        self._stamp: Any = None
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, stamp: Any) -> tuple[bytes, Any] | None:
        with self._lock:
            if stamp != self._stamp:
                self._items.clear()
                self._bytes, self._stamp = 0, stamp
                return None
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, stamp: Any, body: bytes, extra: Any) -> None:
        """Keep `body` (with `extra`, e.g. its headers) unless it alone is over the per-entry limit."""
        if self.entries <= 0 or len(body) > self.max_entry_bytes:
            return
        with self._lock:
            if stamp != self._stamp:
                return
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._items[key] = (body, extra)
            self._bytes += len(body)
            while self._items and (len(self._items) > self.entries or self._bytes > self.max_bytes):
                _, (dropped, _) = self._items.popitem(last=False)
                self._bytes -= len(dropped)
