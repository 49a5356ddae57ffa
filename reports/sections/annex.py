"""The annex: the build, the method (a commune report's), statuses in words, definitions, sources and
licences, the input files and each figure's provenance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import edition, i18n

from ..blocks import ONLY_PRINT, ONLY_WORD, Block, Cell, Column, Group, Heading, Paragraph, Sheet, Span, Table
from ..content import ReportContent
from ..credits import SIMULATED_SOURCE, computed, credit, short_credit
from ..view import View, ltr
from .base import Section
from .front import method_blocks, summary_blocks


class Annex(Section):
    """Methods and sources."""

    id = "annex"

    def page(self, v: View) -> str:
        """A commune's annex runs on after its last section: its report stays within six pages."""
        return "" if v.commune else "chapter"

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
            # A commune's report gives the index's method note (it ranks the commune); the summary of
            # every model is in the région's report.
            (
                Group("method", method_blocks(v), media=ONLY_PRINT)
                if v.commune
                else Group("method-summary", summary_blocks(v), media=ONLY_PRINT)
            ),
            Heading(t["status_legend"], 2),
            Table(
                "statuses",
                [Column(t["status"], lambda r: v.status[r[0]], col="key"), Column("", lambda r: r[1])],
                _statuses(v),
                thead=False,
            ),
            *self._definitions(v),
            *self._sources(v),
            # A commune's report stays short (at most six pages): the build's files and each figure's
            # provenance are in its spreadsheet and in the région's report.
            *([] if v.commune else [*self._files(v), *self._provenance(v)]),
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
            Table("definitions", columns, _printed(v, v.c.definitions), media=ONLY_PRINT),
        ]

    def _sources(self, v: View) -> list[Block]:
        t = v.t

        def source(r: Any) -> Cell:
            # the data package dates each file by when it was fetched from its publisher, not by its release
            retrieved = str(r.retrieved_at)[:10] if r.retrieved_at else ""
            spans = [Span(r.source_id, "code"), *[Span(r.url, "url")] * bool(r.url)]
            spans += [Span(t["source_retrieved"].format(date=ltr(retrieved)), "aside")] * bool(retrieved)
            spans += [Span(f"sha256 {r.sha256}", "url")] * bool(r.sha256 and not v.commune)
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
        return [Heading(t["sources"], 2), Table("sources", columns, _printed(v, v.c.sources))]

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


def _printed(v: View, frame: pd.DataFrame) -> list[Any]:
    """The rows the printed annex defines: the simulated layer's only where a simulated map is printed (it
    stays in the spreadsheet)."""
    drawn = v.c.maps[:1] if v.commune else v.c.maps
    if any(m.status == "simulated" for m in drawn):
        return list(frame.itertuples())
    return list(frame[frame["source_id"] != SIMULATED_SOURCE].itertuples())


def _statuses(v: View) -> list[tuple[str, str]]:
    """Every status in words; a commune's report (six pages at most) only those its figures carry."""
    shown = {x for joined in pd.DataFrame(v.c.provenance).get("status", []) for x in str(joined).split(", ")}
    return [(k, m) for k, m in v.meaning.items() if not v.commune or k in shown]
