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
from ..enums import AREAS, STATUSES, VALUE_LEVELS
from ._endpoint import Context, Endpoint, Result
from ._errors import ApiError
from ._params import CODE_PATTERN, DETAIL, NAME_PATTERN, PAGING, REGION, SEX, Param, Route
from ._rows import Rows, source_ids

#: Most indicators one values request may name: more than the catalogue holds (196), so one request can ask
#: for every indicator; declared in the OpenAPI schema (maxItems), so a client knows it before asking.
MAX_INDICATORS = 250
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
PERIOD = Param(
    "period",
    pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2])|Q[1-4])?$",
    description="The period a value covers: a census year (2024), a month (2025-03) or a quarter (2025Q2).",
)
VALUE_LEVEL = Param(
    "level",
    enum=VALUE_LEVELS,
    default="commune",
    description="Administrative level of the units.",
)
#: The filters of a values request, after the indicators.
FILTERS = (VALUE_LEVEL, REGION, UNIT, YEAR, PERIOD, SEX, AREA, STATUS, DETAIL, *PAGING)


def indicators(ctx: Context, args: Mapping[str, Any]) -> Result:
    rows = ctx.data.catalogue_rows().where(year=args["year"], topic=args["topic"])
    return Result(rows, source_ids(rows))


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
        "period": args["period"],
    }
    region = args["region"]
    inside = ctx.data.region_codes(region) if region is not None else None
    labels = ctx.data.cached(("names", level), lambda: _names(ctx, level)) if level in VALUE_LEVELS else None
    store = ctx.data.value_store()
    if store is not None:
        rows = store.select(names, **filters, inside=inside, labels=labels)
    else:
        rows = Rows.of(_read(ctx, names, filters, inside, labels))
    rows = _hide_suppressed(rows)
    return Result(rows, source_ids(rows) if "source_id" in rows else set(), geometry_level=level)


def _hide_suppressed(rows: Rows) -> Rows:
    """Suppressed counts stay suppressed: no value, and no interval that would give it away."""
    if "suppressed" in rows:
        hidden = rows["suppressed"] == 1
        if hidden.any():
            for column in HIDDEN_WHEN_SUPPRESSED:
                if column in rows:
                    emptied = rows[column].astype(float)
                    emptied[hidden] = float("nan")
                    rows = rows.assign(column, emptied)
    return rows


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
    known = ctx.data.cached("indicator_ids", lambda: frozenset(ctx.data.catalogue()["indicator_id"]))
    for name in names:
        if name not in known:
            ctx.data.check_indicator(name)  # a 404 naming similar ids
    return names


def _read(
    ctx: Context,
    names: list[str],
    filters: Mapping[str, Any],
    inside: frozenset[str] | None,
    labels: Mapping[str, Mapping[str, Any]] | None,
) -> pd.DataFrame:
    """The values as the query layer reads them from the database, kept in the inside units, labelled
    after their code (what ValueStore.select returns, for a server that keeps no bulk files)."""
    key = ("values", tuple(names), *((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items()))
    frame = ctx.data.cached(key, lambda: query.indicator_values(names, db=ctx.data.db, **filters))
    if inside is not None:
        frame = frame[frame["unit_code"].isin(inside)].reset_index(drop=True)
    if not labels:
        return frame
    codes = frame["unit_code"].tolist()
    named = {c: pd.Series([m.get(code) for code in codes], dtype="str") for c, m in labels.items()}
    at = list(frame.columns).index("unit_code") + 1
    columns = {c: frame[c].to_numpy() for c in frame.columns}
    order = [*frame.columns[:at], *named, *frame.columns[at:]]
    return pd.DataFrame({c: named[c] if c in named else columns[c] for c in order})


def _names(ctx: Context, level: str) -> dict[str, dict[str, Any]]:
    """Each label column of a level's units, as a mapping from the unit's code."""
    table = ctx.data.units_table(level)
    return {c: dict(zip(table["code"], table[c], strict=True)) for c in UNIT_LABELS[1:]}


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
