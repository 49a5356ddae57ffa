"""The opening sections: the page of essentials, the table of contents, the key figures and the method
note."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from observatory import i18n

from ..blocks import (
    ONLY_PRINT,
    ONLY_WORD,
    Block,
    Bullets,
    Cards,
    Cell,
    Column,
    Contents,
    Figure,
    Group,
    Heading,
    Kicker,
    Paragraph,
    Sheet,
    Span,
    Table,
    Title,
    media,
)
from ..content import ReportContent
from ..naming import name_column
from ..view import View, ltr
from .base import Section


def first_row(r: dict[str, Any]) -> bool:
    """The total row of a figure, which opens it (its label is printed there only)."""
    return bool(r["sex"] == "all" and r["area"] == "total")


class Brief(Section):
    """The first page: the area named, its key counts, where it stands, where to act first, what the plan
    covers, the caveats."""

    id = "brief"

    def page(self, v: View) -> str:
        return "brief"

    def toc(self, v: View) -> str:
        return v.t["brief"]

    def blocks(self, v: View) -> list[Block]:
        c, t, b = v.c, v.t, v.c.brief
        other, other_lang = (c.name_ar, "ar") if name_column(v.lang) == "name_fr" else (c.name_fr, "fr")
        counts = [(t["population"], v.int(c.population)), (t["households"], v.int(c.households))]
        return [
            Kicker(" · ".join([t["title"], t["level_" + c.level], *([c.parent] if c.parent else [])])),
            *([Figure(t["locator"], v.locator, t[f"locator_{c.level}"], css="locator")] if v.locator else []),
            Title(c.name, other, other_lang, c.code, f"{c.name} — {t['title']}"),
            Cards(counts + [(t["communes"], v.int(c.n_communes))] * (not v.commune)),
            Paragraph(" · ".join(f"{k} : {x}" for k, x in counts), media=ONLY_WORD),
            Heading(t["brief"], 1, css="brief-title"),
            Heading(t["standing"], 2),
            Paragraph(b.standing, css="lead"),
            *([Paragraph(b.in_province, css="lead")] if b.in_province else []),
            *([self._peers(v)] if len(b.peers) else []),
            *self._act_first(v),
            Heading(t["plan_brief"], 2),
            Paragraph(b.plan),
            Heading(t["caveats"], 2),
            Bullets(b.caveats, css="caveats"),
            Paragraph(
                f"{t['generated'].format(date=ltr(c.generated))}. "
                + t["build"].format(date=ltr(c.build["date"]), version=ltr(c.build["version"])),
                css="meta",
                media=ONLY_PRINT,
            ),
        ]

    def _peers(self, v: View) -> Table:
        t = v.t

        def name(r: Any) -> Cell:
            return Cell(r.name, (Span(f"({t['level_' + r.level]})", "aside"),) if v.commune else ())

        def rank(r: Any) -> Cell:
            return Cell(v.int(r.rank), (Span(t["rank_of"].format(n=v.int(r.n_units)), "aside"),))

        return Table(
            "peers",
            [
                Column(t["peers_commune" if v.commune else "peers"], name, col="name", word_header=t["name"]),
                Column(t["score"], lambda r: v.num(r.index), col="num", td="num"),
                Column(
                    t["rank"],
                    rank,
                    col="num",
                    td="num",
                    word=lambda r: f"{v.int(r.rank)} {t['rank_of'].format(n=int(r.n_units))}",
                ),
                Column(
                    t["interval"], lambda r: v.rank_interval(r.rank_lower, r.rank_upper), col="num", td="num"
                ),
            ],
            list(v.c.brief.peers.itertuples()),
            row_class=lambda r: "own" if r.own else "",
        )

    def _act_first(self, v: View) -> list[Block]:
        t, act = v.t, v.c.brief.act_first
        if not len(act):
            return []
        columns = [
            Column(
                t["rank"],
                lambda r: v.int(r.rank),
                col="rank",
                td="num",
                sub=lambda r: v.rank_interval(r.rank_lower, r.rank_upper),
                sub_header=t["interval"],
            ),
            Column(
                t["commune"], lambda r: r.name, col="name", sub=lambda r: r.province, sub_header=t["province"]
            ),
            Column(t["certainty"], lambda r: r.certainty, col="cert"),
            Column(t["reason"], lambda r: r.reason),
        ]
        return [Heading(t["act_first"], 2), Table("act", columns, list(act.itertuples()))]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"brief": Sheet(c.brief.act_first), "peers": Sheet(c.brief.peers)}


class TableOfContents(Section):
    """The sections of a région or province report, each with the page it starts on."""

    id = "contents"

    def blocks(self, v: View) -> list[Block]:
        return [] if v.commune else [Contents(v.t["contents"], v.contents)]


class KeyFigures(Section):
    """The unit's figures beside its parents and Morocco, each row saying its sex and area."""

    id = "figures"

    def page(self, v: View) -> str:
        return "chapter" if v.commune else ""

    def toc(self, v: View) -> str:
        return v.t["profile" if v.commune else "key_figures"]

    def blocks(self, v: View) -> list[Block]:
        c, t = v.c, v.t

        def label(r: dict[str, Any]) -> Cell | str:
            return Cell(r["label"], (Span(str(r["year"]), "aside"),)) if first_row(r) else ""

        columns = [
            Column(t["figure"], label, col="label", word=lambda r: r["label"]),
            Column(f"{t['sex']} · {t['area']}", lambda r: v.breakdown(r["sex"], r["area"]), col="breakdown"),
            Column(t["year"], lambda r: str(r["year"]), media=ONLY_WORD),
            Column(c.name, lambda r: v.fmt(r["value"], r["unit"]), col="num", td="num"),
            Column(
                t["interval"],
                v.bounds,
                col="interval",
                td="num interval",
            ),
            *[Column(x, _compared(v, i), col="num", td="num") for i, x in enumerate(v.compare)],
            Column(t["status"], lambda r: v.status.get(r["status"], r["status"]), col="status", td="status"),
        ]
        rows = c.key_figures.to_dict("records")
        return [
            Heading(self.toc(v), 1),
            Table("key", columns, rows, row_class=lambda r: "first" if first_row(r) else "sub"),
        ]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"key_figures": Sheet(c.key_figures)}


