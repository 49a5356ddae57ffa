"""
The REST API: a Flask blueprint mounted under /api/v1 by `observatory serve`, and a standalone app
for tests and scripts. Each resource module (units, indicators, index, models, plans, service mix,
meta) declares its endpoints; this factory registers them over one database. The API reads through
`observatory.query` (and `observatory.results` for the index, models and plans) and computes no
statistic of its own.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Flask, Response

from .. import query
from ..database import Database
from . import (
    bulk_route,
    challenges,
    frontier,
    index,
    indicators,
    meta,
    models,
    plans,
    report_route,
    service_mix,
    units,
)
from ._cache import ResponseCache
from ._endpoint import Context, Endpoint
from ._errors import error_response, register_error_handlers
from ._params import PREFIX, Route
from ._reader import Reader
from ._respond import name_build, view
from ._security import API_CSP, with_security_headers
from ._throttle import Throttle

#: Every endpoint but the report download, in the order the root and the OpenAPI document list them.
ENDPOINTS: tuple[Endpoint, ...] = (
    *units.ENDPOINTS,
    *indicators.ENDPOINTS,
    *index.ENDPOINTS,
    *models.ENDPOINTS,
    *frontier.ENDPOINTS,
    *plans.ENDPOINTS,
    *service_mix.ENDPOINTS,
    *challenges.ENDPOINTS,
    *meta.ENDPOINTS,
)
ROUTES: tuple[Route, ...] = tuple(e.route for e in ENDPOINTS)
#: Every route the OpenAPI document and docs/api.md describe: the generic ones, the report and the bulk files.
DOCUMENTED_ROUTES = (*ROUTES, report_route.ROUTE, bulk_route.ROUTE)


def create_blueprint(
    db: Database | str | os.PathLike[str] | None = None,
    *,
    cache_size: int = 4096,
    cache_bytes: int = 64_000_000,
    heavy_requests: int = 2,
    allow_writes: bool = False,
    token: str | None = None,
    files: str | os.PathLike[str] | None = None,
) -> Blueprint:
    """
    The API as a Flask blueprint with its own url_prefix /api/v1 (`observatory serve` registers it as
    is). Successful GET responses are kept in an LRU cache bounded in entries (`cache_size`, 0 to turn
    it off) and in bytes (`cache_bytes`) that empties whenever the database file changes: the API only
    reads, so a built database answers the same request the same way until the next build or load.
    Links in responses are relative, so a body never depends on the Host a client sent.

    Heavy requests (full-detail GeoJSON of many units, solving a plan) run `heavy_requests` at a
    time; more are answered 503 with Retry-After at once, so they never hold every server thread.
    Writes (storing a plan) are refused unless `allow_writes`, and then need `token` as a bearer token.

    With `files` (a folder), the whole dataset's files are kept there, one folder per version of the
    database (`observatory.bulk`): /bulk serves them, and values are answered from them in memory.
    """
    if allow_writes and not token:
        raise ValueError("writes need a token: set OBSERVATORY_API_TOKEN to a long random secret")
    ctx = Context(
        Reader(query.connect(db), files=files),
        Throttle(heavy_requests),
        allow_writes=allow_writes,
        token=token,
    )
    cache = (
        ResponseCache(entries=cache_size, max_bytes=cache_bytes, max_entry_bytes=cache_bytes // 4)
        if cache_size > 0
        else None
    )
    blueprint = Blueprint("api_v1", __name__, url_prefix=PREFIX)
    for endpoint in ENDPOINTS:
        route = endpoint.route
        blueprint.add_url_rule(route.path, route.name, view(endpoint, ctx, cache), methods=[route.method])
    report_route.register(blueprint, ctx.data.stamp, error_response)
    bulk_route.register(blueprint, ctx.data, error_response)
    meta.register_documents(blueprint, ctx.data, routes=ROUTES, documented=DOCUMENTED_ROUTES)
    register_error_handlers(blueprint)

    @blueprint.after_request
    def secure(response: Response) -> Response:
        with_security_headers(response.headers, API_CSP)
        name_build(response, ctx)
        return response

    return blueprint


def create_api_app(db: Database | str | os.PathLike[str] | None = None, **options: Any) -> Flask:
    """
    A Flask app serving only the API under /api/v1 (for tests, scripts and the load benchmark);
    `options` are those of `create_blueprint`.
    """
    app = Flask("observatory.api")
    app.register_blueprint(create_blueprint(db, **options))

    @app.after_request
    def secure(response: Response) -> Response:
        with_security_headers(response.headers, API_CSP)
        return response

    return app
