"""
A handler's Result to an HTTP response, the same way for every endpoint: parameters parsed and the
format negotiated, rows paged and their fields selected, then written as JSON, GeoJSON, CSV or the
CSV's CSVW description with the rows' sources and licence. Every answer names the state of the
database it comes from (`meta.build`, the `X-Observatory-Build` header, the CSV's citation line) and
carries an ETag, so a client may ask again with If-None-Match and get 304. Successful GET responses
are kept in the response cache until the database changes; links are relative, so a body never
depends on the Host a client sent.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from flask import Response, request

from .. import edition
from ..errors import ObservatoryError
from . import _formats
from ._cache import ResponseCache
from ._endpoint import Context, Endpoint
from ._errors import ApiError
from ._params import Route, parse
from ._reader import Reader
from ._rows import Rows

#: Full-detail GeoJSON is heavy (about 18 kB a commune): past this many features it takes one of the
#: few heavy-request slots, and past MAX_FULL_FEATURES it is refused in favour of paging or a lower detail.
HEAVY_FEATURES = 50
MAX_FULL_FEATURES = 500
#: Response headers kept with a cached body.
CACHED_HEADERS = ("X-", "Link", "Content-Disp", "Vary")


def view(endpoint: Endpoint, ctx: Context, cache: ResponseCache | None) -> Callable[..., Response]:
    """The Flask view of an endpoint; GET responses go through `cache` unless it is None."""

    def serve(**path_args: str) -> Response:
        with ctx.data.one_version():
            if endpoint.route.method != "GET" or cache is None:
                return named(respond(endpoint, ctx, path_args), ctx)
            return named(_cached(endpoint, ctx, cache, path_args), ctx)

    serve.__name__ = endpoint.route.name
    return serve


def state(ctx: Context) -> dict[str, Any]:
    """The database's build and content digest (`observatory.edition`), read again when it changes."""
    return ctx.data.cached(("edition",), lambda: edition.current(ctx.data.db))


def build_meta(ctx: Context) -> dict[str, Any]:
    """A response's `meta.build`: the build id, the content digest and date of the data, how to cite.
    Kept until the database changes; callers must not modify it (copy first)."""

    def make() -> dict[str, Any]:
        now = state(ctx)
        return _formats.frozen(
            {
                "build_id": now["build_id"],
                "content_digest": f"{edition.ALGORITHM}:{now['content_digest']}",
                "date": now["updated_at"],
                "cite": edition.citation(now, "en"),
            }
        )

    return ctx.data.cached(("build_meta",), make)


def name_build(response: Response, ctx: Context) -> None:
    """Name on any API response, errors included, the build and digest it comes from
    (`X-Observatory-Build`); a database that cannot be read names none."""
    if "X-Observatory-Build" in response.headers:
        return
    try:
        response.headers["X-Observatory-Build"] = edition.header(state(ctx))
    except (ObservatoryError, OSError, ValueError, KeyError):
        return


def named(response: Response, ctx: Context) -> Response:
    """
    The response with the build it comes from (`X-Observatory-Build`) and an ETag of its bytes; a
    request whose If-None-Match holds that ETag gets 304 Not Modified and no body.
    """
    name_build(response, ctx)
    if response.status_code != 200 or response.is_streamed:
        return response
    etag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(etag)
    if request.if_none_match.contains(etag):
        headers = {k: v for k, v in response.headers.items() if k in ("ETag", "X-Observatory-Build", "Vary")}
        return Response(status=304, headers=headers)
    return response


def _cached(endpoint: Endpoint, ctx: Context, cache: ResponseCache, path_args: Mapping[str, str]) -> Response:
    # Everything a body depends on: the path, the query and the Accept header (links are relative).
    key = (request.path, request.query_string, str(request.accept_mimetypes))
    stamp = ctx.data.stamp()
    hit = cache.get(key, stamp)
    if hit is not None:
        body, (mimetype, headers) = hit
        return ctx.heavy.deliver(Response(body, mimetype=mimetype, headers=headers))
    response = respond(endpoint, ctx, path_args)
    if response.status_code == 200 and not response.is_streamed:
        headers = {k: v for k, v in response.headers.items() if k.startswith(CACHED_HEADERS)}
        cache.put(key, stamp, response.get_data(), (response.mimetype, headers))
    return ctx.heavy.deliver(response)


def respond(endpoint: Endpoint, ctx: Context, path_args: Mapping[str, str]) -> Response:
    """Parse the request, run the handler and write its Result in the negotiated format."""
    route = endpoint.route
    args = parse(route.params, request.args.to_dict(flat=False), path_args)
    fmt = _formats.negotiate(args.get("format"), request.accept_mimetypes, _formats.offered(route.formats))
    result = endpoint.handler(ctx, args)
    meta: dict[str, Any] = {
        **ctx.data.provenance(result.source_ids),
        "build": build_meta(ctx),
        **result.extra_meta,
    }
    if result.body is not None:
        return Response(_formats.json_body(result.body, meta), mimetype="application/json")
    frame = Rows.of(result.frame)
    if result.one and not len(frame):
        raise ApiError(404, "not_found", "no such resource")
    if not result.one and "page_size" in args:
        frame = _page(frame, args["page"], args["page_size"], meta)
    frame = select(frame, args.get("fields"))
    if fmt == "csv":
        return csv_response(route, frame, meta)
    if fmt == "parquet":
        return parquet_response(route, frame.to_frame(), meta)
    if fmt == "csvw":
        return csvw_response(route, frame.to_frame(), meta, ctx.data)
    if fmt == "geojson":
        return geojson_response(frame, meta, ctx, level=result.geometry_level, detail=args.get("detail"))
    return Response(
        _formats.rows_body(frame, meta, one=result.one),
        mimetype="application/json",
        headers={"Vary": "Accept"},
    )


