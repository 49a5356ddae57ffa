"""
What orients a report's map: the area's communes, its provinces' outlines, the neighbouring units in grey,
Morocco's land (what is not land and not beside a land border is drawn as sea), and the places to name:
every municipality of the area, its provinces' seats first (from the cited table of
`observatory.province_seats`). A city whose province is one or two communes is drawn with the communes
around it, outlined and named, so its map shows where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import shapely
from shapely import box

from observatory import query
from observatory.database import Database
from observatory.province_seats import seat_codes

from .naming import name_of

#: A commune report's province of fewer communes than this is a city: its map adds the communes around it.
CITY_COMMUNES = 3
#: How far around a city its map reaches, as a share of the city's width.
CITY_MARGIN = 0.6


@dataclass
class Basemap:
    """The area's communes, its provinces' outlines, the neighbouring units in grey, the communes around a
    city (outlined and named), Morocco's land, and the places to name, most important first."""

    communes: Any
    provinces: Any
    neighbours: Any
    towns: pd.DataFrame
    """`name`, `lon`, `lat`, `population`, `seat` (a province's seat: always named), most important first."""
    around: Any = None
    """The communes around a city, with their `name` in the page's script (None elsewhere)."""
    land: Any = None
    """Morocco's land as one geometry: the map shades the sea outside it."""


def _towns(database: Database, communes: Any, seats: set[str], lang: str) -> pd.DataFrame:
    """Every municipality of the drawn communes (and every seat), at its largest GeoNames place when the
    build matched one to it, else inside its outline; seats first, then by population."""
    places = communes[(communes["type"] == "urban") | communes["code"].isin(seats)]
    control = query.towns(db=database)
    control = control[control["commune_code"].isin(places["code"])].drop_duplicates("commune_code")
    at = control.set_index("commune_code")[["lon", "lat"]]
    inside = shapely.point_on_surface(places["geometry"].to_numpy())
    rows = [
        {
            "code": place.code,
            "name": name_of(place._asdict(), lang),
            "lon": at["lon"].get(place.code, point.x),
            "lat": at["lat"].get(place.code, point.y),
            "population": place.population_2024,
            "seat": place.code in seats,
        }
        for place, point in zip(places.itertuples(), inside, strict=True)
    ]
    columns = ["code", "name", "lon", "lat", "population", "seat"]
    towns = pd.DataFrame(rows, columns=columns)
    return towns.sort_values(["seat", "population"], ascending=False, kind="stable").reset_index(drop=True)


def _clipped(shapes: pd.DataFrame, view: Any) -> pd.DataFrame:
    """The shapes that meet `view`, each cut to it, in the order a spatial index finds them (as geopandas'
    `clip` gives them: the map's shapes are plain frames, so a report never imports geopandas)."""
    geometries = shapes["geometry"].to_numpy()
    found = shapely.STRtree(geometries).query(view, predicate="intersects")
    return shapes.iloc[found].assign(geometry=shapely.intersection(geometries[found], view))


def basemap_of(
    database: Database,
    level: str,
    region_code: str,
    province_code: str | None,
    commune_codes: list[str],
    lang: str,
) -> Basemap:
    """The basemap of a région, province or commune report (a commune's map is its province's)."""
    # the area's communes hold every commune of its provinces: a seat is found among them
    units = query.units("commune", db=database, codes=commune_codes, geometry=False)
    detail = "medium" if level == "commune" else "low"
    communes = query.web_geometry("commune", detail=detail, db=database, codes=commune_codes)
    communes = communes.merge(units.drop(columns=["region_code", "province_code"]), on="code")
    provinces = query.web_geometry("province", detail="low", db=database)
    regions = query.web_geometry("region", detail="low", db=database)
    around = None
    if level == "region":
        provinces = provinces[provinces["code"].str.startswith(region_code + ".")]
        neighbours = regions[regions["code"].isin(query.neighbours("region", region_code, db=database))]
    else:
        provinces = provinces[provinces["code"] == province_code]
        touching = query.neighbours("province", str(province_code), db=database)
        neighbours = query.web_geometry("province", detail="low", db=database)
        neighbours = neighbours[neighbours["code"].isin(touching)]
        if level == "commune" and len(communes) < CITY_COMMUNES:
            minx, miny, maxx, maxy = shapely.total_bounds(communes["geometry"].to_numpy())
            margin = max(maxx - minx, maxy - miny) * CITY_MARGIN
            view = box(minx - margin, miny - margin, maxx + margin, maxy + margin)
            shapes = query.web_geometry("commune", detail=detail, db=database)
            near = _clipped(shapes[~shapes["code"].isin(commune_codes)], view)
            names = query.units("commune", db=database, codes=list(near["code"]), geometry=False)
            near = near.merge(names[["code", "name_fr", "name_ar"]], on="code")
            around = near.assign(name=[name_of(r, lang) for r in near.to_dict("records")])
    seats = seat_codes()
    towns = _towns(database, communes, {seats[p] for p in provinces["code"] if p in seats}, lang)
    land = shapely.union_all(regions["geometry"].to_numpy())
    return Basemap(communes, provinces, neighbours, towns, around, land)


@dataclass
class Locator:
    """Page 1's small map: the unit filled among its région's provinces (a commune) or Morocco's régions (a
    province or a région), its province outlined for a commune."""

    outlines: Any
    unit: Any
    within: Any = None


def locator_of(
    database: Database, level: str, code: str, region_code: str, province_code: str | None
) -> Locator:
    if level == "commune":
        outlines = query.web_geometry("province", detail="low", db=database)
        outlines = outlines[outlines["code"].str.startswith(region_code + ".")]
        within = outlines[outlines["code"] == province_code]
    else:
        outlines, within = query.web_geometry("region", detail="low", db=database), None
    unit = query.web_geometry(level, detail="low", db=database, codes=[code])
    return Locator(outlines, unit, within)
