"""
A report's content laid out as HTML (Jinja2), PDF (WeasyPrint, from that HTML), XLSX (openpyxl, one
sheet per table and a metadata sheet) or DOCX (python-docx, for councils that annotate). Layout
only: every figure comes from `reports.content`, every number is written by `observatory.formatting`.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pandas as pd

from observatory import registry
from observatory.formatting import integer, number, percent

from .content import MapLayer, ReportContent
from .i18n import REVIEW_TEXT, STATUS_MEANING, STATUS_TEXT, licence_words
from .maps import choropleth_png, plan_png
from .output import FORMATS

TEMPLATES = Path(__file__).parent / "templates"


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: Any, unit: str | None, lang: str = "fr") -> str:
    """A figure for print in `lang`: counts whole, rates with one decimal and their unit in the page's
    words."""
    if _missing(value):
        return "–"
    if unit == "percent":
        return percent(value, lang)
    if unit in registry.COUNT_UNITS:
        return integer(value, lang)
    label = registry.unit_label(unit, lang)
    return f"{number(value, lang)}\u00a0{label}" if label else number(value, lang)


def format_change(value: Any, unit: str | None, lang: str, points: str) -> str:
    """A difference with its sign: percentage points for rates (`points` is the plural; French says
    "0,2 point", under 2 in the singular), the figure's own unit otherwise."""
    if _missing(value):
        return "–"
    sign = "+" if float(value) > 0 else "−" if float(value) < 0 else ""
    magnitude = abs(float(value))
    if unit == "percent":
        if lang == "fr" and round(magnitude, 1) < 2:
            points = points.removesuffix("s")
        return f"{sign}{number(magnitude, lang)}\u00a0{points}"
    return sign + format_value(magnitude, unit, lang)


def interval(lower: Any, upper: Any, unit: str | None, lang: str) -> str:
    if _missing(lower) or _missing(upper):
        return ""
    return f"{format_value(lower, unit, lang)} – {format_value(upper, unit, lang)}"


def rank_interval(lower: Any, upper: Any, lang: str) -> str:
    if _missing(lower) or _missing(upper):
        return ""
    return f"{integer(lower, lang)}–{integer(upper, lang)}"


def breakdown(content: ReportContent, sex: str, area: str) -> str:
    """Sex and area in words, e.g. 'femmes · rural'; 'ensemble' for the total."""
    t = content.text
    if sex == "all" and area == "total":
        return t["sex_all"]
    parts = [t[f"sex_{sex}"]] if sex != "all" else []
    parts += [t[f"area_{area}"]] if area != "total" else []
    return " · ".join(parts)


def _draw_layer(content: ReportContent, layer: MapLayer, *, shapes: Any = None) -> bytes:
    t = content.text
    scope = t["classes_national" if shapes is None else "classes_provinces"]
    return choropleth_png(
        content.basemap,
        layer.values,
        layer.national,
        lang=content.lang,
        legend_title=scope,
        missing_label=t["missing"],
        shapes=shapes,
        higher_is_worse=layer.higher_is_worse,
        unit=layer.unit,
        highlight=content.highlight,
    )


def map_images(content: ReportContent) -> list[dict[str, Any]]:
    """Every map as PNG with its title, caption and banner (drawn one after the other: in worker processes it
    was no faster)."""
    t = content.text
    layers = content.maps[:1] if content.level == "commune" else content.maps
    out = []
    for layer in layers:
        note = " ".join(
            [t["map_highlight"]] * (content.highlight is not None)
            + [t["index_simulated"]] * layer.uses_simulated
        )
        out.append(
            {
                "title": layer.title,
                "png": _draw_layer(content, layer),
                "banner": layer.status == "simulated",
                "note": note,
                "caption": t["map_caption"].format(
                    classes=t["classes_national"], source=_source_words(layer)
                ),
            }
        )
    return out


def _source_words(layer: MapLayer) -> str:
    return f"{layer.source} ({layer.status})" if layer.status == "simulated" else layer.source


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def layout(content: ReportContent) -> dict[str, Any]:
    """What the templates lay out: the content, its maps drawn, and the formatters of its language."""
    t, lang = content.text, content.lang
    maps = map_images(content)
    province_map = None
    if content.province_layer is not None:
        province_map = _png_uri(
            _draw_layer(content, content.province_layer, shapes=content.basemap.provinces)
        )
    plan_image = None
    if content.plan is not None and content.level != "commune":
        plan_image = plan_png(
            content.basemap,
            content.plan.coverage_map,
            content.plan.sites,
            lang=lang,
            labels={k: t[k] for k in ("covered", "not_covered", "site")},
        )
    units = {i: registry.get(i).unit for i in content.commune_columns}
    compare = [
        t["level_" + lvl]
        for lvl in (
            ["province", "region"]
            if content.level == "commune"
            else ["region"]
            if content.level == "province"
            else []
        )
    ] + [t["morocco"]]
    return {
        "c": content,
        "t": t,
        "lang": lang,
        "status": STATUS_TEXT[lang],
        "meaning": STATUS_MEANING[lang],
        "maps": [{**m, "uri": _png_uri(m["png"])} for m in maps],
        "province_map": province_map,
        "plan_map": plan_image and _png_uri(plan_image),
        "plan_png": plan_image,
        "units": units,
        "compare": compare,
        "fmt": lambda v, u=None: format_value(v, u, lang),
        "pct": lambda v: percent(v, lang, decimals=0),
        "int": lambda v: integer(v, lang),
        "num": lambda v: number(v, lang),
        "change": lambda v, u: format_change(v, u, lang, t["points"]),
        "interval": lambda lo, hi, u: interval(lo, hi, u, lang),
        "rank_interval": lambda lo, hi: rank_interval(lo, hi, lang),
        "breakdown": lambda s, a: breakdown(content, s, a),
        "licence": lambda x: licence_words(x, lang),
        "kind": lambda k: t.get(f"kind_{k}", k),
        "review_word": lambda s: REVIEW_TEXT[lang].get(s, s),
        "ltr": lambda x: f"\u2066{x}\u2069",
    }


