"""
What the connectors share: reading a tabular file whatever its format and encoding, refusing
person-level data, collecting bad rows for quarantine, rolling commune sums up the hierarchy,
and writing a load into the database in one transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from observatory import registry
from observatory.disclosure import THRESHOLD
from observatory.errors import ValidationError
from observatory.schema import TABLES

from ._personal import mask_personal

if TYPE_CHECKING:
    from observatory.database import Database
    from observatory.provenance import RunRecord


#: A count below this is stored but flagged `suppressed` (observatory.disclosure owns the rule).
SUPPRESSION_THRESHOLD = THRESHOLD

#: The largest count one cell of an input may hold; beyond it the row is quarantined as implausible
#: (every commune of Morocco together is under 4·10⁷ people), and sums stay exact in float64.
MAX_COUNT = 10**9

# -- reading ---------------------------------------------------------------------------------------


@dataclass
class Table:
    """A file read as text cells, with the file row number of each record (1 = the header line)."""

    path: Path
    frame: pd.DataFrame
    rows: np.ndarray
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def _normal(name: object) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def decode_text(raw: bytes) -> tuple[str, str]:
    """
    Text and encoding of a CSV file: UTF-8 if it decodes, else Windows-1256 when that yields Arabic
    letters, else Latin-1 (which decodes anything). Ministries export from Excel in all three.
    """
    for encoding in ("utf-8-sig",):
        try:
            return raw.decode(encoding), "utf-8"
        except UnicodeDecodeError:
            pass
    arabic = raw.decode("cp1256", errors="replace")
    letters = sum(1 for ch in arabic if "\u0600" <= ch <= "\u06ff")
    high = sum(1 for b in raw if b >= 0x80)
    if high and letters >= 0.5 * high:
        return arabic, "windows-1256"
    return raw.decode("latin-1"), "latin-1"


def require_file(path: str | Path, *, expected: str = "") -> Path:
    """The path of an input file that exists and is not empty, or an error that names it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ValidationError(
            f"{path}: the file is empty (0 bytes){'; expected ' + expected if expected else ''}"
        )
    return path


def read_tabular(path: str | Path, *, expected: Sequence[str]) -> Table:
    """
    A CSV, Parquet or XLSX file as a frame of text cells (numbers are checked later, cell by cell,
    so that one bad value quarantines one row rather than failing the file).
    """
    path = require_file(path, expected=f"a header with {', '.join(expected)}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(path, expected)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, expected)
    raise ValidationError(f"{path}: unsupported file type {suffix!r}; give a .csv, .parquet or .xlsx file")


def _read_csv(path: Path, expected: Sequence[str]) -> Table:
    import csv
    import io

    text, encoding = decode_text(path.read_bytes())
    if not text.strip():
        raise ValidationError(f"{path}: the file holds no data; expected a header with {', '.join(expected)}")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False)
    frame = frame.loc[~(frame == "").all(axis=1)] if len(frame.columns) else frame
    notes = [] if encoding == "utf-8" else [f"{path.name} was decoded as {encoding}, not UTF-8"]
    return Table(path, frame.reset_index(drop=True), frame.index.to_numpy() + 2, encoding, notes)


def read_parquet(path: Path, *, remedy: str) -> pd.DataFrame:
    """A Parquet file as a frame, or an error that names the file and says how to get a good copy."""
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path).to_pandas()
    except Exception as err:
        raise ValidationError(
            f"{path}: not a readable Parquet file (truncated or corrupt: {err}); {remedy}"
        ) from err


def _read_parquet(path: Path) -> Table:
    frame = read_parquet(path, remedy="copy it again from the source")
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    return Table(path, frame, np.arange(len(frame)) + 1)


