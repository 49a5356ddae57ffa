"""The annex: the build, the method (a commune report's), statuses in words, definitions, sources and
licences, the input files and each figure's provenance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import edition, i18n

from ..blocks import ONLY_PRINT, ONLY_WORD, Block, Cell, Column, Group, Heading, Paragraph, Sheet, Span, Table
from ..content import ReportContent
from ..credits import computed, credit, short_credit
from ..view import View, ltr
from .base import Section
from .front import method_blocks, summary_blocks


class Annex(Section):
    """Methods and sources."""

    id = "annex"

    def toc(self, v: View) -> str:
        return v.t["annex"]

    def blocks(self, v: View) -> list[Block]:
        c, t = v.c, v.t
        build = c.build
        return [
            Heading(t["annex"], 1),
            Paragraph(
                t["build"].format(date=ltr(build["date"]), version=ltr(build["version"])),
                spans=(Span(build["build_id"], "id"),),
                media=ONLY_PRINT,
            ),
            Paragraph(t["build"].format(date=build["date"], version=build["version"]), media=ONLY_WORD),
            Paragraph(f"{i18n.text('cite.label', v.lang)}: {edition.citation(build, v.lang)}", css="meta"),
            *([Group("method", method_blocks(v), media=ONLY_PRINT)] if v.commune else []),
            Group("method-summary", summary_blocks(v), media=ONLY_PRINT),
            Heading(t["status_legend"], 2),
            Table(
                "statuses",
                [Column(t["status"], lambda r: v.status[r[0]], col="key"), Column("", lambda r: r[1])],
                list(v.meaning.items()),
                thead=False,
            ),
            *self._definitions(v),
            *self._sources(v),
            *self._files(v),
            *self._provenance(v),
        ]

    def _definitions(self, v: View) -> list[Block]:
        t = v.t

        def figure(r: Any) -> Cell:
            # A figure the observatory computed has no HCP heading: its name is the observatory's. HCP's
            # headings are French: quoted on left-to-right pages, never inside an Arabic one.
            published = r.heading and not computed(r.source_id) and v.c.direction == "ltr"
            heading = (Span(t["hcp_heading"].format(heading=r.heading), "hcp"),) if published else ()
            return Cell(r.label, (Span(r.indicator_id, "code"), *heading))

        def source(r: Any) -> Cell:
            return Cell(short_credit(r.source_id, v.lang), (Span(r.source_id, "code"),))

        columns = [
            Column(t["figure"], figure, col="label"),
            Column(t["year"], lambda r: str(r.year), col="year", td="num"),
            Column(t["source"], source, col="source", word=lambda r: short_credit(r.source_id, v.lang)),
        ]
        return [
            Heading(t["definitions"], 2, media=ONLY_PRINT),
            Table("definitions", columns, list(v.c.definitions.itertuples()), media=ONLY_PRINT),
        ]

    def _sources(self, v: View) -> list[Block]:
        t = v.t

        def source(r: Any) -> Cell:
            spans = [Span(r.source_id, "code"), *[Span(r.url, "url")] * bool(r.url)]
            spans += [Span(f"sha256 {r.sha256}", "url")] * bool(r.sha256)
            return Cell(credit(r.source_id, v.c.credits, v.lang), tuple(spans))

        columns = [
            Column(
                t["source"],
                source,
                col="src",
                word=lambda r: " · ".join(x for x in (credit(r.source_id, v.c.credits, v.lang), r.url) if x),
            ),
            Column(t["licence"], lambda r: v.licence(r.licence), td="note"),
        ]
        return [Heading(t["sources"], 2), Table("sources", columns, list(v.c.sources.itertuples()))]

    def _files(self, v: View) -> list[Block]:
        t = v.t
        columns = [
            Column(
                t["file"],
                lambda r: f"{r.file} · {r.version}" if r.version else r.file,
                col="file",
                td="code wrap",
                ltr=True,
                word=lambda r: r.file,
            ),
            Column("SHA-256", lambda r: r.sha256[:16], col="digest", td="code wrap", ltr=True),
            Column(t["jobs"], lambda r: r.jobs, col="jobs", td="code", ltr=True),
        ]
        return [Heading(t["files"], 2), Table("files", columns, list(v.c.files.itertuples()))]

    def _provenance(self, v: View) -> list[Block]:
        t = v.t
        credited = {k: short_credit(k, v.lang) for k in v.c.credits}
        columns = [
            Column(t["figure"], lambda r: r.label, col="fig"),
            Column(
                t["status"],
                lambda r: ", ".join(v.status.get(x, x) for x in r.status.split(", ")),
                col="status",
                td="status",
            ),
            Column(
                t["source"],
                lambda r: Cell(credit(r.source_id, credited, v.lang), (Span(r.source_id, "code"),)),
                col="source",
                word=lambda r: credit(r.source_id, credited, v.lang),
            ),
        ]
        rows = list(pd.DataFrame(v.c.provenance).itertuples())
        return [Heading(t["provenance"], 2), Table("provenance", columns, rows)]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {
            "definitions": Sheet(c.definitions),
            "sources": Sheet(c.sources),
            "files": Sheet(c.files),
            "provenance": Sheet(c.provenance),
        }
