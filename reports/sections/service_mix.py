"""The unit's AI service mix: which service fits its adults, each segment with the range that holds
whatever the census leaves unknown, and the caveat with the inputs' years (`observatory.service_mix`)."""

from __future__ import annotations

from typing import Any

from observatory import i18n

from ..blocks import Block, Column, Heading, Paragraph, Sheet, Table
from ..content import ReportContent
from ..view import View
from .base import Section


class ServiceMix(Section):
    """A short table: service, for whom, people (a scenario), the certain range and the share."""

    id = "service-mix"

    def page(self, v: View) -> str:
        return ""

    def toc(self, v: View) -> str:
        return i18n.text("mix.title", v.lang) if len(v.c.service_mix) else ""

    def blocks(self, v: View) -> list[Block]:
        mix = v.c.service_mix
        if not len(mix):
            return []
        lang = v.lang

        def words(key: str) -> str:
            return i18n.text(f"mix.column.{key}", lang)

        columns = [
            Column(words("service"), lambda r: i18n.text(f"mix.segment.{r['segment']}", lang), col="label"),
            Column(words("who"), lambda r: i18n.text(f"mix.who.{r['segment']}", lang)),
            Column(words("people"), lambda r: v.int(r["people"]), td="num"),
            Column(words("bounds"), lambda r: _bounds(v, r), td="num interval"),
            Column(words("share"), lambda r: v.pct(100 * r["share"]), td="num"),
        ]
        first = mix.iloc[0]
        caveat = i18n.text(
            "mix.caveat",
            lang,
            literacy_year=int(first["literacy_year"]),
            device_year=int(first["device_year"]),
            online_year=int(first["online_year"]),
        )
        return [
            Heading(i18n.text("mix.title", lang), 1),
            Paragraph(i18n.text("mix.adults", lang, adults=v.int(first["adults"]))),
            Table("service-mix", columns, mix.to_dict("records")),
            Paragraph(caveat, css="note"),
        ]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"service_mix": Sheet(c.service_mix)} if len(c.service_mix) else {}


def _bounds(v: View, row: dict[str, Any]) -> str:
    return i18n.text("mix.bounds", v.lang, lower=v.int(row["people_lower"]), upper=v.int(row["people_upper"]))