def _read_xlsx(path: Path, expected: Sequence[str]) -> Table:
    """The first sheet, its header found as the first row naming the expected columns (titles and
    merged group headings above it are skipped; a header split over merged cells is refused)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as err:
        raise ValidationError(f"{path}: not a readable XLSX workbook ({err})") from err
    sheet = book.worksheets[0]
    merged = [str(r) for r in sheet.merged_cells.ranges]
    values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    wanted = {_normal(c) for c in expected}
    header_at = None
    for i, row in enumerate(values[:30]):
        names = {_normal(v) for v in row if v != ""}
        if len(names & wanted) >= max(2, len(wanted) // 2):
            header_at = i
            break
    if header_at is None:
        hint = f" (merged cells {', '.join(merged[:5])})" if merged else ""
        raise ValidationError(
            f"{path}: no header row naming {', '.join(expected)} in the first 30 rows of sheet "
            f"{sheet.title!r}{hint}; put one row of column names above the data, with no merged cells"
        )
    header = values[header_at]
    in_header = sorted(
        (r for r in sheet.merged_cells.ranges if r.min_row <= header_at + 1 <= r.max_row),
        key=lambda r: (r.min_col, r.min_row),
    )
    if in_header:
        raise ValidationError(
            f"{path}: the header row {header_at + 1} of sheet {sheet.title!r} has merged cells "
            f"({', '.join(str(r) for r in in_header)}); unmerge them so that each column has its own name"
        )
    body = [r for r in values[header_at + 1 :]]
    rows = np.arange(len(body)) + header_at + 2
    frame = pd.DataFrame(body, columns=header, dtype=str) if body else pd.DataFrame(columns=header, dtype=str)
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    keep = ~(frame == "").all(axis=1).to_numpy()
    notes = [f"{path.name}: header found on row {header_at + 1} (rows above skipped)"] if header_at else []
    return Table(path, frame.loc[keep].reset_index(drop=True), rows[keep], None, notes)


# -- checking --------------------------------------------------------------------------------------


def check_columns(table: Table, required: Sequence[str], *, optional: Sequence[str] = ()) -> list[str]:
    """Rename columns to their canonical names (case, accents, spaces ignored); a missing one fails
    the file with a hint. Returns notes on the extra columns, which are ignored."""
    canonical = {_normal(c): c for c in (*required, *optional)}
    renames: dict[str, str] = {}
    extra: list[str] = []
    for column in table.frame.columns:
        key = _normal(column)
        if key in canonical and canonical[key] not in renames.values():
            renames[column] = canonical[key]
        else:
            extra.append(str(column))
    table.frame = table.frame.rename(columns=renames)
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        import difflib

        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, extra, n=1, cutoff=0.6)
            hints.append(f"{name!r}" + (f" (found {close[0]!r}: rename it)" if close else ""))
        raise ValidationError(
            f"{table.path}: missing column(s) {', '.join(hints)}; expected columns "
            f"{', '.join(required)}, found {', '.join(map(str, table.frame.columns)) or 'none'}",
            failures=[{"source": str(table.path), "column": m, "reason": "missing column"} for m in missing],
        )
    if extra:
        return [f"{table.path.name}: extra column(s) ignored: {', '.join(extra)}"]
    return []


class Rejects:
    """Bad rows of one load, kept with their reason for the quarantine table (anything in a value that
    looks like an e-mail, a phone or a CIN number is masked: quarantine never holds personal data)."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(
        self, source: str, rows: Any, column: str, values: Any, reason: str | Sequence[str] | np.ndarray
    ) -> None:
        """Keep `rows` of `source` with the `values` of `column` and why (one reason, or one per row)."""
        rows = np.atleast_1d(np.asarray(rows))
        if not len(rows):
            return
        self.parts.append(
            pd.DataFrame(
                {
                    "source": source,
                    "row": rows.astype("int64"),
                    "column": column,
                    "value": pd.Series(np.atleast_1d(np.asarray(values, dtype=object)))
                    .astype(str)
                    .map(mask_personal)
                    .to_numpy(),
                    "reason": reason,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["source", "row", "column", "value", "reason"])
        return pd.concat(self.parts, ignore_index=True).sort_values(["source", "row"], kind="stable")

    def __len__(self) -> int:
        return int(sum(len(p) for p in self.parts))


def counts(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers from 0 to `MAX_COUNT` from text cells (as float64, exact in that range), and the
    reason each bad one fails (or "")."""
    text = (
        cells.astype(str).str.strip().str.replace("\u202f", "", regex=False).str.replace(" ", "", regex=False)
    )
    number = pd.to_numeric(text, errors="coerce")
    reason = pd.Series("", index=cells.index, dtype=object)
    reason[text == ""] = "empty"
    reason[(text != "") & number.isna()] = "not a number"
    reason[number.notna() & (number < 0)] = "negative count"
    reason[number.notna() & (number >= 0) & (number % 1 != 0)] = "not a whole number"
    reason[number.notna() & (number > MAX_COUNT)] = f"implausible count: above {MAX_COUNT:,} for one cell"
    return number.astype("float64"), reason


# -- rolling up ------------------------------------------------------------------------------------


def roll_up(sums: pd.DataFrame, communes: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """
    Additive commune sums (indexed by commune code, plus any `by` columns) added up to every level:
    rows for commune, province, region and country with columns level, unit_code, the `by` columns
    and the summed columns. Ratios are computed after, from the sums, so each level is weighted right.
    """
    keys = communes.set_index("code")[["province_code", "region_code"]]
    base = sums.reset_index().rename(columns={sums.index.name or "code": "code"})
    base = base.join(keys, on="code")
    value_columns = [c for c in sums.columns if c not in by]
    parts = [base.assign(level="commune", unit_code=base["code"])]
    for level, key in (("province", "province_code"), ("region", "region_code"), ("country", None)):
        group = [*by] + ([key] if key else [])
        if group:
            summed = base.groupby(group, dropna=False, sort=True)[value_columns].sum().reset_index()
        else:
            summed = base[value_columns].sum().to_frame().T
        summed["unit_code"] = summed[key] if key else "MA"
        parts.append(summed.assign(level=level))
    out = pd.concat(parts, ignore_index=True)
    top = out.loc[out["level"] == "country", value_columns].abs().to_numpy(dtype="float64")
    if len(top) and np.nanmax(top) >= 2**53:
        raise ValidationError(
            f"sums up to the country reach {np.nanmax(top):.3g}, beyond the 2^53 that "
            "float64 holds exactly; check the input counts"
        )
    return out[["level", "unit_code", *by, *value_columns]]


def indicator_rows(
    frame: pd.DataFrame,
    *,
    indicator_id: str,
    value: pd.Series,
    status: str,
    source_id: str,
    run_id: str,
    suppressed: pd.Series | None = None,
) -> pd.DataFrame:
    """Rows of `indicator_value` for one indicator, from a frame with level, unit_code and period (its
    unit is the registry's)."""
    period = frame["period"].astype(str)
    out = pd.DataFrame(
        {
            "unit_code": frame["unit_code"].astype(str).to_numpy(),
            "level": frame["level"].to_numpy(),
            "indicator_id": indicator_id,
            "year": period.str[:4].astype("int64").to_numpy(),
            "period": period.to_numpy(),
            "sex": "all",
            "area": "total",
            "value": pd.to_numeric(value, errors="coerce").astype("float64").to_numpy(),
            "se": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "scenario_low": np.nan,
            "scenario_high": np.nan,
            "unit": registry.get(indicator_id).unit,
            "status": status,
            "suppressed": (
                np.zeros(len(frame), "int64") if suppressed is None else np.asarray(suppressed, dtype="int64")
            ),
            "source_id": source_id,
            "run_id": run_id,
        }
    )
    return out[TABLES["indicator_value"]]


@dataclass(frozen=True)
class IndicatorSpec:
    """How a connector computes a registered indicator from its file. What the indicator is (labels,
    unit, direction, denominator, licence) is the registry's entry of the same id."""

    indicator_id: str
    topic: str
    definition: str
    aggregation: str
    note: str = ""


def dictionary_rows(
    specs: Iterable[IndicatorSpec],
    *,
    years: Iterable[int],
    dataset: str,
    source_id: str,
    licence: str | None = None,
) -> pd.DataFrame:
    """Rows of the `indicator` field dictionary, one per indicator and year, from the registry's
    entries; `licence` replaces the registry's when the source has its own terms."""
    rows = []
    for s in specs:
        entry = registry.get(s.indicator_id)
        rows += [
            {
                "indicator_id": s.indicator_id,
                "year": int(y),
                "dataset": dataset,
                "topic": s.topic,
                "label_fr": entry.label("fr"),
                "label_en": entry.label("en"),
                "heading": None,
                "unit": entry.unit,
                "sexes": ",".join(entry.sexes),
                "definition": s.definition,
                "note": s.note,
                "denominator": entry.denominator,
                "aggregation": s.aggregation,
                "source_id": source_id,
                "licence": licence or entry.licence,
            }
            for y in sorted(set(years))
        ]
    return pd.DataFrame(rows, columns=TABLES["indicator"])


def month_ranges(periods: Iterable[str]) -> str:
    """'2025-01..2025-02, 2025-04..2025-12' for a set of YYYY-MM months (other periods listed as they are)."""
    months = sorted(set(periods))
    parts: list[list[str]] = []
    for month in months:
        if parts and re.fullmatch(r"\d{4}-\d{2}", month) and re.fullmatch(r"\d{4}-\d{2}", parts[-1][-1]):
            y, m = map(int, parts[-1][-1].split("-"))
            if (y + m // 12, m % 12 + 1) == tuple(map(int, month.split("-"))):
                parts[-1].append(month)
                continue
        parts.append([month])
    return ", ".join(p[0] if len(p) == 1 else f"{p[0]}..{p[-1]}" for p in parts)


#: How the dictionary's note says which months come from which source.
BY_MONTH = "; months by source: "


def dictionary_by_month(new: pd.DataFrame, *, held: pd.DataFrame, months: pd.DataFrame) -> pd.DataFrame:
    """
    Dictionary rows for a load that replaces some months of a year: where the year keeps months
    from another source, its row stays that source's (label, note, licence: loading one measured
    month does not relabel a simulated year), and the note says which months come from which source
    and status. `months` holds indicator_id, year, period, source_id and status after the load.
    """
    rows = []
    held = held.set_index(["indicator_id", "year"]) if len(held) else held
    for row in new.to_dict("records"):
        key = (row["indicator_id"], int(row["year"]))
        here = months.loc[(months["indicator_id"] == key[0]) & (months["year"].astype(int) == key[1])]
        sources = here.groupby(["source_id", "status"])["period"].apply(month_ranges)
        if len(held) and key in held.index and len(sources) > 1:
            base = held.loc[[key]].reset_index().iloc[0].to_dict()
            if base["source_id"] in set(here["source_id"]):
                row = base
        if len(sources) > 1:
            note = str(row.get("note") or "").split(BY_MONTH)[0]
            listed = "; ".join(f"{p} {source} ({status})" for (source, status), p in sources.items())
            row = {**row, "note": (note + BY_MONTH if note else BY_MONTH.lstrip("; ")) + listed}
        rows.append(row)
    return pd.DataFrame(rows, columns=new.columns)


# -- writing ---------------------------------------------------------------------------------------


def commune_frame(db: Database, *, geometry: bool = True) -> pd.DataFrame:
    """The commune table of a built database (code, province, région, population, and the geometry
    unless a load that places rows by code asks for none: parsing 1,500 polygons is most of the read)."""
    columns = ["code", "province_code", "region_code", "population_2024"]
    return db.read("commune", columns=[*columns, "geometry"] if geometry else columns)


def write_load(
    db: Database,
    *,
    run: RunRecord,
    values: pd.DataFrame,
    replace: Mapping[str, Sequence[Any]],
    dictionary: pd.DataFrame,
    sources: pd.DataFrame,
    extra: Sequence[tuple[str, Mapping[str, Any] | None, pd.DataFrame]] = (),
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> None:
    """
    One transaction: drop the indicator values `replace` selects (so that loading the same data
    again replaces it, never counts it twice), add the new ones, upsert their dictionary and source
    rows, write `tables` whole, and record the run and its quarantined rows, and the load's link in
    the digest chain (`observatory.edition`), so the database's digest names the state after it. An
    error leaves the database as it was.
    """
    from observatory import edition
    from observatory.database import digest_frames
    from observatory.provenance import now

    written = {"indicator_value": values, "indicator": dictionary, "source": sources}
    written |= {f"{table} {where}": frame for table, where, frame in extra}
    with db.writer() as w:
        # Read from the database as it stands, which no one else may write while this writer holds the lock.
        chained = edition.link(
            db, run_id=run.run_id, job=run.job, loaded_at=now(), load_digest=digest_frames(written)
        )
        w.append(edition.TABLE, chained)
        w.delete("indicator_value", dict(replace))
        if len(values):
            w.append("indicator_value", values)
        if len(dictionary):
            w.delete(
                "indicator",
                {
                    "indicator_id": sorted(set(dictionary["indicator_id"])),
                    "year": sorted(set(dictionary["year"].astype(int))),
                },
            )
            w.append("indicator", dictionary)
        if len(sources):
            w.delete("source", {"source_id": sorted(set(sources["source_id"]))})
            w.append("source", sources)
        for table, frame in (tables or {}).items():
            w.replace(table, frame)
        for table, where, frame in extra:
            if where is not None:
                w.delete(table, dict(where))
            if len(frame):
                w.append(table, frame)
        run.close("ok", run.message)
        w.append("etl_run", run.etl_run_row())
        quarantined = run.quarantine_rows()
        if len(quarantined):
            w.append("quarantine", quarantined)
