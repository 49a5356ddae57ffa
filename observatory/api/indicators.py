"""
/indicators and /values: the indicator catalogue (the field dictionary) and the served values of one
or several indicators for the units of a level, read through the query layer; suppressed small
counts stay suppressed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .. import query
from ..enums import AREAS, LEVELS, STATUSES
from ._endpoint import Context, Endpoint, Result
from ._errors import ApiError
from ._params import CODE_PATTERN, DETAIL, NAME_PATTERN, PAGING, REGION, SEX, Param, Route

#: Most indicators one values request may name: more take seconds to read; ask for them in several requests.
MAX_INDICATORS = 25
#: Unit columns a values response joins, so a CSV row names its commune.
UNIT_LABELS = ["code", "name_fr", "name_ar"]
#: Columns that would give a suppressed count away.
HIDDEN_WHEN_SUPPRESSED = ("value", "se", "lower", "upper", "scenario_low", "scenario_high")

INDICATOR = Param(
    "indicator_id",
    pattern=NAME_PATTERN,
    location="path",
    description="Indicator id, e.g. illiteracy_rate_10_plus.",
)
YEAR = Param("year", "integer", "Census year (2024 or 2014) or measurement year.", minimum=1900, maximum=2100)
AREA = Param("area", enum=AREAS, default="total", description="Urban, rural or total.")
UNIT = Param("unit", pattern=CODE_PATTERN, multiple=True, description="Unit codes (comma-separated).")
STATUS = Param("status", enum=tuple(STATUSES), multiple=True, description="How values came to be.")
VALUE_LEVEL = Param(
    "level",
    enum=(*LEVELS, "arrondissement"),
    default="commune",
    description="Administrative level of the units.",
)
#: The filters of a values request, after the indicators.
FILTERS = (VALUE_LEVEL, REGION, UNIT, YEAR, SEX, AREA, STATUS, DETAIL, *PAGING)


def indicators(ctx: Context, args: Mapping[str, Any]) -> Result:
    frame = ctx.data.catalogue()
    if args["year"] is not None:
        frame = frame[frame["year"] == args["year"]]
    if args["topic"] is not None:
        frame = frame[frame["topic"] == args["topic"]]
    return Result(frame.reset_index(drop=True), set(frame["source_id"].dropna()))


def indicator(ctx: Context, args: Mapping[str, Any]) -> Result:
    rows = ctx.data.check_indicator(args["indicator_id"])
    return Result(rows.reset_index(drop=True), set(rows["source_id"].dropna()))


def indicator_values(ctx: Context, args: Mapping[str, Any]) -> Result:
    return _values(ctx, [args["indicator_id"]], args)


def values(ctx: Context, args: Mapping[str, Any]) -> Result:
    return _values(ctx, args["indicator"], args)


def _values(ctx: Context, names: list[str] | None, args: Mapping[str, Any]) -> Result:
    """The values of the named indicators for the units of a level, filtered, each row labelled with its
    unit's names."""
    names = _checked(ctx, names)
    level = args["level"]
    if args["region"] is not None:
        ctx.data.check_code("region", args["region"])
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
    frame = ctx.data.cached(key, lambda: query.indicator_values(names, db=ctx.data.db, **filters))
    frame = ctx.data.in_region(frame, args["region"]) if args["region"] is not None else frame.copy()
    # Suppressed counts stay suppressed: no value, and no interval that would give it away.
    if "suppressed" in frame:
        hidden = frame["suppressed"] == 1
        frame.loc[hidden, [c for c in HIDDEN_WHEN_SUPPRESSED if c in frame]] = float("nan")
    if len(frame) and level in LEVELS:
        frame = _labelled(ctx, frame, level)
    return Result(
        frame, set(frame["source_id"].dropna()) if "source_id" in frame else set(), geometry_level=level
    )


def _checked(ctx: Context, names: list[str] | None) -> list[str]:
    """The requested indicators, once each, every one in the catalogue and not too many."""
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
        ctx.data.check_indicator(name)
    return names


def _labelled(ctx: Context, frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """The rows with their unit's names, code and names first."""
    labels = ctx.data.units_table(level)[UNIT_LABELS].rename(columns={"code": "unit_code"})
    frame = frame.merge(labels, on="unit_code", how="left")
    order = ["unit_code", "name_fr", "name_ar"]
    return frame[order + [c for c in frame.columns if c not in order]]


ENDPOINTS = (
    Endpoint(
        Route(
            "/indicators",
            "indicators",
            "The indicator catalogue (field dictionary)",
            "indicators",
            (YEAR, Param("topic", pattern=NAME_PATTERN, description="Topic, e.g. illiteracy."), *PAGING),
            ("json", "csv"),
        ),
        indicators,
    ),
    Endpoint(
        Route(
            "/indicators/<indicator_id>",
            "indicator",
            "One indicator's definition, for each census year",
            "indicators",
            (INDICATOR, PAGING[0], PAGING[3]),
            ("json", "csv"),
        ),
        indicator,
    ),
    Endpoint(
        Route(
            "/indicators/<indicator_id>/values",
            "indicator_values",
            "Values of one indicator for every unit of a level",
            "indicators",
            (INDICATOR, *FILTERS),
            ("json", "geojson", "csv"),
            description="All communes in one request: "
            "`/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024&format=csv`. "
            "Suppressed small counts have an empty value.",
        ),
        indicator_values,
    ),
    Endpoint(
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
                    max_items=MAX_INDICATORS,
                    description=f"Indicator ids (comma-separated, at most {MAX_INDICATORS}).",
                ),
                *FILTERS,
            ),
            ("json", "geojson", "csv"),
        ),
        values,
    ),
)
