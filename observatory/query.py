"""
The one query layer: the app, the reports, the API and a researcher's notebook read the database
through these functions, so every output shows the same number with the same source.

Each function takes the database (a `Database`, a path or a URL; default: the settings) and
keyword-only filters, and returns a (Geo)DataFrame.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from . import challenges, disclosure
from .database import Database
from .enums import AREAS, CITY_LEVELS, LEVELS, MAP_LEVELS, SEXES, VALUE_LEVELS
from .errors import unknown_name
from .settings import get_settings

DatabaseLike = Database | str | os.PathLike[str] | None

#: Cached Database objects, so repeated queries reuse one engine and one column cache.
_OPEN: dict[str, Database] = {}


def connect(db: DatabaseLike = None) -> Database:
    """A `Database` for `db`, or for the configured default (OBSERVATORY_DB, then
    geodata/observatory.gpkg)."""
    if isinstance(db, Database):
        return db
    target = get_settings(db=db).db
    if target not in _OPEN:
        _OPEN[target] = Database(target)
    return _OPEN[target]


def _check(kind: str, value: str | None, valid: Sequence[str]) -> None:
    if value is not None and value not in valid:
        raise unknown_name(kind, value, valid)


def units(
    level: str = "commune",
    *,
    db: DatabaseLike = None,
    region: str | None = None,
    province: str | None = None,
    commune: str | None = None,
    codes: Sequence[str] | None = None,
    geometry: bool = True,
) -> pd.DataFrame:
    """
    The units of a level (country, region, province, commune), optionally within a région or province;
    or of the divided cities (`CITY_LEVELS`: the arrondissements, optionally of one `commune`, and
    Casablanca's préfectures d'arrondissements), whose HCP codes begin with their région's and province's.
    """
    _check("level", level, VALUE_LEVELS)
    if level in CITY_LEVELS:
        return _city_units(
            level, db=db, region=region, province=province, commune=commune, codes=codes, geometry=geometry
        )
    if commune is not None:
        raise ValueError(f"a {level} is not inside a commune; filter by commune at arrondissement level")
    where: dict[str, object] = {"code": list(codes) if codes is not None else None}
    if region is not None:
        where["code" if level == "region" else "region_code"] = region
    if province is not None:
        if level not in ("province", "commune"):
            raise ValueError(
                f"a {level} is not inside a province; filter by province at province or commune level"
            )
        where["code" if level == "province" else "province_code"] = province
    return connect(db).read(level, where=where, geometry=geometry)


def _city_units(
    level: str,
    *,
    db: DatabaseLike,
    region: str | None,
    province: str | None,
    commune: str | None,
    codes: Sequence[str] | None,
    geometry: bool,
) -> pd.DataFrame:
    """Arrondissements or préfectures d'arrondissements, filtered by the parents their codes begin with."""
    if commune is not None and level != "arrondissement":
        raise ValueError(f"a {level} is not inside a commune; filter by commune at arrondissement level")
    where: dict[str, object] = {"code": list(codes) if codes is not None else None}
    if commune is not None:
        where["commune_code"] = commune
    frame = connect(db).read(level, where=where, geometry=geometry and level == "arrondissement")
    for parent in (region, province):
        if parent is not None:
            frame = frame[frame["code"].str.startswith(f"{parent}.")]
    return frame.sort_values("code").reset_index(drop=True)


