"""
How indicator values are stored: integer keys, not repeated text. Most of the database is values
(2.8 million of them, most 2014 figures by sex and area), so each is one narrow row of a fact
table, `value_fact (series_key, unit_key, status_key, value, se, lower, upper, scenario_low,
scenario_high, suppressed)`,
clustered on (unit, series): one unit's values lie together, and one indicator's values for every
unit of a level are one primary-key probe per unit, so no second index is needed. A series is what a column of
a wide table would be (indicator, year, period, sex, area, unit of measure, source and run: 2,230
of them in a build), in `value_series`; its text lives once in a lookup table per name
(`key_indicator`, `key_sex`, ...), and `value_unit` numbers the (level, unit code) pairs.

The view `indicator_value` joins them back into the tidy form, with the same columns as before, so
QGIS, SQL users and `Database.read` see one readable table. Its `fid` (`_row` on PostGIS) is
`series_key * 2**20 + unit_key`: a value's identity, which a delete uses to find its fact row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pandas as pd

#: The tidy view and the tables behind it.
VIEW = "indicator_value"
FACTS = "value_fact"
SERIES = "value_series"
UNITS = "value_unit"

#: Lookup tables: the text columns of the view, each coded by an integer key.
LOOKUPS: dict[str, tuple[str, str]] = {
    "key_indicator": ("indicator_key", "indicator_id"),
    "key_sex": ("sex_key", "sex"),
    "key_area": ("area_key", "area"),
    "key_measure": ("measure_key", "unit"),
    "key_source": ("source_key", "source_id"),
    "key_run": ("run_key", "run_id"),
    "key_status": ("status_key", "status"),
}
_BY_LABEL = {label: (table, key) for table, (key, label) in LOOKUPS.items()}

#: A series is these columns of the view (the other view columns vary from unit to unit).
SERIES_LABELS = ("indicator_id", "year", "period", "sex", "area", "unit", "source_id", "run_id")
SERIES_COLUMNS = [
    "series_key",
    "indicator_key",
    "year",
    "period",
    "sex_key",
    "area_key",
    "measure_key",
    "source_key",
    "run_key",
]
UNIT_COLUMNS = ["unit_key", "level", "unit_code"]
#: `lower`/`upper` bound a 90% interval (sampling or model error); `scenario_low`/`scenario_high` bound the
#: range of a scenario's stated assumptions, which no reader may take for an interval.
BOUNDS = ("se", "lower", "upper", "scenario_low", "scenario_high")
FACT_COLUMNS = ["series_key", "unit_key", "status_key", "value", *BOUNDS, "suppressed"]

#: Bits of a view row's id that hold the unit key.
UNIT_BITS = 20

#: Tables the store writes, for callers that list what is storage and what is content.
STORE_TABLES = (FACTS, SERIES, UNITS, *LOOKUPS)


def fact_ddl(prefix: str, *, sqlite: bool) -> str:
    """
    The fact table: a clustered primary key on (unit, series), values as 8-byte floats. On PostgreSQL the
    key comes after the rows (`key_ddl`): built once by sorting, not row by row as they arrive.
    """
    real = "REAL" if sqlite else "double precision"
    columns = (
        "series_key INTEGER NOT NULL, unit_key INTEGER NOT NULL, status_key INTEGER NOT NULL, "
        f"value {real}, {', '.join(f'{c} {real}' for c in BOUNDS)}, suppressed INTEGER NOT NULL"
    )
    if sqlite:
        return f"CREATE TABLE {prefix}{FACTS} ({columns}, PRIMARY KEY (unit_key, series_key)) WITHOUT ROWID"
    return f"CREATE TABLE {prefix}{FACTS} ({columns})"


def key_ddl(prefix: str) -> str:
    """The fact table's primary key on PostgreSQL, once its first rows are in."""
    return f"ALTER TABLE {prefix}{FACTS} ADD PRIMARY KEY (unit_key, series_key)"


def index_ddl(prefix: str, *, sqlite: bool) -> list[str]:
    """
    Indexes for the queries the app and the API make: a unit by its code, a series by its names (the
    fact table's primary key serves both one unit's values and one series for many units; PostgreSQL's
    planner, which does not probe a key per unit, gets an index on the series as well).
    """
    statements = (
        [] if sqlite else [f"CREATE INDEX IF NOT EXISTS idx_{FACTS}_series ON {prefix}{FACTS} (series_key)"]
    )
    statements += [
        f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{UNITS}_key ON {prefix}{UNITS} (unit_key)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{UNITS}_code ON {prefix}{UNITS} (unit_code, level)",
        f"CREATE INDEX IF NOT EXISTS idx_{UNITS}_level ON {prefix}{UNITS} (level)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{SERIES}_key ON {prefix}{SERIES} (series_key)",
        f"CREATE INDEX IF NOT EXISTS idx_{SERIES}_indicator ON {prefix}{SERIES} (indicator_key, year)",
        # The few suppressed facts, so that emptying any still stored with their number
        # (`private_store.blank_stored`, after every write) reads them alone, not 2.8 M rows.
        f"CREATE INDEX IF NOT EXISTS idx_{FACTS}_suppressed ON {prefix}{FACTS} (suppressed) "
        "WHERE suppressed = 1",
    ]
    for table, (key, label) in LOOKUPS.items():
        statements += [
            f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{table}_{key} ON {prefix}{table} ({key})",
            f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{table}_{label} ON {prefix}{table} ({label})",
        ]
    return statements


