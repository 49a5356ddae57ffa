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
from itertools import accumulate
from typing import Any

import numpy as np
import pandas as pd

from ._rows import Rows

_string: Callable[[str], str] = json.encoder.encode_basestring
#: A string as `json.dumps(..., ensure_ascii=False)` writes it.
json_string = _string
_TEXT = {str, type(None)}
#: Cell types the csv module writes as pandas does, as they are; then with the missing ones emptied.
_BARE = {str, int, bool}
_CSV = {*_BARE, float, type(None), type(pd.NA)}


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
    if kind == "f":  # repr as json writes it; Python's list scans, cheaper than numpy calls on a page
        texts = list(map(float.__repr__, values.tolist()))
        if "inf" in texts or "-inf" in texts:
            raise ValueError("Out of range float values are not JSON compliant")
        return ["null" if t == "nan" else t for t in texts] if "nan" in texts else texts
    if kind in "iu":
        return list(map(int.__repr__, values.tolist()))
    if kind == "b":
        return ["true" if v else "false" for v in values.tolist()]
    if kind == "O":
        cells = values.tolist()
        types = set(map(type, cells))
        if types == {str}:  # the common cases, without a Python call per cell
            return list(map(_string, cells))
        if types <= _TEXT:
            return [_string(v) if v is not None else "null" for v in cells]
        return [_json_cell(v) for v in cells]
    return [_json_cell(plain(v)) for v in pd.Series(values).tolist()]


def json_rows(rows: Rows) -> list[str]:
    """Each row's JSON object text, the geometry left out, as `json.dumps(row_dict)` writes it."""
    return rows.texts("json", _json_rows)


def _json_rows(rows: Rows) -> list[str]:
    names = [c for c in rows.columns if c != "geometry"]
    template = "{" + ", ".join(_string(n).replace("%", "%%") + ": %s" for n in names) + "}"
    if not names:
        return [template] * len(rows)
    cells = [rows.cells(n, _json_column) for n in names]
    return [template % row for row in zip(*cells, strict=True)]


def _csv_column(values: np.ndarray) -> list[Any] | None:
    """A column's cells as the csv module takes them (numbers bare, text quoted, missing as ''), or None
    for a column these rules do not cover."""
    kind = values.dtype.kind
    if kind == "f":
        cells: list[Any] = values.tolist()
        return ["" if v != v else v for v in cells] if any(map(math.isnan, cells)) else cells
    if kind in "iub":
        numbers: list[Any] = values.tolist()
        return numbers
    if kind != "O":
        return None
    cells = values.tolist()
    types = set(map(type, cells))
    if types <= _BARE:
        return cells
    if not types <= _CSV:
        return None
    return ["" if v is None or v is pd.NA or (type(v) is float and v != v) else v for v in cells]


class UncoveredColumn(ValueError):
    """A column holds values the CSV rules here do not cover (pandas writes the table instead)."""


def csv_header(names: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerow(names)
    return buffer.getvalue()


def csv_lines(rows: Rows) -> list[str]:
    """Each row's CSV line (geometry left out) as pandas writes it with every text quoted; raises
    UncoveredColumn when a column holds values these rules do not cover."""
    names = [c for c in rows.columns if c != "geometry"]
    cells = []
    for name in names:
        column = rows.cells(name, _csv_column)
        if column is None:
            raise UncoveredColumn(name)
        cells.append(column)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    # writerow returns the length of what it wrote: the one buffer is cut into each row's line.
    ends = list(accumulate(map(writer.writerow, zip(*cells, strict=True))))
    text = buffer.getvalue()
    return [text[a:b] for a, b in zip([0, *ends], ends, strict=False)]
