"""
The report as a spreadsheet (openpyxl), in the report's language: a sheet about the report (unit, build,
code version, sources, licences), a sheet defining every column, then every section's tables in reading
order, one sheet each, with statuses, sexes and areas in words and values rounded to four significant
digits (the API keeps them whole); a sheet of simulated data sits under a red banner.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd

from observatory import i18n, registry
from observatory.errors import ObservatoryError

from .blocks import Sheet
from .content import ReportContent
from .i18n import STATUS_TEXT, words
from .naming import label
from .numbers import missing
from .sections import sheets

#: Working columns of the content's frames that no reader needs.
HIDDEN = ["geometry", "_s", "_a", "own"]


#: Significant digits a spreadsheet value keeps ("19873.365 people" is 19873).
SIGNIFICANT = 4


def _metadata(content: ReportContent) -> list[tuple[str, str]]:
    t = content.text
    licences = "; ".join(dict.fromkeys(str(x) for x in content.sources.get("licence", []) if str(x)))
    rows = [
        ("report", f"{t['title']} — {content.name}"),
        ("level", t.get(f"level_{content.level}", content.level)),
        ("code", content.code),
        ("name_fr", content.name_fr),
        ("name_ar", content.name_ar),
        ("language", content.lang),
        ("generated", content.generated),
        ("build_id", content.build["build_id"]),
        ("build_date", content.build["date"]),
        ("code_version", content.build["version"]),
        (
            "sources",
            t["credit_join"].join(content.credits.get(s, s) for s in content.sources.get("source_id", [])),
        ),
        ("licence", licences),
        ("suppressed", t["meta.suppressed_note"]),
        ("sex_area", t["meta.sex_area_note"]),
        ("simulated", t["simulated_banner"] if content.simulated else t["none"]),
    ]
    return [(t[f"meta.{key}"], value) for key, value in rows]


def _indicator(column: str) -> registry.Indicator | None:
    try:
        return registry.get(column)
    except ObservatoryError:
        return None


def header(column: str, lang: str) -> str:
    """A column's header in `lang`: the catalogue's, an indicator's label, or the field id as stored."""
    t = words(lang)
    for key in (f"field.{column}", f"meta.{column}"):
        if key in t:
            return t[key]
    return label(column, lang) if _indicator(column) else column


def meaning(column: str, content: ReportContent) -> str:
    """What a column holds: the catalogue's definition, or an indicator's own with its unit."""
    t = content.text
    if f"field.{column}.meaning" in t:
        return t[f"field.{column}.meaning"]
    indicator = _indicator(column)
    if indicator is None:
        return ""
    found = content.definitions.loc[content.definitions["indicator_id"] == column, "definition"]
    defined = str(found.iloc[0]) if len(found) and found.iloc[0] else label(column, content.lang)
    return f"{defined} ({indicator.unit})"


def rounded(value: Any) -> Any:
    """A float to `SIGNIFICANT` significant digits; anything else as it is."""
    if not isinstance(value, float) or not math.isfinite(value) or value == 0:
        return value
    digits = SIGNIFICANT - 1 - math.floor(math.log10(abs(value)))
    return round(value, max(digits, 0)) if digits > 0 else float(round(value))


def _frame(sheet: Sheet, lang: str) -> pd.DataFrame:
    """A table as the spreadsheet shows it: no working columns, status words beside every status, sexes,
    areas and levels in words."""
    frame = pd.DataFrame(sheet.frame).drop(columns=HIDDEN, errors="ignore")
    if "status" in frame and "status_words" not in frame:  # a plan's reviews carry their own words
        frame = frame.assign(status_words=frame["status"].map(STATUS_TEXT[lang]))
    t = words(lang)
    for column, prefix in (("sex", "sex"), ("area", "area"), ("type", "area"), ("level", "level")):
        if column in frame:
            frame[column] = [t.get(f"{prefix}_{x}", x) for x in frame[column]]
    return frame


def _write(book: Any, name: str, frame: pd.DataFrame, banner: str, lang: str) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name[:31])
    if banner:
        sheet.append([banner])
        sheet["A1"].font = Font(bold=True, color="FFFFFF")
        sheet["A1"].fill = PatternFill("solid", fgColor="B30000")
    headers = [header(str(c), lang) for c in frame.columns]
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for record in frame.itertuples(index=False):
        sheet.append([None if missing(v) else rounded(v.item() if hasattr(v, "item") else v) for v in record])
    for i, text in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(len(text) + 2, 10), 40)
    sheet.freeze_panes = "A3" if banner else "A2"


def workbook(content: ReportContent) -> bytes:
    """The XLSX file of a report."""
    from openpyxl import Workbook

    t, lang = content.text, content.lang
    book = Workbook()
    meta = book.active
    meta.title = t["sheet.metadata"]
    if content.direction == "rtl":
        meta.sheet_view.rightToLeft = True
    for row in _metadata(content):
        meta.append(row)
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 24, 100
    tables = {name: (_frame(sheet, lang), sheet.banner) for name, sheet in sheets(content).items()}
    _write(book, t["sheet.fields"], _fields(tables, content), t["meta.fields_note"], lang)
    for name, (frame, banner) in tables.items():
        _write(book, t.get(f"sheet.{name}", name), frame, banner, lang)
        if content.direction == "rtl":
            book.worksheets[-1].sheet_view.rightToLeft = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fields(tables: dict[str, tuple[pd.DataFrame, str]], content: ReportContent) -> pd.DataFrame:
    """Every column the sheets hold, once: its header, its identifier, what it holds and where it is."""
    t = content.text
    where: dict[str, list[str]] = {}
    for name, (frame, _) in tables.items():
        for column in frame.columns:
            where.setdefault(str(column), []).append(t.get(f"sheet.{name}", name))
    return pd.DataFrame(
        {
            "field": [header(c, content.lang) for c in where],
            "field_id": list(where),
            "field_meaning": [meaning(c, content) for c in where],
            "field_sheets": [i18n.joined(s, content.lang) for s in where.values()],
        }
    )
