"""
Frames to response bodies: JSON (`{"data", "meta"}`), GeoJSON (a FeatureCollection with a `meta`
foreign member) and CSV (provenance in headers). Every body carries its source and licence.
"""

from __future__ import annotations

import io
import json
import math
import unicodedata
from typing import Any

import pandas as pd

MEDIA_TYPES = {"json": "application/json", "geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}


def negotiate(requested: str | None, accept: Any, allowed: tuple[str, ...]) -> str:
    """The format asked by `format=`, else the best match of the Accept header, else JSON."""
    from ._params import ParameterError

    if requested is not None:
        if requested not in allowed:
            raise ParameterError(
                f"format {requested!r} is not available here; this endpoint returns: {', '.join(allowed)}",
                details=[{"parameter": "format", "expected": list(allowed), "got": requested}],
            )
        return requested
    offers = {"application/json": "json", "application/geo+json": "geojson", "text/csv": "csv"}
    best = accept.best_match([m for m, f in offers.items() if f in allowed]) if accept else None
    return offers.get(best, "json") if best else "json"


def _plain(value: Any) -> Any:
    """A JSON-ready Python value (NaN and NA become null)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain values (the geometry column dropped)."""
    frame = pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore"))
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def json_body(data: Any, meta: dict[str, Any]) -> str:
    return json.dumps({"data": data, "meta": meta}, ensure_ascii=False, default=_plain, allow_nan=False)


def geojson_body(frame: pd.DataFrame, meta: dict[str, Any]) -> str:
    """A FeatureCollection; `meta` is a foreign member, which RFC 7946 allows."""
    import shapely

    features = []
    geometries = frame["geometry"].values if "geometry" in frame else [None] * len(frame)
    for props, geom in zip(records(frame), geometries):
        shape = None if geom is None or shapely.is_empty(geom) else json.loads(shapely.to_geojson(geom))
        features.append({"type": "Feature", "geometry": shape, "properties": props})
    body = {"type": "FeatureCollection", "features": features, "meta": meta}
    return json.dumps(body, ensure_ascii=False, default=_plain, allow_nan=False)


def csv_body(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore")).to_csv(buffer, index=False)
    return buffer.getvalue()


def header_text(text: str) -> str:
    """An HTTP header value: ASCII only (accents dropped), no line breaks."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.split())[:1000]
