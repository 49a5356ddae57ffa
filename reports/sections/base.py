"""What every report section is: its anchor, where it starts on paper, its title in the table of contents,
its blocks and its spreadsheet tables."""

from __future__ import annotations

from ..blocks import Block, Sheet
from ..content import ReportContent
from ..view import View


class Section:
    """One part of a report, declared once: what it shows (`blocks`, in the primitives every medium draws)
    and the tables the spreadsheet holds for it (`sheets`)."""

    #: The anchor the table of contents links to.
    id = ""

    def page(self, v: View) -> str:
        """How the section starts on paper: `chapter` on a new page, `chapter wide` on a landscape page,
        '' running on."""
        return "chapter"

    def element_id(self, v: View) -> str:
        """The anchor of the section's element on paper (a section may carry it on an inner group)."""
        return self.id

    def toc(self, v: View) -> str:
        """The section's title in the table of contents ('' for none)."""
        return ""

    def blocks(self, v: View) -> list[Block]:
        raise NotImplementedError

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {}
