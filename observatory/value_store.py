"""
How indicator values are stored: integer keys, not repeated text. Most of the database is values
(2.8 million of them, most 2014 figures by sex and area), so each is one narrow row of a fact
table, `value_fact (series_key, unit_key, status_key, value, se, lower, upper, suppressed)`,
clustered on (series, unit) so one indicator's values lie together. A series is what a column of
a wide table would be (indicator, year, period, sex, area, unit of measure, source and run: 2,230
of them in a build), in `value_series`; its text lives once in a lookup table per name
(`key_indicator`, `key_sex`, ...), and `value_unit` numbers the (level, unit code) pairs.

The view `indicator_value` joins them back into the tidy form, with the same columns as before, so
QGIS, SQL users and `Database.read` see one readable table. Its `fid` (`_row` on PostGIS) is
`series_key * 2**20 + unit_key`: a value's identity, which a delete uses to find its fact row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

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
SERIES_COLUMNS = ["series_key", "indicator_key", "year", "period", "sex_key", "area_key", "measure_key",
                  "source_key", "run_key"]
UNIT_COLUMNS = ["unit_key", "level", "unit_code"]
FACT_COLUMNS = ["series_key", "unit_key", "status_key", "value", "se", "lower", "upper", "suppressed"]

#: Bits of a view row's id that hold the unit key.
UNIT_BITS = 20

#: Tables the store writes, for callers that list what is storage and what is content.
STORE_TABLES = (FACTS, SERIES, UNITS, *LOOKUPS)


def fact_ddl(prefix: str, *, sqlite: bool) -> str:
    """The fact table: a clustered primary key on (series, unit), values as 8-byte floats."""
    real = "REAL" if sqlite else "double precision"
    return (f"CREATE TABLE {prefix}{FACTS} (series_key INTEGER NOT NULL, unit_key INTEGER NOT NULL, "
            f"status_key INTEGER NOT NULL, value {real}, se {real}, lower {real}, upper {real}, "
            f"suppressed INTEGER NOT NULL, PRIMARY KEY (series_key, unit_key))"
            + (" WITHOUT ROWID" if sqlite else ""))


def index_ddl(prefix: str) -> list[str]:
    """Indexes for the queries the app and the API make: one unit's values, a series by its names."""
    statements = [
        f"CREATE INDEX IF NOT EXISTS idx_{FACTS}_unit ON {prefix}{FACTS} (unit_key)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{UNITS}_code ON {prefix}{UNITS} (unit_code, level)",
        f"CREATE INDEX IF NOT EXISTS idx_{SERIES}_indicator ON {prefix}{SERIES} (indicator_key, year)",
    ]
    statements += [f"CREATE UNIQUE INDEX IF NOT EXISTS idx_{table}_{label} ON {prefix}{table} ({label})"
                   for table, (_, label) in LOOKUPS.items()]
    return statements


def view_ddl(prefix: str, *, row_column: str) -> str:
    """The tidy view over the fact table, its series and lookups (`row_column`: fid or _row)."""
    joins = " ".join(f"JOIN {prefix}{table} ON {table}.{key} = {owner}.{key}"
                     for table, (key, _) in LOOKUPS.items()
                     for owner in ([FACTS] if table == "key_status" else [SERIES]))
    columns = {
        "unit_code": f"{UNITS}.unit_code", "level": f"{UNITS}.level", "year": f"{SERIES}.year",
        "period": f"{SERIES}.period", "value": f"{FACTS}.value", "se": f"{FACTS}.se",
        "lower": f"{FACTS}.lower", "upper": f"{FACTS}.upper", "suppressed": f"{FACTS}.suppressed",
        **{label: f"{table}.{label}" for table, (_, label) in LOOKUPS.items()},
    }
    from .schema import TABLES

    select = ", ".join(f'{columns[c]} AS "{c}"' for c in TABLES[VIEW])
    return (f'CREATE VIEW {prefix}{VIEW} AS SELECT {FACTS}.series_key * {2 ** UNIT_BITS} + {FACTS}.unit_key '
            f'AS "{row_column}", {select} FROM {prefix}{FACTS} '
            f"JOIN {prefix}{SERIES} ON {SERIES}.series_key = {FACTS}.series_key "
            f"JOIN {prefix}{UNITS} ON {UNITS}.unit_key = {FACTS}.unit_key {joins}")


def delete_sql(prefix: str, clause: str, *, row_column: str) -> str:
    """Delete the fact rows behind the view rows a WHERE clause over the view selects."""
    mask = 2 ** UNIT_BITS - 1
    return (f"DELETE FROM {prefix}{FACTS} WHERE (series_key, unit_key) IN (SELECT "
            f'"{row_column}" / {2 ** UNIT_BITS}, "{row_column}" & {mask} FROM {prefix}{VIEW}{clause})')


