"""
The report as a spreadsheet (openpyxl): a `metadata` sheet (unit, build, code version, sources,
licences), then every section's tables in reading order, one sheet each, with statuses in words beside
every status; a sheet of simulated data sits under a red banner.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from .blocks import Sheet
from .content import ReportContent
from .i18n import STATUS_TEXT
from .numbers import missing
from .sections import sheets

#: Working columns of the content's frames that no reader needs.
HIDDEN = ["geometry", "_s", "_a", "own"]


def _metadata(content: ReportContent) -> list[tuple[str, str]]:
    t = content.text
    licences = "; ".join(dict.fromkeys(str(x) for x in content.sources.get("licence", []) if str(x)))
    return [
        ("report", f"{t['title']} — {content.name}"),
        ("level", content.level),
        ("code", content.code),
        ("name_fr", content.name_fr),
        ("name_ar", content.name_ar),
        ("language", content.lang),
        ("generated", content.generated),
        ("build_id", content.build["build_id"]),
        ("build_date", content.build["date"]),
        ("code_version", content.build["version"]),
        ("sources", ", ".join(content.sources.get("source_id", []))),
        ("licence", licences),
        ("suppressed", "Suppressed small counts are empty cells."),
        ("sex, area", "all = both sexes, total = urban and rural together; every labelled row carries both."),
        ("simulated", t["simulated_banner"] if content.simulated else "none"),
    ]


def _frame(sheet: Sheet, lang: str) -> pd.DataFrame:
    """A table as the spreadsheet shows it: no working columns, status words beside every status."""
    frame = pd.DataFrame(sheet.frame).drop(columns=HIDDEN, errors="ignore")
    if "status" in frame and "status_words" not in frame:  # a plan's reviews carry their own words
        frame = frame.assign(status_words=frame["status"].map(STATUS_TEXT[lang]))
    return frame


def _write(book: Any, name: str, frame: pd.DataFrame, banner: str) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name[:31])
    if banner:
        sheet.append([banner])
        sheet["A1"].font = Font(bold=True, color="FFFFFF")
        sheet["A1"].fill = PatternFill("solid", fgColor="B30000")
    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for record in frame.itertuples(index=False):
        sheet.append([None if missing(v) else (v.item() if hasattr(v, "item") else v) for v in record])
    for i, column in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(len(str(column)) + 2, 10), 40)
    sheet.freeze_panes = "A3" if banner else "A2"


def workbook(content: ReportContent) -> bytes:
    """The XLSX file of a report."""
    from openpyxl import Workbook

    book = Workbook()
    meta = book.active
    meta.title = "metadata"
    for row in _metadata(content):
        meta.append(row)
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 16, 100
    for name, sheet in sheets(content).items():
        _write(book, name, _frame(sheet, content.lang), sheet.banner)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
