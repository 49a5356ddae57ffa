"""
/challenges: the public register of challenges to served figures (what each contests, its status, the
days to its decision), one challenge with its whole history, and POST /challenges, which records a new
one on a server started for writes (`--allow-writes` and the bearer token), and POST
/challenges/{id}/review, which decides one there (four eyes: the submitter cannot). Contact details a
submitter gives are stored apart and never appear in any response. A name can be changed at will, so
submissions are also counted by client address, held only as a salted hash in the server's memory.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Any

import pandas as pd
from flask import current_app, request

from .. import challenges as store
from ..enums import AREAS, CHALLENGE_DECISIONS, LANGUAGES, SEXES
from ..errors import UnknownNameError
from . import _formats
from ._endpoint import Context, Endpoint, Result
from ._errors import ApiError
from ._params import CODE_PATTERN, NAME_PATTERN, PAGING, PREFIX, Param, Route
from ._security import MAX_BODY_BYTES, bearer_matches, load_json

#: The body of POST /challenges: a figure (indicator, year, value) or a boundary (`boundary: true`).
CHALLENGE_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["unit", "evidence", "by"],
    "additionalProperties": False,
    "properties": {
        "unit": {"type": "string", "pattern": CODE_PATTERN, "description": "Unit code, e.g. 01.051.01.01."},
        "indicator": {"type": "string", "pattern": NAME_PATTERN, "description": "Indicator id."},
        "year": {"type": "integer", "minimum": 1900, "maximum": 2100, "description": "The figure's year."},
        "value": {"type": "number", "description": "The value the evidence supports."},
        "sex": {"type": "string", "enum": list(SEXES), "default": "all"},
        "area": {"type": "string", "enum": list(AREAS), "default": "total"},
        "period": {"type": "string", "maxLength": 20, "description": "The period when a year holds several."},
        "boundary": {"type": "boolean", "default": False, "description": "Contest the commune's boundary."},
        "evidence": {"type": "string", "minLength": store.MIN_EVIDENCE, "maxLength": store.MAX_EVIDENCE},
        "by": {"type": "string", "maxLength": store.MAX_NAME, "description": "Who submits it (public)."},
        "contact": {
            "type": "string",
            "maxLength": store.MAX_CONTACT,
            "description": "An e-mail address; kept private, never published.",
        },
        "lang": {
            "type": "string",
            "enum": list(LANGUAGES),
            "default": "en",
            "description": "Language of a refusal.",
        },
    },
}
#: The body of POST /challenges/{id}/review: a decision, who takes it and why.
REVIEW_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["decision", "by", "reason"],
    "additionalProperties": False,
    "properties": {
        "decision": {"type": "string", "enum": list(CHALLENGE_DECISIONS)},
        "by": {"type": "string", "maxLength": store.MAX_NAME, "description": "Who decides (public)."},
        "reason": {"type": "string", "maxLength": store.MAX_REASON, "description": "Why (public)."},
        "lang": CHALLENGE_BODY["properties"]["lang"],
    },
}
#: Submissions one client address may make in 24 hours, whatever names it gives (an office behind one
#: address may speak for several people: more than one person's `store.MAX_OPEN_PER_DAY`).
MAX_PER_ADDRESS = 20
#: JSON types each body field must have.
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def register(ctx: Context, args: Mapping[str, Any]) -> Result:
    """The register, and in `meta.log_head` the newest event's position and hash, for anyone to keep."""
    return Result(store.register(db=ctx.data.db), set(), extra_meta={"log_head": store.head(db=ctx.data.db)})


def challenge(ctx: Context, args: Mapping[str, Any]) -> Result:
    """One challenge: what it contests, the proposed and original values, its history and what it affects."""
    challenge_id = args["challenge_id"]
    try:
        found = store.read_challenge(challenge_id, db=ctx.data.db)
    except UnknownNameError:
        raise ApiError(
            404, "not_found", f"no challenge {challenge_id!r}; list them at {PREFIX}/challenges"
        ) from None
    body = {
        "challenge_id": found.challenge_id,
        "kind": found.kind,
        "status": found.status,
        **{k: _formats.plain(v) for k, v in found.figure.items()},
        "value": _formats.plain(found.value),
        "original_value": _formats.plain(found.original_value),
        "original_status": found.original_status or None,
        "evidence": found.evidence,
        "submitted_by": found.submitted_by,
        "submitted_at": found.submitted_at,
        "decided_by": found.decided_by,
        "decided_at": found.decided_at,
        "reason": found.reason,
        "history": _formats.records(found.history),
        "affects": _formats.records(found.affects),
    }
    return Result(pd.DataFrame(), set(), body=body)


def create_challenge(ctx: Context, args: Mapping[str, Any]) -> Result:
    """Record a challenge (writes allowed and the bearer token given); its id and status."""
    _check_write_access(ctx)
    body = _body(CHALLENGE_BODY)
    lang = body.pop("lang", "en")
    submitters = _submitters()
    address = request.remote_addr or ""
    try:
        if not submitters.admits(address):
            raise store.Refused("address", most=MAX_PER_ADDRESS)
        challenge_id = store.submit(db=ctx.data.db, **body)
    except store.Refused as err:
        raise ApiError(422, "refused", err.message(lang)) from None
    submitters.count(address)
    return Result(pd.DataFrame(), set(), body={"challenge_id": challenge_id, "status": "open"})


def review_challenge(ctx: Context, args: Mapping[str, Any]) -> Result:
    """Accept or reject an open challenge (writes allowed, the bearer token given, four eyes)."""
    _check_write_access(ctx)
    body = _body(REVIEW_BODY)
    lang = body.pop("lang", "en")
    try:
        event = store.review(args["challenge_id"], db=ctx.data.db, **body)
    except store.Refused as err:
        if err.reason == "unknown":
            raise ApiError(404, "not_found", err.message(lang)) from None
        raise ApiError(422, "refused", err.message(lang)) from None
    out = {"challenge_id": event["challenge_id"], "status": event["event"], "decided_at": event["at"]}
    return Result(pd.DataFrame(), set(), body=out)


