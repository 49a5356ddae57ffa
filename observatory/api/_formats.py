"""
Frames to response bodies: JSON (`{"data", "meta"}`), GeoJSON (a FeatureCollection with a `meta`
foreign member), CSV (UTF-8, a header line then the rows, text quoted: what `pandas.read_csv(url)`
reads as is), Parquet (codes typed as text) and the CSV's CSVW description (column types, units,
sources, licence). Every answer carries its source and licence: in the body for JSON and GeoJSON,
in the CSVW description and the response's headers for CSV and Parquet.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import threading
import unicodedata
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ._rows import Rows
from ._rowtext import UncoveredColumn, csv_header, csv_lines, json_rows, json_string
from ._rowtext import plain as plain

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
    return [v if isinstance(v, str) or (type(v) in (int, float) and v == v) else plain(v) for v in values]


def json_body(data: Any, meta: dict[str, Any]) -> str:
    return json.dumps({"data": data, "meta": meta}, ensure_ascii=False, default=plain, allow_nan=False)


def rows_body(rows: Rows, meta: dict[str, Any], *, one: bool = False) -> str:
    """`json_body` of the rows as records (the first alone when `one`), written row by row."""
    texts = json_rows(rows)
    data = texts[0] if one else "[" + ", ".join(texts) + "]"
    return '{"data": ' + data + ', "meta": ' + _meta_text(meta) + "}"


def _meta_text(meta: dict[str, Any]) -> str:
    """`json.dumps(meta)`, each value kept by `frozen` written once."""
    items = []
    for key, value in meta.items():
        kept = _FROZEN.get(id(value))
        text = kept[1] if kept is not None and kept[0] is value else _dump(value)
        items.append(json_string(str(key)) + ": " + text)
    return "{" + ", ".join(items) + "}"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=plain, allow_nan=False)


#: JSON text of values kept as long as the database does not change (a response's sources and build),
#: by identity; each entry holds its value, so an identity is never reused while it is here.
_FROZEN: dict[int, tuple[Any, str]] = {}
_MAX_FROZEN = 1024
_frozen_lock = threading.Lock()

T = TypeVar("T")


def frozen(value: T) -> T:
    """`value`, its JSON text written once for every response's meta that holds it: for values the
    caller keeps and never modifies (each item of a mapping, the value itself otherwise)."""
    parts = value.values() if isinstance(value, dict) else [value]
    with _frozen_lock:
        if len(_FROZEN) > _MAX_FROZEN:
            _FROZEN.clear()
        for part in [value, *parts]:
            _FROZEN[id(part)] = (part, _dump(part))
    return value


def geometry_texts(geometries: Any) -> list[str | None]:
    """Each geometry as GeoJSON text (None when missing or empty), written by shapely in one vectorised
    call."""
    import shapely

    values = np.asarray(geometries, dtype=object)
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    present = values.copy()  # the caller's own array may sit behind `values`
    present[missing] = None
    texts = shapely.to_geojson(present)
    return [None if gone else str(text) for text, gone in zip(texts, missing, strict=True)]


def geojson_body(rows: Rows, meta: dict[str, Any], geometries: list[str | None]) -> str:
    """
    A FeatureCollection of the rows, each with its geometry's GeoJSON text (`geometry_texts`) spliced in
    (no parse and re-dump of the polygons); `meta` is a foreign member, which RFC 7946 allows.
    """
    features = [
        _FEATURE % ("null" if text is None else text, props)
        for props, text in zip(json_rows(rows), geometries, strict=True)
    ]
    return (
        '{"type": "FeatureCollection", "features": ['
        + ", ".join(features)
        + '], "meta": '
        + _meta_text(meta)
        + "}"
    )


_FEATURE = '{"type": "Feature", "geometry": %s, "properties": %s}'

_NUMBER = re.compile(r"\s*[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _cell(value: Any) -> Any:
    """A CSV cell: nested values as JSON (never a Python repr)."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=plain)
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


def csv_body(frame: pd.DataFrame | Rows) -> str:
    """UTF-8 CSV: one header line, then the rows, text cells quoted; nothing else in the file, so any
    CSV reader takes it as is."""
    rows = Rows.of(frame)
    names = [c for c in rows.columns if c != "geometry"]
    if names:
        try:
            lines = rows.texts("csv", lambda some: csv_lines(_nested_rows_as_json(some)))
            return csv_header(names) + "".join(lines)
        except UncoveredColumn:
            pass
    rows = _nested_rows_as_json(rows)
    buffer = io.StringIO()
    table = rows.to_frame().drop(columns=["geometry"], errors="ignore")
    table.to_csv(buffer, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    return buffer.getvalue()


def _nested_rows_as_json(rows: Rows) -> Rows:
    """The rows with every nested cell (a plan's parameters) written as JSON."""
    for column in rows.columns:
        values = rows[column]
        if values.dtype == object and any(issubclass(t, (dict, list, tuple)) for t in set(map(type, values))):
            cells = np.empty(len(values), dtype=object)
            cells[:] = [_cell(v) for v in values.tolist()]
            rows = rows.assign(column, cells)
    return rows


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
    return json.dumps(body, ensure_ascii=False, default=plain, allow_nan=False)


def parquet_body(frame: pd.DataFrame) -> bytes:
    """Parquet (zstd) with every code column typed as text, whatever digits it holds."""
    table = _nested_as_json(pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore")))
    for column in text_columns(table):
        table[column] = table[column].astype("string")
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False, compression="zstd")
    return buffer.getvalue()


@functools.lru_cache(maxsize=1024)
def header_text(text: str) -> str:
    """An HTTP header value: ASCII only (accents dropped), no line breaks."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.split())[:1000]
