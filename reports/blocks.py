"""
The primitives a report section is made of: a title, a heading, a paragraph, a list, key-figure cards,
a table, a map (figure), a table of contents and a group. A section says what it shows with them once;
the HTML/PDF template and the Word writer each draw every primitive one way. A block is shown on the
printed page (HTML, PDF), in the Word document, or both: where the Word document says less than the
page (an identifier, a colour bar), the block or column says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import pandas as pd

from .drawing import Drawing

#: Where a block is shown: the printed page (HTML and PDF) and the Word document.
PRINT, WORD = "print", "word"
BOTH = frozenset({PRINT, WORD})
ONLY_PRINT = frozenset({PRINT})
ONLY_WORD = frozenset({WORD})


def media(*, printed: bool = True, word: bool = True) -> frozenset[str]:
    """The media a block is shown in, from two conditions."""
    return frozenset([PRINT] * printed + [WORD] * word)


@dataclass(frozen=True)
class Span:
    """A piece of text beside a cell's or a paragraph's main text, drawn on paper by its role: `aside`
    (muted, on the same line), `below` (muted, on a line of its own), `code` (an identifier, muted), `id`
    (an identifier), `hcp` (a heading in HCP's French), `latin` (a French title), `url` (an address or
    digest). The Word document leaves them out."""

    text: str
    role: str


@dataclass(frozen=True)
class Cell:
    """A table cell on paper: its text (set apart as `bdi` or `code` when it is free text or an
    identifier), what stands beside it, and a bar of `bar` percent before it."""

    text: str
    spans: tuple[Span, ...] = ()
    wrap: str = ""
    bar: float | None = None


@dataclass(frozen=True)
class Column:
    """One column of a table, declared once for every medium: its header and the cell of a row. `sub` is a
    muted line under the value on paper and a column of its own (headed `sub_header`) in Word; `word` is
    the Word cell where it is not the printed cell's text."""

    header: str
    cell: Callable[[Any], Cell | str]
    col: str = ""
    """The `<col>` class: the column's width in the stylesheet."""
    td: str = ""
    """The cells' class on paper (`num` right-aligns figures; the header follows)."""
    ltr: bool = False
    """Cells set left to right on paper (file names, digests)."""
    sub: Callable[[Any], str] | None = None
    sub_header: str = ""
    word: Callable[[Any], str] | None = None
    word_header: str | None = None
    status: str | None = None
    """A status said under the header on paper (an indicator's, in the communes table)."""
    media: frozenset[str] = BOTH

    @property
    def th(self) -> str:
        return "num" if self.td.split(" ")[0] == "num" else ""


@dataclass(frozen=True)
class Row:
    """A table row on paper: its class and its cells."""

    css: str
    cells: list[tuple[Column, Cell]]


@dataclass(frozen=True)
class Table:
    """A table of `rows` (records or tuples) in `columns`; `thead` False prints no header row on paper
    (Word always writes one); `row_class` gives a printed row its class (the first row of a figure, the
    report's own unit)."""

    css: str
    columns: Sequence[Column]
    rows: Sequence[Any]
    thead: bool = True
    colgroup: bool = True
    row_class: Callable[[Any], str] | None = None
    media: frozenset[str] = BOTH
    kind: ClassVar[str] = "table"

    def printed(self) -> list[Row]:
        """The rows as the page draws them: each printed column's cell, its `sub` line below it."""
        columns = [c for c in self.columns if PRINT in c.media]
        out = []
        for record in self.rows:
            cells = []
            for column in columns:
                cell = _cell(column.cell(record))
                if column.sub is not None:
                    cell = replace(cell, spans=(*cell.spans, Span(column.sub(record), "below")))
                cells.append((column, cell))
            out.append(Row(self.row_class(record) if self.row_class else "", cells))
        return out

    def word(self) -> tuple[list[str], list[list[str]]]:
        """The header and rows as Word writes them: plain text, a `sub` line as a column of its own."""
        header: list[str] = []
        for column in (c for c in self.columns if WORD in c.media):
            header.append(column.header if column.word_header is None else column.word_header)
            header += [column.sub_header] * (column.sub is not None)
        rows = []
        for record in self.rows:
            row: list[str] = []
            for column in (c for c in self.columns if WORD in c.media):
                row.append(column.word(record) if column.word else _cell(column.cell(record)).text)
                row += [column.sub(record)] if column.sub is not None else []
            rows.append(row)
        return header, rows


