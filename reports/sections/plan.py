"""The deployment plan section: its review status, the plan in sentences and what it rests on (which
inputs are scenarios, or the census only), on a map, its sites, its language plan, its coverage by
group, who it leaves out, its parameters and its review history (each move, who, when, why and the
entry's hash, the newest hash said in full)."""

from __future__ import annotations

from typing import Any

from observatory import i18n

from ..blocks import Block, Cell, Column, Figure, Heading, Paragraph, Sheet, Span, Table, media
from ..content import ReportContent
from ..plan import PlanContent
from ..view import View
from .base import Section


class Plan(Section):
    """A stored plan said for people (only when the report includes one)."""

    id = "plan"

    def toc(self, v: View) -> str:
        return v.t["plan"] if v.c.plan is not None else ""

    def blocks(self, v: View) -> list[Block]:
        p, t = v.c.plan, v.t
        if p is None:
            return []
        return [
            Heading(t["plan"], 1),
            Paragraph(p.review, css=f"plan-status status-{p.status}", bold=True),
            *[Paragraph(s, css="lead") for s in p.sentences],
            *([Paragraph(p.rests_on, css="lead")] if p.rests_on else []),
            *([Figure(t["plan_map"], v.plan_map)] if v.plan_map else []),
            *self._sites(v, p),
            Heading(t["plan_languages"], 2),
            *[Paragraph(s) for s in p.language_sentences],
            *self._languages(v, p),
            *self._coverage(v, p),
            *self._left_out(v, p),
            *self._parameters(v, p),
            *self._reviews(v, p),
        ]

    def _sites(self, v: View, p: PlanContent) -> list[Block]:
        t = v.t
        if not len(p.sites):
            return []

        def commune(r: Any) -> Cell:
            many = (Span(f"×{v.int(r.sites)}", "aside"),) if r.sites > 1 else ()
            return Cell(r.commune, (*many, Span(r.code, "code")))

        columns = [
            Column(t["commune"], commune, col="name"),
            Column(t["province"], lambda r: r.province, col="prov"),
            Column(t["kind"], lambda r: v.kind(r.kind), col="kind"),
            Column(t["need_served"], lambda r: v.int(r.need_served), col="num", td="num"),
            Column(t["languages_needed"], lambda r: r.languages, col="langs"),
            Column(t["voice_only"], lambda r: v.pct(r.voice_only_share), col="num", td="num"),
        ]
        return [Heading(t["plan_sites"], 2), Table("sites", columns, list(p.sites.itertuples()))]

    def _languages(self, v: View, p: PlanContent) -> list[Block]:
        t = v.t
        columns = [
            Column(t["language"], lambda r: r.name, col="name"),
            Column(t["sites_here"], lambda r: v.int(r.sites_here), col="num", td="num"),
            Column(t["sites_morocco"], lambda r: v.int(r.sites_morocco), col="num", td="num"),
        ]
        shown = media(printed=not v.commune and bool(len(p.languages)), word=not v.commune)
        return [Table("languages", columns, list(p.languages.itertuples()), media=shown)]

    def _coverage(self, v: View, p: PlanContent) -> list[Block]:
        t = v.t

        def bar(value: float) -> Cell:
            return Cell(v.pct(value), bar=value if value == value else 0)

        columns = [
            Column("", lambda r: r.scope, col="scope"),
            Column("", lambda r: r.group, col="group"),
            Column(t["need"], lambda r: v.int(r.need), col="need", td="num"),
            Column(t["reached_share"], lambda r: bar(r.reached_share), col="bar"),
            Column(t["covered_share"], lambda r: bar(r.served_share), col="bar"),
            Column(t["left_out_count"], lambda r: v.int(r.communes_left_out), td="num"),
        ]
        shown = media(printed=not v.commune)
        return [
            Heading(t["plan_coverage"], 2, media=shown),
            Table("coverage", columns, list(p.coverage.itertuples()), media=shown),
        ]

    def _left_out(self, v: View, p: PlanContent) -> list[Block]:
        t = v.t
        if not len(p.left_out):
            return []
        columns = [
            Column(t["commune"], lambda r: r.commune),
            Column(t["province"], lambda r: r.province),
            Column(t["need"], lambda r: v.int(r.need), td="num"),
            Column(t["distance"], lambda r: v.fmt(r.distance_km, "km"), td="num"),
        ]
        shown = media(printed=not v.commune)
        return [
            Heading(t["plan_left_out"], 2, media=shown),
            Table("left", columns, list(p.left_out.itertuples()), colgroup=False, media=shown),
        ]

    def _parameters(self, v: View, p: PlanContent) -> list[Block]:
        t = v.t
        status = v.review_word(p.status)
        rows: list[tuple[str, Cell | str, str]] = [(k, x, x) for k, x in p.parameters]
        rows.append((t["plan_status"], Cell(status, (Span(p.plan_id, "code"),)), f"{status} ({p.plan_id})"))
        columns = [Column("", lambda r: r[0]), Column("", lambda r: r[1], word=lambda r: r[2])]
        return [
            Heading(t["plan_parameters"], 2),
            Table("params", columns, rows, thead=False, colgroup=False),
        ]

    def _reviews(self, v: View, p: PlanContent) -> list[Block]:
        t = v.t
        if not len(p.reviews):
            return [Heading(t["plan_reviews"], 2), Paragraph(i18n.text("plan.history.none", v.lang))]
        columns = [
            Column(t["status"], lambda r: r.status_words, col="status", word=lambda r: r.move),
            Column(t["reviewer"], lambda r: Cell(r.reviewer, wrap="bdi"), col="who"),
            Column(
                t["reviewed_at"],
                lambda r: str(r.reviewed_at)[:10],
                col="when",
                td="num",
                word=lambda r: str(r.reviewed_at)[:16],
            ),
            Column(t["review_reason"], lambda r: Cell(r.reason, wrap="bdi")),
            Column(
                i18n.text("plan.history.hash_column", v.lang),
                lambda r: str(r.hash)[:12],
                col="code",
                ltr=True,
                word=lambda r: str(r.hash),
            ),
        ]
        newest = str(p.reviews["hash"].iloc[-1])
        return [
            Heading(t["plan_reviews"], 2),
            Table("reviews", columns, list(p.reviews.itertuples())),
            Paragraph(i18n.text("plan.history.note", v.lang, hash=newest), css="note"),
        ]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        p = c.plan
        if p is None:
            return {}
        return {
            "plan_review": Sheet(p.reviews),
            "plan_languages": Sheet(p.languages),
            "plan_sites": Sheet(p.sites),
            "plan_coverage": Sheet(p.coverage),
            "plan_left_out": Sheet(p.left_out),
        }
