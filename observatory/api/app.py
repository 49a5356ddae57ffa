"""
The REST API: a Flask blueprint mounted under /api/v1 by `observatory serve`, and a standalone app
for tests and scripts. It reads through `observatory.query` (and `observatory.results` for the
index, models and plans) and computes no statistic of its own.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from .. import query, registry
from ..database import Database
from ..enums import (
    AREAS,
    DEFAULT_LENS,
    LANGUAGES,
    LENSES,
    LEVELS,
    MAP_LEVELS,
    MODEL_STATUSES,
    SEXES,
    STATUSES,
)
from ..errors import ObservatoryError, UnknownNameError
from ..planning_frame import NEEDS
from . import _formats, report_route
from ._cache import ResponseCache
from ._params import CODE_PATTERN, NAME_PATTERN, PAGING, Param, ParameterError, Route, parse
from ._security import (
    API_CSP,
    MAX_BODY_BYTES,
    bearer_matches,
    load_json,
    redact,
    redact_frame,
    with_security_headers,
)

PREFIX = "/api/v1"

VALUE_LEVELS = (*LEVELS, "arrondissement")
LEVEL = Param("level", enum=LEVELS, location="path", description="Administrative level.")
CODE = Param(
    "code",
    pattern=CODE_PATTERN,
    location="path",
    description="HCP 2024 code, e.g. 01.511.01.0; MA for Morocco.",
)
INDICATOR = Param(
    "indicator_id",
    pattern=NAME_PATTERN,
    location="path",
    description="Indicator id, e.g. illiteracy_rate_10_plus.",
)
REGION = Param("region", pattern=r"^[0-9]{2}$", description="Keep units inside this région (code, e.g. 01).")
PROVINCE = Param(
    "province", pattern=r"^[0-9]{2}\.[0-9]{3}$", description="Keep units inside this province (e.g. 01.511)."
)
YEAR = Param("year", "integer", "Census year (2024 or 2014) or measurement year.", minimum=1900, maximum=2100)
SEX = Param("sex", enum=SEXES, default="all", description="Sex breakdown.")
AREA = Param("area", enum=AREAS, default="total", description="Urban, rural or total.")
UNIT = Param("unit", pattern=CODE_PATTERN, multiple=True, description="Unit codes (comma-separated).")
STATUS = Param("status", enum=tuple(STATUSES), multiple=True, description="How values came to be.")
VALUE_LEVEL = Param(
    "level", enum=VALUE_LEVELS, default="commune", description="Administrative level of the units."
)
DETAIL = Param(
    "detail",
    enum=("low", "medium", "full"),
    default="low",
    description="Geometry detail for GeoJSON: simplified (low, medium) or the full polygons.",
)
UNIT_DETAIL = Param(
    "detail",
    enum=("low", "medium", "full"),
    default="full",
    description="Geometry detail for GeoJSON: the full polygon (default) or a simplified one.",
)
GEOMETRY = Param(
    "geometry", "boolean", "Include geometry (as GeoJSON features; JSON and CSV leave it out).", default=False
)

MODELLED = tuple(i.id for i in registry.CURATED if i.status in MODEL_STATUSES)

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
)
PLAN_BODY = {
    "type": "object",
    "required": ["region"],
    "additionalProperties": False,
    "properties": {p.name: {**p.schema(), "description": p.description} for p in PLAN_PARAMS},
}

#: Most indicators one values request may name: more take seconds to read; ask for them in several requests.
MAX_INDICATORS = 25
#: Full-detail GeoJSON is heavy (about 18 kB a commune): past this many features it takes one of the
#: few heavy-request slots, and past MAX_FULL_FEATURES it is refused in favour of paging or a lower detail.
HEAVY_FEATURES = 50
MAX_FULL_FEATURES = 500
#: Bodies larger than this (bytes) are sent while holding a heavy-request slot, in chunks.
HEAVY_BYTES = 1_000_000
#: Seconds a client is asked to wait when every heavy-request slot is busy (503).
RETRY_AFTER = 5
#: The body of a POST /plans with store=true, and who may send it.
STORE = Param(
    "store",
    "boolean",
    "Also store the plan in the database (needs a server started with "
    "--allow-writes and `Authorization: Bearer <OBSERVATORY_API_TOKEN>`).",
    default=False,
)

#: Unit columns a values response joins, so a CSV row names its commune.
UNIT_LABELS = ["code", "name_fr", "name_ar"]


class ApiError(Exception):
    """An HTTP error with the API's one shape: {"error": {"code", "message", "details"}}."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []
        self.headers = headers or {}


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
    """
    The handlers, over one database. Small tables and the frames the library returns are kept (the
    most recently used, at most `frames` of them and `frame_bytes` in all) until the database file
    changes, so a request for another région or page of the same data does not read the database again.
    """

    def __init__(self, db: Database, *, frames: int = 512, frame_bytes: int = 256_000_000) -> None:
        self.db = db
        self.frames, self.frame_bytes = frames, frame_bytes
        self._cache: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._stamp: Any = None
        self._lock = threading.Lock()

    # -- caching ----------------------------------------------------------------------------------
    def _current(self) -> Any:
        if self.db.kind == "gpkg":
            try:
                return os.stat(self.db.path).st_mtime_ns
            except OSError:
                return None
        return int(time.time() // 60)

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """`make()`, kept under `key`; callers must not modify what they get (copy first)."""
        stamp = self._current()
        with self._lock:
            if stamp != self._stamp:
                self._cache.clear()
                self._bytes, self._stamp = 0, stamp
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key][0]
        value = make()
        size = int(value.memory_usage(index=True).sum()) if isinstance(value, pd.DataFrame) else 0
        with self._lock:
            if stamp == self._stamp and key not in self._cache and size <= self.frame_bytes // 4:
                self._cache[key] = (value, size)
                self._bytes += size
                while len(self._cache) > self.frames or self._bytes > self.frame_bytes:
                    self._bytes -= self._cache.popitem(last=False)[1][1]
        return value

    def in_region(self, frame: pd.DataFrame, region: str, column: str = "unit_code") -> pd.DataFrame:
        """Rows whose unit lies in a région (the région itself included), as the query layer's `region=` keeps
        them."""
        inside = {region}
        for level in ("province", "commune"):
            table = self.units_table(level)
            inside |= set(table.loc[table["region_code"] == region, "code"])
        return frame[frame[column].isin(inside)].reset_index(drop=True)

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
        listed = _formats.records(
            table[
                [
                    c
                    for c in ("source_id", "title", "publisher", "url", "licence", "retrieved_at")
                    if c in table
                ]
            ]
        )
        licences = list(dict.fromkeys(str(x) for x in table.get("licence", []) if isinstance(x, str) and x))
        return {"source": listed, "licence": " | ".join(licences) if licences else "see source"}

    def check_code(self, level: str, code: str) -> None:
        if code not in set(self.units_table(level)["code"]):
            raise ApiError(
                404, "not_found", f"no {level} with code {code!r}; list them at {PREFIX}/units/{level}"
            )

    def check_indicator(self, indicator: str) -> pd.DataFrame:
        catalogue = self.catalogue()
        rows = catalogue[catalogue["indicator_id"] == indicator]
        if not len(rows):
            close = sorted(i for i in set(catalogue["indicator_id"]) if indicator.split("_")[0] in i)[:20]
            raise ApiError(
                404,
                "not_found",
                f"unknown indicator {indicator!r}; the catalogue is at {PREFIX}/indicators",
                [{"parameter": "indicator_id", "similar": close}],
            )
        return rows

    # -- handlers ---------------------------------------------------------------------------------
    def units(
        self, level: str, region: str | None, province: str | None, geometry: bool, fmt: str, **_: Any
    ) -> Result:
        if province is not None and level in ("country", "region"):
            raise ApiError(
                422,
                "invalid_filter",
                f"a {level} is not inside a province; filter by province at province or commune level",
            )
        if region is not None and level == "country":
            raise ApiError(422, "invalid_filter", "the country is not inside a région")
        frame = self.units_table(level)  # filtered as query.units(region=, province=) filters them
        if region is not None:
            frame = frame[frame["code" if level == "region" else "region_code"] == region]
        if province is not None:
            frame = frame[frame["code" if level == "province" else "province_code"] == province]
        return Result(frame.reset_index(drop=True), None, geometry_level=level)

    def unit(self, level: str, code: str, **_: Any) -> Result:
        self.check_code(level, code)
        table = self.units_table(level)
        return Result(
            table[table["code"] == code].reset_index(drop=True), None, one=True, geometry_level=level
        )

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
            raise ApiError(
                400,
                "missing_parameter",
                "give at least one indicator: indicator=illiteracy_rate_10_plus",
                [{"parameter": "indicator", "reason": "required"}],
            )
        names = list(dict.fromkeys(names))
        if len(names) > MAX_INDICATORS:
            raise ApiError(
                400,
                "too_many_indicators",
                f"{len(names)} indicators in one request; at most "
                f"{MAX_INDICATORS} are accepted: split them over several requests",
                [{"parameter": "indicator", "maximum": MAX_INDICATORS, "got": len(names)}],
            )
        for name in names:
            self.check_indicator(name)
        level = args["level"]
        if args["region"] is not None:
            self.check_code("region", args["region"])
        filters = {
            "level": level,
            "year": args["year"],
            "sex": args["sex"],
            "area": args["area"],
            "units": args["unit"],
            "status": args["status"],
        }
        key = (
            "values",
            tuple(names),
            *((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()),
        )
        frame = self.cached(key, lambda: query.indicator_values(names, db=self.db, **filters))
        frame = self.in_region(frame, args["region"]) if args["region"] is not None else frame.copy()
        # Suppressed counts stay suppressed: no value, and no interval that would give it away.
        if "suppressed" in frame:
            hidden = frame["suppressed"] == 1
            frame.loc[hidden, [c for c in ("value", "se", "lower", "upper") if c in frame]] = float("nan")
        if len(frame) and level in LEVELS:
            labels = self.units_table(level)[UNIT_LABELS].rename(columns={"code": "unit_code"})
            frame = frame.merge(labels, on="unit_code", how="left")
            order = ["unit_code", "name_fr", "name_ar"]
            frame = frame[order + [c for c in frame.columns if c not in order]]
        return Result(
            frame, set(frame["source_id"].dropna()) if "source_id" in frame else set(), geometry_level=level
        )

    def sources_list(self, **_: Any) -> Result:
        return Result(self.sources(), None)

    def builds(self, **_: Any) -> Result:
        # Build logs name the database's file and connection URL: neither leaves the server.
        return Result(redact_frame(query.builds(db=self.db)), None)

    def build_runs(self, build_id: str, **_: Any) -> Result:
        runs = query.etl_runs(db=self.db, build_id=build_id)
        if not len(runs) and build_id not in set(query.builds(db=self.db)["build_id"]):
            raise ApiError(404, "not_found", f"no build {build_id!r}; list them at {PREFIX}/builds")
        return Result(redact_frame(runs), None)

    # -- analytics results (observatory.results: the index, models and plans the build stored) ----------
    def index(self, level: str, region: str | None, lens: str, lang: str | None, **_: Any) -> Result:
        from .. import results

        frame = self.cached(
            ("index", level, lens, lang),
            lambda: results.fragility_index(level, db=self.db, lens=lens, lang=lang),
        )
        if region is not None:  # as fragility_index(region=) keeps them, from the same frame
            frame = frame[
                (frame["code"] == region) if level == "region" else (frame["region_code"] == region)
            ]
        return Result(frame.reset_index(drop=True), None, geometry_level=level)

    def models(
        self, indicator: str, level: str, region: str | None, year: int | None, sex: str, **_: Any
    ) -> Result:
        from .. import results

        frame = results.model_estimates(indicator, db=self.db, level=level, year=year, sex=sex, region=region)
        return Result(frame, set(frame["source_id"].dropna()), geometry_level=level)

    def model_cards(self, **_: Any) -> Result:
        from .. import results

        return Result(results.model_cards(db=self.db).drop(columns=["card_json"], errors="ignore"), None)

    def plans(self, **_: Any) -> Result:
        from ..plans import list_plans

        frame = list_plans(db=self.db)
        return Result(frame.assign(params=[_json(p) for p in frame["params"]]), None)

    def plan(self, plan_id: str, **_: Any) -> Result:
        from ..errors import UnknownNameError
        from ..plans import read_plan

        try:
            stored = read_plan(plan_id, db=self.db)
        except UnknownNameError:
            raise ApiError(404, "not_found", f"no plan {plan_id!r}; list them at {PREFIX}/plans") from None
        body = {
            **{k: _formats._plain(v) for k, v in stored.summary.items()},
            "params": _json(stored.summary["params"]),
            "sites": _formats.records(stored.sites),
            "audit": _formats.records(stored.audit),
            "left_out": _formats.records(stored.left_out()),
            "languages": _formats.records(stored.languages),
            "reviews": _formats.records(stored.reviews),
        }
        return Result(pd.DataFrame(), None, body=body)

    def create_plan(self, body: dict[str, Any], store: bool = False, **_: Any) -> Result:
        """Solve a plan for one région with the planner (observatory.planner); stored only if `store`."""
        from .. import planner, results

        region = body["region"]
        self.check_code("region", region)
        try:
            solved = planner.plan(
                results.planning_frame(db=self.db, need=body["need"], region=region),
                sites=body["sites"],
                radius_km=body["radius_km"],
                min_per_province=body["min_per_province"],
                min_per_region=body["min_per_region"],
                min_rural_share=body["min_rural_share"],
                min_women_share=body["min_women_share"],
                name=f"api-{region}",
                time_limit=30,
                site_type="service_point"
                if body["need"] == "assisted_service_need_15_plus"
                else "training_centre",
            )
        except planner.InfeasiblePlan as err:
            raise ApiError(
                422, "infeasible", err.message(body["lang"]), [err.messages, *err.failures]
            ) from None
        except ValueError as err:  # a need missing from this database, or infeasible constraints
            raise ApiError(422, "unprocessable", str(err)) from None
        summary = {k: _formats._plain(v) for k, v in solved.summary.items()}
        out = {
            **summary,
            "params": solved.params,
            "stored": False,
            "sites": _formats.records(solved.sites),
            "audit": _formats.records(solved.audit),
            "left_out": _formats.records(solved.left_out) if len(solved.left_out) else [],
            "languages": _formats.records(solved.languages[solved.languages["plan"] == "optimal"]),
        }
        if store:
            out.update(stored=True, plan_id=self.store_plan(solved))
        return Result(pd.DataFrame(), {registry.get(body["need"]).source}, body=out)

    def store_plan(self, solved: Any) -> str:
        """Write a solved plan with the library's plan store (the only code that writes plans); its id."""
        from ..plans import store_plan

        return store_plan(solved, db=self.db)


class _HeldBody:
    """A response body in chunks that releases its slot once: when the last chunk is taken or the server
    closes it."""

    def __init__(self, body: bytes, release: Callable[[], None], chunk: int = 256 * 1024) -> None:
        self._release: Callable[[], None] | None = release
        self.body, self.chunk = body, chunk
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), self.chunk):
            yield self.body[start : start + self.chunk]
        self.close()

    def close(self) -> None:
        with self._lock:
            release, self._release = self._release, None
        if release is not None:
            release()


