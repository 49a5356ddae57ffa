"""
A report's maps and charts are drawn without a plotting library: shapes as SVG, words as HTML over them.
What that rests on, checked against WeasyPrint itself: a name measured for placement is as wide as Pango
sets it (so two names placed apart stay apart on paper), an Arabic name reaches the PDF joined and in
reading order, the SVG's coordinates are rounded to a tenth of a pixel, and drawing a report's maps
imports no matplotlib.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from observatory.reports.drawing import PT, Box, Drawing, Words, ltr, text_width, words_box
from observatory.reports.render import weasyprint_html

MIDELT = "08.363.01.03"


def _set_widths(lines: list[str], lang: str) -> list[float]:
    """The width (points) WeasyPrint gives each line set at 7 points in the page's fonts."""
    css = Path(__file__).resolve().parents[1] / "reports" / "templates" / "report.css"
    spans = "".join(f"<p><span style='font-size:7pt;display:inline-block'>{s}</span></p>" for s in lines)
    direction = "rtl" if lang == "ar" else "ltr"
    page = (
        f"<html lang='{lang}' dir='{direction}'><meta charset='utf-8'><style>{css.read_text()}</style>"
        f"<body>{spans}</body></html>"
    )
    widths = []

    def walk(box):
        for child in getattr(box, "children", []):
            if type(child).__name__ == "InlineBlockBox":
                widths.append(child.width * 0.75)  # CSS pixels to points
            else:
                walk(child)

    walk(weasyprint_html()(string=page).render().pages[0]._page_box)
    return widths


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("fr", ["Errachidia", "Boumalne-Dades", "Kalâat M'gouna", "20 km"]),
        ("ar", ["ميدلت", "بومية", "الريش", "فئات وطنية (أخماس الجماعات 1503)"]),
    ],
)
def test_a_name_is_measured_as_wide_as_the_page_sets_it(lang, names):
    measured = [text_width(n, 7) / PT for n in names]
    assert _set_widths(names, lang) == pytest.approx(measured, abs=0.3)


def test_the_svg_is_rounded_and_the_words_lie_over_it():
    drawing = Drawing(300, 200)
    drawing.area(
        [np.array([(10.04, 10.06), (100.123, 10.0), (55.55, 90.0)])], fill="#fef0d9", stroke="white", line=0.3
    )
    drawing.write(Words(words_box(["Midelt"], 7, x=150, y=100), ("Midelt",), 7, bold=True))
    svg = drawing.svg()
    (path,) = re.findall(r' d="([^"]*)"', svg)
    assert path == "M10.0 10.1L100.1 10.0L55.5 90.0Z"  # a tenth of a pixel
    assert "<text" not in svg  # WeasyPrint would set it letter by letter
    html = drawing.html("carte")
    assert "Midelt</span>" in html and "position:absolute" in html and "font-weight:bold" in html
    assert html.count("data:image/svg+xml;base64,") == 1


def test_arabic_names_reach_the_pdf_joined_and_in_reading_order(built_db, tmp_path):
    from observatory.reports.content import gather
    from observatory.reports.view import layout

    content = gather(level="commune", code=MIDELT, lang="ar", db=built_db)
    view = layout(content)
    page = (
        f"<html lang='ar' dir='rtl'><meta charset='utf-8'><body>{view.maps[0].drawing.html()}</body></html>"
    )
    path = tmp_path / "map.pdf"
    path.write_bytes(weasyprint_html()(string=page).write_pdf())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "ميدلت" in text  # the seat, as written: joined letters, right to left
    assert "0,0 – 39,4" in text  # the first class, left to right
    # the picture Word gets is the same drawing, as wide as printed at 150 px an inch
    image = Image.open(io.BytesIO(view.maps[0].drawing.png()))
    assert image.size == (round(view.maps[0].drawing.width), round(view.maps[0].drawing.height))


def test_drawing_a_report_imports_no_plotting_library(built_db):
    code = (
        "import sys\n"
        "from observatory.reports.content import gather\n"
        "from observatory.reports.view import layout\n"
        f"layout(gather(level='commune', code='{MIDELT}', lang='fr', db={str(built_db.target)!r}))\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ltr_keeps_a_range_in_order_on_an_arabic_page():
    assert ltr("0 – 39") == "\u20660 – 39\u2069"
    assert Box(0, 0, 10, 10).overlaps(Box(5, 5, 15, 15)) and not Box(0, 0, 10, 10).overlaps(
        Box(10, 0, 20, 10)
    )
