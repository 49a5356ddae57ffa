"""
/plans: the deployment plans the database stores (each with its sites, fairness audit, who is left
out, languages and review history), POST /plans, which solves a new plan for one région with the
planner and returns it, and POST /plans/<id>/reviews, which records a review. A plan is stored and
reviewed only when the server allows writes and the request carries the bearer token; the plan store
(`observatory.plans`) decides what a save or a review may do, and its refusals come back as a 422 in
the language asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from flask import request

from .. import challenges, registry, results
from .. import plans as plans_store
from ..database import Database
from ..enums import LANGUAGES
from ..errors import UnknownNameError
from ..plan_inputs import rests_on
from ..plan_log import ReviewRefused
from ..planner import OBJECTIVES
from ..planning_frame import NEEDS
from . import _formats
from ._endpoint import Context, Endpoint, Result
from ._errors import ApiError
from ._params import NAME_PATTERN, PAGING, PREFIX, Param, ParameterError, Route, parse
from ._security import MAX_BODY_BYTES, bearer_matches, load_json

if TYPE_CHECKING:
    from ..planner import Plan

#: What a new plan optimises and the equity and budget it must meet; a bad value of one is a 422.
CHOICES = (
    Param(
        "objective",
        enum=OBJECTIVES,
        default="reach",
        description="reach: the most need within reach; maxmin: first raise the province of the région "
        "with the lowest share of its need reached; pmedian: the shortest mean distance to a site.",
    ),
    Param(
        "floor_region",
        "number",
        "Share of the région's need that must be reached (0 to 1).",
        default=0.0,
        minimum=0,
        maximum=1,
    ),
    Param(
        "floor_province",
        "number",
        "Share of every province's need that must be reached (0 to 1).",
        default=0.0,
        minimum=0,
        maximum=1,
    ),
    Param(
        "budget",
        "number",
        "Budget in dirhams (the documented cost of each site); without `sites`, the budget decides "
        "how many sites open.",
        minimum=1,
        maximum=1e12,
    ),
)
#: The parameters of a new plan (POST /plans), declared like query parameters and checked the same way.
PLAN_PARAMS = (
    Param("region", pattern=r"^[0-9]{2}$", description="Région to plan (code, e.g. 07)."),
    Param("sites", "integer", "New sites to place.", default=10, minimum=1, maximum=50),
    Param(
        "radius_km",
        "number",
        "A site covers the communes within this distance (km).",
        default=15.0,
        minimum=1,
        maximum=100,
    ),
    Param("need", enum=NEEDS, default=NEEDS[0], description="The need to cover (people aged 15+, 2024)."),
    Param(
        "min_per_province",
        "integer",
        "At least this many sites in every province.",
        default=0,
        minimum=0,
        maximum=5,
    ),
    Param(
        "min_per_region",
        "integer",
        "At least this many sites in the région.",
        default=1,
        minimum=0,
        maximum=10,
    ),
    Param("lang", enum=LANGUAGES, default="en", description="Language of an infeasibility explanation."),
    Param(
        "min_rural_share",
        "number",
        "Share of the rural need that must be reached.",
        default=0.0,
        minimum=0,
        maximum=1,
    ),
    Param(
        "min_women_share",
        "number",
        "Share of women's need that must be reached.",
        default=0.0,
        minimum=0,
        maximum=1,
    ),
    *CHOICES,
)
PLAN_BODY = {
    "type": "object",
    "required": ["region"],
    "additionalProperties": False,
    "properties": {p.name: {**p.schema(), "description": p.description} for p in PLAN_PARAMS},
}
#: Whether POST /plans also stores the plan, and who may ask it.
STORE = Param(
    "store",
    "boolean",
    "Also store the plan in the database (needs a server started with "
    "--allow-writes and `Authorization: Bearer <OBSERVATORY_API_TOKEN>`).",
    default=False,
)
#: Who stores a plan (POST /plans?store=true): its author, who may then neither review nor approve it.
STORE_BY = Param(
    "by", pattern=r"^[^\x00-\x1f]{1,80}$", default="api", description="Who stores the plan (recorded)."
)
#: A review of a stored plan (POST /plans/<id>/reviews).
REVIEW_PARAMS = (
    Param(
        "status", enum=("reviewed", "approved", "rejected", "draft"), description="The status it moves to."
    ),
    Param("by", pattern=r"^[^\x00-\x1f]{1,80}$", description="Who reviews (recorded)."),
    Param("reason", pattern=r"^[^\x00-\x1f]{1,200}$", description="Why (recorded)."),
    Param("lang", enum=LANGUAGES, default="en", description="Language of a refusal."),
)
REVIEW_BODY = {
    "type": "object",
    "required": ["status", "by", "reason"],
    "additionalProperties": False,
    "properties": {p.name: {**p.schema(), "description": p.description} for p in REVIEW_PARAMS},
}
#: Seconds the solver may take for one request.
TIME_LIMIT = 30


def store_plan(solved: Plan, *, db: Database, by: str = "api") -> str:
    """Write a solved plan with the library's plan store (the only code that writes plans); its id. The
    same settings return the plan already stored, its status and history untouched."""
    return plans_store.store_plan(solved, db=db, by=by)


def plans(ctx: Context, args: Mapping[str, Any]) -> Result:
    frame = plans_store.list_plans(db=ctx.data.db)
    return Result(frame.assign(params=[_json(p) for p in frame["params"]]), None)


def plan(ctx: Context, args: Mapping[str, Any]) -> Result:
    """One stored plan as one JSON object: its row, what it rests on (`inputs` with their status and the
    `rests_on` sentence in `lang`), sites, audit, who is left out, languages and reviews."""
    plan_id = args["plan_id"]
    try:
        stored = plans_store.read_plan(plan_id, db=ctx.data.db)
    except UnknownNameError:
        raise ApiError(404, "not_found", f"no plan {plan_id!r}; list them at {PREFIX}/plans") from None
    body = {
        **{k: _formats.plain(v) for k, v in stored.summary.items()},
        "params": _json(stored.summary["params"]),
        "inputs": stored.inputs,
        "rests_on": stored.rests_on(args["lang"]),
        "sites": _formats.records(stored.sites),
        "audit": _formats.records(stored.audit),
        "left_out": _formats.records(stored.left_out()),
        "languages": _formats.records(stored.languages),
        "reviews": _formats.records(stored.reviews),
        "history": _formats.records(stored.history),
        "challenge_ids": challenges.plan_challenges(plan_id, db=ctx.data.db),  # solved before these
    }
    return Result(pd.DataFrame(), None, body=body)


def create_plan(ctx: Context, args: Mapping[str, Any]) -> Result:
    """Solve a plan for one région with the planner (observatory.planner); stored only if `store`."""
    if args["store"]:
        _check_write_access(ctx)
    body = _plan_body()
    with ctx.heavy.slot():
        ctx.data.check_code("region", body["region"])
        solved = _solve(ctx, body)
        out = {
            **{k: _formats.plain(v) for k, v in solved.summary.items()},
            "params": solved.params,
            "rests_on": rests_on(solved.params["inputs"], body["lang"]),
            "stored": False,
            "sites": _formats.records(solved.sites),
            "audit": _formats.records(solved.audit),
            "left_out": _formats.records(solved.left_out) if len(solved.left_out) else [],
            "languages": _formats.records(solved.languages[solved.languages["plan"] == "optimal"]),
        }
        if args["store"]:
            plan_id = store_plan(solved, db=ctx.data.db, by=args["by"])
            out.update(stored=True, plan_id=plan_id, review_status=_status(ctx, plan_id))
    return Result(pd.DataFrame(), {registry.get(body["need"]).source}, body=out)


def review(ctx: Context, args: Mapping[str, Any]) -> Result:
    """Record a review of a stored plan; the plan's whole history after it, oldest first."""
    _check_write_access(ctx)
    body = _json_body(
        REVIEW_PARAMS, REVIEW_BODY, example='{"status": "reviewed", "by": "name", "reason": "why"}'
    )
    plan_id = args["plan_id"]
    try:
        plans_store.review_plan(
            plan_id, body["status"], reviewer=body["by"], reason=body["reason"], db=ctx.data.db
        )
    except UnknownNameError:
        raise ApiError(404, "not_found", f"no plan {plan_id!r}; list them at {PREFIX}/plans") from None
    except ReviewRefused as err:
        raise ApiError(422, "refused", err.message(body["lang"])) from None
    history = plans_store.read_plan(plan_id, db=ctx.data.db).history
    return Result(pd.DataFrame(), None, body=_formats.records(history))


