"""
/service-mix: who needs which AI service, the adults (15+) of every unit in four segments with the
bounds that hold whatever the inputs' joint distribution, read through `observatory.service_mix`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..enums import AREAS, LEVELS
from ..service_mix import SOURCE_IDS, service_mix
from ._endpoint import Context, Endpoint, Result
from ._params import DETAIL, PAGING, REGION, SEX, Param, ParameterError, Route


def mix(ctx: Context, args: Mapping[str, Any]) -> Result:
    level, region, sex, area = args["level"], args["region"], args["sex"], args["area"]
    if region is not None:
        if level == "country":
            raise ParameterError(
                "the country is not inside a région: ask for level region, province or commune", status=422
            )
        ctx.data.check_code("region", region)
    frame = ctx.data.cached(
        ("service_mix", level, sex, area),
        lambda: service_mix(level, db=ctx.data.db, sex=sex, area=area),
    )
    if region is not None:
        frame = ctx.data.in_region(frame, region)
    return Result(
        frame.reset_index(drop=True), set(SOURCE_IDS), geometry_level=level if level != "country" else None
    )


ENDPOINTS = (
    Endpoint(
        Route(
            "/service-mix",
            "service_mix",
            "Who needs which AI service: adults 15+ in four segments, with bounds",
            "service-mix",
            (
                Param("level", enum=LEVELS, default="commune", description="Level."),
                REGION,
                SEX,
                Param("area", enum=AREAS, default="total", description="Urban or rural part, or both."),
                DETAIL,
                *PAGING,
            ),
            ("json", "geojson", "csv"),
            statuses=(200, 400, 404, 422),
            description="Segments (assisted_point, voice_assistant, training_text, online_chat) add up "
            "to the census's adults 15+. `people` is a scenario (literacy independent of devices and "
            "internet use inside each commune × sex × area cell); `people_lower` and `people_upper` hold "
            "whatever the joint distribution, which the census does not publish. Inputs: literacy 2024, "
            "household devices 2014, internet use 2024 (a scenario).",
        ),
        mix,
    ),
)
