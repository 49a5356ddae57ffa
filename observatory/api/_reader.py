"""
The API's view of one database: the small tables every endpoint consults (units, the catalogue,
the sources, geometry) read once and kept until the database changes, the provenance a response
carries, and the checks that turn an unknown code or indicator into a 404 naming where to look.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pandas as pd

from .. import edition, query
from ..database import Database
from ..enums import CITY_LEVELS
from . import _formats
from ._errors import ApiError
from ._params import PREFIX
from ._rows import Rows
from ._store import StoreHolder, ValueStore

T = TypeVar("T")
_UNSET = object()

#: How long a server database's `edition.marker` is trusted before it is read again.
MARKER_SECONDS = 1.0

#: Columns of a source that a response's provenance lists.
SOURCE_COLUMNS = ("source_id", "title", "publisher", "url", "licence", "retrieved_at")


class Reader:
    """
    Reads for the handlers, over one database. Small tables and the frames the library returns are kept
    (the most recently used, at most `frames` of them and `frame_bytes` in all) until the database file
    changes, so a request for another région or page of the same data does not read the database again.
    """

    def __init__(
        self,
        db: Database,
        *,
        frames: int = 512,
        frame_bytes: int = 256_000_000,
        files: str | os.PathLike[str] | None = None,
    ) -> None:
        self.db = db
        self.store = StoreHolder(db, files) if files is not None else None
        self.frames, self.frame_bytes = frames, frame_bytes
        self._cache: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._stamp: Any = None
        self._marker: tuple[float, Any] | None = None
        self._lock = threading.Lock()
        self._request = threading.local()

    @contextmanager
    def one_version(self) -> Iterator[None]:
        """Within the block, this thread reads one version of the database: `stamp` is read once, at its
        start, so a request is answered from one version and does not ask the file system again and again."""
        self._request.stamp = self._read_stamp()
        try:
            yield
        finally:
            del self._request.stamp

    def stamp(self) -> Any:
        """
        The database's version: a GeoPackage's modification time; for a server database the minute
        and `edition.marker` (read at most once a second), so a load made by another process or
        machine is served within a second. Inside `one_version`, the version its block began with.
        """
        pinned = getattr(self._request, "stamp", _UNSET)
        return self._read_stamp() if pinned is _UNSET else pinned

    def _read_stamp(self) -> Any:
        if self.db.kind == "gpkg":
            try:
                return os.stat(self.db.path).st_mtime_ns
            except OSError:
                return None
        now = time.monotonic()
        seen = self._marker
        if seen is None or now - seen[0] >= MARKER_SECONDS:
            seen = self._marker = (now, edition.marker(self.db))
        return int(time.time() // 60), seen[1]

    def cached(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, kept under `key`; callers must not modify what they get (copy first)."""
        stamp = self.stamp()
        with self._lock:
            if stamp != self._stamp:
                self._cache.clear()
                self._bytes, self._stamp = 0, stamp
            if key in self._cache:
                self._cache.move_to_end(key)
                kept: T = self._cache[key][0]
                return kept
        value = make()
        size = (
            int(value.memory_usage(index=True).sum())
            if isinstance(value, pd.DataFrame)
            else value.nbytes
            if isinstance(value, Rows)
            else 0
        )
        with self._lock:
            if stamp == self._stamp and key not in self._cache and size <= self.frame_bytes // 4:
                self._cache[key] = (value, size)
                self._bytes += size
                while len(self._cache) > self.frames or self._bytes > self.frame_bytes:
                    self._bytes -= self._cache.popitem(last=False)[1][1]
        return value

    def value_store(self) -> ValueStore | None:
        """Every value of the database in memory, when the server keeps bulk files and they are written."""
        return self.store.get(self.stamp()) if self.store is not None else None

    def sources(self) -> pd.DataFrame:
        return self.cached("sources", lambda: query.sources(db=self.db))

    def catalogue(self) -> pd.DataFrame:
        return self.cached("catalogue", lambda: query.catalogue(db=self.db))

    def units_table(self, level: str) -> pd.DataFrame:
        return self.cached(("units", level), lambda: query.units(level, db=self.db, geometry=False))

    def geometry(self, level: str, detail: str) -> pd.DataFrame:
        """Unit geometry indexed by code: the full polygons, or the simplified web geometry."""

        def make() -> pd.DataFrame:
            if detail == "full" or level == "arrondissement":
                frame = self.db.read(level, columns=["code", "geometry"])
            else:
                frame = query.web_geometry(level, detail=detail, db=self.db)
                if not len(frame):
                    frame = self.db.read(level, columns=["code", "geometry"])
            return frame[["code", "geometry"]].drop_duplicates("code").set_index("code")

        return self.cached(("geometry", level, detail), make)

    def geometry_texts(self, level: str, detail: str) -> dict[str, str | None]:
        """Each unit's geometry at `detail` as GeoJSON text (None when it has none), written once."""

        def make() -> dict[str, str | None]:
            frame = self.geometry(level, detail)
            return dict(zip(frame.index, _formats.geometry_texts(frame["geometry"]), strict=True))

        return self.cached(("geometry_texts", level, detail), make)

    def units_rows(self, level: str) -> Rows:
        """`units_table(level)` as Rows, which filter by a column's value without a scan."""
        return self.cached(("units_rows", level), lambda: Rows.of(self.units_table(level), keep_texts=True))

    def catalogue_rows(self) -> Rows:
        return self.cached("catalogue_table_rows", lambda: Rows.of(self.catalogue(), keep_texts=True))

    def region_codes(self, region: str) -> frozenset[str]:
        """The codes of a région and of every unit inside it, as the query layer's `region=` keeps them."""

        def make() -> frozenset[str]:
            inside = {region}
            for level in ("province", "commune"):
                table = self.units_table(level)
                inside |= set(table.loc[table["region_code"] == region, "code"])
            for level in CITY_LEVELS:  # their codes begin with their région's
                table = self.units_table(level)
                inside |= set(table.loc[table["code"].str.startswith(f"{region}."), "code"])
            return frozenset(inside)

        return self.cached(("inside", region), make)

    def in_region(self, frame: pd.DataFrame, region: str, column: str = "unit_code") -> pd.DataFrame:
        """Rows whose unit lies in a région (the région itself included)."""
        return frame[frame[column].isin(self.region_codes(region))].reset_index(drop=True)

    def provenance(self, source_ids: set[str] | None) -> dict[str, Any]:
        """A response's `meta`: the sources behind its rows (every source when None, none for no rows) and
        their licences. Callers must not modify it (copy first)."""
        key = None if source_ids is None else frozenset(source_ids)
        made: dict[str, Any] = self.cached(
            ("provenance", key), lambda: _formats.frozen(self._provenance(source_ids))
        )
        return made

    def _provenance(self, source_ids: set[str] | None) -> dict[str, Any]:
        table = self.sources()
        if source_ids is not None:
            table = table[table["source_id"].isin(source_ids)]
        listed = _formats.records(table[[c for c in SOURCE_COLUMNS if c in table]])
        licences = list(dict.fromkeys(str(x) for x in table.get("licence", []) if isinstance(x, str) and x))
        if not licences:
            return {"source": listed, "licence": "see source" if listed else "no data"}
        return {"source": listed, "licence": " | ".join(licences)}

    def check_code(self, level: str, code: str) -> None:
        codes = self.cached(("codes", level), lambda: frozenset(self.units_table(level)["code"]))
        if code not in codes:
            raise ApiError(
                404, "not_found", f"no {level} with code {code!r}; list them at {PREFIX}/units/{level}"
            )

    def check_indicator(self, indicator: str) -> pd.DataFrame:
        """The catalogue's rows of an indicator; a 404 listing similar ids when there are none."""
        catalogue = self.catalogue()
        positions = self.cached("catalogue_rows", lambda: catalogue.groupby("indicator_id").indices)
        rows = catalogue.iloc[positions.get(indicator, [])]
        if not len(rows):
            close = sorted(i for i in set(catalogue["indicator_id"]) if indicator.split("_")[0] in i)[:20]
            raise ApiError(
                404,
                "not_found",
                f"unknown indicator {indicator!r}; the catalogue is at {PREFIX}/indicators",
                [{"parameter": "indicator_id", "similar": close}],
            )
        return rows
