"""
/index: the composite digital-fragility index the build stored (score, rank, 90% rank interval,
dimensions and each unit's explanation in words), read through observatory.results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import results
from ..enums import DEFAULT_LENS, LANGUAGES, LENSES, MAP_LEVELS
from ._endpoint import Context, Endpoint, Result
from ._params import DETAIL, PAGING, REGION, Param, Route


def index(ctx: Context, args: Mapping[str, Any]) -> Result:
    level, region, lens, lang = args["level"], args["region"], args["lens"], args["lang"]
    frame = ctx.data.cached(
        ("index", level, lens, lang),
        lambda: results.fragility_index(level, db=ctx.data.db, lens=lens, lang=lang),
    )
    if region is not None:  # as fragility_index(region=) keeps them, from the same frame
        frame = frame[(frame["code"] == region) if level == "region" else (frame["region_code"] == region)]
    return Result(frame.reset_index(drop=True), None, geometry_level=level)


ENDPOINTS = (
    Endpoint(
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
        index,
    ),
)