def _code(labels: pd.Series, known: pd.DataFrame, key: str, label: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Keys for labels: the known key of each, new keys (after the largest) for the others, in sorted order."""
    mapping = dict(zip(known[label], known[key].astype("int64"), strict=True))
    uniques = pd.unique(labels.dropna())
    fresh = sorted(u for u in uniques if u not in mapping)
    start = max(mapping.values(), default=0) + 1
    new = pd.DataFrame({key: np.arange(start, start + len(fresh), dtype="int64"), label: fresh})
    mapping.update(zip(fresh, new[key], strict=True))
    codes = labels.map(mapping)
    if codes.isna().any():
        raise ValueError(f"indicator values without a {label}: every value needs one")
    return codes.to_numpy("int64"), new


def encode(frame: pd.DataFrame, read: Callable[[str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """
    The rows to add to each store table for tidy `frame`: facts sorted by (series, unit), and the
    series, units and labels not already stored (`read(table)` returns a stored table, empty if none).
    """
    codes: dict[str, np.ndarray] = {}
    out: dict[str, pd.DataFrame] = {}
    for table, (key, label) in LOOKUPS.items():
        codes[key], out[table] = _code(frame[label].astype("string"), read(table), key, label)

    unit_known = read(UNITS)
    unit_labels = frame["level"].astype(str) + "\x1f" + frame["unit_code"].astype(str)
    known_units = pd.DataFrame({"unit_key": unit_known["unit_key"],
                                "label": unit_known["level"].astype(str) + "\x1f" + unit_known["unit_code"].astype(str)})
    unit_keys, new_units = _code(unit_labels, known_units, "unit_key", "label")
    split = new_units["label"].str.split("\x1f", n=1, expand=True)
    out[UNITS] = pd.DataFrame({"unit_key": new_units["unit_key"], "level": split.get(0, pd.Series(dtype=str)),
                               "unit_code": split.get(1, pd.Series(dtype=str))}, columns=UNIT_COLUMNS)
    if len(unit_known) + len(out[UNITS]) >= 2 ** UNIT_BITS:
        raise ValueError(f"more than {2 ** UNIT_BITS - 1} units: widen UNIT_BITS")

    parts = pd.DataFrame({
        "indicator_key": codes["indicator_key"], "year": frame["year"].astype("int64").to_numpy(),
        "period": frame["period"].astype(str).to_numpy(), "sex_key": codes["sex_key"],
        "area_key": codes["area_key"], "measure_key": codes["measure_key"], "source_key": codes["source_key"],
        "run_key": codes["run_key"],
    })
    names = SERIES_COLUMNS[1:]
    series_known = read(SERIES)
    distinct = parts.drop_duplicates().sort_values(names)
    merged = distinct.merge(series_known, on=names, how="left") if len(series_known) else distinct.assign(
        series_key=np.nan)
    fresh = merged[merged["series_key"].isna()].drop(columns="series_key")
    start = int(series_known["series_key"].max()) + 1 if len(series_known) else 1
    fresh = fresh.assign(series_key=np.arange(start, start + len(fresh), dtype="int64"))
    out[SERIES] = fresh[SERIES_COLUMNS].reset_index(drop=True)
    lookup = pd.concat([series_known[SERIES_COLUMNS], out[SERIES]], ignore_index=True) if len(series_known) \
        else out[SERIES]
    series_keys = parts.merge(lookup.astype({c: "int64" for c in names if c != "period"}), on=names,
                              how="left")["series_key"].to_numpy("int64")

    facts = pd.DataFrame({
        "series_key": series_keys, "unit_key": unit_keys, "status_key": codes["status_key"],
        "value": frame["value"].astype("float64").to_numpy(), "se": frame["se"].astype("float64").to_numpy(),
        "lower": frame["lower"].astype("float64").to_numpy(), "upper": frame["upper"].astype("float64").to_numpy(),
        "suppressed": frame["suppressed"].fillna(0).astype("int64").to_numpy(),
    })
    duplicated = facts.duplicated(["series_key", "unit_key"])
    if duplicated.any():
        rows = frame.iloc[np.flatnonzero(duplicated.to_numpy())[:5]]
        raise ValueError(f"{int(duplicated.sum())} indicator values repeat a (unit, series) already given, e.g.\n"
                         f"{rows.to_string()}\nkeep one value per unit, indicator, year, period, sex and area")
    out[FACTS] = facts.sort_values(["series_key", "unit_key"]).reset_index(drop=True)
    return out


def empty_tables() -> Mapping[str, pd.DataFrame]:
    """Every store table with its columns and no rows (what a database without values holds)."""
    tables = {table: pd.DataFrame(columns=list(pair)) for table, pair in LOOKUPS.items()}
    return {**tables, SERIES: pd.DataFrame(columns=SERIES_COLUMNS), UNITS: pd.DataFrame(columns=UNIT_COLUMNS)}
