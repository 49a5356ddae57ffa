"""
Every served value of one database version held in memory (read from the bulk Parquet file its export
wrote) as plain arrays grouped by indicator, text columns as small integer codes into their distinct
values, so a values request is a few vectorised comparisons instead of a database read. It returns
what `observatory.query.indicator_values` returns for the same filters, rows in the same order.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import bulk
from ..database import Database
from ..etl.context import CATEGORICAL_TEXT
from ._rows import Rows, RowTexts, TextBudget

#: Text columns held as codes: the values' columns a build holds as categoricals, for the same reason.
DICTIONARY_COLUMNS = CATEGORICAL_TEXT["indicator_value"]
#: Memory the rows' texts kept for reuse may take in all (bytes), per server process.
TEXT_BYTES = 384_000_000
#: Filters whose rows are kept (per indicator, level, year, sex, area, period, status, units).
MAX_KEPT_FILTERS = 4096
MAX_KEPT_LABELS = 64


class ValueStore:
    """The values of one bulk Parquet file, selected as the query layer selects them."""

    def __init__(self, path: str | Path, *, text_bytes: int = TEXT_BYTES) -> None:
        table = pq.read_table(path, read_dictionary=list(DICTIONARY_COLUMNS)).combine_chunks()
        columns: dict[str, np.ndarray] = {}
        # Each text column's distinct values, with None last (where a code of -1 points).
        self._categories: dict[str, np.ndarray] = {}
        self._codes: dict[str, dict[Any, int]] = {}
        for name in table.column_names:
            if name == "build_id":
                continue
            if name in DICTIONARY_COLUMNS:
                column = table.column(name).chunk(0)
                categories = np.array([*column.dictionary.to_pylist(), None], dtype=object)
                self._categories[name] = categories
                self._codes[name] = {v: i for i, v in enumerate(categories[:-1])}
                columns[name] = pc.fill_null(column.indices, -1).to_numpy().astype(np.int32)
            else:
                columns[name] = table.column(name).to_numpy()
        self.columns = list(columns)
        indicator = columns["indicator_id"]
        self.rows = len(indicator)
        order = np.argsort(indicator, kind="stable")
        bounds = np.searchsorted(indicator[order], np.arange(len(self._categories["indicator_id"])))
        self._frames = {
            str(name): {c: values[order[bounds[i] : bounds[i + 1]]] for c, values in columns.items()}
            | {"_row": order[bounds[i] : bounds[i + 1]]}
            for i, name in enumerate(self._categories["indicator_id"][:-1])
        }
        # Copies, not views: a view would keep the whole ungrouped column alive beside its groups.
        self._empty = {c: v[:0].copy() for c, v in columns.items()} | {"_row": order[:0].copy()}
        del table, columns, indicator, order
        pa.default_memory_pool().release_unused()
        self._inside: dict[frozenset[str], np.ndarray] = {}
        self._chosen: dict[Hashable, np.ndarray] = {}
        self._labels: dict[tuple[str, int], tuple[Mapping[str, Any], np.ndarray]] = {}
        self._row_texts: dict[Hashable, RowTexts] = {}
        self._budget = TextBudget(text_bytes)
        self._lock = threading.Lock()
        # Per indicator, the positions of its rows of each (level code, year).
        self._groups = {name: _by_level_year(frame) for name, frame in self._frames.items()}

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
        inside: frozenset[str] | None = None,
        labels: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Rows:
        """
        The values of `names`, filtered like query.indicator_values (None keeps every value); `inside`
        keeps only these unit codes, and each of `labels` (column -> code -> label) adds a column after
        the unit's code. Text columns hold Python strings (object arrays), the rest numpy numbers.
        """
        wanted: list[tuple[str, Any]] = [
            ("level", level),
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
            at = self._positions(name, frame, year, wanted)
            if inside is not None:
                at = at[self._within(inside)[frame["unit_code"][at]]]
            parts.append((name, frame, at))
        decode = {c: v for c, v in self._categories.items()}
        if len(parts) == 1:  # rows of one kept table, each row's text reused once written
            name, frame, at = parts[0]
            return Rows(
                self._labelled(frame, labels),
                at=at,
                decode=self._label_codes(labels) | decode,
                kept=self._texts(name, level, labels),
            )
        if len(parts) > 1:  # several indicators come back in the database's row order, as the query layer's
            merged = {c: np.concatenate([f[c][at] for _, f, at in parts]) for c in parts[0][1]}
            order = np.argsort(merged["_row"], kind="stable")
            chosen = {c: v[order] for c, v in merged.items()}
        else:
            chosen = self._empty
        return Rows(
            self._labelled(chosen, labels), len(chosen["_row"]), decode=self._label_codes(labels) | decode
        )

    def _labelled(
        self, frame: Mapping[str, np.ndarray], labels: Mapping[str, Mapping[str, Any]] | None
    ) -> dict[str, np.ndarray]:
        """The columns in the order of a response, each label (the unit code's codes) after the unit code."""
        out: dict[str, np.ndarray] = {}
        for column in self.columns:
            out[column] = frame[column]
            if column == "unit_code" and labels:
                for label in labels:
                    out[label] = frame[column]
        return out

    def _label_codes(self, labels: Mapping[str, Mapping[str, Any]] | None) -> dict[str, np.ndarray]:
        """Each label's value for each unit code of the store (None last), made once per mapping."""
        out = {}
        for label, mapping in (labels or {}).items():
            kept = self._labels.get((label, id(mapping)))
            if kept is None or kept[0] is not mapping:
                if len(self._labels) >= MAX_KEPT_LABELS:
                    self._labels.clear()
                named = np.empty(len(self._categories["unit_code"]), dtype=object)
                named[:] = [mapping.get(c) for c in self._categories["unit_code"][:-1]] + [None]
                kept = self._labels[(label, id(mapping))] = (mapping, named)
            out[label] = kept[1]
        return out

    def _texts(self, name: str, level: Any, labels: Mapping[str, Mapping[str, Any]] | None) -> RowTexts:
        """The kept texts of an indicator's rows asked at `level`, with these label columns (a row's labels
        are those of its own level's units, the only ones a request at that level holds)."""
        key = (name, level, tuple(labels or ()))
        texts = self._row_texts.get(key)
        if texts is None:
            with self._lock:
                made = RowTexts(len(self._frames[name]["_row"]), self._budget)
                texts = self._row_texts.setdefault(key, made)
        return texts

    def _positions(
        self, name: str, frame: Mapping[str, np.ndarray], year: int | None, wanted: list[tuple[str, Any]]
    ) -> np.ndarray:
        """The positions of an indicator's rows that pass every filter but the région, kept for the next
        request with the same filters (another région, page or format)."""
        key = (name, year, *((c, tuple(v) if isinstance(v, list) else v) for c, v in wanted))
        at = self._chosen.get(key)
        if at is not None:
            return at
        at = self._level_year(name, frame, wanted[0][1], year)
        keep = np.ones(len(at), dtype=bool)
        if year is not None:
            keep &= frame["year"][at] == year
        for column, value in wanted:
            if value is not None:
                keep &= self._allowed(column, value)[frame[column][at]]
        at = at[keep]
        with self._lock:
            if len(self._chosen) >= MAX_KEPT_FILTERS:
                self._chosen.clear()
            self._chosen[key] = at
        return at

    def _level_year(
        self, name: str, frame: Mapping[str, np.ndarray], level: Any, year: int | None
    ) -> np.ndarray:
        """The positions of an indicator's rows that may be of `level` and `year`: those of that level and
        year when both are one value (grouped when the store loads), else every row."""
        code = self._codes["level"].get(level) if isinstance(level, str) else None
        if code is None or year is None:
            return np.arange(len(frame["_row"]))
        groups = self._groups.get(name, {})
        return groups.get((code, year), np.zeros(0, dtype=np.intp))

    def _allowed(self, column: str, value: Any) -> np.ndarray:
        """Which codes of a text column hold one of the wanted values (one value or a list of them)."""
        allowed = np.zeros(len(self._categories[column]), dtype=bool)
        for one in value if isinstance(value, (list, tuple)) else [value]:
            code = self._codes[column].get(one)
            if code is not None:
                allowed[code] = True
        return allowed

    def _within(self, inside: frozenset[str]) -> np.ndarray:
        """Which unit codes are in `inside` (kept: a région's set is asked for again and again)."""
        if inside not in self._inside:
            codes = self._codes["unit_code"]
            allowed = np.zeros(len(self._categories["unit_code"]), dtype=bool)
            allowed[[codes[c] for c in inside if c in codes]] = True
            self._inside[inside] = allowed
        return self._inside[inside]


def _by_level_year(frame: Mapping[str, np.ndarray]) -> dict[tuple[Any, Any], np.ndarray]:
    """The ascending positions of the rows of each (level code, year)."""
    level, year = frame["level"], frame["year"]
    order = np.lexsort((year, level))  # stable: positions stay ascending within a group
    level, year = level[order], year[order]
    starts = np.flatnonzero(np.r_[True, (level[1:] != level[:-1]) | (year[1:] != year[:-1])])
    ends = np.r_[starts[1:], len(order)]
    return {(int(level[a]), year[a].item()): order[a:b] for a, b in zip(starts, ends, strict=True)}


class StoreHolder:
    """
    The value store of a database's current version, under `root`: loaded when the version's files are
    written; when they are not (a load just changed the data), they are written in the background and
    the caller reads the database meanwhile.
    """

    def __init__(self, db: Database, root: str | os.PathLike[str]) -> None:
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
