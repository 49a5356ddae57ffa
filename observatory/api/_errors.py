"""
The API's one error shape, {"error": {"code", "message", "details"}}, for every failure: the API's
own refusals, bad parameters, the library's errors, Flask's routing errors and anything unforeseen.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from ..errors import ObservatoryError, UnknownNameError
from ._params import PREFIX, ParameterError
from ._security import redact

_log = logging.getLogger("observatory.api")


class ApiError(Exception):
    """An HTTP error with the API's one shape: {"error": {"code", "message", "details"}}."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response:
    """The JSON error body with its status (and headers such as Retry-After or Allow)."""
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def register_error_handlers(blueprint: Blueprint) -> None:
    """Answer every error raised under the blueprint (and 405s under its prefix) in the one shape."""

    @blueprint.errorhandler(ApiError)
    def api_error(err: ApiError) -> Response:
        return error_response(err.status, err.code, err.message, err.details, err.headers)

    @blueprint.errorhandler(ParameterError)
    def parameter_error(err: ParameterError) -> Response:
        return error_response(
            err.status, "invalid_parameter" if err.status == 400 else "unprocessable", str(err), err.details
        )

    @blueprint.errorhandler(UnknownNameError)
    def unknown(err: UnknownNameError) -> Response:
        return error_response(404, "not_found", str(err))

    @blueprint.errorhandler(ObservatoryError)
    def observatory_error(err: ObservatoryError) -> Response:
        status = 503 if isinstance(err, FileNotFoundError) else 422
        # The library's messages may name the database's file or URL: neither leaves the server.
        return error_response(status, "unavailable" if status == 503 else "unprocessable", redact(str(err)))

    @blueprint.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        return error_response(
            err.code or 500, (err.name or "error").lower().replace(" ", "_"), err.description or ""
        )

    @blueprint.app_errorhandler(405)
    def method_not_allowed(err: HTTPException) -> Any:
        # Routing errors are raised before a blueprint is chosen, so this handler is app-wide: it
        # answers in the API's error shape under /api/v1 and leaves every other path as it was.
        if not request.path.startswith(PREFIX + "/"):
            return err
        allowed = ", ".join(sorted(getattr(err, "valid_methods", None) or ()))
        return error_response(
            405,
            "method_not_allowed",
            f"method {request.method} is not allowed here; allowed: {allowed}",
            headers={"Allow": allowed} if allowed else None,
        )

    @blueprint.errorhandler(Exception)
    def internal(err: Exception) -> Response:  # pragma: no cover - the tests fail if this is reached
        _log.exception("unhandled error")
        return error_response(500, "internal", "internal error; the server log has the details")