class Submitters:
    """
    How many challenges each client address submitted in the last 24 hours. An address is kept only as
    its SHA-256 salted with a secret drawn when the server starts and never stored, in memory: it is
    never written, published or logged, and a restart forgets it.
    """

    def __init__(self) -> None:
        self._salt = secrets.token_bytes(32)
        self._times: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _key(self, address: str) -> str:
        return hashlib.sha256(self._salt + address.encode()).hexdigest()

    def _recent(self, key: str) -> list[float]:
        since = time.monotonic() - 86400
        recent = [t for t in self._times.get(key, []) if t > since]
        self._times[key] = recent
        return recent

    def admits(self, address: str) -> bool:
        """Whether the address may submit one more."""
        with self._lock:
            return len(self._recent(self._key(address))) < MAX_PER_ADDRESS

    def count(self, address: str) -> None:
        """Count a submission the store recorded."""
        with self._lock:
            self._recent(self._key(address)).append(time.monotonic())


def _submitters() -> Submitters:
    """The server's counts (one per application)."""
    found = current_app.extensions.setdefault("observatory_challenge_submitters", Submitters())
    assert isinstance(found, Submitters)
    return found


def _check_write_access(ctx: Context) -> None:
    if not ctx.allow_writes:
        raise ApiError(
            403,
            "writes_disabled",
            "this server does not record challenges; submit with `observatory challenge submit`, or ask "
            "its operator to allow it with `observatory serve --allow-writes` and OBSERVATORY_API_TOKEN",
        )
    if not bearer_matches(request.headers.get("Authorization"), ctx.token):
        raise ApiError(
            401,
            "unauthorized",
            "submitting a challenge needs the header `Authorization: Bearer <token>`",
            headers={"WWW-Authenticate": 'Bearer realm="observatory"'},
        )


def _body(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The request's JSON body as `schema` declares it, bounded in size and depth, each field typed."""
    try:
        raw = load_json(request.stream.read(MAX_BODY_BYTES + 1))
    except ValueError as err:
        raise ApiError(400, "invalid_body", str(err)) from None
    if not isinstance(raw, dict):
        raise ApiError(
            400, "invalid_body", 'the body must be a JSON object, e.g. {"unit": "01.051.01.01", ...}'
        )
    fields = schema["properties"]
    unknown = sorted(str(k)[:40] for k in raw if k not in fields)
    if unknown:
        raise ApiError(400, "invalid_body", f"unknown field {unknown[0]!r}; accepted: {', '.join(fields)}")
    missing = [k for k in schema["required"] if k not in raw]
    if missing:
        raise ApiError(
            400,
            "invalid_body",
            f"the body needs {missing[0]!r}",
            [{"parameter": missing[0], "reason": "required"}],
        )
    for name, value in raw.items():
        kind = fields[name]["type"]
        wrong = not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))
        if wrong or (kind == "string" and len(value) > fields[name].get("maxLength", store.MAX_EVIDENCE)):
            raise ApiError(400, "invalid_body", f"field {name!r} must be a {kind} as documented")
        if "enum" in fields[name] and value not in fields[name]["enum"]:
            raise ApiError(
                400, "invalid_body", f"field {name!r} must be one of {', '.join(fields[name]['enum'])}"
            )
    out = dict(raw)
    if "value" in out:
        out["value"] = float(out["value"])
    return out


CHALLENGE_ID = Param("challenge_id", pattern=NAME_PATTERN, location="path", description="Challenge id.")

ENDPOINTS = (
    Endpoint(
        Route(
            "/challenges",
            "challenges",
            "The public register of challenges to served figures, with the days to each decision",
            "challenges",
            PAGING,
            ("json", "csv"),
            description="Every challenge: the unit, indicator and year it contests, its status (open, "
            "accepted, rejected), when it was submitted and decided and the days between. Names, evidence "
            "and reasons are in each challenge's history; contact details are never published.",
        ),
        register,
    ),
    Endpoint(
        Route(
            "/challenges",
            "create_challenge",
            "Contest a served figure or a commune's boundary, with evidence",
            "challenges",
            (),
            method="POST",
            statuses=(200, 400, 401, 403, 422),
            body=CHALLENGE_BODY,
            description="Records a challenge (status open) and returns its id. Writes are off by default: "
            "the server must be started with --allow-writes and the request carry `Authorization: Bearer "
            "<OBSERVATORY_API_TOKEN>`. A refused submission (422) stores nothing and says why in one line.",
        ),
        create_challenge,
    ),
    Endpoint(
        Route(
            "/challenges/<challenge_id>",
            "challenge",
            "One challenge with its whole history (who, when, why, evidence) and the figures it affects",
            "challenges",
            (CHALLENGE_ID,),
        ),
        challenge,
    ),
    Endpoint(
        Route(
            "/challenges/<challenge_id>/review",
            "review_challenge",
            "Accept or reject an open challenge, saying why (four eyes)",
            "challenges",
            (CHALLENGE_ID,),
            method="POST",
            statuses=(200, 400, 401, 403, 404, 422),
            body=REVIEW_BODY,
            description="Appends the decision (accept or reject), who took it and why, to the challenge's "
            "history, on a server started with --allow-writes, with `Authorization: Bearer "
            "<OBSERVATORY_API_TOKEN>`. Refused (422, nothing stored) when the challenge is already decided "
            "or `by` names the person who submitted it.",
        ),
        review_challenge,
    ),
)
