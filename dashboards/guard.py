"""
Callback requests checked before Dash reads them. Dash's dispatcher trusts its body (a missing key
or a list where it expects an object is a 500); here a body that is not what the app's own
renderer sends is answered 400, and one too large 413, in the API's error shape. A well-shaped
request whose values no component could have sent (a list for a dropdown's value) makes the
callback fail: that is answered 400 too, and logged with its traceback as a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import dash

#: What a callback raises when a client sends values of the wrong type.
VALUE_ERRORS = (TypeError, ValueError, LookupError, AttributeError, ArithmeticError, NotImplementedError)
#: A callback body carries the inputs and states of one callback: a few hundred kB at most (a figure).
MAX_CALLBACK_BYTES = 8 * 1024 * 1024


def _matches(item: Any, declared: Mapping[str, Any]) -> bool:
    """An input or state as the renderer sends it for a declared dependency (a list for an ALL id)."""
    pattern = json.loads(declared["id"]) if str(declared["id"]).startswith("{") else None

    def one(entry: Any) -> bool:
        if not isinstance(entry, dict) or entry.get("property") != declared["property"]:
            return False
        ident = entry.get("id")
        if pattern is not None:  # a pattern-matching id: the same keys, any values
            return isinstance(ident, dict) and set(ident) == set(pattern)
        return bool(ident == declared["id"])

    if isinstance(item, list):
        return pattern is not None and all(one(entry) for entry in item)
    return one(item)


def callback_problem(raw: bytes, callback_map: Mapping[str, Any]) -> str | None:
    """What is wrong with a callback request body, or None when Dash can dispatch it."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return "the body is not JSON (or nests too deeply)"
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return "the body must be an object with an 'output' string"
    callback = callback_map.get(body["output"])
    if callback is None or "callback" not in callback:  # clientside callbacks run in the browser
        return "no server callback has this output"
    for part in ("inputs", "state"):
        items, declared = body.get(part, []), callback[part]
        if not isinstance(items, list) or len(items) != len(declared):
            return f"'{part}' must list the callback's {len(declared)} {part}"
        if not all(_matches(i, d) for i, d in zip(items, declared, strict=True)):
            return f"'{part}' do not match the callback's declared {part}"
    outputs = body.get("outputs", [])
    declared = body["output"][2:-2].split("...") if body["output"].startswith("..") else None
    if declared is not None and (not isinstance(outputs, list) or len(outputs) != len(declared)):
        return f"'outputs' must list the callback's {len(declared)} outputs"
    if declared is None and not isinstance(outputs, dict):
        return "'outputs' must be one object: the callback has one output"
    flat = outputs if isinstance(outputs, list) else [outputs]
    if not all(
        isinstance(o, dict)
        and isinstance(o.get("property"), str)
        and "id" in o
        or isinstance(o, list)
        and all(isinstance(x, dict) for x in o)
        for o in flat
    ):
        return "'outputs' must be objects with an id and a property"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of strings"
    return None


def guard_callbacks(app: dash.Dash) -> None:
    """Answer malformed callback requests with 400 (413 when too large) instead of Dash's 500."""
    from flask import Response, request

    path = app.config.routes_pathname_prefix + "_dash-update-component"

    def refuse(status: int, message: str) -> Response:
        body = {"error": {"code": "invalid_callback", "message": message, "details": []}}
        return Response(json.dumps(body), status=status, mimetype="application/json")

    def check_callback() -> Response | None:
        if request.path != path or request.method != "POST":
            return None
        if (request.content_length or 0) > MAX_CALLBACK_BYTES:
            return refuse(413, f"a callback request is at most {MAX_CALLBACK_BYTES} bytes")
        raw = request.get_data(cache=True)  # Dash reads the same cached body afterwards
        if len(raw) > MAX_CALLBACK_BYTES:
            return refuse(413, f"a callback request is at most {MAX_CALLBACK_BYTES} bytes")
        problem = callback_problem(raw, app.callback_map)
        return refuse(400, problem) if problem else None

    app.server.before_request(check_callback)

    def values_refused(err: Exception) -> Response:
        if request.path != path:
            raise err
        logging.getLogger("observatory.dashboards").warning("callback refused its values", exc_info=err)
        return refuse(400, "the callback cannot use the values sent")

    for kind in VALUE_ERRORS:
        app.server.register_error_handler(kind, values_refused)
