"""
Several server processes under gunicorn: each builds its own app after the fork (nothing but the
database and the bulk files on disk is shared), with a pool of threads, gunicorn's limits on the
request line and headers, and the bind address of the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..settings import Settings

#: Longest request line and header block gunicorn reads before answering 400 itself.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELD_SIZE = 8190


def run(make_app: Callable[[], Any], *, settings: Settings, workers: int) -> None:
    """Serve `make_app()` (called once in each worker process) with `workers` processes until stopped."""
    from gunicorn import util
    from gunicorn.app.base import BaseApplication

    from ._wsgi_errors import write_gunicorn_error

    # Answers gunicorn writes itself (a malformed request, headers too large) take the API's error
    # shape and security headers; this process serves nothing else.
    util.write_error = write_gunicorn_error

    class Observatory(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{settings.host}:{settings.port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": settings.threads,
                "keepalive": 5,
                "timeout": 120,
                "graceful_timeout": 10,
                "limit_request_line": LIMIT_REQUEST_LINE,
                "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
                "proc_name": "observatory",
                "accesslog": None,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return make_app()

    Observatory().run()
