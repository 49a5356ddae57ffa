"""Declared schemas: bad rows are quarantined with table, row, column and reason; good rows load."""

from __future__ import annotations

import pandas as pd
import pytest

from observatory.errors import ValidationError
from observatory.etl.validate import indicator_schema, split_valid, unit_schema


def communes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["01.511.01.0", "01.511.01.01", "01.511.01.01", "01.511.01.09", "bad"],
            "name_fr": ["Tanger", "Assilah", "Assilah bis", "Gueznaia", "X"],
            "name_ar": ["طنجة", "أصيلة", "أصيلة", "اكزناية", "س"],
            "type": ["urban", "urban", "urban", "urban", "rural"],
            "region_code": ["01", "01", "01", "99", "01"],
            "province_code": ["01.511"] * 5,
            "cercle_code": [None] * 5,
            "population_2024": [1275428, 36039, 36039, 88676, "many"],
            "households_2024": [362062, 9745, 9745, 25039, 1],
        }
    )


def test_bad_unit_rows_are_quarantined_with_their_reason_and_good_rows_load():
    schema = unit_schema(
        "commune", {"region_code": {"01"}, "province_code": {"01.511"}, "cercle_code": set()}
    )
    frame = communes()
    good, bad = split_valid(frame, schema, source="communes.csv")
    assert list(good.code) == ["01.511.01.0", "01.511.01.01"]
    assert len(good) + bad.row.nunique() == len(frame)
    reasons = {(int(r.row), r.column): r.reason for r in bad.itertuples()}
    assert reasons[(3, "code")].startswith("duplicate code")
    assert reasons[(4, "region_code")].startswith("unknown code")
    assert "str_matches" in reasons[(5, "code")]
    assert reasons[(5, "population_2024")] == "not a number"
    assert set(bad.source) == {"communes.csv"}


def test_rates_out_of_range_are_quarantined():
    frame = pd.DataFrame(
        {
            "code": ["01.511.01.0", "01.511.01.01"],
            "area": ["total", "total"],
            "illiteracy_rate_10_plus": [18.2, 104.0],
        }
    )
    schema = indicator_schema(
        "people_2024",
        units={"illiteracy_rate_10_plus": "percent"},
        columns=["illiteracy_rate_10_plus"],
        codes={"01.511.01.0", "01.511.01.01"},
    )
    good, bad = split_valid(frame, schema, source="people.csv.gz")
    assert list(good.code) == ["01.511.01.0"]
    row = bad.iloc[0]
    assert (int(row.row), row.column, row.value) == (2, "illiteracy_rate_10_plus", "104.0")
    assert row.reason == "in_range(0, 100)"


def test_a_missing_column_refuses_the_whole_table_naming_it():
    frame = communes().drop(columns=["name_ar"])
    schema = unit_schema("commune")
    with pytest.raises(
        ValidationError, match=r"^communes.csv: the table cannot be loaded: missing column name_ar$"
    ):
        split_valid(frame, schema, source="communes.csv")


def test_cli_fails_in_one_line_when_there_is_no_database(tmp_path):
    from click.testing import CliRunner

    from observatory.cli import main

    missing = tmp_path / "none.gpkg"
    result = CliRunner().invoke(main, ["info", "--db", str(missing)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: no observatory database at {missing}: run `observatory build --db {missing}` first"
    )
    help_text = CliRunner().invoke(main, ["--help"]).output
    for command in ("build", "load", "serve", "report", "info"):
        assert f"  {command} " in help_text
