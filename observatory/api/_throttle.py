"""
Slots for heavy requests (full-detail GeoJSON of many units, solving a plan, sending a large body):
a few run at a time and the others are answered 503 with Retry-After at once, so they never hold
every server thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Response

from ._errors import ApiError

#: Bodies larger than this (bytes) are sent while holding a heavy-request slot, in chunks.
HEAVY_BYTES = 1_000_000
#: Seconds a client is asked to wait when every heavy-request slot is busy (503).
RETRY_AFTER = 5


def busy() -> ApiError:
    return ApiError(
        503,
        "busy",
        f"the server is busy with other heavy requests; retry in {RETRY_AFTER} s, "
        "or ask for less (detail=low, a région, a smaller page)",
        headers={"Retry-After": str(RETRY_AFTER)},
    )


class Throttle:
    """At most `slots` heavy requests at a time; one more is refused (503), never queued."""

    def __init__(self, slots: int) -> None:
        self._slots = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a slot while the block runs; ApiError 503 if none is free."""
        if not self._slots.acquire(blocking=False):
            raise busy()
        try:
            yield
        finally:
            self._slots.release()

    def deliver(self, response: Response) -> Response:
        """
        A large body goes out in chunks while it holds a heavy-request slot (503 when none is free):
        the server writes a chunk only as the client takes it, so a few clients downloading large
        files hold at most `slots` threads and leave the CPU to everyone else.
        """
        if (
            response.is_streamed
            or response.status_code != 200
            or (response.content_length or 0) <= HEAVY_BYTES
        ):
            return response
        if not self._slots.acquire(blocking=False):
            raise busy()
        body = response.get_data()
        streamed = Response(
            _HeldBody(body, self._slots.release),
            status=200,
            mimetype=response.mimetype,
            headers=response.headers,
        )
        streamed.headers["Content-Length"] = str(len(body))
        return streamed


class _HeldBody:
    """A response body in chunks that releases its slot once: when the last chunk is taken or the server
    closes it."""

    def __init__(self, body: bytes, release: Callable[[], None], chunk: int = 256 * 1024) -> None:
        self._release: Callable[[], None] | None = release
        self.body, self.chunk = body, chunk
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), self.chunk):
            yield self.body[start : start + self.chunk]
        self.close()

    def close(self) -> None:
        with self._lock:
            release, self._release = self._release, None
        if release is not None:
            release()
