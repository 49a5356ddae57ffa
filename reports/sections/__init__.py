"""
A report is a list of sections, in reading order. Each section declares once what it shows (in the
primitives of `reports.blocks`) and the tables the spreadsheet holds for it; the HTML/PDF template, the
Word writer and the workbook each draw the same list. Adding a section is adding it here.
"""

from __future__ import annotations

from ..blocks import PRINT, Page, Sheet, shown_in
from ..content import ReportContent
from ..view import View
from .annex import Annex
from .arrondissements import Arrondissements
from .base import Section
from .corrections import Corrections
from .front import Brief, KeyFigures, Method, TableOfContents
from .plan import Plan
from .profile import Profile
from .service_mix import ServiceMix
from .tables import Changes, Communes, Maps, Models, Provinces

#: The report, section by section, in reading order.
DOCUMENT: tuple[Section, ...] = (
    Brief(),
    TableOfContents(),
    KeyFigures(),
    Profile(),
    Method(),
    Provinces(),
    Maps(),
    Communes(),
    Arrondissements(),
    Changes(),
    Models(),
    ServiceMix(),
    Plan(),
    Corrections(),
    Annex(),
)


def pages(v: View, medium: str) -> list[Page]:
    """The sections a medium shows, each with its blocks for that medium; the printed table of contents
    lists the sections the page shows."""
    drawn = [(s, shown_in(s.blocks(v), medium)) for s in DOCUMENT]
    if medium == PRINT:
        v.contents = [(s.id, s.toc(v)) for s, blocks in drawn if blocks and s.toc(v)]
    out = []
    for section, blocks in drawn:
        if isinstance(section, TableOfContents):
            blocks = shown_in(section.blocks(v), medium)
        if blocks:
            out.append(Page(section.page(v), section.element_id(v), blocks))
    return out


def sheets(c: ReportContent) -> dict[str, Sheet]:
    """Every section's tables for the spreadsheet, by sheet name, in reading order."""
    return {name: sheet for section in DOCUMENT for name, sheet in section.sheets(c).items()}
