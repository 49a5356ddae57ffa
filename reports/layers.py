"""
What a report's maps show: each layer's values by commune with the national values its classes come
from (the index and its dimensions, or each dimension's indicators when no index is built), and the
basemap that orients them (communes, provinces, neighbours, towns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from observatory import query, registry
from observatory.database import Database
from observatory.enums import DIMENSIONS

from .figures import status_of
from .i18n import words
from .naming import LTR, PLACE_NAMES, dated, isolated, name_column

#: Towns named on a map: the largest GeoNames places of the area.
TOWNS_ON_MAP = 8


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


@dataclass
class Basemap:
    """What orients a map: the area's communes, its provinces' outlines, the neighbouring régions in grey and
    the main towns (GeoNames places checked against the commune boundaries by the build)."""

    communes: Any
    provinces: Any
    neighbours: Any
    towns: pd.DataFrame


def map_layers(
    index: pd.DataFrame | None,
    values: pd.DataFrame,
    indicators: list[registry.Indicator],
    years: dict[str, int],
    commune_codes: list[str],
    lang: str,
) -> list[MapLayer]:
    """The index and each dimension (when the analytics layer provides them), else each dimension's
    indicators."""
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
        simulated_dims = {i.dimension for i in indicators if status_of(values, i.id) == "simulated"}
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
                status_of(values, indicator.id),
                indicator.unit,
                indicator.direction == "higher_is_worse",
            )
        )
    return layers


def basemap_of(
    database: Database,
    level: str,
    region_code: str,
    province_code: str | None,
    commune_codes: list[str],
    lang: str,
) -> Basemap:
    """The area's map geometry, each layer read for the units drawn only (not the whole country's)."""
    communes = query.web_geometry("commune", detail="low", db=database, codes=commune_codes)
    if level == "region":
        provinces = query.web_geometry("province", detail="low", db=database)
        provinces = provinces[provinces["code"].str.startswith(region_code + ".")]
        around = query.neighbours("region", region_code, db=database)
        neighbours = query.web_geometry("region", detail="low", db=database, codes=around)
    else:
        provinces = query.web_geometry("province", detail="low", db=database, codes=[str(province_code)])
        around = query.neighbours("province", str(province_code), db=database)
        neighbours = query.web_geometry("province", detail="low", db=database, codes=around)
    towns = query.ground_control(db=database)
    towns = towns[towns["commune_code"].isin(commune_codes) & (towns["status"] == "control")]
    towns = towns.sort_values("population", ascending=False).head(TOWNS_ON_MAP)
    if name_column(lang) != PLACE_NAMES["Latn"]:  # GeoNames names are Latin: a page in another script
        # names a town by its commune's name in that script
        names = query.units("commune", db=database, codes=list(towns["commune_code"]), geometry=False)
        scripted = names.set_index("code")[name_column(lang)]
        towns = towns.assign(
            name=[scripted.get(c, n) for c, n in zip(towns["commune_code"], towns["name"], strict=True)]
        )
    return Basemap(
        communes, provinces, neighbours, towns[["name", "lon", "lat", "population"]].reset_index(drop=True)
    )


def province_layer(database: Database, provinces: pd.DataFrame, lang: str) -> MapLayer:
    """The région's provinces coloured by their index, in the classes of the 75 provinces."""
    from observatory import results

    every = results.fragility_index("province", db=database).set_index("code")["index"]
    return MapLayer(
        "provinces",
        words(lang)["provinces_map"],
        provinces.set_index("code")["index"],
        every,
        registry.ANALYTICS_SOURCE,
        "derived",
    )
