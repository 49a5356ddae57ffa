"""
A report's content laid out as HTML (Jinja2), PDF (WeasyPrint, from that HTML), XLSX (openpyxl) or DOCX
(python-docx): each draws the same list of sections (`reports.sections`). Layout only: every figure comes
from `reports.content`, every number is written by `observatory.formatting`.
"""

from __future__ import annotations

from pathlib import Path

from .blocks import PRINT
from .content import ReportContent
from .output import FORMATS
from .sections import pages
from .view import View, layout

TEMPLATES = Path(__file__).parent / "templates"


def to_html(content: ReportContent, *, context: View | None = None) -> str:
    """The report as one self-contained HTML page (maps embedded as PNG data URIs); `context` (from `layout`)
    when the maps are drawn already."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    view = context or layout(content)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        lang=content.lang,
        direction=content.direction,
        level=content.level,
        name=content.name,
        t=content.text,
        pages=pages(view, PRINT),
    )


def to_pdf(content: ReportContent, *, html: str | None = None) -> bytes:
    """The report as PDF: WeasyPrint lays out the HTML, shaping Arabic with HarfBuzz."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html or to_html(content), base_url=str(TEMPLATES)).write_pdf()
    return pdf


def render(content: ReportContent, fmt: str) -> bytes:
    """The report in a format (pdf, html, xlsx, docx) as bytes."""
    if fmt == "pdf":
        return to_pdf(content)
    if fmt == "html":
        return to_html(content).encode("utf-8")
    if fmt == "xlsx":
        from .workbook import workbook

        return workbook(content)
    if fmt == "docx":
        from .word import document

        return document(layout(content))
    from observatory.errors import unknown_name

    raise unknown_name("report format", fmt, FORMATS)
