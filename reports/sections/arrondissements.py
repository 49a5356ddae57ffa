"""A divided city's arrondissements, ranked (`observatory.arrondissements`): HCP's figures for the units
its planners work with, which the commune's own figures sum over."""

from __future__ import annotations

from typing import Any

from observatory import i18n

from ..blocks import Block, Column, Heading, Paragraph, Sheet, Table
from ..content import ReportContent
from ..naming import label, name_of
from ..view import View
from .base import Section


class Arrondissements(Section):
    """Rank, name, population and the ranking indicator, one row per arrondissement (commune reports)."""

    id = "arrondissements"

    def page(self, v: View) -> str:
        return ""

    def toc(self, v: View) -> str:
        return i18n.text("arrondissements.title", v.lang) if len(v.c.arrondissements) else ""

    def blocks(self, v: View) -> list[Block]:
        ranked = v.c.arrondissements
        if not len(ranked):
            return []
        lang = v.lang

        def words(key: str) -> str:
            return i18n.text(f"arrondissements.{key}", lang)

        columns = [
            Column(words("rank"), lambda r: _or_dash(r["rank"], v.int), td="num"),
            Column(words("name"), lambda r: name_of(r, lang), col="label"),
            Column(words("population"), lambda r: v.int(r["population_2024"]), td="num"),
            Column(words("value"), lambda r: _or_dash(r["value"], lambda x: v.fmt(x, r["unit"])), td="num"),
        ]
        indicator = label(str(ranked["indicator_id"].iloc[0]), lang)
        return [
            Heading(words("title"), 1),
            Paragraph(i18n.text("arrondissements.note", lang, indicator=indicator), css="note"),
            Table("arrondissements", columns, ranked.to_dict("records")),
        ]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"arrondissements": Sheet(c.arrondissements)} if len(c.arrondissements) else {}


def _or_dash(value: Any, show: Any) -> str:
    """A missing value as a dash, never as 'nan'."""
    return "–" if value is None or value != value else str(show(value))
