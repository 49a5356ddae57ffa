"""
A report's content laid out as HTML (Jinja2), PDF (WeasyPrint, from that HTML) or XLSX (openpyxl,
one sheet per table and a metadata sheet). Layout only: every figure comes from `reports.content`.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .content import ReportContent
from .i18n import STATUS_TEXT
from .maps import choropleth_png

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("pdf", "html", "xlsx")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(value: Any, unit: str | None) -> str:
    """A figure for print: thousands grouped by a thin space, one decimal for rates, a dash when missing."""
    if _missing(value):
        return "—"
    number = float(value)
    if unit in ("people", "households", "count", "establishments", "dwellings") or (
        unit is None and number.is_integer() and abs(number) >= 1000
    ):
        return f"{number:,.0f}".replace(",", "\u202f")
    text = f"{number:,.1f}".replace(",", "\u202f")
    if unit == "percent":
        return f"{text}\u00a0%"
    if unit and unit not in ("", "index", "score") and len(unit) <= 5:  # longer units are in the label
        return f"{text}\u00a0{unit}"
    return f"{number:.2f}" if abs(number) < 10 else text


def signed(value: Any) -> str:
    return "—" if _missing(value) else f"{float(value):+.1f}"


def _plan_tables(content: ReportContent) -> list[tuple[str, str]]:
    if not content.plan:
        return []
    out = []
    for key, value in content.plan.items():
        name = content.text.get(f"plan_{key}", key)
        if isinstance(value, pd.DataFrame) and len(value):
            out.append((name, value.to_html(index=False, na_rep="—", border=0, float_format="%.2f",
                                                              escape=True)))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            out.append((name, f"<p class='code wrap'>{html.escape(str(value))}</p>"))
    return out


def _draw(args: tuple) -> bytes:
    geometry, values, higher_is_worse, unit, highlight, missing = args
    return choropleth_png(geometry, values, higher_is_worse=higher_is_worse, unit=unit, highlight=highlight,
                          missing_label=missing)


def map_images(content: ReportContent) -> list[bytes]:
    """The PNG of every map layer (drawn one after the other: in worker processes it was no faster)."""
    missing = content.text["suppressed"] + " / n/a"
    return [_draw((content.geometry, layer.values, layer.higher_is_worse, layer.unit, content.highlight, missing))
            for layer in content.maps]


def to_html(content: ReportContent) -> str:
    """The report as one self-contained HTML page (maps embedded as PNG data URIs)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    pngs = map_images(content)
    maps = [{"title": layer.title, "source": layer.source, "png": base64.b64encode(png).decode("ascii")}
            for layer, png in zip(content.maps, pngs)]
    units = {i: content.key_figures.set_index("indicator_id")["unit"].get(i) for i in content.commune_columns}
    return env.get_template("report.html").render(
        c=content, t=content.text, status=STATUS_TEXT[content.lang], maps=maps, units=units,
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"), fmt=format_value, signed=signed,
        plan_tables=_plan_tables(content),
    )


def to_pdf(content: ReportContent, *, html: str | None = None) -> bytes:
    """The report as PDF: WeasyPrint lays out the HTML, shaping Arabic with HarfBuzz."""
    from weasyprint import HTML

    return HTML(string=html or to_html(content), base_url=str(TEMPLATES)).write_pdf()


def to_xlsx(content: ReportContent) -> bytes:
    """One sheet per table, and a `metadata` sheet: unit, build, code version, sources and licences."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    meta = book.active
    meta.title = "metadata"
    licences = "; ".join(dict.fromkeys(str(x) for x in content.sources.get("licence", []) if isinstance(x, str)))
    rows = [
        ("report", f"{content.text['title']} — {content.name}"), ("level", content.level), ("code", content.code),
        ("name_fr", content.name_fr), ("name_ar", content.name_ar), ("language", content.lang),
        ("generated", content.generated), ("build_id", content.build["build_id"]),
        ("build_date", content.build["date"]), ("code_version", content.build["version"]),
        ("sources", ", ".join(content.sources.get("source_id", []))), ("licence", licences),
        ("suppressed", "Suppressed small counts are empty cells."),
    ]
    for row in rows:
        meta.append(row)
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 16, 100
    for name, frame in content.tables().items():
        sheet = book.create_sheet(name[:31])
        frame = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
        sheet.append([str(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for record in frame.itertuples(index=False):
            sheet.append([None if _missing(v) else (v.item() if hasattr(v, "item") else v) for v in record])
        for i, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(max(len(str(column)) + 2, 10), 40)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(content: ReportContent, fmt: str) -> bytes:
    """The report in a format (pdf, html, xlsx) as bytes."""
    if fmt == "pdf":
        return to_pdf(content)
    if fmt == "html":
        return to_html(content).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(content)
    from observatory.errors import unknown_name

    raise unknown_name("report format", fmt, FORMATS)
