"""
Rows as the API shapes them between a handler and a response body: named numpy columns, no index.
Paging, filtering and field selection on them are array slices, where the same step on a small pandas
frame costs more than writing the answer; a handler may still return a pandas frame (`Rows.of`).
A text column may stay as integer codes into its distinct values until a row is read, and rows taken
from a table kept for a database version reuse each row's text once written (`RowTexts`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

_NO_ROWS = np.zeros(0, dtype=np.intp)


class TextBudget:
    """Characters' memory (bytes) that kept row texts may still take, shared by the tables of one version."""

    def __init__(self, nbytes: int) -> None:
        self.left = nbytes
        self._lock = threading.Lock()

    def take(self, nbytes: int) -> bool:
        with self._lock:
            if nbytes > self.left:
                return False
            self.left -= nbytes
            return True


class RowTexts:
    """
    Each row's text in each format (JSON object, CSV line) for every row of a table kept as long as the
    database does not change, written the first time a response holds the row and reused after: a row's
    text depends on its own cells only, so rows of another page, région or page size reuse it. Past the
    `budget`, texts are written for each response and not kept.
    """

    def __init__(self, length: int, budget: TextBudget | None = None, *, whole: bool = False) -> None:
        self.length, self.budget, self.whole = length, budget, whole
        self._kinds: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def written(self, kind: str) -> bool:
        return kind in self._kinds

    def fill(self, kind: str, texts: list[str]) -> None:
        """Every row's text in a format at once (for a small table whose rows are all asked for)."""
        every = np.empty(self.length, dtype=object)
        every[:] = texts
        with self._lock:
            self._kinds[kind] = every

    def get(self, kind: str, at: np.ndarray, write: Callable[[np.ndarray], list[str]]) -> list[str]:
        """The texts of the rows at `at`; `write(missing)` writes those of `at[missing]` not written yet."""
        every = self._kinds.get(kind)
        if every is None:
            with self._lock:
                every = self._kinds.setdefault(kind, np.full(self.length, None, dtype=object))
        texts: list[str] = every[at].tolist()
        missing = [i for i, text in enumerate(texts) if text is None]
        if not missing:
            return texts
        chosen = np.asarray(missing, dtype=np.intp)
        written = write(chosen)
        for i, text in zip(missing, written, strict=True):
            texts[i] = text
        if self.budget is None or self.budget.take(sum(map(sys.getsizeof, written))):
            kept = np.empty(len(written), dtype=object)
            kept[:] = written
            every[at[chosen]] = kept
        return texts


