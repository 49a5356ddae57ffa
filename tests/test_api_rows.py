"""
The API writes its JSON and CSV row by row from named numpy columns (`observatory.api._rows`,
`_rowtext`): the text must be what `json.dumps` and pandas' `to_csv` write for the same rows, on the
real tables every kind of answer serves and on the awkward values (NaN, NA, nested cells, quotes,
Arabic), and a page of a kept table must read as the same page written afresh.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from observatory import query, results
from observatory.api import _formats
from observatory.api._rows import Rows
from observatory.api._rowtext import json_rows


def library_json(frame: pd.DataFrame) -> str:
    """The rows as the API wrote them with pandas: records, then json.dumps."""
    return json.dumps(_formats.records(frame), ensure_ascii=False, default=_formats.plain, allow_nan=False)


def library_csv(frame: pd.DataFrame) -> str:
    """The rows as the API wrote them with pandas: nested cells as JSON, then to_csv."""
    buffer = io.StringIO()
    table = _formats._nested_as_json(pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore")))
    table.to_csv(buffer, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    return buffer.getvalue()


def assert_written_as_the_libraries(frame: pd.DataFrame) -> None:
    rows = Rows.of(frame)
    assert "[" + ", ".join(json_rows(rows)) + "]" == library_json(frame)
    assert _formats.csv_body(rows) == library_csv(frame)


@pytest.fixture(scope="module")
def tables(built_db):
    """A real frame of each kind of answer: values of a région, usage values by period, units, the
    catalogue, an index with its explanations in Arabic, the sources."""
    values = query.indicator_values(None, db=built_db, level="commune", year=2024)
    inside = set(query.units("commune", db=built_db, geometry=False).query("region_code == '01'")["code"])
    return {
        "values": values[values["unit_code"].isin(inside)].reset_index(drop=True),
        "usage": query.indicator_values(
            ["usage_digital_share"], db=built_db, level="region", sex=None, area=None
        ),
        "units": query.units("commune", db=built_db, geometry=False),
        "provinces": query.units("province", db=built_db, geometry=False),
        "catalogue": query.catalogue(db=built_db),
        "index": results.fragility_index("commune", db=built_db, lens="women", lang="ar"),
        "sources": query.sources(db=built_db),
    }


def test_real_tables_are_written_as_json_dumps_and_to_csv_write_them(tables, tally):
    cells = 0
    for name, frame in tables.items():
        assert len(frame), name
        assert_written_as_the_libraries(frame)
        cells += frame.size
    empty = int(tables["values"].select_dtypes("number").isna().sum().sum())
    assert empty > 0  # the région's values hold empty cells, written as null and ""
    tally(f"{len(tables)} real tables, {cells:,} cells written as json.dumps and pandas write them")


def test_awkward_values_are_written_as_the_libraries_write_them():
    frame = pd.DataFrame(
        {
            "code": ["01", None, '4"2', "الحسيمة"],
            "value": [1.5, np.nan, 1e-7, 1e16],
            "count": [1, 2, 3, 4],
            "flag": [True, False, True, False],
            "nullable": pd.array([1, None, 3, 4], dtype="Int64"),
            "maybe": pd.array([True, None, False, True], dtype="boolean"),
            "text": pd.Series(["a", None, "b", "c"], dtype="str"),
            "mixed": ["x", 1.5, 3, np.nan],
            "nested": [{"a": 1}, [1, 2], None, "plain"],
            "when": pd.to_datetime(["2024-01-01", None, "2024-03-01", "2024-04-01"]),
            "50% share": [0.5, 0.25, 0.125, 0.0],
        }
    )
    assert_written_as_the_libraries(frame)
    assert_written_as_the_libraries(frame.iloc[:0])
    with pytest.raises(ValueError):
        json_rows(Rows.of(pd.DataFrame({"x": [np.inf]})))


def test_a_page_of_a_kept_table_reads_as_the_same_page_written_afresh(tables):
    frame = tables["index"]
    kept = Rows.of(frame, keep_texts=True)
    fresh = Rows.of(frame)
    region = kept.where(region_code="01")
    assert len(region) == int((frame["region_code"] == "01").sum()) > 10
    for rows, again in [
        (region.slice(3, 8), fresh.where(region_code="01").slice(3, 8)),
        (kept.slice(0, 4), fresh.slice(0, 4)),
        (kept.take(np.array([5, 1, 3])), fresh.take(np.array([5, 1, 3]))),
    ]:
        assert json_rows(rows) == json_rows(again)
        assert json_rows(rows) == [
            json.dumps(r, ensure_ascii=False, default=_formats.plain)
            for r in _formats.records(again.to_frame())
        ]
    pd.testing.assert_frame_equal(
        region.to_frame(), frame[frame["region_code"] == "01"].reset_index(drop=True)
    )
