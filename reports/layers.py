"""
What a report's maps show: each layer's values by commune with the national values its classes come
from (the index and its dimensions, or each dimension's indicators when no index is built); the basemap
that orients them is `reports.basemap`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatory import registry
from observatory.database import Database
from observatory.enums import DIMENSIONS

from .i18n import words
from .naming import LTR, dated, isolated
from .reads import index_scores


@dataclass
class MapLayer:
    """One static map: values by commune code, the national values its classes come from, its title, source
    and status (a simulated layer gets a banner)."""

    key: str
    title: str
    values: pd.Series
    national: pd.Series
    source: str
    status: str
    unit: str = ""
    higher_is_worse: bool = True
    uses_simulated: bool = False
    """The index computed with a simulated component: its map says so."""


def map_layers(
    index: pd.DataFrame | None,
    values: pd.DataFrame,
    indicators: list[registry.Indicator],
    years: dict[str, int],
    commune_codes: list[str],
    lang: str,
    *,
    status: dict[str, str],
) -> list[MapLayer]:
    """The index and each dimension (when the analytics layer provides them), else each dimension's
    indicators; `status` is each indicator's (`figures.statuses`)."""
    text = words(lang)
    if index is not None:
        national = index.set_index("code")
        own = national[national.index.isin(commune_codes)]
        layers = [
            MapLayer(
                "index",
                f"{text['map_index']} ({isolated('0–100', lang, LTR)})",
                own["index"],
                national["index"],
                registry.ANALYTICS_SOURCE,
                "derived",
                uses_simulated=bool((own["uses_simulated"] == 1).any()),
            )
        ]
        simulated_dims = {i.dimension for i in indicators if status.get(i.id) == "simulated"}
        for dimension in DIMENSIONS:
            if dimension in own and own[dimension].notna().any():
                layers.append(
                    MapLayer(
                        dimension,
                        f"{text['dimension']} — {registry.DIMENSION_LABELS[dimension][lang]} "
                        f"({isolated('0–100', lang, LTR)})",
                        own[dimension],
                        national[dimension],
                        registry.ANALYTICS_SOURCE,
                        "simulated" if dimension in simulated_dims else "derived",
                    )
                )
        return layers
    latest = values[values["year"] == values["indicator_id"].map(years)]
    layers = []
    for indicator in indicators:
        series = latest[latest["indicator_id"] == indicator.id].set_index("unit_code")["value"]
        label = indicator.label(lang)
        label = dated(label, years[indicator.id])
        layers.append(
            MapLayer(
                indicator.id,
                f"{registry.DIMENSION_LABELS[str(indicator.dimension)][lang]} — {label}",
                series,
                series,
                indicator.source,
                status.get(indicator.id, ""),
                indicator.unit,
                indicator.direction == "higher_is_worse",
            )
        )
    return layers


def province_layer(database: Database, provinces: pd.DataFrame, lang: str) -> MapLayer:
    """The région's provinces coloured by their index, in the classes of the 75 provinces."""
    every = index_scores(database, "province", lang=None).set_index("code")["index"]
    return MapLayer(
        "provinces",
        words(lang)["provinces_map"],
        provinces.set_index("code")["index"],
        every,
        registry.ANALYTICS_SOURCE,
        "derived",
    )