def _page(frame: Rows, page: int, size: int, meta: dict[str, Any]) -> Rows:
    """One page of the rows; `meta` gains the totals and the next page's link."""
    total = len(frame)
    pages = max(1, math.ceil(total / size)) if size else 1
    if page > pages and total:
        raise ApiError(
            404,
            "page_out_of_range",
            f"page {page} is past the last page ({pages}) of {total} rows",
            [{"parameter": "page", "last": pages}],
        )
    meta.update(total=total, page=page, page_size=size, pages=pages)
    if page < pages:
        meta["next"] = _page_link(page + 1)
    return frame.slice((page - 1) * size, page * size)


def _page_link(page: int) -> str:
    """This request's relative URL on another page (repeated parameters kept)."""
    query_args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"] + [("page", str(page))]
    return request.path + "?" + urlencode(query_args)


def select(frame: Rows, fields: list[str] | None) -> Rows:
    """The columns asked by `fields=` (geometry kept); a 422 naming the valid ones for an unknown field."""
    if not fields:
        return frame
    valid = [c for c in frame.columns if c != "geometry"]
    unknown = [f for f in fields if f not in valid]
    if unknown and len(frame.columns):
        raise ApiError(
            422,
            "invalid_parameter",
            f"unknown field {unknown[0]!r}; valid: {', '.join(valid)}",
            [{"parameter": "fields", "unknown": unknown, "valid": valid}],
        )
    keep = list(dict.fromkeys(fields)) + (["geometry"] if "geometry" in frame else [])
    return frame.select(c for c in keep if c in frame)


def geojson_response(
    frame: Rows, meta: dict[str, Any], ctx: Context, *, level: str | None, detail: str | None
) -> Response:
    """A FeatureCollection, the units' geometry joined at `detail`; many full polygons hold a heavy slot."""
    detail = detail or "low"
    is_heavy = detail == "full" and len(frame) > HEAVY_FEATURES
    if is_heavy and len(frame) > MAX_FULL_FEATURES:
        raise ApiError(
            422,
            "too_large",
            f"detail=full is limited to {MAX_FULL_FEATURES} features a request "
            f"and this one has {len(frame)}: add page_size={MAX_FULL_FEATURES}, "
            "filter by région, or use detail=medium",
            [{"parameter": "detail", "maximum_features": MAX_FULL_FEATURES}],
        )
    with ctx.heavy.slot() if is_heavy else nullcontext():
        key = "unit_code" if "unit_code" in frame else "code"
        if "geometry" in frame:
            geometries = _formats.geometry_texts(frame["geometry"])
        elif level and key in frame:
            texts = ctx.data.geometry_texts(level, detail)
            geometries = [texts.get(code) for code in frame[key].tolist()]
        else:
            geometries = [None] * len(frame)
        return Response(
            _formats.geojson_body(frame, meta, geometries),
            mimetype="application/geo+json",
            headers={"Vary": "Accept"},
        )


def _url(fmt: str) -> str:
    """This request's relative URL in another format (`csv`, or `csvw` for its CSVW description)."""
    query_args = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    return request.path + "?" + urlencode([*query_args, ("format", fmt)])


def csvw_response(route: Route, frame: pd.DataFrame, meta: dict[str, Any], data: Reader) -> Response:
    """The CSVW description of this request's CSV, with the units of the indicators it holds."""
    units = {}
    if "indicator_id" in frame:
        catalogue = data.catalogue().drop_duplicates("indicator_id").set_index("indicator_id")["unit"]
        units = {
            str(i): str(catalogue.get(i))
            for i in frame["indicator_id"].dropna().unique()
            if isinstance(catalogue.get(i), str)
        }
    body = json.loads(_formats.csvw_body(frame, meta, url=_url("csv"), title=route.summary, units=units))
    body["dc:bibliographicCitation"] = meta["build"]["cite"]
    body["dc:identifier"] = meta["build"]["content_digest"]
    return Response(
        json.dumps(body, ensure_ascii=False),
        mimetype="application/csvm+json",
        headers={"Vary": "Accept"},
    )


def csv_response(route: Route, frame: Rows, meta: dict[str, Any]) -> Response:
    """The CSV as a plain table; its provenance, paging and column types in its headers and in the CSVW
    description they link to."""
    return _file_response(route, meta, Response(_formats.csv_body(frame), mimetype="text/csv"), "csv")


def parquet_response(route: Route, frame: pd.DataFrame, meta: dict[str, Any]) -> Response:
    """The rows as Parquet, codes typed as text, with the CSV's provenance headers."""
    body = Response(_formats.parquet_body(frame), mimetype=_formats.MEDIA_TYPES["parquet"])
    return _file_response(route, meta, body, "parquet")


def _file_response(route: Route, meta: dict[str, Any], response: Response, suffix: str) -> Response:
    describedby = _url("csvw")
    response.headers["Content-Disposition"] = f'inline; filename="{route.name}.{suffix}"'
    response.headers["X-Source"] = _formats.header_text(", ".join(s["source_id"] for s in meta["source"]))
    response.headers["X-Licence"] = _formats.header_text(meta["licence"])
    response.headers["Vary"] = "Accept"
    links = [f'<{describedby}>; rel="describedby"; type="application/csvm+json"']
    if "total" in meta:
        response.headers["X-Total-Count"] = str(meta["total"])
    if "next" in meta:
        links.insert(0, f'<{meta["next"]}>; rel="next"')
    response.headers["Link"] = ", ".join(links)
    return response
