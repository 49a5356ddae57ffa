"""
A report's content laid out as HTML (Jinja2), PDF (WeasyPrint, from that HTML), XLSX (openpyxl) or DOCX
(python-docx): each draws the same list of sections (`reports.sections`). Layout only: every figure comes
from `reports.content`, every number is written by `observatory.formatting`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .blocks import PRINT
from .content import ReportContent
from .output import FORMATS
from .sections import pages
from .view import View, layout

TEMPLATES = Path(__file__).parent / "templates"
#: Held while WeasyPrint is imported with the library search switched off (`weasyprint_html`).
_IMPORTING = threading.Lock()
#: Held while `warm` runs; set once it has.
_WARMING = threading.Lock()
_WARMED = threading.Event()
#: Modules WeasyPrint imports as it starts but uses only for a font HarfBuzz cannot subset (fontTools'
#: subsetter) or a variable font (fontTools' instancer): 65 ms of CPU in every report process, for fonts
#: the reports never use. They are imported when first called.
_DEFERRED = ("fontTools.subset", "fontTools.varLib.instancer")


def _no_search(name: str) -> None:
    return None


class _ImportedOnFirstCall(types.ModuleType):
    """Stands for a module while WeasyPrint is imported: each name taken from it is a function that imports
    the module and calls that name (WeasyPrint only calls what it takes from these modules)."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        module = self.__name__

        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module(module), name)(*args, **kwargs)

        return call


@contextlib.contextmanager
def _deferred_imports() -> Any:
    """The `_DEFERRED` modules stand-ins while the block runs, unless a module is imported already."""
    standing = {name: _ImportedOnFirstCall(name) for name in _DEFERRED if name not in sys.modules}
    sys.modules.update(standing)
    try:
        yield
    finally:
        for name, stand_in in standing.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


def weasyprint_html() -> Any:
    """
    WeasyPrint's HTML class, imported without the library search its first import pays: cffi looks up
    every name WeasyPrint tries for a library (libpango-1.0-0, pango-1.0-0, ...) with
    `ctypes.util.find_library`, which runs ldconfig, gcc and ld for each name that is not a file: 54
    programs, 0.2 s of CPU and half a second of waiting before a report's first page. The names that are
    files (libpango-1.0.so.0) load without it; where none of them is found, the import runs again with
    the search (and WeasyPrint's own advice if even that fails). fontTools' subsetter and instancer are
    imported when WeasyPrint first calls them (`_DEFERRED`).
    """
    import ctypes.util

    with _IMPORTING:
        if "weasyprint" not in sys.modules:
            search = ctypes.util.find_library
            ctypes.util.find_library = _no_search
            try:
                # WeasyPrint prints its advice on failure
                with contextlib.redirect_stdout(io.StringIO()), _deferred_imports():
                    import weasyprint  # noqa: F401
            except OSError:
                for name in [m for m in sys.modules if m.partition(".")[0] == "weasyprint"]:
                    del sys.modules[name]
            finally:
                ctypes.util.find_library = search
        from weasyprint import HTML

    return HTML


def warm() -> None:
    """
    Pay, once per process, what its first report pays before any of its own work: the imports of the
    readers and WeasyPrint, fontconfig's list of fonts and the fonts of both scripts. A server
    calls it in the background as it starts, and each of its reports calls it first: a report asked while
    it runs waits for it rather than loading the same fonts beside it.
    """
    with _WARMING:
        if _WARMED.is_set():
            return
        from . import content  # noqa: F401
        from .drawing import text_width

        for words in ("Nord 1 km", "الشمال"):  # the fonts the maps' names are measured in
            text_width(words, 7)
        sample = "<p>Rapport 1\u202f234,5 %</p><p lang='ar' dir='rtl'>تقرير ١٢٣</p>"
        _, css = _page()
        weasyprint_html()(string=f"<html><style>{css}</style><body>{sample}</body></html>").write_pdf()
        _WARMED.set()


@functools.cache
def _page() -> tuple[Any, str]:
    """The page template, compiled once per process (a server renders many reports), and its stylesheet.
    Its compiled code is kept in the user's cache folder, checked against the template's text: compiling
    it was 20 ms of each `observatory report`."""
    from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, select_autoescape

    from observatory.settings import user_cache

    compiled = user_cache() / "templates"
    with contextlib.suppress(OSError):
        compiled.mkdir(parents=True, exist_ok=True)
    cache = FileSystemBytecodeCache(str(compiled)) if compiled.is_dir() else None
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), bytecode_cache=cache
    )
    return env.get_template("report.html"), (TEMPLATES / "report.css").read_text(encoding="utf-8")


def to_html(content: ReportContent, *, context: View | None = None) -> str:
    """The report as one self-contained HTML page (maps embedded as PNG data URIs); `context` (from `layout`)
    when the maps are drawn already."""
    view = context or layout(content)
    template, css = _page()
    html: str = template.render(
        css=css,
        lang=content.lang,
        direction=content.direction,
        level=content.level,
        name=content.name,
        t=content.text,
        pages=pages(view, PRINT),
    )
    return html


def to_pdf(content: ReportContent, *, html: str | None = None) -> bytes:
    """The report as PDF: WeasyPrint lays out the HTML, shaping Arabic with HarfBuzz."""
    html_class = weasyprint_html()
    pdf: bytes = html_class(string=html or to_html(content), base_url=str(TEMPLATES)).write_pdf()
    return pdf


def render(content: ReportContent, fmt: str) -> bytes:
    """The report in a format (pdf, html, xlsx, docx) as bytes."""
    if fmt == "pdf":
        return to_pdf(content)
    if fmt == "html":
        return to_html(content).encode("utf-8")
    if fmt == "xlsx":
        from .workbook import workbook

        return workbook(content)
    if fmt == "docx":
        from .word import document

        return document(layout(content))
    from observatory.errors import unknown_name

    raise unknown_name("report format", fmt, FORMATS)