def view_ddl(prefix: str, *, row_column: str) -> str:
    """The tidy view over the fact table, its series and lookups (`row_column`: fid or _row)."""
    return f"CREATE VIEW {prefix}{VIEW} AS {view_select(prefix, row_column=row_column)}"


def view_select(prefix: str, *, row_column: str, by_unit: bool = False) -> str:
    """
    The view's query. With `by_unit`, its tables are joined in the order a read of a few units' values is
    made fastest, each unit, each series of the indicators asked, then one primary-key probe of the fact
    table: SQLite keeps a CROSS JOIN's order, and its planner, left to itself, read all of each unit's 1,700
    facts (a région's 125 communes: 0.1 s where this takes 0.02 s). Read a unit filter through it only: with
    none, it would probe every unit.
    """
    # each lookup's key is held by the series, but the status's, held by each fact
    lookups = {
        table: (key, FACTS if table == "key_status" else SERIES) for table, (key, _) in LOOKUPS.items()
    }
    columns = {
        "unit_code": f"{UNITS}.unit_code",
        "level": f"{UNITS}.level",
        "year": f"{SERIES}.year",
        "period": f"{SERIES}.period",
        "value": f"{FACTS}.value",
        "se": f"{FACTS}.se",
        "lower": f"{FACTS}.lower",
        "upper": f"{FACTS}.upper",
        "scenario_low": f"{FACTS}.scenario_low",
        "scenario_high": f"{FACTS}.scenario_high",
        "suppressed": f"{FACTS}.suppressed",
        **{label: f"{table}.{label}" for table, (_, label) in LOOKUPS.items()},
    }
    from .schema import TABLES

    select = ", ".join(f'{columns[c]} AS "{c}"' for c in TABLES[VIEW])
    identity = f"CAST({FACTS}.series_key AS BIGINT) * {2**UNIT_BITS} + {FACTS}.unit_key"
    first = (
        ("key_indicator", "key_sex", "key_area") if by_unit else ()
    )  # the series' filters, before its facts
    joins = " ".join(
        f"JOIN {prefix}{table} ON {table}.{key} = {owner}.{key}"
        for table, (key, owner) in lookups.items()
        if table not in first
    )
    if not by_unit:
        tables = (
            f"{prefix}{FACTS} JOIN {prefix}{SERIES} ON {SERIES}.series_key = {FACTS}.series_key "
            f"JOIN {prefix}{UNITS} ON {UNITS}.unit_key = {FACTS}.unit_key {joins}"
        )
    else:
        tables = (
            f"{prefix}{UNITS} CROSS JOIN {prefix}key_indicator CROSS JOIN {prefix}{SERIES} "
            f"ON {SERIES}.indicator_key = key_indicator.indicator_key "
            + "".join(
                f"CROSS JOIN {prefix}{t} ON {t}.{lookups[t][0]} = {SERIES}.{lookups[t][0]} "
                for t in first[1:]
            )
            + f"CROSS JOIN {prefix}{FACTS} ON {FACTS}.unit_key = {UNITS}.unit_key "
            f"AND {FACTS}.series_key = {SERIES}.series_key {joins}"
        )
    return f'SELECT {identity} AS "{row_column}", {select} FROM {tables}'


def delete_sql(prefix: str, clause: str, *, row_column: str) -> str:
    """Delete the fact rows behind the view rows a WHERE clause over the view selects."""
    mask = 2**UNIT_BITS - 1
    return (
        f"DELETE FROM {prefix}{FACTS} WHERE (unit_key, series_key) IN (SELECT "
        f'"{row_column}" & {mask}, "{row_column}" / {2**UNIT_BITS} FROM {prefix}{VIEW}{clause})'
    )


def _text(column: pd.Series) -> pd.Series:
    """A text column as a categorical of strings: coded once per distinct value, not once per row."""
    column = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    return column.cat.rename_categories(column.cat.categories.astype("str"))


