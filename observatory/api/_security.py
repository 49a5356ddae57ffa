"""
What every response of the API must and must not carry: security headers, no file path or
credential, and request bodies bounded in size and nesting before anything parses them.

Pure Python (no Flask), so the same rules serve the API blueprint and the served composition.
"""

from __future__ import annotations

import hmac
import json
import re
from itertools import accumulate
from typing import Any

import pandas as pd

#: The API returns data and one HTML page with an inline stylesheet and no script.
API_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)

#: Headers on every response; the Content-Security-Policy is chosen per response by its caller.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: A JSON request body is at most this long and this deeply nested (a plan's parameters are flat).
MAX_BODY_BYTES = 64 * 1024
MAX_BODY_DEPTH = 8

# An absolute file path (POSIX or Windows) not inside a URL, and a URL's user:password@ part.
_PATH = re.compile(r"(?<![\w:/.\-])(?:[A-Za-z]:)?[/\\](?:[^\s\"'/\\<>|,;]+[/\\])+([^\s\"'/\\<>|,;]*)")
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s\"']+@")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def with_security_headers(headers: Any, csp: str) -> None:
    """Add the security headers to a response's headers, keeping any the response already set."""
    for name, value in {**SECURITY_HEADERS, "Content-Security-Policy": csp}.items():
        headers.setdefault(name, value)


def redact(text: str) -> str:
    """Text with file paths cut to their last part and URL credentials removed."""
    return _PATH.sub(lambda m: m.group(1) or "…", _CREDENTIALS.sub("", text))


def redact_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell redacted (build logs name files and connection URLs)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [redact(v) if isinstance(v, str) else v for v in out[column]]
    return out


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text (strings are skipped, so brackets in them do not
    count)."""
    bare = _STRINGS.sub('""', text)
    steps = (1 if c in "[{" else -1 for c in bare if c in "[]{}")
    return max(accumulate(steps, initial=0))


def load_json(raw: bytes, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_BODY_DEPTH) -> Any:
    """A request body parsed as JSON within the size and nesting limits; ValueError says which limit."""
    if len(raw) > max_bytes:
        raise ValueError(f"the body is {len(raw)} bytes long; at most {max_bytes} are accepted")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8 text") from None
    depth = json_depth(text)
    if depth > max_depth:
        raise ValueError(f"the body nests {depth} levels deep; at most {max_depth} are accepted")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError("the body is not valid JSON") from None


def bearer_matches(authorization: str | None, token: str | None) -> bool:
    """True when an `Authorization: Bearer …` header carries `token` (compared in constant time)."""
    if not token or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization[len("Bearer ") :].strip().encode(), token.encode())
