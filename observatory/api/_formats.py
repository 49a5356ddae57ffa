"""
Frames to response bodies: JSON (`{"data", "meta"}`), GeoJSON (a FeatureCollection with a `meta`
foreign member), CSV (UTF-8, a header line then the rows, text quoted: what `pandas.read_csv(url)`
reads as is), Parquet (codes typed as text) and the CSV's CSVW description (column types, units,
sources, licence). Every answer carries its source and licence: in the body for JSON and GeoJSON,
in the CSVW description and the response's headers for CSV and Parquet.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from typing import Any

import pandas as pd

MEDIA_TYPES = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "csvw": "application/csvm+json",
    "parquet": "application/vnd.apache.parquet",
}


def offered(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The formats an endpoint answers in: its own, and Parquet and the CSVW description wherever there
    is a CSV."""
    return (*formats, "parquet", "csvw") if "csv" in formats else formats


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
    offers = {
        "application/json": "json",
        "application/geo+json": "geojson",
        "text/csv": "csv",
        "application/csvm+json": "csvw",
        "application/vnd.apache.parquet": "parquet",
    }
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
    """Rows as dicts of plain values (the geometry column dropped), built column by column: a per-cell
    pandas call would cost more than the rest of a request."""
    names = [c for c in frame.columns if c != "geometry"]
    columns = [_plain_column(frame[c]) for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _plain_column(series: pd.Series) -> list[Any]:
    """A column's values as JSON-ready Python values (NaN and NA become null)."""
    values: list[Any] = series.tolist()
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return values
    if pd.api.types.is_float_dtype(series):
        return [None if v != v else v for v in values]
    return [v if isinstance(v, str) or (type(v) in (int, float) and v == v) else _plain(v) for v in values]


def json_body(data: Any, meta: dict[str, Any]) -> str:
    return json.dumps({"data": data, "meta": meta}, ensure_ascii=False, default=_plain, allow_nan=False)


def geojson_body(frame: pd.DataFrame, meta: dict[str, Any]) -> str:
    """
    A FeatureCollection; `meta` is a foreign member, which RFC 7946 allows. Geometries are written
    by shapely in one vectorised call and spliced in as text (no parse and re-dump of the polygons).
    """
    import numpy as np
    import shapely

    geometries = np.asarray(
        frame["geometry"].values if "geometry" in frame else [None] * len(frame), dtype=object
    )
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    present = geometries.copy()  # the frame's own array may sit behind `geometries`
    present[missing] = None
    texts = shapely.to_geojson(present)
    features = [
        '{"type": "Feature", "geometry": '
        + ("null" if gone else text)
        + ', "properties": '
        + json.dumps(props, ensure_ascii=False, default=_plain, allow_nan=False)
        + "}"
        for props, text, gone in zip(records(frame), texts, missing, strict=True)
    ]
    return (
        '{"type": "FeatureCollection", "features": ['
        + ", ".join(features)
        + '], "meta": '
        + json.dumps(meta, ensure_ascii=False, default=_plain, allow_nan=False)
        + "}"
    )


_NUMBER = re.compile(r"\s*[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _cell(value: Any) -> Any:
    """A CSV cell: nested values as JSON (never a Python repr)."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=_plain)
    return value


def _nested_as_json(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with every nested cell (a plan's parameters) written as JSON; columns without one are
    left as they are."""
    for column in table.columns:
        if table[column].dtype == object:
            values = table[column].tolist()
            if any(isinstance(v, (dict, list, tuple)) for v in values):
                table[column] = [_cell(v) for v in values]
    return table


def text_columns(frame: pd.DataFrame) -> list[str]:
    """
    Text columns a CSV reader would take for numbers: every code column ('01', '01.511'), at every
    level, so one reading works for all, and any other text column holding a number-like value.
    """
    out = []
    for column in frame.columns:
        if column == "geometry" or pd.api.types.is_numeric_dtype(frame[column]):
            continue
        if (
            str(column) == "code"
            or str(column).endswith("_code")
            or frame[column].dropna().map(lambda v: isinstance(v, str)).all()
            and frame[column].dropna().astype("string").str.fullmatch(_NUMBER.pattern).any()
        ):
            out.append(column)
    return out


def reading_hint(frame: pd.DataFrame) -> str:
    """How to read this CSV in pandas so that codes stay text."""
    dtype = ", ".join(f'"{c}": "string"' for c in text_columns(frame))
    return f"pandas.read_csv(url, dtype={{{dtype}}})"


def csv_body(frame: pd.DataFrame) -> str:
    """UTF-8 CSV: one header line, then the rows, text cells quoted; nothing else in the file, so any
    CSV reader takes it as is."""
    buffer = io.StringIO()
    table = _nested_as_json(pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore")))
    table.to_csv(buffer, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    return buffer.getvalue()


def _datatype(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "string"


def csvw_body(
    frame: pd.DataFrame, meta: dict[str, Any], *, url: str, title: str, units: dict[str, str] | None = None
) -> str:
    """
    A CSV on the Web (W3C CSVW) description of the CSV at `url`: every column's datatype (codes are
    strings), the indicators' units, the sources and the licence.
    """
    table = frame.drop(columns=["geometry"], errors="ignore")
    columns = [{"name": str(c), "titles": str(c), "datatype": _datatype(table[c])} for c in table.columns]
    body = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": url,
        "dc:title": title,
        "dc:license": meta["licence"],
        "dc:source": [{k: v for k, v in s.items() if v is not None} for s in meta["source"]],
        "dc:description": "Read with "
        + reading_hint(table)
        + "; in Excel, import the CSV (Data > From Text/CSV) "
        "and give the columns typed string here the type Text.",
        "dialect": {"encoding": "utf-8", "header": True, "doubleQuote": True},
        "tableSchema": {"columns": columns},
        "notes": [{"indicator_id": k, "unit": v} for k, v in sorted((units or {}).items())],
    }
    return json.dumps(body, ensure_ascii=False, default=_plain, allow_nan=False)


def parquet_body(frame: pd.DataFrame) -> bytes:
    """Parquet (zstd) with every code column typed as text, whatever digits it holds."""
    table = _nested_as_json(pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore")))
    for column in text_columns(table):
        table[column] = table[column].astype("string")
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False, compression="zstd")
    return buffer.getvalue()


def header_text(text: str) -> str:
    """An HTTP header value: ASCII only (accents dropped), no line breaks."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.split())[:1000]
