"""
GET /api/v1/reports/{level}/{code}: a région, province or commune report as PDF, HTML, XLSX or DOCX,
for the app's "download the report" buttons.

The API and the reports are peers that do not import one another, so the function that makes a
report is handed to the Flask app by the command that serves both (`observatory serve` sets
`app.config[REPORTER]`); a server without it answers 503. Rendering takes seconds, so at most
`SLOTS` reports render at once (others wait up to `WAIT_S`, then get a 503 with Retry-After), and
the last few reports are kept until the database changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..enums import DEFAULT_LANGUAGE, LANGUAGES, MAP_LEVELS
from ._params import CODE_PATTERN, NAME_PATTERN, Param, Route, parse

if TYPE_CHECKING:
    from flask import Blueprint, Response

#: app.config key of the callable (level, code, lang, fmt, plan) -> bytes that renders a report.
REPORTER = "REPORT_RENDERER"
MIMETYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SLOTS, WAIT_S, KEPT = 2, 20.0, 8

ROUTE = Route(
    "/reports/<level>/<code>",
    "report",
    "A région, province or commune report (PDF, HTML, XLSX, DOCX)",
    "reports",
    (
        Param("level", enum=MAP_LEVELS, location="path", description="region, province or commune."),
        Param(
            "code",
            pattern=CODE_PATTERN,
            location="path",
            description="HCP 2024 code, e.g. 08, 08.401, 08.401.01.07.",
        ),
        Param("lang", enum=LANGUAGES, default=DEFAULT_LANGUAGE, description="Language of the report."),
        Param("format", enum=tuple(MIMETYPES), default="pdf", description="File format."),
        Param(
            "plan", pattern=NAME_PATTERN, description="Include this stored deployment plan (id from /plans)."
        ),
    ),
    tuple(MIMETYPES),
    description="The report a council can table: a one-page brief, the index with its intervals, provinces "
    "and communes ranked, maps, changes since 2014, the plan when asked, sources and provenance. Sent as an "
    "attachment named rapport-<level>-<code>-<lang>.<format>; a few seconds to render.",
    extra={"content": {m: {"schema": {"type": "string", "format": "binary"}} for m in MIMETYPES.values()}},
)


def register(blueprint: Blueprint, stamp: Callable[[], Any], error: Callable[..., Response]) -> None:
    """Add the report route to the API blueprint; `stamp` changes when the database does."""
    from flask import Response, current_app, request

    slots = threading.BoundedSemaphore(SLOTS)
    kept: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
    lock = threading.Lock()

    @blueprint.route(ROUTE.path, endpoint=ROUTE.name, methods=["GET"])
    def report(level: str, code: str) -> Response:
        args = parse(ROUTE.params, request.args.to_dict(flat=False), {"level": level, "code": code})
        reporter = current_app.config.get(REPORTER)
        if reporter is None:
            return error(503, "unavailable", "this server does not render reports; `observatory serve` does")
        fmt, lang = args["format"], args["lang"]
        key = (stamp(), args["level"], args["code"], lang, fmt, args.get("plan"))
        with lock:
            data = kept.get(key)
        if data is None:
            if not slots.acquire(timeout=WAIT_S):
                response = error(503, "busy", f"{SLOTS} reports are rendering; try again in a few seconds")
                response.headers["Retry-After"] = "10"
                return response
            try:
                data = reporter(
                    level=args["level"], code=args["code"], lang=lang, fmt=fmt, plan=args.get("plan")
                )
            finally:
                slots.release()
            with lock:
                kept[key] = data
                while len(kept) > KEPT:
                    kept.popitem(last=False)
        name = f"rapport-{args['level']}-{args['code']}-{lang}.{fmt}"
        response = Response(data, mimetype=MIMETYPES[fmt])
        response.headers["Content-Disposition"] = (
            f'{"inline" if fmt == "html" else "attachment"}; filename="{name}"'
        )
        return response