def _cell(value: Cell | str) -> Cell:
    return value if isinstance(value, Cell) else Cell(str(value))


@dataclass(frozen=True)
class Title:
    """The report's title: on paper the unit's name, its name in the other script and its code; in Word one
    heading."""

    text: str
    other: str
    other_lang: str
    code: str
    word_text: str
    media: frozenset[str] = BOTH
    kind: ClassVar[str] = "title"


@dataclass(frozen=True)
class Heading:
    """A heading: level 1 opens a section, 2 a part of it, 3 an item of a part."""

    text: str
    level: int = 1
    css: str = ""
    media: frozenset[str] = BOTH
    kind: ClassVar[str] = "heading"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; `css` is its look on paper (`lead`, `note`, `meta`...), `bold` its look in Word."""

    text: str
    css: str = ""
    bold: bool = False
    spans: tuple[Span, ...] = ()
    media: frozenset[str] = BOTH
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]
    css: str = ""
    media: frozenset[str] = BOTH
    kind: ClassVar[str] = "bullets"


@dataclass(frozen=True)
class Cards:
    """Key figures as cards: (label, value) pairs."""

    items: Sequence[tuple[str, str]]
    media: frozenset[str] = ONLY_PRINT
    kind: ClassVar[str] = "cards"


@dataclass(frozen=True)
class Kicker:
    """The line above the title: what the report is and where."""

    text: str
    media: frozenset[str] = ONLY_PRINT
    kind: ClassVar[str] = "kicker"


@dataclass(frozen=True)
class Figure:
    """A map: its title, the picture, its caption, a banner when it shows simulated data and a note on
    paper. Without a caption, Word captions the picture with its title."""

    title: str
    drawing: Drawing
    caption: str = ""
    banner: str = ""
    note: str = ""
    media: frozenset[str] = BOTH
    css: str = ""
    """Its look on paper (`locator`: small, beside the title, untitled)."""
    kind: ClassVar[str] = "figure"


@dataclass(frozen=True)
class Contents:
    """The table of contents: (anchor, title) of each section, with the page it starts on."""

    title: str
    entries: Sequence[tuple[str, str]]
    media: frozenset[str] = ONLY_PRINT
    kind: ClassVar[str] = "contents"


@dataclass(frozen=True)
class Group:
    """Blocks kept together under an anchor on paper (the method note, wherever it is placed)."""

    id: str
    blocks: Sequence[Block]
    media: frozenset[str] = BOTH
    kind: ClassVar[str] = "group"


Block = Title | Kicker | Cards | Heading | Paragraph | Bullets | Table | Figure | Contents | Group


@dataclass(frozen=True)
class Page:
    """A section as one medium draws it: its element's class and anchor on paper, and its blocks."""

    css: str
    id: str
    blocks: list[Block] = field(default_factory=list)


def shown_in(blocks: Iterable[Block], medium: str) -> list[Block]:
    """The blocks a medium shows, groups included."""
    out: list[Block] = []
    for block in blocks:
        if medium not in block.media:
            continue
        if isinstance(block, Group):
            block = replace(block, blocks=shown_in(block.blocks, medium))
        out.append(block)
    return out


@dataclass(frozen=True)
class Sheet:
    """A table as the spreadsheet holds it: every column of the frame, under a red banner if it holds
    simulated data."""

    frame: pd.DataFrame
    banner: str = ""