def _status(ctx: Context, plan_id: str) -> str:
    return str(plans_store.read_plan(plan_id, db=ctx.data.db).status)


def _solve(ctx: Context, body: Mapping[str, Any]) -> Plan:
    """The plan the body asks for; a 422 that says why when it cannot be solved."""
    from .. import planner

    region, need = body["region"], body["need"]
    try:
        return planner.plan(
            results.planning_frame(db=ctx.data.db, need=need, region=region),
            sites=body["sites"],
            radius_km=body["radius_km"],
            min_per_province=body["min_per_province"],
            min_per_region=body["min_per_region"],
            min_rural_share=body["min_rural_share"],
            min_women_share=body["min_women_share"],
            objective=body["objective"],
            floor_region=body["floor_region"],
            floor_province=body["floor_province"],
            # one région's plan: max-min raises its worst-off province; the other objectives keep the
            # planner's default, so the same settings give the library's plan and its id
            equity_level="province" if body["objective"] == "maxmin" else "region",
            budget=body["budget"],
            name=f"api-{region}",
            time_limit=TIME_LIMIT,
            site_type="service_point" if need == "assisted_service_need_15_plus" else "training_centre",
        )
    except planner.InfeasiblePlan as err:
        raise ApiError(422, "infeasible", err.message(body["lang"]), [err.messages, *err.failures]) from None
    except ValueError as err:  # a need missing from this database, or infeasible constraints
        raise ApiError(422, "unprocessable", str(err)) from None