def _compared(v: View, i: int) -> Callable[[dict[str, Any]], str]:
    """The cell of the `i`-th unit a key figure is compared with."""
    return lambda r: v.fmt(r[f"compare_{i}"], r["unit"])


def method_blocks(v: View) -> list[Block]:
    """The index's method in words: how it is built, its dimensions and components, what its interval and
    certainty mean."""
    t, method = v.t, v.c.method
    joiner = i18n.text("list.clauses", v.lang)
    dimensions = Table(
        "method",
        [
            Column(t["dimension"], lambda d: d["name"], col="dim"),
            Column(
                t["components"],
                lambda d: joiner.join(d["components"]),
                word=lambda d: "; ".join(d["components"]),
            ),
        ],
        method["dimensions"],
    )
    paragraphs = [Paragraph(p) for p in method["paragraphs"]]
    return [Heading(t["method"], 1), *paragraphs[:2], dimensions, *paragraphs[2:]]


def summary_blocks(v: View) -> list[Block]:
    """The method's summary in figures (the model card), when the build wrote one."""
    method = v.c.method
    if not method.get("summary"):
        return []
    items = [x for s in method["summary"] for x in (Heading(s.title, 3), Paragraph(s.text))]
    return [Heading(method["summary_title"], 2), *items]


class Method(Section):
    """The method note after the key figures (a commune report keeps it for its annex on paper); Word adds
    the method's summary to it."""

    id = "method"

    def element_id(self, v: View) -> str:
        return ""

    def toc(self, v: View) -> str:
        return v.t["method"]

    def blocks(self, v: View) -> list[Block]:
        return [
            Group("method", method_blocks(v), media=media(printed=not v.commune)),
            Group("method-summary", summary_blocks(v), media=ONLY_WORD),
        ]
