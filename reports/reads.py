"""
The database as one report reads it. A report's sections ask the library for overlapping things (the
national index for the brief, the tables and the maps; the communes' names for each of them; the provinces'
outlines for each map): a commune report made 64 reads of the file, 17 of them repeating one already made.
Here a read asked twice in one report is made once, and so is each level's index (`index_scores`), whose
challenged ranks were checked again at each of a report's five asks. What is remembered lives as long as
the report's gathering, so every report reads the database as it is when asked.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

import pandas as pd

from observatory import value_store
from observatory.database import Database, Filter

T = TypeVar("T")


def _wkb(blob: bytes) -> bytes:
    """The WKB of a GeoPackage geometry: what follows its header (8 bytes and the envelope its flags say)."""
    envelope = (0, 32, 48, 48, 64)[(blob[3] >> 1) & 0b111]
    return blob[8 + envelope :]


def _probes(where: Filter | None) -> bool:
    """Whether a read of values names both its units and its indicators (then each unit is probed for each
    series; with either left open, the view's own order reads less)."""
    return all((where or {}).get(column) is not None for column in ("unit_code", "indicator_id"))


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a filter value (a list of codes, a set, a numpy array, a scalar)."""
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return value.item() if hasattr(value, "item") else value
    return tuple(_frozen(v) for v in value)


class ReportReads(Database):
    """
    A `Database` that remembers its reads for one report (each caller gets its own copy of a frame) and,
    for a GeoPackage, reads through one connection: each new one parsed the file's schema again (80
    tables, 145 triggers). Used as a context manager, which closes that connection.
    """

    def __init__(self, database: Database) -> None:
        super().__init__(database.target)
        self._columns = database._columns  # a PostGIS table's columns, looked up once per process
        self._frames: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._scores: dict[str, pd.DataFrame] = {}
        self._remembered: dict[str, Any] = {}
        self._connection: sqlite3.Connection | None = None

    def __enter__(self) -> ReportReads:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @contextlib.contextmanager
    def _sqlite(self) -> Iterator[sqlite3.Connection]:
        if self._connection is None:
            self._connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        yield self._connection

    def _read_gpkg(self, table: str, where: Filter | None, attrs: list[str], spatial: bool) -> pd.DataFrame:
        """
        A spatial read whose other columns are all text (the map shapes, the units' codes and names) is made
        through the report's connection, its geometry decoded by shapely into a plain frame's `geometry`
        column (what the maps draw): reading it with GDAL opened the file again at each read and, at the
        first, imported pyogrio; a GeoDataFrame imported geopandas and pyproj (a tenth of a second of a
        report's process). Any other read is `Database`'s.
        """
        if not spatial and table == value_store.VIEW and _probes(where):
            return self._read_values(where, attrs)
        if not spatial or not self._text_only(table, attrs):
            return super()._read_gpkg(table, where, attrs, spatial)
        import shapely

        clause, params = self._where(table, where, ":{}")
        cols = ", ".join(f'"{c}"' for c in [*attrs, "geom"])
        with self._sqlite() as con:
            rows = pd.read_sql_query(f'SELECT {cols} FROM "{table}"{clause} ORDER BY fid', con, params=params)
        shapes = shapely.from_wkb([None if b is None else _wkb(b) for b in rows["geom"]])
        return rows[attrs].assign(geometry=shapes)

    def _read_values(self, where: Filter | None, attrs: list[str]) -> pd.DataFrame:
        """
        Values of some indicators in some units, read through the view's query with its tables in the order
        that probes each unit's facts of each series asked (`value_store.view_select`): the view read a
        région's 125 communes' 17 indicators in 0.1 s of CPU, this in 0.03 s. The same rows in the same order.
        """
        clause, params = self._where(value_store.VIEW, where, ":{}")
        cols = ", ".join(f'"{c}"' for c in attrs)
        query = value_store.view_select("", row_column="fid", by_unit=True)
        with self._sqlite() as con:
            return pd.read_sql_query(f"SELECT {cols} FROM ({query}){clause} ORDER BY fid", con, params=params)

    def _text_only(self, table: str, attrs: list[str]) -> bool:
        """Whether each of `attrs` is a text column and the geometry is stored as `geom` (a build does)."""
        with self._sqlite() as con:
            kinds = {r[1]: str(r[2]).upper() for r in con.execute(f'PRAGMA table_info("{table}")')}
        return kinds.get("geom") is not None and all(kinds.get(c) == "TEXT" for c in attrs)

    def read(
        self,
        table: str,
        *,
        where: Filter | None = None,
        columns: Sequence[str] | None = None,
        geometry: bool = True,
        distinct: bool = False,
    ) -> pd.DataFrame:
        """
        `Database.read`, made once per report for each table, filter and options. Columns without the
        geometry are taken from one read of all the table's other columns: the index, the towns and the plan
        each asked the communes' names with other columns, three reads where one does.
        """
        filters = tuple((k, _frozen(v)) for k, v in (where or {}).items() if v is not None)  # None: no filter
        # (a wrong column name gets `Database`'s message)
        if columns is not None and not distinct and {*columns} <= {*self.columns(table)} - {"geometry"}:
            return self.read(table, where=where, geometry=False)[list(columns)]
        key = (table, filters, None if columns is None else tuple(columns), geometry, distinct)
        if key not in self._frames:
            self._frames[key] = super().read(
                table, where=where, columns=columns, geometry=geometry, distinct=distinct
            )
        return self._frames[key].copy()

    def remembered(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()` made once per report (each caller gets its own copy of a frame)."""
        if name not in self._remembered:
            self._remembered[name] = compute()
        value: T = self._remembered[name]
        return value.copy() if isinstance(value, pd.DataFrame) else value

    def level_scores(self, level: str) -> pd.DataFrame:
        """`results.fragility_index` of every unit of a level, in every language, made once per report."""
        if level not in self._scores:
            from observatory import results

            self._scores[level] = results.fragility_index(level, db=self)
        return self._scores[level].copy()


def index_scores(
    database: Database, level: str, *, lang: str | None, region: str | None = None
) -> pd.DataFrame:
    """
    `results.fragility_index(level, region=region, lang=lang)` for a report: from the level's index the
    report has already read when `database` is its `ReportReads`.
    """
    from observatory import results

    if not isinstance(database, ReportReads):
        return results.fragility_index(level, db=database, region=region, lang=lang)
    frame = database.level_scores(level)
    if region is not None:
        frame = frame[(frame["code"] if level == "region" else frame["region_code"]) == region]
    return results.in_language(frame, lang).reset_index(drop=True)
