"""
Validation with declared pandera schemas. Every failure in a table is collected (lazy validation),
bad rows go to quarantine with their reason, and valid rows carry on: rows read = rows loaded + rows
quarantined. A table that cannot be read at all (a column missing) is refused whole, with a message
that names the table and what is missing.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from observatory.enums import AREAS
from observatory.errors import ValidationError

CODE_PATTERNS = {
    "region": r"^\d{2}$",
    "province": r"^\d{2}\.\d{3}(\.\d{2}\.\d{2})?$",
    "cercle": r"^\d{2}\.\d{3}\.\d{2}$",
    "commune": r"^\d{2}\.\d{3}\.\d{2}\.\d{1,2}$",
    "arrondissement": r"^\d{2}\.\d{3}\.\d{2}\.\d{2}$",
}


#: Percentages that can pass 100 by definition: 2014 cooking fuels (a household counts under every
#: fuel it used) and the urban dwelling deficit rate (a deficit relative to the existing stock).
UNBOUNDED_PERCENT = frozenset(
    {
        "cooking_fuel_gas",
        "cooking_fuel_electricity",
        "cooking_fuel_charcoal",
        "cooking_fuel_firewood",
        "cooking_fuel_animal_waste",
        "cooking_fuel_other",
        "dwellings_deficit_rate",
    }
)


def unit_schema(level: str, parents: dict[str, set[str]] | None = None) -> pa.DataFrameSchema:
    """Schema of a unit table: a unique well-formed code, names, known parents, non-negative counts."""
    parents = parents or {}
    columns: dict[str, pa.Column] = {
        "code": pa.Column(
            str, [pa.Check.str_matches(CODE_PATTERNS[level])], unique=True, report_duplicates="exclude_first"
        ),
        "name_fr": pa.Column(str, pa.Check.str_length(min_value=1)),
        "name_ar": pa.Column(str, pa.Check.str_length(min_value=1)),
        "population_2024": pa.Column(float, pa.Check.ge(0), coerce=True, nullable=True),
        "households_2024": pa.Column(float, pa.Check.ge(0), coerce=True, nullable=True),
    }
    for column, valid in parents.items():
        columns[column] = pa.Column(str, pa.Check.isin(sorted(valid)), nullable=column == "cercle_code")
    if level == "commune":
        columns["type"] = pa.Column(str, pa.Check.isin(["urban", "rural"]))
    return pa.DataFrameSchema(columns, name=level, strict=False)


def indicator_schema(
    name: str, *, units: dict[str, str], columns: list[str], codes: set[str]
) -> pa.DataFrameSchema:
    """Schema of a wide census table: known unit codes, numbers, shares within 0-100, counts ≥ 0."""
    checks: dict[str, pa.Column] = {
        "code": pa.Column(str, pa.Check.isin(sorted(codes)), nullable=True),
        "area": pa.Column(str, pa.Check.isin(list(AREAS))),
    }
    for column in columns:
        unit = units.get(column, "percent")
        bounds = (
            [pa.Check.in_range(0, 100)]
            if unit == "percent" and column not in UNBOUNDED_PERCENT
            else [pa.Check.ge(0)]
        )
        checks[column] = pa.Column(float, bounds, coerce=True, nullable=True)
    return pa.DataFrameSchema(checks, name=name, strict=False)


def split_valid(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, *, source: str, first_row: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """
    (valid rows, quarantined rows). Quarantine rows name the source, the row (1-based, as a person
    counts data rows in the file), the column, the value and the failed check.
    """
    frame = frame.reset_index(drop=True)
    missing = [name for name in schema.columns if name not in frame.columns]
    if missing:
        raise ValidationError(
            f"{source}: the table cannot be loaded: missing column {', '.join(missing)}",
            failures=[{"column": name, "check": "column_in_dataframe"} for name in missing],
        )
    frame, not_numbers = _numbers(frame, schema, source, first_row)
    try:
        good = schema.validate(frame, lazy=True)
        return (good, not_numbers) if not_numbers.empty else _drop_rows(good, not_numbers, first_row, schema)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    whole = cases[cases["index"].isna()]
    if len(whole):
        problems = "; ".join(
            sorted({f"{c.column or 'table'}: {c.check} ({c.failure_case})" for c in whole.itertuples()})
        )
        raise ValidationError(
            f"{source}: the table cannot be loaded: {problems}", failures=whole.to_dict("records")
        )
    cases = cases.assign(index=cases["index"].astype(int))
    quarantined = pd.DataFrame(
        {
            "source": source,
            "row": cases["index"] + first_row,
            "column": cases["column"].astype("string"),
            "value": cases["failure_case"].astype("string"),
            "reason": cases["check"].astype("string").map(_reason),
        }
    )
    quarantined = pd.concat([not_numbers, quarantined], ignore_index=True)
    # A row fails once per check; keep every reason but load each row at most once.
    return _drop_rows(frame, quarantined, first_row, schema)


def _numbers(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, source: str, first_row: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Numeric columns as numbers; a cell that is not one is quarantined as such (and left empty)."""
    frame = frame.copy()
    failures = []
    for name, column in schema.columns.items():
        if str(column.dtype) not in ("float64", "int64") or name not in frame:
            continue
        numbers = pd.to_numeric(frame[name], errors="coerce")
        bad = numbers.isna() & frame[name].notna()
        if bad.any():
            failures.append(
                pd.DataFrame(
                    {
                        "source": source,
                        "row": frame.index[bad] + first_row,
                        "column": name,
                        "value": frame.loc[bad, name].astype("string"),
                        "reason": "not a number",
                    }
                )
            )
        frame[name] = numbers
    return frame, (pd.concat(failures, ignore_index=True) if failures else _empty_quarantine())


def _drop_rows(
    frame: pd.DataFrame, quarantined: pd.DataFrame, first_row: int, schema: pa.DataFrameSchema
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Valid rows: those with no quarantine entry, validated once more."""
    bad = set((quarantined["row"] - first_row).astype(int)) if len(quarantined) else set()
    kept = frame.drop(index=[i for i in bad if i in frame.index])
    return (schema.validate(kept, lazy=False) if len(kept) else kept), quarantined


def _reason(check: str) -> str:
    if check.startswith("field_uniqueness") or "unique" in check:
        return "duplicate code: " + check
    if check.startswith("isin"):
        return "unknown code: " + check[:120]
    return check


def _empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(columns=["source", "row", "column", "value", "reason"])
