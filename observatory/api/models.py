"""
/models: the modelled estimates and forecasts the build stored, with their 90% intervals, and the
model cards that say how each was made and where it fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import registry, results
from ..enums import LEVELS, MODEL_STATUSES
from ._endpoint import Context, Endpoint, Result
from ._params import DETAIL, PAGING, REGION, SEX, Param, Route

#: The indicators a model estimates or forecasts.
MODELLED = tuple(i.id for i in registry.CURATED if i.status in MODEL_STATUSES)


def models(ctx: Context, args: Mapping[str, Any]) -> Result:
    frame = results.model_estimates(
        args["indicator"],
        db=ctx.data.db,
        level=args["level"],
        year=args["year"],
        sex=args["sex"],
        region=args["region"],
    )
    return Result(frame, set(frame["source_id"].dropna()), geometry_level=args["level"])


def model_cards(ctx: Context, args: Mapping[str, Any]) -> Result:
    return Result(results.model_cards(db=ctx.data.db).drop(columns=["card_json"], errors="ignore"), None)


ENDPOINTS = (
    Endpoint(
        Route(
            "/models",
            "models",
            "Modelled estimates and scenarios with their 90% intervals or scenario bands",
            "models",
            (
                Param(
                    "indicator",
                    enum=MODELLED,
                    default=MODELLED[0],
                    description="Modelled or forecast indicator.",
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
        models,
    ),
    Endpoint(
        Route(
            "/models/cards",
            "model_cards",
            "Model cards: method, data, validation, limitations",
            "models",
            PAGING,
            ("json", "csv"),
        ),
        model_cards,
    ),
)