def _code(
    columns: Mapping[str, pd.Series | np.ndarray], known: pd.DataFrame, key: str
) -> tuple[np.ndarray, pd.DataFrame]:
    """
    A key for each row's tuple of `columns`: the stored key of a tuple `known` holds, new keys (after
    the largest) for the others, given in sorted order so that two builds number them alike. Returns
    the keys and the new rows of the lookup table (its key, then the columns).
    """
    names = list(columns)
    # Factorize each column, then the tuple of codes packed in one integer: no per-row Python.
    packed = np.zeros(len(next(iter(columns.values()))), dtype="int64")
    uniques = []
    for name in names:
        codes, levels = pd.factorize(columns[name], sort=True)
        if (codes < 0).any():
            raise ValueError(f"indicator values without a {name}: every value needs one")
        packed = packed * len(levels) + codes
        uniques.append(levels)
    row_codes, tuples = pd.factorize(packed, sort=True)
    parts, rest = [], tuples
    for levels in reversed(uniques):
        parts.append(np.asarray(levels)[rest % len(levels)])
        rest = rest // len(levels)
    distinct = pd.DataFrame(dict(zip(names, reversed(parts), strict=True)))
    stored = {
        tuple(row): k
        for row, k in zip(
            known[names].itertuples(index=False, name=None), known[key].astype("int64"), strict=True
        )
    }
    keys = np.array(
        [stored.get(tuple(row), -1) for row in distinct.itertuples(index=False, name=None)], dtype="int64"
    )
    fresh = keys < 0
    first = max(stored.values(), default=0) + 1
    keys[fresh] = np.arange(first, first + int(fresh.sum()))
    new = distinct[fresh].assign(**{key: keys[fresh]})[[key, *names]].reset_index(drop=True)
    return keys[row_codes].astype(np.int32 if len(keys) < 2**31 else np.int64), new


class SortedFacts:
    """
    The fact rows in the order of the clustered key, gathered a chunk at a time from the unsorted
    columns: a sorted copy of the whole table (140 MB for 2.8 million values) would sit on the
    build's peak of memory, and the writers send rows in chunks anyway.
    """

    def __init__(self, columns: Mapping[str, np.ndarray], order: np.ndarray) -> None:
        self.columns = dict(columns)
        self.order = order

    def __len__(self) -> int:
        return len(self.order)

    def chunks(self, size: int) -> Iterator[pd.DataFrame]:
        """Consecutive rows in key order, `size` at a time, with the columns of `FACT_COLUMNS`."""
        for start in range(0, len(self.order), size):
            rows = self.order[start : start + size]
            yield pd.DataFrame({c: self.columns[c][rows] for c in FACT_COLUMNS}, copy=False)


def encode(
    frame: pd.DataFrame, read: Callable[[str], pd.DataFrame]
) -> tuple[dict[str, pd.DataFrame], SortedFacts]:
    """
    The rows to add to each store table for tidy `frame`: the series, units and labels not already
    stored (`read(table)` returns a stored table, empty if none), and the facts in (unit, series) order.
    """
    codes: dict[str, np.ndarray] = {}
    out: dict[str, pd.DataFrame] = {}
    for table, (key, label) in LOOKUPS.items():
        codes[key], out[table] = _code({label: _text(frame[label])}, read(table), key)
    unit_keys, out[UNITS] = _code(
        {"level": _text(frame["level"]), "unit_code": _text(frame["unit_code"])}, read(UNITS), "unit_key"
    )
    if unit_keys.max(initial=0) >= 2**UNIT_BITS:
        raise ValueError(f"more than {2**UNIT_BITS - 1} units: widen UNIT_BITS")
    series = {
        "indicator_key": codes["indicator_key"],
        "year": frame["year"].astype("int64").to_numpy(),
        "period": _text(frame["period"]),
        **{name: codes[name] for name in SERIES_COLUMNS[4:]},
    }
    series_keys, out[SERIES] = _code(series, read(SERIES), "series_key")
    status_keys = codes["status_key"]
    del series, codes  # the label codes live on in the series keys: freed before the fact table is made

    # One sort by the clustered key; a repeated key is a value given twice.
    identity = unit_keys.astype(np.int64) << 32 | series_keys
    order = np.argsort(identity, kind="stable")
    repeated = np.flatnonzero(identity[order][1:] == identity[order][:-1])
    if len(repeated):
        rows = frame.iloc[order[repeated[:5] + 1]]
        raise ValueError(
            f"{len(repeated)} indicator values repeat a (unit, series) already given, e.g.\n"
            f"{rows.to_string()}\nkeep one value per unit, indicator, year, period, sex and area"
        )
    del identity
    columns = {"series_key": series_keys, "unit_key": unit_keys, "status_key": status_keys}
    for c in ("value", *BOUNDS):
        columns[c] = frame[c].to_numpy("float64", na_value=np.nan)
    columns["suppressed"] = frame["suppressed"].fillna(0).to_numpy("int64")
    return out, SortedFacts(columns, order)


def empty_tables() -> Mapping[str, pd.DataFrame]:
    """Every store table with its columns and no rows (what a database without values holds)."""
    tables = {table: pd.DataFrame(columns=list(pair)) for table, pair in LOOKUPS.items()}
    return {**tables, SERIES: pd.DataFrame(columns=SERIES_COLUMNS), UNITS: pd.DataFrame(columns=UNIT_COLUMNS)}
