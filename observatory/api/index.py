"""
/index: the composite digital-fragility index the build stored (score, rank, 90% rank interval,
dimensions and each unit's explanation in words), read through observatory.results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import query, results
from ..enums import DEFAULT_LENS, LANGUAGES, LENSES, MAP_LEVELS
from ..index_components import CONNECTOR_COMPONENTS, lens_components
from ..index_components import LENSES as LENS_DEFINITIONS
from ._endpoint import Context, Endpoint, Result
from ._params import DETAIL, PAGING, REGION, Param, Route
from ._rows import Rows

#: The source of what the observatory derives from the census (the index among them).
ANALYSIS_SOURCE = "observatory-analytics"


def index(ctx: Context, args: Mapping[str, Any]) -> Result:
    level, region, lens, lang = args["level"], args["region"], args["lens"], args["lang"]
    rows = ctx.data.cached(
        ("index", level, lens, lang),
        lambda: Rows.of(
            results.fragility_index(level, db=ctx.data.db, lens=lens, lang=lang), keep_texts=True
        ),
    )
    if region is not None:  # as fragility_index(region=) keeps them, from the same frame
        rows = rows.where(**{"code" if level == "region" else "region_code": region})
    sources = ctx.data.cached(("index_sources", lens), lambda: _sources(ctx, lens))
    return Result(rows, set(sources), geometry_level=level)


def _sources(ctx: Context, lens_name: str) -> frozenset[str]:
    """
    The sources an index was made from: the observatory's analysis, the census figures of its lens's
    components and, for a lens that takes connector values, the sources of those it took (measured
    ones; simulated ones too for a demonstration lens). Nothing else is credited (no map layer).
    """
    lens = LENS_DEFINITIONS[lens_name]
    catalogue = ctx.data.catalogue()
    keys = {(c.indicator, c.year) for c in lens_components(lens)}
    used = [(i, y) in keys for i, y in zip(catalogue["indicator_id"], catalogue["year"], strict=True)]
    ids = set(catalogue.loc[used, "source_id"].dropna()) | {ANALYSIS_SOURCE}
    if lens.connectors != "none":
        names = [c.indicator for c in CONNECTOR_COMPONENTS if c.indicator in set(catalogue["indicator_id"])]
        values = query.indicator_values(names, db=ctx.data.db, level="country", sex=None, area=None)
        if not lens.demonstration:
            values = values[values["status"] != "simulated"]
        ids |= set(values["source_id"].dropna())
    return frozenset(ids & set(ctx.data.sources()["source_id"]))


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