def _json(text: Any) -> Any:
    import json

    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


# -- the routes -----------------------------------------------------------------------------------
ROUTES: tuple[Route, ...] = (
    Route(
        "/units/<level>",
        "units",
        "Units of a level (régions, provinces, communes)",
        "units",
        (LEVEL, REGION, PROVINCE, GEOMETRY, DETAIL, *PAGING),
        ("json", "geojson", "csv"),
    ),
    Route(
        "/units/<level>/<code>",
        "unit",
        "One unit by its HCP code",
        "units",
        (LEVEL, CODE, GEOMETRY, UNIT_DETAIL, PAGING[0], PAGING[3]),
        ("json", "geojson", "csv"),
    ),
    Route(
        "/indicators",
        "indicators",
        "The indicator catalogue (field dictionary)",
        "indicators",
        (YEAR, Param("topic", pattern=NAME_PATTERN, description="Topic, e.g. illiteracy."), *PAGING),
        ("json", "csv"),
    ),
    Route(
        "/indicators/<indicator_id>",
        "indicator",
        "One indicator's definition, for each census year",
        "indicators",
        (INDICATOR, PAGING[0], PAGING[3]),
        ("json", "csv"),
    ),
    Route(
        "/indicators/<indicator_id>/values",
        "indicator_values",
        "Values of one indicator for every unit of a level",
        "indicators",
        (INDICATOR, VALUE_LEVEL, REGION, UNIT, YEAR, SEX, AREA, STATUS, DETAIL, *PAGING),
        ("json", "geojson", "csv"),
        description="All communes in one request: "
        "`/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024&format=csv`. Suppressed small counts "
        "have an empty value.",
    ),
    Route(
        "/values",
        "values",
        "Values of several indicators, filtered",
        "indicators",
        (
            Param(
                "indicator",
                pattern=NAME_PATTERN,
                multiple=True,
                required=True,
                description=f"Indicator ids (comma-separated, at most {MAX_INDICATORS}).",
            ),
            VALUE_LEVEL,
            REGION,
            UNIT,
            YEAR,
            SEX,
            AREA,
            STATUS,
            DETAIL,
            *PAGING,
        ),
        ("json", "geojson", "csv"),
    ),
    Route(
        "/index",
        "index",
        "The composite digital-fragility index: score, rank, 90% rank interval, dimensions",
        "index",
        (
            Param("level", enum=MAP_LEVELS, default="commune", description="Level."),
            REGION,
            Param("lens", enum=LENSES, default=DEFAULT_LENS, description="Population the index is for."),
            Param("lang", enum=LANGUAGES, description="Keep only this language's explanation."),
            DETAIL,
            *PAGING,
        ),
        ("json", "geojson", "csv"),
        description="Higher score = more fragile; rank 1 is the most fragile unit. Each row explains its "
        "rank in words.",
    ),
    Route(
        "/models",
        "models",
        "Modelled estimates and forecasts with their 90% intervals",
        "models",
        (
            Param(
                "indicator", enum=MODELLED, default=MODELLED[0], description="Modelled or forecast indicator."
            ),
            Param("level", enum=LEVELS, default="commune", description="Level."),
            REGION,
            Param("year", "integer", "Year (estimate or projection).", minimum=1900, maximum=2100),
            SEX,
            DETAIL,
            *PAGING,
        ),
        ("json", "geojson", "csv"),
    ),
    Route(
        "/models/cards",
        "model_cards",
        "Model cards: method, data, validation, limitations",
        "models",
        PAGING,
        ("json", "csv"),
    ),
    Route(
        "/plans", "plans", "Stored deployment plans with their parameters", "plans", PAGING, ("json", "csv")
    ),
    Route(
        "/plans",
        "create_plan",
        "Solve a new plan for one région (returned; stored only on request)",
        "plans",
        (STORE,),
        method="POST",
        statuses=(200, 400, 401, 403, 404, 422, 503),
        body=PLAN_BODY,
        description="Maximal covering of the need within radius_km by `sites` new sites, solved with CBC "
        "under the given fairness constraints; the response holds the sites and the fairness audit. "
        "Writes are off by default: `store=true` needs a server started with --allow-writes and "
        "the header `Authorization: Bearer <OBSERVATORY_API_TOKEN>`.",
    ),
    Route(
        "/plans/<plan_id>",
        "plan",
        "One deployment plan: sites, fairness audit, who is left out",
        "plans",
        (Param("plan_id", pattern=NAME_PATTERN, location="path", description="Plan id."),),
    ),
    Route(
        "/sources",
        "sources_list",
        "Every source with its URL, SHA-256 and licence",
        "provenance",
        PAGING,
        ("json", "csv"),
    ),
    Route("/builds", "builds", "Builds of this database, newest last", "provenance", PAGING, ("json", "csv")),
    Route(
        "/builds/<build_id>/runs",
        "build_runs",
        "The ETL runs of a build: inputs, rows, status",
        "provenance",
        (Param("build_id", pattern=NAME_PATTERN, location="path", description="Build id."), *PAGING),
        ("json", "csv"),
    ),
)


