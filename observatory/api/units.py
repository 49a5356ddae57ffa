"""
/units: the administrative units of each level (régions, provinces, communes) with their populations,
and their geometry as GeoJSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..enums import CITY_LEVELS, VALUE_LEVELS
from ._endpoint import Context, Endpoint, Result
from ._errors import ApiError
from ._params import CODE_PATTERN, DETAIL, PAGING, REGION, Param, Route

LEVEL = Param(
    "level",
    enum=VALUE_LEVELS,
    location="path",
    description="Administrative level (arrondissement and prefecture_arrondissements: the divided cities).",
)
CODE = Param(
    "code",
    pattern=CODE_PATTERN,
    location="path",
    description="HCP 2024 code, e.g. 01.511.01.0; MA for Morocco.",
)
PROVINCE = Param(
    "province", pattern=r"^[0-9]{2}\.[0-9]{3}$", description="Keep units inside this province (e.g. 01.511)."
)
GEOMETRY = Param(
    "geometry", "boolean", "Include geometry (as GeoJSON features; JSON and CSV leave it out).", default=False
)
UNIT_DETAIL = Param(
    "detail",
    enum=("low", "medium", "full"),
    default="full",
    description="Geometry detail for GeoJSON: the full polygon (default) or a simplified one.",
)


def units(ctx: Context, args: Mapping[str, Any]) -> Result:
    """The units of a level, filtered as query.units(region=, province=) filters them."""
    level, region, province = args["level"], args["region"], args["province"]
    if province is not None and level in ("country", "region"):
        raise ApiError(
            422,
            "invalid_filter",
            f"a {level} is not inside a province; filter by province at province or commune level",
        )
    if region is not None and level == "country":
        raise ApiError(422, "invalid_filter", "the country is not inside a région")
    frame = ctx.data.units_table(level)
    if level in CITY_LEVELS:  # their codes begin with their région's and province's
        for parent in (region, province):
            if parent is not None:
                frame = frame[frame["code"].str.startswith(f"{parent}.")]
        return Result(frame.reset_index(drop=True), None, geometry_level=level)
    rows = ctx.data.units_rows(level)
    if region is not None:
        rows = rows.where(**{"code" if level == "region" else "region_code": region})
    if province is not None:
        rows = rows.where(**{"code" if level == "province" else "province_code": province})
    return Result(rows, None, geometry_level=level)


def unit(ctx: Context, args: Mapping[str, Any]) -> Result:
    level, code = args["level"], args["code"]
    ctx.data.check_code(level, code)
    return Result(ctx.data.units_rows(level).where(code=code), None, one=True, geometry_level=level)


ENDPOINTS = (
    Endpoint(
        Route(
            "/units/<level>",
            "units",
            "Units of a level (régions, provinces, communes)",
            "units",
            (LEVEL, REGION, PROVINCE, GEOMETRY, DETAIL, *PAGING),
            ("json", "geojson", "csv"),
        ),
        units,
    ),
    Endpoint(
        Route(
            "/units/<level>/<code>",
            "unit",
            "One unit by its HCP code",
            "units",
            (LEVEL, CODE, GEOMETRY, UNIT_DETAIL, PAGING[0], PAGING[3]),
            ("json", "geojson", "csv"),
        ),
        unit,
    ),
)
