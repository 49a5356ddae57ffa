"""
Rows to the text of a JSON object per row and to CSV, column by column: each cell is written by the
one rule of its column's type, and a row is a format string filled with its cells. The text is what
`json.dumps` writes for the row as a dict and what pandas' `to_csv` writes for the frame (a test
compares them on every kind of answer); a column of a type these rules do not cover is written by
those libraries themselves.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._rows import Rows

_string: Callable[[str], str] = json.encoder.encode_basestring


def plain(value: Any) -> Any:
    """A JSON-ready Python value (NaN and NA become null)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _float(value: float) -> str:
    if value != value:
        return "null"
    if value in (math.inf, -math.inf):
        raise ValueError("Out of range float values are not JSON compliant: " + repr(value))
    return float.__repr__(value)


def _json_cell(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is float:
        return _float(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    return json.dumps(plain(value), ensure_ascii=False, default=plain, allow_nan=False)


def _json_column(values: np.ndarray) -> list[str]:
    kind = values.dtype.kind
    if kind == "f":
        return [_float(v) for v in values.tolist()]
    if kind in "iu":
        return [int.__repr__(v) for v in values.tolist()]
    if kind == "b":
        return ["true" if v else "false" for v in values.tolist()]
    if kind == "O":
        return [_json_cell(v) for v in values.tolist()]
    return [_json_cell(plain(v)) for v in values.tolist()]


def json_rows(rows: Rows) -> list[str]:
    """Each row's JSON object text, the geometry left out, as `json.dumps(row_dict)` writes it."""
    names = [c for c in rows.columns if c != "geometry"]
    template = "{" + ", ".join(_string(n).replace("%", "%%") + ": %s" for n in names) + "}"
    if not names:
        return [template] * len(rows)
    cells = [_json_column(rows[n]) for n in names]
    return [template % row for row in zip(*cells, strict=True)]


def _csv_column(values: np.ndarray) -> list[Any] | None:
    """A column's cells as the csv module takes them (numbers bare, text quoted, missing as ''), or None
    for a column these rules do not cover."""
    kind = values.dtype.kind
    if kind == "f":
        return [v if v == v else "" for v in values.tolist()]
    if kind in "iub":
        numbers: list[Any] = values.tolist()
        return numbers
    if kind != "O":
        return None
    cells: list[Any] = values.tolist()
    for i, v in enumerate(cells):
        kind_of = type(v)
        if kind_of is str or kind_of is int or kind_of is bool:
            continue
        if v is None or v is pd.NA or (kind_of is float and v != v):
            cells[i] = ""
        elif kind_of is not float:
            return None
    return cells


def csv_text(rows: Rows) -> str | None:
    """UTF-8 CSV of the rows (geometry left out) as pandas writes it with every text quoted, or None when
    a column holds values these rules do not cover."""
    names = [c for c in rows.columns if c != "geometry"]
    if not names:
        return None
    cells = []
    for name in names:
        column = _csv_column(rows[name])
        if column is None:
            return None
        cells.append(column)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue()
