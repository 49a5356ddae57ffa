"""
The report as an editable Word document (python-docx), for councils that annotate a report before
tabling it: the same sections, figures, statuses and maps as the PDF, in the same words. Arabic
paragraphs and tables are set right to left.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd


def _rtl(paragraph: Any) -> None:
    from docx.oxml import OxmlElement

    paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))


def _table_rtl(table: Any) -> None:
    from docx.oxml import OxmlElement

    table._tbl.tblPr.append(OxmlElement("w:bidiVisual"))


def document(content: Any, context: dict[str, Any]) -> bytes:
    """The Word file of a report, laid out from the same context as the HTML template."""
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    t, rtl = context["t"], content.lang == "ar"
    fmt, status, breakdown = context["fmt"], context["status"], context["breakdown"]
    doc = Document()
    doc.styles["Normal"].font.size = Pt(9.5)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(1.8)

    def para(text: str, style: str | None = None) -> Any:
        p = doc.add_paragraph(text, style=style)
        if rtl:
            _rtl(p)
        return p

    def heading(text: str, level: int) -> None:
        h = doc.add_heading(text, level=level)
        if rtl:
            _rtl(h)

    def table(header: list[str], rows: list[list[str]]) -> None:
        grid = doc.add_table(rows=1, cols=len(header))
        grid.style = "Light Grid Accent 1"
        if rtl:
            _table_rtl(grid)
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = text
        for row in rows:
            cells = grid.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = str(text)
        for row in grid.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(8)

    def picture(png: bytes, caption: str, banner: bool = False) -> None:
        if banner:
            run = para("").add_run(t["simulated_banner"])
            run.bold, run.font.color.rgb = True, RGBColor(0xB3, 0, 0)
        doc.add_picture(io.BytesIO(png), width=Cm(15))
        para(caption).runs[0].font.size = Pt(8)

    b = content.brief
    heading(f"{content.name} — {t['title']}", 0)
    para(
        f"{t['population']} : {context['int'](content.population)} · {t['households']} : "
        f"{context['int'](content.households)}"
    )
    heading(t["brief"], 1)
    heading(t["standing"], 2)
    para(b.standing)
    if len(b.peers):
        table(
            [t["name"], t["score"], t["rank"], t["interval"]],
            [
                [
                    r.name,
                    context["num"](r.index),
                    f"{context['int'](r.rank)} {t['rank_of'].format(n=int(r.n_units))}",
                    context["rank_interval"](r.rank_lower, r.rank_upper),
                ]
                for r in b.peers.itertuples()
            ],
        )
    if len(b.act_first):
        heading(t["act_first"], 2)
        table(
            [t["rank"], t["interval"], t["commune"], t["province"], t["certainty"], t["reason"]],
            [
                [
                    context["int"](r.rank),
                    context["rank_interval"](r.rank_lower, r.rank_upper),
                    r.name,
                    r.province,
                    r.certainty,
                    r.reason,
                ]
                for r in b.act_first.itertuples()
            ],
        )
    heading(t["plan_brief"], 2)
    para(b.plan)
    heading(t["caveats"], 2)
    for caveat in b.caveats:
        para(caveat, style="List Bullet")

    heading(t["profile"] if content.level == "commune" else t["key_figures"], 1)
    table(
        [
            t["figure"],
            f"{t['sex']} · {t['area']}",
            t["year"],
            content.name,
            t["interval"],
            *context["compare"],
            t["status"],
        ],
        [
            [
                r["label"],
                breakdown(r["sex"], r["area"]),
                r["year"],
                fmt(r["value"], r["unit"]),
                context["interval"](r["lower"], r["upper"], r["unit"]),
                *[fmt(r[f"compare_{i}"], r["unit"]) for i in range(len(context["compare"]))],
                status.get(r["status"], r["status"]),
            ]
            for r in content.key_figures.to_dict("records")
        ],
    )

    heading(t["method"], 1)
    for text in content.method["paragraphs"]:
        para(text)
    table(
        [t["dimension"], t["components"]],
        [[d["name"], "; ".join(d["components"])] for d in content.method["dimensions"]],
    )
    if content.method.get("summary"):
        heading(content.method["summary_title"], 2)
    for section in content.method.get("summary", []):
        heading(section.title, 3)
        para(section.text)

    if content.level == "region" and "rank" in content.provinces:
        heading(t["provinces"], 1)
        table(
            [t["province"], t["population"], t["score"], t["rank"], t["interval"]],
            [
                [
                    r.name,
                    context["int"](r.population_2024),
                    context["num"](r.index),
                    context["int"](r.rank),
                    context["rank_interval"](r.rank_lower, r.rank_upper),
                ]
                for r in content.provinces.itertuples()
            ],
        )

    heading(t["maps"], 1)
    for m in context["maps"]:
        heading(m["title"], 3)
        picture(m["png"], m["caption"], m["banner"])

    if content.level != "commune":
        heading(t["tables"], 1)
        para(t["tables_note"])
        columns = list(content.commune_columns)
        table(
            [
                t["rank"],
                t["interval"],
                t["commune"],
                t["province"],
                t["population"],
                *content.commune_columns.values(),
            ],
            [
                [
                    context["int"](r["rank"]),
                    context["rank_interval"](r["rank_lower"], r["rank_upper"]),
                    r["name_ar" if rtl else "name_fr"],
                    r["province"],
                    context["int"](r["population_2024"]),
                    *[fmt(r[c], context["units"][c]) for c in columns],
                ]
                for r in content.communes.to_dict("records")
            ],
        )

    heading(t["changes"], 1)
    table(
        [t["figure"], f"{t['sex']} · {t['area']}", "2014", "2024", t["change"]],
        [
            [
                r["label"],
                breakdown(r["sex"], r["area"]),
                fmt(r["value_2014"], r["unit"]),
                fmt(r["value_2024"], r["unit"]),
                context["change"](r["change"], r["unit"]),
            ]
            for r in content.changes.to_dict("records")
        ],
    )
    if content.level != "commune" and len(content.models):
        heading(t["models"], 1)
        table(
            [t["figure"], "", f"{t['sex']} · {t['area']}", t["year"], t["value"], t["interval"], t["status"]],
            [
                [
                    r["label"],
                    t["morocco"] if r["unit_code"] == "MA" else content.name,
                    breakdown(r["sex"], r["area"]),
                    r["period"],
                    fmt(r["value"], r["unit"]),
                    context["interval"](r["lower"], r["upper"], r["unit"]),
                    status.get(r["status"], r["status"]),
                ]
                for r in content.models.to_dict("records")
            ],
        )

    if content.plan is not None:
        p = content.plan
        heading(t["plan"], 1)
        para("").add_run(p.review).bold = True
        for sentence in p.sentences:
            para(sentence)
        if context.get("plan_png"):
            picture(context["plan_png"], t["plan_map"])
        if len(p.sites):
            heading(t["plan_sites"], 2)
            table(
                [
                    t["commune"],
                    t["province"],
                    t["kind"],
                    t["need_served"],
                    t["languages_needed"],
                    t["voice_only"],
                ],
                [
                    [
                        r.commune,
                        r.province,
                        context["kind"](r.kind),
                        context["int"](r.need_served),
                        r.languages,
                        context["pct"](r.voice_only_share),
                    ]
                    for r in p.sites.itertuples()
                ],
            )
        heading(t["plan_languages"], 2)
        for sentence in p.language_sentences:
            para(sentence)
        if content.level != "commune":
            table(
                [t["language"], t["sites_here"], t["sites_morocco"]],
                [
                    [r.name, context["int"](r.sites_here), context["int"](r.sites_morocco)]
                    for r in p.languages.itertuples()
                ],
            )
        heading(t["plan_coverage"], 2)
        table(
            ["", "", t["need"], t["covered_share"], t["left_out_count"]],
            [
                [
                    r.scope,
                    r.group,
                    context["int"](r.need),
                    context["pct"](r.covered_share),
                    context["int"](r.communes_left_out),
                ]
                for r in p.coverage.itertuples()
            ],
        )
        if len(p.left_out):
            heading(t["plan_left_out"], 2)
            table(
                [t["commune"], t["province"], t["need"], t["distance"]],
                [
                    [r.commune, r.province, context["int"](r.need), fmt(r.distance_km, "km")]
                    for r in p.left_out.itertuples()
                ],
            )
        heading(t["plan_parameters"], 2)
        table(
            ["", ""],
            [[k, v] for k, v in p.parameters]
            + [[t["plan_status"], f"{context['review_word'](p.status)} ({p.plan_id})"]],
        )
        if len(p.reviews):
            heading(t["plan_reviews"], 2)
            table(
                [t["status"], t["reviewer"], t["reviewed_at"], t["review_reason"]],
                [
                    [r.status_words, r.reviewer, str(r.reviewed_at)[:16], r.reason]
                    for r in p.reviews.itertuples()
                ],
            )

    heading(t["annex"], 1)
    para(t["build"].format(date=content.build["date"], version=content.build["version"]))
    heading(t["status_legend"], 2)
    table([t["status"], ""], [[status[k], v] for k, v in context["meaning"].items()])
    heading(t["sources"], 2)
    table(
        [t["source"], t["licence"]],
        [
            [" · ".join(x for x in (r.source_id, r.title, r.url) if x), context["licence"](r.licence)]
            for r in content.sources.itertuples()
        ],
    )
    heading(t["files"], 2)
    table(
        [t["file"], "SHA-256", t["jobs"]],
        [[r.file, r.sha256[:16], r.jobs] for r in content.files.itertuples()],
    )
    heading(t["provenance"], 2)
    table(
        [t["figure"], t["status"], t["source"]],
        [
            [r.label, ", ".join(status.get(x, x) for x in r.status.split(", ")), r.source_id]
            for r in pd.DataFrame(content.provenance).itertuples()
        ],
    )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
