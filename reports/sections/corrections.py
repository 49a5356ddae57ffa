"""The figures of the report's area that an accepted challenge corrected, beside their original."""

from __future__ import annotations

from ..blocks import Block, Cell, Column, Heading, Paragraph, Sheet, Span, Table
from ..content import ReportContent
from ..view import View
from .base import Section


class Corrections(Section):
    """One small table, shown only when a figure of the area was corrected (`ReportContent.corrected`)."""

    id = "corrections"

    def page(self, v: View) -> str:
        return ""

    def blocks(self, v: View) -> list[Block]:
        c, t = v.c, v.t
        if not len(c.corrected):
            return []
        columns = [
            Column(
                t["corrected.indicator"],
                lambda r: Cell(r.label, (Span(f"{r.unit_code} · {r.year}", "code"),)),
                col="label",
            ),
            Column(t["corrected.original"], lambda r: v.num(r.original_value), col="num", td="num"),
            Column(t["corrected.value"], lambda r: v.num(r.value), col="num", td="num"),
            Column(t["corrected.challenge"], lambda r: Cell(r.challenge_id, ()), col="code", ltr=True),
        ]
        return [
            Heading(t["corrected.heading"], 2),
            Table("corrected", columns, list(c.corrected.itertuples())),
            Paragraph(t["corrected.note"], css="note"),
        ]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"corrected": Sheet(c.corrected)} if len(c.corrected) else {}