#: Every route the OpenAPI document and docs/api.md describe: the generic ones and the report download.
DOCUMENTED_ROUTES = (*ROUTES, report_route.ROUTE)


def create_blueprint(
    db: Database | str | os.PathLike[str] | None = None,
    *,
    cache_size: int = 4096,
    cache_bytes: int = 64_000_000,
    heavy_requests: int = 2,
    allow_writes: bool = False,
    token: str | None = None,
) -> Any:
    """
    The API as a Flask blueprint with its own url_prefix /api/v1 (`observatory serve` registers it as
    is). Successful GET responses are kept in an LRU cache bounded in entries (`cache_size`, 0 to turn
    it off) and in bytes (`cache_bytes`) that empties whenever the database file changes: the API only
    reads, so a built database answers the same request the same way until the next build or load.
    Links in responses are relative, so a body never depends on the Host a client sent.

    Heavy requests (full-detail GeoJSON of many units, solving a plan) run `heavy_requests` at a
    time; more are answered 503 with Retry-After at once, so they never hold every server thread.
    Writes (storing a plan) are refused unless `allow_writes`, and then need `token` as a bearer token.
    """
    from flask import Blueprint, Response, request
    from werkzeug.exceptions import HTTPException

    from .openapi import docs_page, openapi_document

    if allow_writes and not token:
        raise ValueError("writes need a token: set OBSERVATORY_API_TOKEN to a long random secret")
    api = _Api(query.connect(db))
    blueprint = Blueprint("api_v1", __name__, url_prefix=PREFIX)
    heavy = threading.BoundedSemaphore(heavy_requests)

    def error_response(
        status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        body = {"error": {"code": code, "message": message, "details": details or []}}
        return Response(
            json.dumps(body, ensure_ascii=False, default=str),
            status=status,
            mimetype="application/json",
            headers=headers,
        )

    def busy() -> ApiError:
        return ApiError(
            503,
            "busy",
            f"the server is busy with other heavy requests; retry in {RETRY_AFTER} s, "
            "or ask for less (detail=low, a région, a smaller page)",
            headers={"Retry-After": str(RETRY_AFTER)},
        )

    @contextmanager
    def heavy_slot() -> Iterator[None]:
        if not heavy.acquire(blocking=False):
            raise busy()
        try:
            yield
        finally:
            heavy.release()

    def check_write_access() -> None:
        if not allow_writes:
            raise ApiError(
                403,
                "writes_disabled",
                "this server does not store plans; its operator can allow it "
                "with `observatory serve --allow-writes` and OBSERVATORY_API_TOKEN",
            )
        if not bearer_matches(request.headers.get("Authorization"), token):
            raise ApiError(
                401,
                "unauthorized",
                "storing a plan needs the header `Authorization: Bearer <token>`",
                headers={"WWW-Authenticate": 'Bearer realm="observatory"'},
            )

    def plan_body() -> dict[str, Any]:
        try:
            raw = load_json(request.stream.read(MAX_BODY_BYTES + 1))
        except ValueError as err:
            raise ApiError(400, "invalid_body", str(err)) from None
        if not isinstance(raw, dict):
            raise ApiError(
                400, "invalid_body", 'the body must be a JSON object, e.g. {"region": "07", "sites": 10}'
            )
        if "region" not in raw:
            raise ApiError(
                400,
                "invalid_body",
                'the body needs a région: {"region": "07"}',
                [{"parameter": "region", "reason": "required"}],
            )
        bad = [k for k, v in raw.items() if isinstance(v, (dict, list, bool)) or v is None]
        if bad:
            raise ApiError(400, "invalid_body", f"field {str(bad[0])[:40]!r} must be a string or a number")
        return parse(PLAN_PARAMS, {str(k): [str(v)] for k, v in raw.items()})

    cache = ResponseCache(entries=cache_size, max_bytes=cache_bytes, max_entry_bytes=cache_bytes // 4)

    def cached_respond(route: Route, path_args: dict[str, str]) -> Response:
        if route.method != "GET" or cache_size <= 0:
            return respond(route, path_args)
        # Everything a body depends on: the path, the query and the Accept header (links are relative).
        key = (request.path, request.query_string, str(request.accept_mimetypes))
        stamp = api._current()
        hit = cache.get(key, stamp)
        if hit is not None:
            body, (mimetype, headers) = hit
            return deliver(Response(body, mimetype=mimetype, headers=headers))
        response = respond(route, path_args)
        if response.status_code == 200 and not response.is_streamed:
            headers = {
                k: v
                for k, v in response.headers.items()
                if k.startswith(("X-", "Link", "Content-Disp", "Vary"))
            }
            cache.put(key, stamp, response.get_data(), (response.mimetype, headers))
        return deliver(response)

    def deliver(response: Response) -> Response:
        """
        A large body goes out in chunks while it holds a heavy-request slot (503 when none is free):
        the server writes a chunk only as the client takes it, so a few clients downloading large
        files hold at most `heavy_requests` threads and leave the CPU to everyone else.
        """
        if (
            response.is_streamed
            or response.status_code != 200
            or (response.content_length or 0) <= HEAVY_BYTES
        ):
            return response
        if not heavy.acquire(blocking=False):
            raise busy()
        body = response.get_data()
        streamed = Response(
            _HeldBody(body, heavy.release), status=200, mimetype=response.mimetype, headers=response.headers
        )
        streamed.headers["Content-Length"] = str(len(body))
        return streamed

    def page_link(page: int) -> str:
        """This request's relative URL on another page (repeated parameters kept)."""
        query_args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"] + [
            ("page", str(page))
        ]
        return request.path + "?" + urlencode(query_args)

    def respond(route: Route, path_args: dict[str, str]) -> Response:
        args = parse(route.params, request.args.to_dict(flat=False), path_args)
        if route.method == "POST":
            if args.get("store"):
                check_write_access()
            args["body"] = plan_body()
        fmt = _formats.negotiate(
            args.get("format"), request.accept_mimetypes, _formats.offered(route.formats)
        )
        handler = getattr(api, route.name if route.name != "indicator_values" else "values")
        if route.name == "indicator_values":
            args["indicator"] = None
        with heavy_slot() if route.method == "POST" else nullcontext():
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
                raise ApiError(
                    404,
                    "page_out_of_range",
                    f"page {page} is past the last page ({pages}) of {total} rows",
                    [{"parameter": "page", "last": pages}],
                )
            frame = frame.iloc[(page - 1) * size : page * size]
            meta.update(total=total, page=page, page_size=size, pages=pages)
            if page < pages:
                meta["next"] = page_link(page + 1)
        frame = _select(frame, args.get("fields"))
        if fmt in ("csv", "csvw"):
            return csv_response(route, frame, meta, fmt)
        if fmt == "geojson":
            detail = args.get("detail") or "low"
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
            with heavy_slot() if is_heavy else nullcontext():
                if result.geometry_level and "geometry" not in frame:
                    geometry = api.geometry(result.geometry_level, detail)
                    key = "unit_code" if "unit_code" in frame else "code"
                    if key in frame:
                        frame = frame.assign(geometry=geometry["geometry"].reindex(frame[key]).values)
                return Response(
                    _formats.geojson_body(frame, meta),
                    mimetype="application/geo+json",
                    headers={"Vary": "Accept"},
                )
        data = _formats.records(frame)
        return Response(
            _formats.json_body(data[0] if result.one else data, meta),
            mimetype="application/json",
            headers={"Vary": "Accept"},
        )

    def csv_response(route: Route, frame: pd.DataFrame, meta: dict[str, Any], fmt: str) -> Response:
        """The CSV with its provenance and paging inside it, or (csvw) its CSVW description."""
        query_args = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
        csv_url = request.path + "?" + urlencode([*query_args, ("format", "csv")])
        describedby = request.path + "?" + urlencode([*query_args, ("format", "csvw")])
        if fmt == "csvw":
            units = {}
            if "indicator_id" in frame:
                catalogue = api.catalogue().drop_duplicates("indicator_id").set_index("indicator_id")["unit"]
                units = {
                    str(i): str(catalogue.get(i))
                    for i in frame["indicator_id"].dropna().unique()
                    if isinstance(catalogue.get(i), str)
                }
            return Response(
                _formats.csvw_body(frame, meta, url=csv_url, title=route.summary, units=units),
                mimetype="application/csvm+json",
                headers={"Vary": "Accept"},
            )
        sources = [
            " — ".join(str(s[k]) for k in ("source_id", "title", "url", "licence") if s.get(k))
            for s in meta["source"]
        ]
        rows = f"rows: {len(frame)}"
        if "total" in meta:
            rows += (
                f" of {meta['total']} (page {meta['page']} of {meta['pages']}, page_size {meta['page_size']})"
            )
            if "next" in meta:
                rows += f"; next page: {meta['next']}"
        preamble = [
            f"{route.summary} — Observatoire territorial de l'équité numérique (Maroc)",
            *(f"source: {s}" for s in sources),
            f"licence: {meta['licence']}",
            rows,
            f"read with: {_formats.reading_hint(frame)}; column types: {describedby}",
        ]
        response = Response(_formats.csv_body(frame, preamble), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'inline; filename="{route.name}.csv"'
        response.headers["X-Source"] = _formats.header_text(", ".join(s["source_id"] for s in meta["source"]))
        response.headers["X-Licence"] = _formats.header_text(meta["licence"])
        response.headers["Vary"] = "Accept"
        links = [f'<{describedby}>; rel="describedby"; type="application/csvm+json"']
        if "next" in meta:
            links.insert(0, f'<{meta["next"]}>; rel="next"')
            response.headers["X-Total-Count"] = str(meta["total"])
        response.headers["Link"] = ", ".join(links)
        return response

    def view(route: Route) -> Callable[..., Response]:
        def endpoint(**path_args: str) -> Response:
            return cached_respond(route, path_args)

        endpoint.__name__ = route.name
        return endpoint

    for route in ROUTES:
        blueprint.add_url_rule(route.path, route.name, view(route), methods=[route.method])
    report_route.register(blueprint, api._current, error_response)

    @blueprint.route("/")
    def root() -> Response:
        links = {r.name: PREFIX + r.path for r in ROUTES}
        meta = api.provenance(None)
        return Response(
            _formats.json_body(
                {"openapi": f"{PREFIX}/openapi.json", "docs": f"{PREFIX}/docs", "endpoints": links}, meta
            ),
            mimetype="application/json",
        )

    @blueprint.route("/openapi.json")
    def openapi() -> Response:
        return Response(
            json.dumps(openapi_document(DOCUMENTED_ROUTES), ensure_ascii=False),
            mimetype="application/json",
        )

    @blueprint.route("/docs")
    def docs() -> Response:
        return Response(docs_page(openapi_document(DOCUMENTED_ROUTES)), mimetype="text/html")

    @blueprint.route("/<path:rest>")
    def no_such_endpoint(rest: str) -> Response:
        return error_response(404, "not_found", f"no endpoint {PREFIX}/{rest[:80]}; see {PREFIX}/docs")

    @blueprint.errorhandler(ApiError)
    def api_error(err: ApiError) -> Response:
        return error_response(err.status, err.code, err.message, err.details, err.headers)

    @blueprint.errorhandler(ParameterError)
    def parameter_error(err: ParameterError) -> Response:
        return error_response(
            err.status, "invalid_parameter" if err.status == 400 else "unprocessable", str(err), err.details
        )

    @blueprint.errorhandler(UnknownNameError)
    def unknown(err: UnknownNameError) -> Response:
        return error_response(404, "not_found", str(err))

    @blueprint.errorhandler(ObservatoryError)
    def observatory_error(err: ObservatoryError) -> Response:
        status = 503 if isinstance(err, FileNotFoundError) else 422
        # The library's messages may name the database's file or URL: neither leaves the server.
        return error_response(status, "unavailable" if status == 503 else "unprocessable", redact(str(err)))

    @blueprint.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        return error_response(
            err.code or 500, (err.name or "error").lower().replace(" ", "_"), err.description or ""
        )

    @blueprint.app_errorhandler(405)
    def method_not_allowed(err: HTTPException) -> Any:
        # Routing errors are raised before a blueprint is chosen, so this handler is app-wide: it
        # answers in the API's error shape under /api/v1 and leaves every other path as it was.
        if not request.path.startswith(PREFIX + "/"):
            return err
        allowed = ", ".join(sorted(getattr(err, "valid_methods", None) or ()))
        return error_response(
            405,
            "method_not_allowed",
            f"method {request.method} is not allowed here; allowed: {allowed}",
            headers={"Allow": allowed} if allowed else None,
        )

    @blueprint.after_request
    def secure(response: Response) -> Response:
        with_security_headers(response.headers, API_CSP)
        return response

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
        raise ApiError(
            422,
            "invalid_parameter",
            f"unknown field {unknown[0]!r}; valid: {', '.join(valid)}",
            [{"parameter": "fields", "unknown": unknown, "valid": valid}],
        )
    keep = list(dict.fromkeys(fields)) + (["geometry"] if "geometry" in frame else [])
    return frame[[c for c in keep if c in frame.columns]]


def create_api_app(db: Database | str | os.PathLike[str] | None = None, **options: Any) -> Any:
    """
    A Flask app serving only the API under /api/v1 (for tests, scripts and the load benchmark);
    `options` are those of `create_blueprint`.
    """
    from flask import Flask

    app = Flask("observatory.api")
    app.register_blueprint(create_blueprint(db, **options))

    @app.after_request
    def secure(response: Any) -> Any:
        with_security_headers(response.headers, API_CSP)
        return response

    return app
