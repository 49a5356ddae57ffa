"""
The REST API: a Flask blueprint mounted under /api/v1 by `observatory serve`, and a standalone app
for tests and scripts. It reads through `observatory.query` (and `observatory.results` for the
index, models and plans) and computes no statistic of its own.
"""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import query, registry
from ..database import Database
from ..enums import AREAS, LANGUAGES, LENSES, LEVELS, MAP_LEVELS, MODEL_STATUSES, SEXES, STATUSES
from ..errors import ObservatoryError, UnknownNameError
from ..planning_frame import NEEDS
from . import _formats
from ._params import CODE_PATTERN, NAME_PATTERN, PAGING, Param, ParameterError, Route, parse

PREFIX = "/api/v1"

VALUE_LEVELS = (*LEVELS, "arrondissement")
LEVEL = Param("level", enum=LEVELS, location="path", description="Administrative level.")
CODE = Param("code", pattern=CODE_PATTERN, location="path", description="HCP 2024 code, e.g. 01.511.01.0; MA for Morocco.")
INDICATOR = Param("indicator_id", pattern=NAME_PATTERN, location="path",
                  description="Indicator id, e.g. illiteracy_rate_10_plus.")
REGION = Param("region", pattern=r"^[0-9]{2}$", description="Keep units inside this région (code, e.g. 01).")
PROVINCE = Param("province", pattern=r"^[0-9]{2}\.[0-9]{3}$", description="Keep units inside this province (e.g. 01.511).")
YEAR = Param("year", "integer", "Census year (2024 or 2014) or measurement year.", minimum=1900, maximum=2100)
SEX = Param("sex", enum=SEXES, default="all", description="Sex breakdown.")
AREA = Param("area", enum=AREAS, default="total", description="Urban, rural or total.")
UNIT = Param("unit", pattern=CODE_PATTERN, multiple=True, description="Unit codes (comma-separated).")
STATUS = Param("status", enum=tuple(STATUSES), multiple=True, description="How values came to be.")
VALUE_LEVEL = Param("level", enum=VALUE_LEVELS, default="commune", description="Administrative level of the units.")
DETAIL = Param("detail", enum=("low", "medium", "full"), default="low",
               description="Geometry detail for GeoJSON: simplified (low, medium) or the full polygons.")
GEOMETRY = Param("geometry", "boolean", "Include geometry (as GeoJSON features; JSON and CSV leave it out).",
                 default=False)

MODELLED = tuple(i.id for i in registry.CURATED if i.status in MODEL_STATUSES)

#: The parameters of a new plan (POST /plans), declared like query parameters and checked the same way.
PLAN_PARAMS = (
    Param("region", pattern=r"^[0-9]{2}$", description="Région to plan (code, e.g. 07)."),
    Param("sites", "integer", "New sites to place.", default=10, minimum=1, maximum=50),
    Param("radius_km", "number", "A site covers the communes within this distance (km).", default=15.0,
          minimum=1, maximum=100),
    Param("need", enum=NEEDS, default=NEEDS[0], description="The need to cover (people aged 15+, 2024)."),
    Param("min_per_province", "integer", "At least this many sites in every province.", default=0, minimum=0,
          maximum=5),
    Param("min_per_region", "integer", "At least this many sites in the région.", default=1, minimum=0, maximum=10),
    Param("lang", enum=LANGUAGES, default="en", description="Language of an infeasibility explanation."),
    Param("min_rural_share", "number", "Share of the rural need that must be reached.", default=0.0, minimum=0,
          maximum=1),
    Param("min_women_share", "number", "Share of women's need that must be reached.", default=0.0, minimum=0,
          maximum=1),
)
PLAN_BODY = {
    "type": "object", "required": ["region"], "additionalProperties": False,
    "properties": {p.name: {**p.schema(), "description": p.description} for p in PLAN_PARAMS},
}

