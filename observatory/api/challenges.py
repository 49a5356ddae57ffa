"""
/challenges: the public register of challenges to served figures (what each contests, its status, the
days to its decision), one challenge with its whole history, and POST /challenges, which records a new
one on a server started for writes (`--allow-writes` and the bearer token). Contact details a submitter
gives are stored apart and never appear in any response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from flask import request

from .. import challenges as store
from ..enums import AREAS, LANGUAGES, SEXES
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
        **{k: _formats._plain(v) for k, v in found.figure.items()},
        "value": _formats._plain(found.value),
        "original_value": _formats._plain(found.original_value),
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
    body = _challenge_body()
    lang = body.pop("lang", "en")
    try:
        challenge_id = store.submit(db=ctx.data.db, **body)
    except store.Refused as err:
        raise ApiError(422, "refused", err.message(lang)) from None
    return Result(pd.DataFrame(), set(), body={"challenge_id": challenge_id, "status": "open"})


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


def _challenge_body() -> dict[str, Any]:
    """The request's JSON body, bounded in size and depth, each field of the declared type."""
    try:
        raw = load_json(request.stream.read(MAX_BODY_BYTES + 1))
    except ValueError as err:
        raise ApiError(400, "invalid_body", str(err)) from None
    if not isinstance(raw, dict):
        raise ApiError(
            400, "invalid_body", 'the body must be a JSON object, e.g. {"unit": "01.051.01.01", ...}'
        )
    fields = CHALLENGE_BODY["properties"]
    unknown = sorted(str(k)[:40] for k in raw if k not in fields)
    if unknown:
        raise ApiError(400, "invalid_body", f"unknown field {unknown[0]!r}; accepted: {', '.join(fields)}")
    missing = [k for k in CHALLENGE_BODY["required"] if k not in raw]
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
)