def web_geometry(
    level: str = "commune",
    *,
    detail: str = "low",
    db: DatabaseLike = None,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Simplified geometry for maps (`detail` low or medium): neighbours still share their borders exactly.
    `codes` reads only those units (a province's communes for a locator map)."""
    _check("level", level, LEVELS)
    _check("detail", detail, ("low", "medium"))
    where = {"level": level, "detail": detail, "code": list(codes) if codes is not None else None}
    return connect(db).read("web_geometry", where=where)


def neighbours(level: str, code: str, *, db: DatabaseLike = None) -> list[str]:
    """The codes of the units of `level` that share a border with `code` (from the map geometry, whose
    neighbours share their borders exactly), in code order."""
    _check("level", level, MAP_LEVELS)
    import shapely

    shapes = web_geometry(level, db=db).set_index("code")["geometry"]
    if code not in shapes.index:
        raise unknown_name(level, code, list(shapes.index))
    touching = shapely.intersects(shapes.to_numpy(), shapes[code])  # a GeoSeries or a report's plain column
    return sorted(c for c in shapes.index[touching] if c != code)


def indicator_values(
    indicator: str | Sequence[str] | None = None,
    *,
    db: DatabaseLike = None,
    level: str | None = "commune",
    year: int | Sequence[int] | None = None,
    sex: str | None = "all",
    area: str | None = "total",
    units: Sequence[str] | None = None,
    region: str | None = None,
    period: str | None = None,
    status: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """
    Values in tidy form, one row per unit, indicator, year, sex and area, with unit, status and
    source. Suppressed small counts come back with an empty value and interval, as through the API
    (`observatory.disclosure`); no option shows them. A figure an accepted challenge corrected is served
    corrected (status `corrected`), and the aggregates built from its original say so (`correction`:
    `affected`); see `observatory.challenges`.
    """
    database = connect(db)
    _check("level", level, VALUE_LEVELS)
    _check("sex", sex, SEXES)
    _check("area", area, AREAS)
    indicators = [indicator] if isinstance(indicator, str) else indicator
    where: dict[str, object] = {
        "indicator_id": indicators,
        "level": level,
        "year": [year] if isinstance(year, int) else year,
        "sex": sex,
        "area": area,
        "period": period,
        "status": [status] if isinstance(status, str) else status,
        "unit_code": list(units) if units is not None else None,
    }
    if indicators is not None:
        known = set(database.read("indicator", columns=["indicator_id"]).indicator_id)
        for name in indicators:
            if name not in known:
                raise unknown_name("indicator", name, known)
    fixed = challenges.corrections(db=database)
    statuses = where.pop("status") if len(fixed) else None  # a corrected figure changes status when served
    values = challenges.served(database.read("indicator_value", where=where), database, fixed=fixed)
    if statuses is not None:
        values = values[values["status"].isin(statuses)]
    if region is not None:
        values = values[_in_region(database, values, region)]
    values = disclosure.mask(values)
    return values.reset_index(drop=True)


def _in_region(database: Database, values: pd.DataFrame, region: str) -> pd.Series:
    """Whether each value's unit lies in a région (the région itself included)."""
    inside = {region}
    for level in ("province", "commune"):
        inside |= set(
            database.read(level, where={"region_code": region}, columns=["code"], geometry=False).code
        )
    return values["unit_code"].isin(inside)


def indicator_table(
    indicators: Sequence[str],
    *,
    db: DatabaseLike = None,
    level: str = "commune",
    year: int | None = None,
    sex: str = "all",
    area: str = "total",
) -> pd.DataFrame:
    """A wide table: one row per unit, one column per indicator (for a given year, sex and area)."""
    values = indicator_values(list(indicators), db=db, level=level, year=year, sex=sex, area=area)
    wide = values.pivot_table(index="unit_code", columns="indicator_id", values="value", aggfunc="first")
    return wide.reindex(columns=list(indicators))


def catalogue(*, db: DatabaseLike = None, year: int | None = None) -> pd.DataFrame:
    """The field dictionary: every indicator with its labels, unit, HCP heading, source and licence."""
    return connect(db).read("indicator", where={"year": year})


def sources(*, db: DatabaseLike = None) -> pd.DataFrame:
    """Every source with its URL, SHA-256, licence and retrieval date."""
    return connect(db).read("source")


def builds(*, db: DatabaseLike = None) -> pd.DataFrame:
    """The builds of this database, newest last, with their code version and content digest."""
    return connect(db).read("build")


def etl_runs(*, db: DatabaseLike = None, build_id: str | None = None) -> pd.DataFrame:
    """Every job run: inputs and their SHA-256, rows read, loaded and quarantined, status."""
    return connect(db).read("etl_run", where={"build_id": build_id})


def quarantine(*, db: DatabaseLike = None, run_id: str | None = None) -> pd.DataFrame:
    """Rows the ETL refused, with the file, row, column and reason."""
    return connect(db).read("quarantine", where={"run_id": run_id})


def reconciliation(*, db: DatabaseLike = None) -> pd.DataFrame:
    """How each 2024 commune got its geometry from the 2014-era polygons."""
    return connect(db).read("reconciliation")


def georeference(*, db: DatabaseLike = None) -> pd.DataFrame:
    """How the commune geometry was put on the ground: each candidate transformation, its residuals over
    the GeoNames control towns and its held-out scores; `chosen` marks the one applied."""
    return connect(db).read("georeference")


def ground_control(*, db: DatabaseLike = None) -> pd.DataFrame:
    """GeoNames towns matched to their commune, their distance to it before and after, and each miss's
    reason."""
    return connect(db).read("ground_control")


def aggregate_checks(*, db: DatabaseLike = None) -> pd.DataFrame:
    """Our aggregates beside HCP's published figures for the same units, and their `difference` (ours
    less HCP's, to 4 decimals), worked out here rather than stored: the table stays a record of the two."""
    checks = connect(db).read("aggregate_check")
    return checks.assign(difference=(checks["computed"] - checks["published"]).round(4))


def towns(*, db: DatabaseLike = None, min_population: int = 0) -> pd.DataFrame:
    """The GeoNames towns matched to a commune (the georeference's control points), largest first: their
    GeoNames position and population, and the French and Arabic names of the commune named after them,
    for labelling a map."""
    control = ground_control(db=db)
    control = control[(control["status"] == "control") & (control["population"] >= min_population)]
    communes = connect(db).read(
        "commune", columns=["code", "name_fr", "name_ar", "province_code", "region_code"], geometry=False
    )
    named = control[["geonameid", "lon", "lat", "population", "commune_code"]].merge(
        communes.rename(columns={"code": "commune_code"}), on="commune_code", how="inner"
    )
    return named.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)