#: Unit columns a values response joins, so a CSV row names its commune.
UNIT_LABELS = ["code", "name_fr", "name_ar"]


class ApiError(Exception):
    """An HTTP error with the API's one shape: {"error": {"code", "message", "details"}}."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


@dataclass
class Result:
    """What a handler returns: rows, their sources, and how to page and shape them."""

    frame: pd.DataFrame
    source_ids: set[str] | None = None
    """Sources of these rows; None means every source of the database (unit geometry, the catalogue)."""
    one: bool = False
    """A single resource (no paging; 404 if empty)."""
    geometry_level: str | None = None
    """Join simplified geometry of this level on `unit_code` for GeoJSON."""
    extra_meta: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    """A ready JSON value (the index description, a plan); bypasses paging."""


class _Api:
    """The handlers, over one database; small tables are cached until the database file changes."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[Any, Any] = {}
        self._stamp: Any = None

    # -- caching ----------------------------------------------------------------------------------
    def _current(self) -> Any:
        if self.db.kind == "gpkg":
            try:
                return os.stat(self.db.path).st_mtime_ns
            except OSError:
                return None
        return int(time.time() // 60)

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        stamp = self._current()
        if stamp != self._stamp:
            self._cache.clear()
            self._stamp = stamp
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def sources(self) -> pd.DataFrame:
        return self.cached("sources", lambda: query.sources(db=self.db))

    def catalogue(self) -> pd.DataFrame:
        return self.cached("catalogue", lambda: query.catalogue(db=self.db))

    def units_table(self, level: str) -> pd.DataFrame:
        return self.cached(("units", level), lambda: query.units(level, db=self.db, geometry=False))

    def geometry(self, level: str, detail: str) -> pd.DataFrame:
        def make() -> pd.DataFrame:
            if detail == "full" or level == "arrondissement":
                frame = self.db.read(level, columns=["code", "geometry"])
            else:
                frame = query.web_geometry(level, detail=detail, db=self.db)
                if not len(frame):
                    frame = self.db.read(level, columns=["code", "geometry"])
            return frame[["code", "geometry"]].drop_duplicates("code").set_index("code")

        return self.cached(("geometry", level, detail), make)

    def provenance(self, source_ids: set[str] | None) -> dict[str, Any]:
        table = self.sources()
        if source_ids:  # no rows (an empty page) still names the database's sources
            table = table[table["source_id"].isin(source_ids)]
        listed = _formats.records(table[[c for c in ("source_id", "title", "publisher", "url", "licence", "retrieved_at")
                                         if c in table]])
        licences = list(dict.fromkeys(str(x) for x in table.get("licence", []) if isinstance(x, str) and x))
        return {"source": listed, "licence": " | ".join(licences) if licences else "see source"}

    def check_code(self, level: str, code: str) -> None:
        if code not in set(self.units_table(level)["code"]):
            raise ApiError(404, "not_found", f"no {level} with code {code!r}; list them at {PREFIX}/units/{level}")

    def check_indicator(self, indicator: str) -> pd.DataFrame:
        catalogue = self.catalogue()
        rows = catalogue[catalogue["indicator_id"] == indicator]
        if not len(rows):
            close = sorted(i for i in set(catalogue["indicator_id"]) if indicator.split("_")[0] in i)[:20]
            raise ApiError(
                404, "not_found", f"unknown indicator {indicator!r}; the catalogue is at {PREFIX}/indicators",
                [{"parameter": "indicator_id", "similar": close}],
            )
        return rows

    # -- handlers ---------------------------------------------------------------------------------
    def units(self, level: str, region: str | None, province: str | None, geometry: bool, fmt: str, **_: Any) -> Result:
        if province is not None and level in ("country", "region"):
            raise ApiError(422, "invalid_filter", f"a {level} is not inside a province; filter by province at "
                                                  "province or commune level")
        if region is not None and level == "country":
            raise ApiError(422, "invalid_filter", "the country is not inside a région")
        with_geometry = geometry or fmt == "geojson"
        frame = query.units(level, db=self.db, region=region, province=province, geometry=with_geometry)
        return Result(frame, None)

    def unit(self, level: str, code: str, geometry: bool, fmt: str, **_: Any) -> Result:
        self.check_code(level, code)
        frame = query.units(level, db=self.db, codes=[code], geometry=geometry or fmt == "geojson")
        return Result(frame, None, one=True)

    def indicators(self, year: int | None, topic: str | None, **_: Any) -> Result:
        frame = self.catalogue()
        if year is not None:
            frame = frame[frame["year"] == year]
        if topic is not None:
            frame = frame[frame["topic"] == topic]
        return Result(frame.reset_index(drop=True), set(frame["source_id"].dropna()))

    def indicator(self, indicator_id: str, **_: Any) -> Result:
        rows = self.check_indicator(indicator_id)
        return Result(rows.reset_index(drop=True), set(rows["source_id"].dropna()))

    def values(self, indicator: list[str] | None, indicator_id: str | None = None, **args: Any) -> Result:
        names = [indicator_id] if indicator_id is not None else indicator
        if not names:
            raise ApiError(400, "missing_parameter", "give at least one indicator: indicator=illiteracy_rate_10_plus",
                           [{"parameter": "indicator", "reason": "required"}])
        for name in names:
            self.check_indicator(name)
        level = args["level"]
        if args["region"] is not None:
            self.check_code("region", args["region"])
        frame = query.indicator_values(
            names, db=self.db, level=level, year=args["year"], sex=args["sex"], area=args["area"],
            units=args["unit"], region=args["region"], status=args["status"],
        )
        # Suppressed counts stay suppressed: no value, and no interval that would give it away.
        if "suppressed" in frame:
            hidden = frame["suppressed"] == 1
            frame.loc[hidden, [c for c in ("value", "se", "lower", "upper") if c in frame]] = float("nan")
        if len(frame) and level in LEVELS:
            labels = self.units_table(level)[UNIT_LABELS].rename(columns={"code": "unit_code"})
            frame = frame.merge(labels, on="unit_code", how="left")
            order = ["unit_code", "name_fr", "name_ar"]
            frame = frame[order + [c for c in frame.columns if c not in order]]
        return Result(frame, set(frame["source_id"].dropna()) if "source_id" in frame else set(),
                      geometry_level=level)

    def sources_list(self, **_: Any) -> Result:
        return Result(self.sources(), None)

    def builds(self, **_: Any) -> Result:
        return Result(query.builds(db=self.db), None)

    def build_runs(self, build_id: str, **_: Any) -> Result:
        runs = query.etl_runs(db=self.db, build_id=build_id)
        if not len(runs) and build_id not in set(query.builds(db=self.db)["build_id"]):
            raise ApiError(404, "not_found", f"no build {build_id!r}; list them at {PREFIX}/builds")
        return Result(runs, None)

    # -- analytics results (observatory.results: the index, models and plans the build stored) ----------
    def index(self, level: str, region: str | None, lens: str, lang: str | None, **_: Any) -> Result:
        from .. import results

        frame = results.fragility_index(level, db=self.db, lens=lens, region=region, lang=lang)
        return Result(frame, None, geometry_level=level)

    def models(self, indicator: str, level: str, region: str | None, year: int | None, sex: str, **_: Any) -> Result:
        from .. import results

        frame = results.model_estimates(indicator, db=self.db, level=level, year=year, sex=sex, region=region)
        return Result(frame, set(frame["source_id"].dropna()), geometry_level=level)

    def model_cards(self, **_: Any) -> Result:
        from .. import results

        return Result(results.model_cards(db=self.db).drop(columns=["card_json"], errors="ignore"), None)

    def plans(self, **_: Any) -> Result:
        from .. import results

        frame = results.plans(db=self.db)
        return Result(frame.assign(params=[_json(p) for p in frame["params"]]), None)

    def plan(self, plan_id: str, **_: Any) -> Result:
        from .. import results

        stored = results.plans(db=self.db)
        row = stored[stored["plan_id"] == plan_id]
        if not len(row):
            raise ApiError(404, "not_found", f"no plan {plan_id!r}; list them at {PREFIX}/plans")
        body = {
            **_formats.records(row.assign(params=[_json(p) for p in row["params"]]))[0],
            "sites": _formats.records(results.plan_sites(plan_id, db=self.db)),
            "audit": _formats.records(results.plan_audit(plan_id, db=self.db)),
            "left_out": _formats.records(results.left_out(plan_id, db=self.db)),
            "languages": _formats.records(results.plan_languages(plan_id, db=self.db)),
            "reviews": _formats.records(results.plan_reviews(plan_id, db=self.db)),
        }
        return Result(pd.DataFrame(), None, body=body)


    def create_plan(self, body: dict[str, Any], **_: Any) -> Result:
        """Solve a plan for one région with the planner (observatory.planner); nothing is stored."""
        from .. import planner, results

        region = body["region"]
        self.check_code("region", region)
        try:
            solved = planner.plan(
                results.planning_frame(db=self.db, need=body["need"], region=region), sites=body["sites"],
                radius_km=body["radius_km"], min_per_province=body["min_per_province"],
                min_per_region=body["min_per_region"], min_rural_share=body["min_rural_share"],
                min_women_share=body["min_women_share"], name=f"api-{region}", time_limit=30,
                site_type="service_point" if body["need"] == "assisted_service_need_15_plus" else "training_centre",
            )
        except planner.InfeasiblePlan as err:
            raise ApiError(422, "infeasible", err.message(body["lang"]), [err.messages, *err.failures]) from None
        except ValueError as err:  # a need missing from this database, or infeasible constraints
            raise ApiError(422, "unprocessable", str(err)) from None
        summary = {k: _formats._plain(v) for k, v in solved.summary.items()}
        out = {
            **summary, "params": solved.params,
            "stored": False,
            "sites": _formats.records(solved.sites),
            "audit": _formats.records(solved.audit),
            "left_out": _formats.records(solved.left_out) if len(solved.left_out) else [],
            "languages": _formats.records(solved.languages[solved.languages["plan"] == "optimal"]),
        }
        return Result(pd.DataFrame(), {registry.get(body["need"]).source}, body=out)


def _json(text: Any) -> Any:
    import json

    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


# -- the routes -----------------------------------------------------------------------------------
ROUTES: tuple[Route, ...] = (
    Route("/units/<level>", "units", "Units of a level (régions, provinces, communes)", "units",
          (LEVEL, REGION, PROVINCE, GEOMETRY, *PAGING), ("json", "geojson", "csv")),
    Route("/units/<level>/<code>", "unit", "One unit by its HCP code", "units",
          (LEVEL, CODE, GEOMETRY, PAGING[0], PAGING[3]), ("json", "geojson", "csv")),
    Route("/indicators", "indicators", "The indicator catalogue (field dictionary)", "indicators",
          (YEAR, Param("topic", pattern=NAME_PATTERN, description="Topic, e.g. illiteracy."), *PAGING),
          ("json", "csv")),
    Route("/indicators/<indicator_id>", "indicator", "One indicator's definition, for each census year", "indicators",
          (INDICATOR, PAGING[0], PAGING[3]), ("json", "csv")),
    Route("/indicators/<indicator_id>/values", "indicator_values", "Values of one indicator for every unit of a level",
          "indicators", (INDICATOR, VALUE_LEVEL, REGION, UNIT, YEAR, SEX, AREA, STATUS, DETAIL, *PAGING),
          ("json", "geojson", "csv"),
          description="All communes in one request: `/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024"
                      "&format=csv`. Suppressed small counts have an empty value."),
    Route("/values", "values", "Values of several indicators, filtered", "indicators",
          (Param("indicator", pattern=NAME_PATTERN, multiple=True, description="Indicator ids (comma-separated)."),
           VALUE_LEVEL, REGION, UNIT, YEAR, SEX, AREA, STATUS, DETAIL, *PAGING),
          ("json", "geojson", "csv")),
    Route("/index", "index", "The composite digital-fragility index: score, rank, 90% rank interval, dimensions",
          "index", (Param("level", enum=MAP_LEVELS, default="commune", description="Level."),
                    REGION,
                    Param("lens", enum=LENSES, default="all", description="Population the index is for."),
                    Param("lang", enum=LANGUAGES, description="Keep only this language's explanation."),
                    DETAIL, *PAGING), ("json", "geojson", "csv"),
          description="Higher score = more fragile; rank 1 is the most fragile unit. Each row explains its rank "
                      "in words."),
    Route("/models", "models", "Modelled estimates and forecasts with their 90% intervals", "models",
          (Param("indicator", enum=MODELLED, default=MODELLED[0], description="Modelled or forecast indicator."),
           Param("level", enum=LEVELS, default="commune", description="Level."), REGION,
           Param("year", "integer", "Year (estimate or projection).", minimum=1900, maximum=2100),
           SEX, DETAIL, *PAGING), ("json", "geojson", "csv")),
    Route("/models/cards", "model_cards", "Model cards: method, data, validation, limitations", "models", PAGING,
          ("json", "csv")),
    Route("/plans", "plans", "Stored deployment plans with their parameters", "plans", PAGING, ("json", "csv")),
    Route("/plans", "create_plan", "Solve a new plan for one région (returned, not stored)", "plans", (),
          method="POST", statuses=(200, 400, 404, 422), body=PLAN_BODY,
          description="Maximal covering of the need within radius_km by `sites` new sites, solved with CBC "
                      "under the given fairness constraints; the response holds the sites and the fairness audit."),
    Route("/plans/<plan_id>", "plan", "One deployment plan: sites, fairness audit, who is left out", "plans",
          (Param("plan_id", pattern=NAME_PATTERN, location="path", description="Plan id."),)),
    Route("/sources", "sources_list", "Every source with its URL, SHA-256 and licence", "provenance",
          PAGING, ("json", "csv")),
    Route("/builds", "builds", "Builds of this database, newest last", "provenance", PAGING, ("json", "csv")),
    Route("/builds/<build_id>/runs", "build_runs", "The ETL runs of a build: inputs, rows, status", "provenance",
          (Param("build_id", pattern=NAME_PATTERN, location="path", description="Build id."), *PAGING),
          ("json", "csv")),
)


def create_blueprint(db: Database | str | os.PathLike[str] | None = None, *, cache_size: int = 256) -> Any:
    """
    The API as a Flask blueprint with its own url_prefix /api/v1 (`observatory serve` registers it as
    is). Successful GET responses are kept in a small LRU cache (`cache_size` entries, 0 to turn it
    off) that empties whenever the database file changes: the API only reads, so a built database
    answers the same request the same way until the next build or load.
    """
    from flask import Blueprint, Response, request
    from werkzeug.exceptions import HTTPException

    from .openapi import docs_page, openapi_document

    api = _Api(query.connect(db))
    blueprint = Blueprint("api_v1", __name__, url_prefix=PREFIX)

    def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
        body = {"error": {"code": code, "message": message, "details": details or []}}
        return Response(_formats.json.dumps(body, ensure_ascii=False, default=str), status=status,
                        mimetype="application/json")

    def plan_body() -> dict[str, Any]:
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise ApiError(400, "invalid_body", "the body must be a JSON object, e.g. {\"region\": \"07\", \"sites\": 10}")
        if "region" not in raw:
            raise ApiError(400, "invalid_body", "the body needs a région: {\"region\": \"07\"}",
                           [{"parameter": "region", "reason": "required"}])
        bad = [k for k, v in raw.items() if isinstance(v, (dict, list, bool)) or v is None]
        if bad:
            raise ApiError(400, "invalid_body", f"field {str(bad[0])[:40]!r} must be a string or a number")
        return parse(PLAN_PARAMS, {str(k): [str(v)] for k, v in raw.items()})

    cache: OrderedDict[tuple[str, str], tuple[bytes, str, dict[str, str]]] = OrderedDict()
    cache_stamp: list[Any] = [None]

    def cached_respond(route: Route, path_args: dict[str, str]) -> Response:
        if route.method != "GET" or cache_size <= 0:
            return respond(route, path_args)
        key = (request.full_path, str(request.accept_mimetypes))
        stamp = api._current()
        if stamp != cache_stamp[0]:
            cache.clear()
            cache_stamp[0] = stamp
        if key in cache:
            cache.move_to_end(key)
            body, mimetype, headers = cache[key]
            return Response(body, mimetype=mimetype, headers=headers)
        response = respond(route, path_args)
        if response.status_code == 200 and response.content_length and response.content_length < 8_000_000:
            headers = {k: v for k, v in response.headers.items() if k.startswith(("X-", "Link", "Content-Disp"))}
            cache[key] = (response.get_data(), response.mimetype, headers)
            if len(cache) > cache_size:
                cache.popitem(last=False)
        return response

    def respond(route: Route, path_args: dict[str, str]) -> Response:
        args = parse(route.params, request.args.to_dict(flat=False), path_args)
        if route.method == "POST":
            args["body"] = plan_body()
        fmt = _formats.negotiate(args.get("format"), request.accept_mimetypes, route.formats)
        handler = getattr(api, route.name if route.name != "indicator_values" else "values")
        if route.name == "indicator_values":
            args["indicator"] = None
        result: Result = handler(fmt=fmt, **args)
        meta: dict[str, Any] = {**api.provenance(result.source_ids), **result.extra_meta}
        if result.body is not None:
            return Response(_formats.json_body(result.body, meta), mimetype="application/json")
        frame = result.frame
        if result.one and not len(frame):
            raise ApiError(404, "not_found", "no such resource")
        if not result.one and "page_size" in args:
            page, size = args["page"], args["page_size"]
            total = len(frame)
            pages = max(1, math.ceil(total / size)) if size else 1
            if page > pages and total:
                raise ApiError(404, "page_out_of_range", f"page {page} is past the last page ({pages}) of {total} rows",
                               [{"parameter": "page", "last": pages}])
            frame = frame.iloc[(page - 1) * size: page * size]
            meta.update(total=total, page=page, page_size=size, pages=pages)
            if page < pages:
                nxt = request.args.to_dict(flat=True) | {"page": str(page + 1)}
                meta["next"] = request.base_url + "?" + "&".join(f"{k}={v}" for k, v in nxt.items())
        frame = _select(frame, args.get("fields"))
        if fmt == "geojson" and result.geometry_level and "geometry" not in frame:
            geometry = api.geometry(result.geometry_level, args.get("detail") or "low")
            key = "unit_code" if "unit_code" in frame else "code"
            frame = frame.assign(geometry=geometry["geometry"].reindex(frame[key]).values) if key in frame else frame
        if fmt == "csv":
            response = Response(_formats.csv_body(frame), mimetype="text/csv")
            response.headers["Content-Disposition"] = f'inline; filename="{route.name}.csv"'
            response.headers["X-Source"] = _formats.header_text(", ".join(s["source_id"] for s in meta["source"]))
            response.headers["X-Licence"] = _formats.header_text(meta["licence"])
            if "next" in meta:
                response.headers["Link"] = f'<{meta["next"]}>; rel="next"'
            return response
        if fmt == "geojson":
            return Response(_formats.geojson_body(frame, meta), mimetype="application/geo+json")
        data = _formats.records(frame)
        return Response(_formats.json_body(data[0] if result.one else data, meta), mimetype="application/json")

    def view(route: Route) -> Callable[..., Response]:
        def endpoint(**path_args: str) -> Response:
            return cached_respond(route, path_args)

        endpoint.__name__ = route.name
        return endpoint

    for route in ROUTES:
        blueprint.add_url_rule(route.path, route.name, view(route), methods=[route.method])

    @blueprint.route("/")
    def root() -> Response:
        links = {r.name: PREFIX + r.path for r in ROUTES}
        meta = api.provenance(None)
        return Response(_formats.json_body({"openapi": f"{PREFIX}/openapi.json", "docs": f"{PREFIX}/docs",
                                            "endpoints": links}, meta), mimetype="application/json")

    @blueprint.route("/openapi.json")
    def openapi() -> Response:
        return Response(_formats.json.dumps(openapi_document(ROUTES), ensure_ascii=False), mimetype="application/json")

    @blueprint.route("/docs")
    def docs() -> Response:
        return Response(docs_page(openapi_document(ROUTES)), mimetype="text/html")

    @blueprint.route("/<path:rest>")
    def no_such_endpoint(rest: str) -> Response:
        return error_response(404, "not_found", f"no endpoint {PREFIX}/{rest[:80]}; see {PREFIX}/docs")

    @blueprint.errorhandler(ApiError)
    def api_error(err: ApiError) -> Response:
        return error_response(err.status, err.code, err.message, err.details)

    @blueprint.errorhandler(ParameterError)
    def parameter_error(err: ParameterError) -> Response:
        return error_response(err.status, "invalid_parameter" if err.status == 400 else "unprocessable",
                              str(err), err.details)

    @blueprint.errorhandler(UnknownNameError)
    def unknown(err: UnknownNameError) -> Response:
        return error_response(404, "not_found", str(err))

    @blueprint.errorhandler(ObservatoryError)
    def observatory_error(err: ObservatoryError) -> Response:
        status = 503 if isinstance(err, FileNotFoundError) else 422
        return error_response(status, "unavailable" if status == 503 else "unprocessable", str(err))

    @blueprint.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        return error_response(err.code or 500, (err.name or "error").lower().replace(" ", "_"), err.description or "")

    @blueprint.app_errorhandler(405)
    def method_not_allowed(err: HTTPException) -> Any:
        # Routing errors are raised before a blueprint is chosen, so this handler is app-wide: it
        # answers in the API's error shape under /api/v1 and leaves every other path as it was.
        if not request.path.startswith(PREFIX + "/"):
            return err
        return error_response(405, "method_not_allowed", err.description or "method not allowed")

    @blueprint.errorhandler(Exception)
    def internal(err: Exception) -> Response:  # pragma: no cover - the tests fail if this is reached
        import logging

        logging.getLogger("observatory.api").exception("unhandled error")
        return error_response(500, "internal", "internal error; the server log has the details")

    return blueprint


def _select(frame: pd.DataFrame, fields: list[str] | None) -> pd.DataFrame:
    if not fields:
        return frame
    valid = [c for c in frame.columns if c != "geometry"]
    unknown = [f for f in fields if f not in valid]
    if unknown and len(frame.columns):
        raise ApiError(400, "invalid_parameter", f"unknown field {unknown[0]!r}; valid: {', '.join(valid)}",
                       [{"parameter": "fields", "unknown": unknown, "valid": valid}])
    keep = list(dict.fromkeys(fields)) + (["geometry"] if "geometry" in frame else [])
    return frame[[c for c in keep if c in frame.columns]]


def create_api_app(db: Database | str | os.PathLike[str] | None = None, *, cache_size: int = 256) -> Any:
    """A Flask app serving only the API under /api/v1 (for tests, scripts and the load benchmark)."""
    from flask import Flask

    app = Flask("observatory.api")
    app.register_blueprint(create_blueprint(db, cache_size=cache_size))
    return app
