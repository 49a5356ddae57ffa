"""
The report as an editable Word document (python-docx), for councils that annotate a report before
tabling it: the same sections as the PDF (`reports.sections`), each primitive drawn the Word way. Arabic
paragraphs and tables are set right to left.
"""

from __future__ import annotations

import io
from typing import Any

from observatory import i18n

from .blocks import (
    WORD,
    Block,
    Bullets,
    Figure,
    Group,
    Heading,
    Paragraph,
    Table,
    Title,
)
from .sections import pages
from .view import View


class _Writer:
    """Draws blocks into one python-docx document."""

    def __init__(self, rtl: bool) -> None:
        from docx import Document
        from docx.shared import Cm, Mm, Pt

        self.doc = Document()
        self.rtl = rtl
        self.doc.styles["Normal"].font.size = Pt(9.5)
        for section in self.doc.sections:  # python-docx's template is US Letter; Morocco prints on A4
            section.page_width, section.page_height = Mm(210), Mm(297)
            section.left_margin = section.right_margin = Cm(1.8)

    def para(self, text: str, style: str | None = None) -> Any:
        p = self.doc.add_paragraph(text, style=style)
        if self.rtl:
            _rtl(p)
        return p

    def heading(self, text: str, level: int) -> None:
        h = self.doc.add_heading(text, level=level)
        if self.rtl:
            _rtl(h)

    def table(self, block: Table) -> None:
        from docx.shared import Pt

        header, rows = block.word()
        grid = self.doc.add_table(rows=1, cols=len(header))
        grid.style = "Light Grid Accent 1"
        if self.rtl:
            _table_rtl(grid)
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(grid.add_row().cells, row, strict=True):
                cell.text = str(text)
        for row in grid.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(8)

    def figure(self, block: Figure) -> None:
        from docx.shared import Cm, Pt, RGBColor

        if block.caption:
            self.heading(block.title, 3)
        if block.banner:
            run = self.para("").add_run(block.banner)
            run.bold, run.font.color.rgb = True, RGBColor(0xB3, 0, 0)
        self.doc.add_picture(io.BytesIO(block.drawing.png()), width=Cm(4 if block.css == "locator" else 15))
        self.para(block.caption or block.title).runs[0].font.size = Pt(8)

    def block(self, block: Block) -> None:
        if isinstance(block, Title):
            self.heading(block.word_text, 0)
        elif isinstance(block, Heading):
            self.heading(block.text, block.level)
        elif isinstance(block, Paragraph):
            if block.bold:
                self.para("").add_run(block.text).bold = True
            else:
                self.para(block.text)
        elif isinstance(block, Bullets):
            for item in block.items:
                self.para(item, style="List Bullet")
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Figure):
            self.figure(block)
        elif isinstance(block, Group):
            for inner in block.blocks:
                self.block(inner)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


def _rtl(paragraph: Any) -> None:
    from docx.oxml import OxmlElement

    paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))


def _table_rtl(table: Any) -> None:
    from docx.oxml import OxmlElement

    table._tbl.tblPr.append(OxmlElement("w:bidiVisual"))


def document(view: View) -> bytes:
    """The Word file of a report, from the same sections as the printed one."""
    writer = _Writer(i18n.is_rtl(view.lang))
    for page in pages(view, WORD):
        for block in page.blocks:
            writer.block(block)
    return writer.save()
