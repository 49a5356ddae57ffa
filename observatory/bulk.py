"""
The whole dataset as files, written once per version of a database (each build and each load makes a
new version): every served value of every indicator, level, year, period, sex and area with its
status, interval, source and build, as Parquet and as a zipped CSV with its Data Package and CSVW
descriptions; and the units of every level with their geometry as GeoParquet and GeoPackage.

The values are read through the query layer, so suppressed small counts are as empty here as
everywhere else data leave the database. `observatory export` writes these files; the API serves
them as they are (`/api/v1/bulk`) and answers values requests from the Parquet file, held in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from . import challenges, query
from .database import Database
from .enums import LEVELS
from .query import DatabaseLike

#: The files of one version, by the name `/api/v1/bulk?format=` gives them.
FILES = {
    "parquet": "values.parquet",
    "csv": "values-csv.zip",
    "geoparquet": "units.parquet",
    "gpkg": "units.gpkg",
}
MANIFEST = "manifest.json"
#: Columns always text, whatever digits they hold.
TEXT_COLUMNS = ("unit_code", "level", "indicator_id", "period", "sex", "area", "unit", "status")
#: Unit columns the geometry files keep at every level.
UNIT_COLUMNS = ("level", "code", "name_fr", "name_ar", "region_code", "province_code")


def version(db: DatabaseLike = None) -> str:
    """The identity of a database's content: its last build, its last ETL run (a load adds a run) and
    the accepted challenges (each changes a served figure; an open one changes none)."""
    database = query.connect(db)
    builds = query.builds(db=database)
    runs = query.etl_runs(db=database)
    accepted = challenges.corrections(db=database)
    parts = [
        str(builds["build_id"].iloc[-1]) if len(builds) else "",
        str(runs["run_id"].max()) if len(runs) else "",
        str(len(runs)),
        ",".join(sorted(accepted["challenge_id"].astype(str))) if len(accepted) else "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def values(db: DatabaseLike = None) -> pd.DataFrame:
    """Every served value of the database (suppressed ones emptied), with the build it came from."""
    database = query.connect(db)
    frame = query.indicator_values(None, db=database, level=None, year=None, sex=None, area=None)
    builds = query.builds(db=database)
    frame["build_id"] = str(builds["build_id"].iloc[-1]) if len(builds) else None
    for column in (*TEXT_COLUMNS, "source_id", "run_id", "build_id"):
        frame[column] = frame[column].astype("string")
    return frame


def write(db: DatabaseLike, folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the bulk files of `db` into `folder` (created if needed); the paths, by format."""
    database = query.connect(db)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    frame = values(database)
    frame.to_parquet(out / FILES["parquet"], index=False, compression="zstd", row_group_size=262_144)
    sources = query.sources(db=database)
    _write_csv_zip(frame, sources, out / FILES["csv"])
    units = _units(database)
    units.to_parquet(out / FILES["geoparquet"], index=False, compression="zstd")
    gpkg = out / FILES["gpkg"]
    gpkg.unlink(missing_ok=True)
    for level, layer in units.groupby("level", sort=False):
        layer.to_file(gpkg, layer=str(level), driver="GPKG")
    paths = {name: out / file for name, file in FILES.items()}
    manifest = {
        "version": version(database),
        "rows": len(frame),
        "files": {
            name: {"file": path.name, "bytes": path.stat().st_size, "sha256": _sha256(path)}
            for name, path in paths.items()
        },
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return paths


def ensure(db: DatabaseLike, root: str | os.PathLike[str]) -> Path:
    """
    The folder under `root` holding the bulk files of the database's current version, written first if
    it is not there. Several processes may ask at once: one writes (under a lock), the others wait, and
    a folder appears whole or not at all.
    """
    database = query.connect(db)
    base = Path(root)
    target = base / version(database)
    if (target / MANIFEST).is_file():
        return target
    base.mkdir(parents=True, exist_ok=True)
    with _locked(base / ".lock"):
        if (target / MANIFEST).is_file():
            return target
        staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=base))
        try:
            write(database, staging)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def ready(db: DatabaseLike, root: str | os.PathLike[str]) -> Path | None:
    """The folder of the current version's files if they are written, else None (nothing is written)."""
    target = Path(root) / version(db)
    return target if (target / MANIFEST).is_file() else None


def default_root(db: DatabaseLike = None) -> Path:
    """Where a server keeps the bulk files of a database: the user's cache folder, one per database."""
    import platformdirs

    database = query.connect(db)
    key = hashlib.sha256(str(database.display).encode()).hexdigest()[:12]
    return platformdirs.user_cache_path("observatory") / "bulk" / key


def _units(database: Database) -> Any:
    """Every unit of every level with its full geometry, codes as text."""
    import geopandas as gpd

    layers = []
    for level in LEVELS:
        units = query.units(level, db=database, geometry=True)
        units = units.assign(level=level)
        layers.append(units[[c for c in (*UNIT_COLUMNS, "geometry") if c in units]])
    frame = gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), geometry="geometry", crs=layers[0].crs)
    for column in UNIT_COLUMNS:
        frame[column] = frame[column].astype("string")
    return frame


def _write_csv_zip(frame: pd.DataFrame, sources: pd.DataFrame, path: Path) -> None:
    """values.csv with its Frictionless Data Package and its CSVW description, in one zip."""
    fields = [{"name": str(c), "type": _kind(frame[c])} for c in frame.columns]
    listed = [
        {k: v for k, v in row.items() if isinstance(v, str) and v}
        for row in sources[[c for c in ("source_id", "title", "url", "licence") if c in sources]].to_dict(
            orient="records"
        )
    ]
    package = {
        "name": "observatoire-equite-numerique-maroc",
        "title": "Observatoire territorial de l'équité numérique (Maroc): every served value",
        "licenses": [{"name": s["licence"], "title": s.get("title", "")} for s in listed if "licence" in s],
        "sources": [{"title": s.get("title", s["source_id"]), "path": s.get("url", "")} for s in listed],
        "resources": [
            {
                "name": "values",
                "path": "values.csv",
                "format": "csv",
                "encoding": "utf-8",
                "schema": {"fields": fields},
            }
        ],
    }
    csvw = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": "values.csv",
        "dc:source": listed,
        "dialect": {"encoding": "utf-8", "header": True, "doubleQuote": True},
        "tableSchema": {
            "columns": [
                {"name": f["name"], "titles": f["name"], "datatype": _csvw_kind(f["type"])} for f in fields
            ]
        },
    }
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("values.csv", "w", force_zip64=True) as handle:
            pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), handle)
        archive.writestr("datapackage.json", json.dumps(package, ensure_ascii=False, indent=2))
        archive.writestr("values.csv-metadata.json", json.dumps(csvw, ensure_ascii=False, indent=2))


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "string"


def _csvw_kind(kind: str) -> str:
    return {"integer": "integer", "number": "double"}.get(kind, "string")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` between processes of this machine."""
    import fcntl

    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
