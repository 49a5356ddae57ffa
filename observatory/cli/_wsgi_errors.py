"""
The answers the WSGI servers write themselves, before the app sees a request (a malformed request
line, headers too large): in the API's error shape, {"error": {"code", "message", "details"}}, with
the security headers every other answer carries. waitress takes an error task class per channel;
gunicorn writes these answers through one function, replaced in its worker processes.
"""

from __future__ import annotations

import json
from typing import Any

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from ..api._security import API_CSP, SECURITY_HEADERS


def error_answer(status: int, reason: str, message: str) -> tuple[bytes, list[tuple[str, str]]]:
    """The JSON body and headers of a server's own error answer."""
    code = reason.lower().replace(" ", "_") or "error"
    body = json.dumps({"error": {"code": code, "message": message, "details": []}}).encode()
    headers = [("Content-Type", "application/json"), *SECURITY_HEADERS.items()]
    return body, [*headers, ("Content-Security-Policy", API_CSP)]


class _JsonErrorTask(ErrorTask):  # type: ignore[misc]
    def execute(self) -> None:
        error = self.request.error
        body, headers = error_answer(error.code, error.reason, " ".join(str(error.body).split())[:200])
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class JsonErrorChannel(HTTPChannel):  # type: ignore[misc]
    """A waitress channel whose own error answers are in the API's shape."""

    error_task_class = _JsonErrorTask


def write_gunicorn_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, answering in the API's shape."""
    from gunicorn.util import write_nonblock

    body, headers = error_answer(status_int, reason, " ".join(mesg.split())[:200])
    lines = [f"HTTP/1.1 {status_int} {reason}", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    write_nonblock(sock, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