class Rows:
    """Columns of equal length, in order; text columns hold Python strings (object arrays)."""

    __slots__ = ("_columns", "_length", "_dtypes", "_at", "_kept", "_decode", "_groups", "_lock")

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        length: int | None = None,
        dtypes: Mapping[str, Any] | None = None,
        *,
        at: np.ndarray | None = None,
        kept: RowTexts | None = None,
        decode: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self._columns = dict(columns)
        # Each row's text in a format, kept for every row of the columns once written (`texts`); None
        # when these rows are not kept (they are written anew each time).
        self._kept = kept
        # Columns held as integer codes, with their values (a code of -1 is the last value).
        self._decode = dict(decode or {})
        # Rows picked from the columns and not copied yet: a page of a région's rows copies only the page.
        self._at = at
        if at is not None:
            self._length = len(at)
        else:
            self._length = length if length is not None else len(next(iter(self._columns.values()), ()))
        # The pandas dtype of each column a frame gave, so `to_frame` gives it back.
        self._dtypes = dict(dtypes or {})
        self._groups: dict[str, dict[Hashable, np.ndarray]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, frame: pd.DataFrame | Rows, *, keep_texts: bool = False) -> Rows:
        """`frame` as Rows (its index dropped); Rows are returned as they are. With `keep_texts`, the
        text of every row in a format is written the first time one is asked and the rows taken from
        these reuse it: for tables kept as long as the database does not change (units, the catalogue,
        the index)."""
        if isinstance(frame, Rows):
            return frame
        names = [str(c) for c in frame.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate column names: {names}")
        columns = {str(c): _array(frame[c]) for c in frame.columns}
        kept = RowTexts(len(frame), whole=True) if keep_texts else None
        return cls(columns, len(frame), {str(c): t for c, t in frame.dtypes.items()}, kept=kept)

    def __len__(self) -> int:
        return self._length

    def __contains__(self, column: object) -> bool:
        return column in self._columns

    def __getitem__(self, column: str) -> np.ndarray:
        values = self._columns[column]
        if self._at is not None:
            values = values[self._at]
        decode = self._decode.get(column)
        return values if decode is None else decode[values]

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def cells(self, column: str, write: Callable[[np.ndarray], list[Any] | None]) -> list[Any] | None:
        """`write(self[column])`: a column's cells as `write` writes them, one by one. A column held as
        codes has each of its values written once (`write` must write a cell whatever its neighbours)."""
        values = self._decode.get(column)
        if values is None:
            return write(self[column])
        written = _written(values, write)
        if written is None:
            return None
        codes = self._columns[column]
        out: list[Any] = written[codes if self._at is None else codes[self._at]].tolist()
        return out

    def take(self, positions: np.ndarray) -> Rows:
        """The rows at `positions` (integers, or a boolean mask), in that order."""
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        at = positions if self._at is None else self._at[positions]
        return Rows(self._columns, dtypes=self._dtypes, at=at, kept=self._kept, decode=self._decode)

    def slice(self, start: int, stop: int) -> Rows:
        start, stop, _ = slice(start, stop).indices(self._length)
        if self._at is not None or self._kept is not None:
            at = np.arange(start, stop) if self._at is None else self._at[start:stop]
            return Rows(self._columns, dtypes=self._dtypes, at=at, kept=self._kept, decode=self._decode)
        return Rows(
            {c: v[start:stop] for c, v in self._columns.items()},
            max(0, stop - start),
            self._dtypes,
            decode=self._decode,
        )

    def select(self, columns: Iterable[str]) -> Rows:
        chosen = {c: self._columns[c] for c in columns}
        decode = {c: v for c, v in self._decode.items() if c in chosen}
        return Rows(chosen, self._length, self._dtypes, at=self._at, decode=decode)

    def assign(self, column: str, values: np.ndarray) -> Rows:
        """These rows with `column` replaced (or added last)."""
        dtypes = {c: t for c, t in self._dtypes.items() if c != column}
        return Rows({**{c: self[c] for c in self._columns}, column: values}, self._length, dtypes)

    def texts(self, kind: str, write: Callable[[Rows], list[str]]) -> list[str]:
        """Each row's text, as `write` writes it: the kept text of each row already written, when these
        rows keep their texts; else written for these rows."""
        if self._kept is None:
            return write(self)
        if self._kept.whole and not self._kept.written(kind):
            self._kept.fill(kind, write(Rows(self._columns, dtypes=self._dtypes, decode=self._decode)))
        at = self._at if self._at is not None else np.arange(self._length)
        return self._kept.get(kind, at, lambda missing: write(self.take(missing)))

    def where(self, **equal: Any) -> Rows:
        """The rows whose columns equal the given values (None: no condition), in their order; the
        positions of each column's values are found once and kept, so a filter costs a lookup."""
        chosen: np.ndarray | None = None
        for column, value in equal.items():
            if value is None:
                continue
            found = self.positions(column).get(value, _NO_ROWS)
            chosen = found if chosen is None else np.intersect1d(chosen, found, assume_unique=True)
        return self if chosen is None else self.take(chosen)

    def positions(self, column: str) -> dict[Hashable, np.ndarray]:
        """Each value of a column with the (ascending) positions of the rows that hold it."""
        groups = self._groups.get(column)
        if groups is None:
            with self._lock:
                groups = self._groups.get(column)
                if groups is None:
                    values = self[column]
                    keys = pd.Series(values, dtype=object if values.dtype == object else None)
                    groups = {k: np.asarray(v, dtype=np.intp) for k, v in keys.groupby(keys).indices.items()}
                    self._groups[column] = groups
        return groups

    def to_frame(self) -> pd.DataFrame:
        """The rows as a pandas frame, each column of the dtype it came with (text: object)."""
        if not self._columns:
            return pd.DataFrame(index=range(len(self)))
        columns = {c: self[c] for c in self._columns}
        return pd.DataFrame(
            {c: pd.Series(v, dtype=self._dtypes.get(c, v.dtype), copy=False) for c, v in columns.items()}
        )

    @property
    def nbytes(self) -> int:
        """About how much memory the columns hold (text counted by its characters)."""
        total = 0
        for column in self._columns:
            values = self[column]
            total += values.nbytes
            if values.dtype == object:
                total += sum(len(v) for v in values if isinstance(v, str))
        return total


#: Each coded column's values as a writer writes them, by the identity of the values and the writer; each
#: entry holds its values, so an identity is never reused while it is here.
_WRITTEN: dict[tuple[int, int], tuple[np.ndarray, np.ndarray | None]] = {}
_MAX_WRITTEN = 256


def _written(values: np.ndarray, write: Callable[[np.ndarray], list[Any] | None]) -> np.ndarray | None:
    key = (id(values), id(write))
    kept = _WRITTEN.get(key)
    if kept is None or kept[0] is not values:
        cells = write(values)
        out = None
        if cells is not None:
            out = np.empty(len(cells), dtype=object)
            out[:] = cells
        if len(_WRITTEN) >= _MAX_WRITTEN:
            _WRITTEN.clear()
        kept = _WRITTEN[key] = (values, out)
    return kept[1]


def _array(series: pd.Series) -> np.ndarray:
    """A column's values as numpy holds them; a nullable integer or boolean column as Python values, its
    missing ones NA (numpy would make its integers floats)."""
    values: np.ndarray = series.to_numpy()
    if isinstance(series.dtype, np.dtype) or values.dtype == object:
        return values
    out = np.empty(len(series), dtype=object)
    out[:] = series.tolist()
    return out


def source_ids(rows: Rows) -> set[str]:
    """The sources the rows name (their `source_id` column, missing ones left out)."""
    return {s for s in set(rows["source_id"].tolist()) if isinstance(s, str)}
