"""The unit beside its province, its région and Morocco, drawn: each key rate as dots on one scale, and its
age pyramid over Morocco's (HCP's census figures, as the key figures' table prints them)."""

from __future__ import annotations

from ..blocks import Block, Figure, Sheet
from ..content import ReportContent
from ..credits import credit
from ..view import View
from .base import Section


class Profile(Section):
    """The key rates and the age pyramid as one chart, after the key figures."""

    id = "profile"

    def page(self, v: View) -> str:
        return ""

    def blocks(self, v: View) -> list[Block]:
        if v.profile is None:
            return []
        c, t = v.c, v.t
        charted = c.key_figures[c.key_figures["unit"] == "percent"]["source_id"]
        cited = ", ".join(str(s) for s in dict.fromkeys([*charted, *c.ages["source_id"]]) if s)
        caption = t["profile_caption"].format(sources=credit(cited, c.credits, v.lang))
        return [Figure(t["profile_chart"].format(name=c.name), v.profile, caption)]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"ages": Sheet(c.ages)} if len(c.ages) else {}
