"""
Every served value of one database version held in memory as an Arrow table (read from the bulk
Parquet file the version's export wrote), with the rows of each indicator indexed, so a values
request is a slice and a few vectorised filters instead of a database read. It returns what
`observatory.query.indicator_values` returns for the same filters, rows in the same order.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from .. import bulk
from ..database import Database

#: Text columns kept dictionary-encoded in memory (a few distinct values each, repeated millions of times).
DICTIONARY_COLUMNS = (
    "unit_code",
    "level",
    "indicator_id",
    "period",
    "sex",
    "area",
    "unit",
    "status",
    "source_id",
    "run_id",
)


class ValueStore:
    """The values of one bulk Parquet file, selected as the query layer selects them."""

    def __init__(self, path: str | Path) -> None:
        table = pq.read_table(path, read_dictionary=list(DICTIONARY_COLUMNS))
        table = table.drop_columns(["build_id"]) if "build_id" in table.column_names else table
        # Text columns stay categorical in memory; each answer turns only its own rows back into text.
        frame = table.combine_chunks().to_pandas()
        codes = frame["indicator_id"].cat.codes.to_numpy()
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(frame["indicator_id"].cat.categories) + 1))
        self._text = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        self._frames = {
            str(name): frame.iloc[order[bounds[i] : bounds[i + 1]]]
            for i, name in enumerate(frame["indicator_id"].cat.categories)
        }
        self._empty = frame.iloc[:0]
        self.rows = len(frame)

    def select(
        self,
        names: Sequence[str],
        *,
        level: str | None = "commune",
        year: int | None = None,
        sex: str | None = "all",
        area: str | None = "total",
        units: Sequence[str] | None = None,
        status: Sequence[str] | None = None,
        period: str | None = None,
    ) -> pd.DataFrame:
        """The values of `names`, filtered like query.indicator_values (None keeps every value)."""
        wanted: list[tuple[str, Any]] = [
            ("level", level),
            ("year", year),
            ("sex", sex),
            ("area", area),
            ("period", period),
            ("status", status),
            ("unit_code", units),
        ]
        parts = []
        for name in names:
            frame = self._frames.get(name)
            if frame is None:
                continue
            keep = np.ones(len(frame), dtype=bool)
            for column, value in wanted:
                if value is not None:
                    many = isinstance(value, (list, tuple))
                    keep &= (frame[column].isin(value) if many else frame[column] == value).to_numpy()
            parts.append(frame[keep])
        # Several indicators come back in the database's row order, as the query layer returns them.
        out = pd.concat(parts).sort_index() if len(parts) > 1 else parts[0] if parts else self._empty
        out = out.reset_index(drop=True)
        for column in self._text:
            out[column] = _as_text(out[column])
        return out


def _as_text(series: pd.Series) -> pd.Series:
    """A categorical column as plain text (the categories taken by code: far quicker than astype)."""
    categories = series.cat.categories.array
    return pd.Series(
        categories.take(series.cat.codes.to_numpy(), allow_fill=True), index=series.index, name=series.name
    )


class StoreHolder:
    """
    The value store of a database's current version, under `root`: loaded when the version's files are
    written; when they are not (a load just changed the data), they are written in the background and
    the caller reads the database meanwhile.
    """

    def __init__(self, db: Database, root: str | Path) -> None:
        self.db, self.root = db, Path(root)
        self._store: tuple[Any, str, ValueStore] | None = None
        self._writing: threading.Thread | None = None
        self._lock = threading.Lock()

    def get(self, stamp: Any) -> ValueStore | None:
        """The store for the database at `stamp`, or None while its version's files are being written."""
        with self._lock:
            if self._store is not None and self._store[0] == stamp:
                return self._store[2]
            version = bulk.version(self.db)
            if self._store is not None and self._store[1] == version:
                self._store = (stamp, version, self._store[2])
                return self._store[2]
            folder = self.root / version
            if (folder / bulk.MANIFEST).is_file():
                store = ValueStore(folder / bulk.FILES["parquet"])
                self._store = (stamp, version, store)
                return store
            if self._writing is None or not self._writing.is_alive():
                self._writing = threading.Thread(target=bulk.ensure, args=(self.db, self.root), daemon=True)
                self._writing.start()
            return None
