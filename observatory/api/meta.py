"""
What the API says about itself and its data: the sources, builds and ETL runs behind every figure
(/sources, /builds, /builds/{id}/runs), and the endpoint list, the OpenAPI document and the docs
page written from the route declarations.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response

from .. import query
from . import _formats
from ._endpoint import Context, Endpoint, Result
from ._errors import ApiError, error_response
from ._params import NAME_PATTERN, PAGING, PREFIX, Param, Route
from ._reader import Reader
from ._security import redact_frame
from .openapi import docs_page, openapi_document


def sources_list(ctx: Context, args: Mapping[str, Any]) -> Result:
    return Result(ctx.data.sources(), None)


def builds(ctx: Context, args: Mapping[str, Any]) -> Result:
    # Build logs name the database's file and connection URL: neither leaves the server.
    return Result(redact_frame(query.builds(db=ctx.data.db)), None)


def build_runs(ctx: Context, args: Mapping[str, Any]) -> Result:
    build_id, db = args["build_id"], ctx.data.db
    runs = query.etl_runs(db=db, build_id=build_id)
    if not len(runs) and build_id not in set(query.builds(db=db)["build_id"]):
        raise ApiError(404, "not_found", f"no build {build_id!r}; list them at {PREFIX}/builds")
    return Result(redact_frame(runs), None)


ENDPOINTS = (
    Endpoint(
        Route(
            "/sources",
            "sources_list",
            "Every source with its URL, SHA-256 and licence",
            "provenance",
            PAGING,
            ("json", "csv"),
        ),
        sources_list,
    ),
    Endpoint(
        Route(
            "/builds", "builds", "Builds of this database, newest last", "provenance", PAGING, ("json", "csv")
        ),
        builds,
    ),
    Endpoint(
        Route(
            "/builds/<build_id>/runs",
            "build_runs",
            "The ETL runs of a build: inputs, rows, status",
            "provenance",
            (Param("build_id", pattern=NAME_PATTERN, location="path", description="Build id."), *PAGING),
            ("json", "csv"),
        ),
        build_runs,
    ),
)


def register_documents(
    blueprint: Blueprint, data: Reader, *, routes: tuple[Route, ...], documented: tuple[Route, ...]
) -> None:
    """The API's root (every endpoint of `routes`), its OpenAPI document and docs page (of `documented`),
    and a 404 in the API's shape for any other path under it."""

    @blueprint.route("/")
    def root() -> Response:
        links = {r.name: PREFIX + r.path for r in routes}
        body = {"openapi": f"{PREFIX}/openapi.json", "docs": f"{PREFIX}/docs", "endpoints": links}
        return Response(_formats.json_body(body, data.provenance(None)), mimetype="application/json")

    @blueprint.route("/openapi.json")
    def openapi() -> Response:
        return Response(
            json.dumps(openapi_document(documented), ensure_ascii=False), mimetype="application/json"
        )

    @blueprint.route("/docs")
    def docs() -> Response:
        return Response(docs_page(openapi_document(documented)), mimetype="text/html")

    @blueprint.route("/<path:rest>")
    def no_such_endpoint(rest: str) -> Response:
        return error_response(404, "not_found", f"no endpoint {PREFIX}/{rest[:80]}; see {PREFIX}/docs")