def to_html(content: ReportContent, *, context: dict[str, Any] | None = None) -> str:
    """The report as one self-contained HTML page (maps embedded as PNG data URIs); `context` (from `layout`)
    when the maps are drawn already."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"), **(context or layout(content))
    )


def to_pdf(content: ReportContent, *, html: str | None = None) -> bytes:
    """The report as PDF: WeasyPrint lays out the HTML, shaping Arabic with HarfBuzz."""
    from weasyprint import HTML

    return HTML(string=html or to_html(content), base_url=str(TEMPLATES)).write_pdf()


def _sheet_frame(content: ReportContent, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the spreadsheet shows it: status words, and sex and area beside every labelled row."""
    frame = pd.DataFrame(frame).drop(columns=["geometry", "_s", "_a", "own"], errors="ignore")
    if "status" in frame and "status_words" not in frame:  # a plan's reviews carry their own words
        frame = frame.assign(status_words=frame["status"].map(STATUS_TEXT[content.lang]))
    if name == "communes":
        simulated = [c for c, s in content.column_status.items() if s == "simulated"]
        frame = frame.drop(columns=simulated)
    return frame


def to_xlsx(content: ReportContent) -> bytes:
    """One sheet per table; `columns` gives every commune column's label, unit and status; simulated columns
    go to their own sheet under a banner; `metadata` gives unit, build, code version, sources and licences."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    t = content.text
    book = Workbook()
    meta = book.active
    meta.title = "metadata"
    licences = "; ".join(dict.fromkeys(str(x) for x in content.sources.get("licence", []) if str(x)))
    rows = [
        ("report", f"{t['title']} — {content.name}"),
        ("level", content.level),
        ("code", content.code),
        ("name_fr", content.name_fr),
        ("name_ar", content.name_ar),
        ("language", content.lang),
        ("generated", content.generated),
        ("build_id", content.build["build_id"]),
        ("build_date", content.build["date"]),
        ("code_version", content.build["version"]),
        ("sources", ", ".join(content.sources.get("source_id", []))),
        ("licence", licences),
        ("suppressed", "Suppressed small counts are empty cells."),
        ("sex, area", "all = both sexes, total = urban and rural together; every labelled row carries both."),
        ("simulated", t["simulated_banner"] if content.simulated else "none"),
    ]
    for row in rows:
        meta.append(row)
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 16, 100

    def write(name: str, frame: pd.DataFrame, banner: str | None = None) -> None:
        sheet = book.create_sheet(name[:31])
        if banner:
            sheet.append([banner])
            sheet["A1"].font = Font(bold=True, color="FFFFFF")
            sheet["A1"].fill = PatternFill("solid", fgColor="B30000")
        sheet.append([str(c) for c in frame.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for record in frame.itertuples(index=False):
            sheet.append([None if _missing(v) else (v.item() if hasattr(v, "item") else v) for v in record])
        for i, column in enumerate(frame.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(max(len(str(column)) + 2, 10), 40)
        sheet.freeze_panes = "A3" if banner else "A2"

    for name, frame in content.tables().items():
        write(name, _sheet_frame(content, name, frame))
    statuses = content.column_status
    write(
        "columns",
        pd.DataFrame(
            [
                {
                    "column": c,
                    "label": registry.get(c).label(content.lang),
                    "unit": registry.get(c).unit,
                    "status": s,
                    "status_words": STATUS_TEXT[content.lang].get(s, s),
                    "source": registry.get(c).source,
                }
                for c, s in statuses.items()
            ]
        ),
    )
    simulated = [c for c, s in statuses.items() if s == "simulated"]
    if simulated:
        write("simulated", content.communes[["code", "name_fr", *simulated]], banner=t["simulated_banner"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_docx(content: ReportContent) -> bytes:
    """The report as an editable Word document: the same sections, tables and maps as the PDF."""
    from .word import document

    return document(content, layout(content))


def render(content: ReportContent, fmt: str) -> bytes:
    """The report in a format (pdf, html, xlsx, docx) as bytes."""
    if fmt == "pdf":
        return to_pdf(content)
    if fmt == "html":
        return to_html(content).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(content)
    if fmt == "docx":
        return to_docx(content)
    from observatory.errors import unknown_name

    raise unknown_name("report format", fmt, FORMATS)