def _check_write_access(ctx: Context) -> None:
    if not ctx.allow_writes:
        raise ApiError(
            403,
            "writes_disabled",
            "this server does not store or review plans; its operator can allow it "
            "with `observatory serve --allow-writes` and OBSERVATORY_API_TOKEN",
        )
    if not bearer_matches(request.headers.get("Authorization"), ctx.token):
        raise ApiError(
            401,
            "unauthorized",
            "storing or reviewing a plan needs the header `Authorization: Bearer <token>`",
            headers={"WWW-Authenticate": 'Bearer realm="observatory"'},
        )


def _plan_body() -> dict[str, Any]:
    """The request's JSON body, bounded in size and depth, checked against PLAN_PARAMS: a malformed body
    is a 400, a well-formed but unusable objective, floor or budget a 422. A budget without `sites`
    leaves the count to the budget."""
    raw = _raw_body(PLAN_BODY, example='{"region": "07", "sites": 10}')
    try:
        body = parse(PLAN_PARAMS, {str(k): [str(v)] for k, v in raw.items()})
    except ParameterError as err:
        named = {str(d.get("parameter")) for d in err.details}
        if named and named <= {p.name for p in CHOICES}:
            raise ParameterError(str(err), status=422, details=err.details) from None
        raise
    if body["budget"] is not None and "sites" not in raw:
        body["sites"] = None
    return body


def _json_body(params: tuple[Param, ...], schema: Mapping[str, Any], *, example: str) -> dict[str, Any]:
    """The request's JSON body, bounded in size and depth, checked against `params` (all required ones
    given, each a string or a number)."""
    raw = _raw_body(schema, example=example)
    return parse(params, {str(k): [str(v)] for k, v in raw.items()})


def _raw_body(schema: Mapping[str, Any], *, example: str) -> dict[str, Any]:
    """The request's JSON object, bounded in size and depth, with the fields its `schema` requires, each
    a string or a number; not yet checked against the schema's parameters."""
    try:
        raw = load_json(request.stream.read(MAX_BODY_BYTES + 1))
    except ValueError as err:
        raise ApiError(400, "invalid_body", str(err)) from None
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid_body", f"the body must be a JSON object, e.g. {example}")
    missing = [name for name in schema["required"] if name not in raw]
    if missing:
        raise ApiError(
            400,
            "invalid_body",
            f"the body needs {', '.join(missing)}: {example}",
            [{"parameter": name, "reason": "required"} for name in missing],
        )
    bad = [k for k, v in raw.items() if isinstance(v, (dict, list, bool)) or v is None]
    if bad:
        raise ApiError(400, "invalid_body", f"field {str(bad[0])[:40]!r} must be a string or a number")
    return raw


def _json(text: Any) -> Any:
    """A stored JSON text as its value (anything else as it is)."""
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


ENDPOINTS = (
    Endpoint(
        Route(
            "/plans",
            "plans",
            "Stored deployment plans with their parameters",
            "plans",
            PAGING,
            ("json", "csv"),
        ),
        plans,
    ),
    Endpoint(
        Route(
            "/plans",
            "create_plan",
            "Solve a new plan for one région (returned; stored only on request)",
            "plans",
            (STORE, STORE_BY),
            method="POST",
            statuses=(200, 400, 401, 403, 404, 422, 503),
            body=PLAN_BODY,
            description="Maximal covering of the need within radius_km by `sites` new sites (or as many as "
            "`budget` dirhams pay for), solved with CBC for its `objective` (reach, maxmin, pmedian) under "
            "the given floors of reach and fairness constraints; the response holds the sites and the "
            "fairness audit. An unusable objective, floor or budget is a 422 that says why in one line. "
            "Writes are off by default: `store=true` needs a server started with --allow-writes and "
            "the header `Authorization: Bearer <OBSERVATORY_API_TOKEN>`.",
        ),
        create_plan,
    ),
    Endpoint(
        Route(
            "/plans/<plan_id>",
            "plan",
            "One deployment plan: what it rests on, sites, fairness audit, who is left out",
            "plans",
            (
                Param("plan_id", pattern=NAME_PATTERN, location="path", description="Plan id."),
                Param(
                    "lang",
                    enum=LANGUAGES,
                    default="en",
                    description="Language of `rests_on`, the sentence saying which inputs are scenarios.",
                ),
            ),
        ),
        plan,
    ),
    Endpoint(
        Route(
            "/plans/<plan_id>/reviews",
            "review_plan",
            "Record a review of a stored plan (needs a server that allows writes)",
            "plans",
            (Param("plan_id", pattern=NAME_PATTERN, location="path", description="Plan id."),),
            method="POST",
            statuses=(200, 400, 401, 403, 404, 422),
            body=REVIEW_BODY,
            description="Appends who, when and why to the plan's review log, chained by hash to the entry "
            "before: draft → reviewed → approved or rejected (back to draft to rework). Four eyes: the "
            "plan's author can neither review nor approve it, and whoever reviewed it cannot approve it; "
            "an approved plan is only superseded, by the approval of a new version. A refusal is a 422 "
            "in the body's `lang`. Returns the plan's history after the review.",
        ),
        review,
    ),
)
