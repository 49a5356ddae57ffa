"""The sections of figures: the région's provinces, the maps, the communes ranked, the changes since 2014
and the modelled estimates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from observatory import registry

from ..blocks import ONLY_PRINT, Block, Cell, Column, Figure, Heading, Paragraph, Sheet, Span, Table, media
from ..content import ReportContent
from ..i18n import STATUS_TEXT
from ..naming import name_column
from ..view import View
from .base import Section
from .front import first_row


class Provinces(Section):
    """The région's provinces ranked among the 75, with their map."""

    id = "provinces"

    def toc(self, v: View) -> str:
        return v.t["provinces"]

    def blocks(self, v: View) -> list[Block]:
        c, t = v.c, v.t
        shown = media(
            printed=c.level == "region" and bool(len(c.provinces)),
            word=c.level == "region" and "rank" in c.provinces,
        )
        columns = [
            Column(t["province"], lambda r: Cell(r.name, (Span(r.code, "code"),)), col="name"),
            Column(t["population"], lambda r: v.int(r.population_2024), col="num", td="num"),
            Column(t["score"], lambda r: v.num(r.index), col="num", td="num"),
            Column(
                t["rank"],
                lambda r: Cell(v.int(r.rank), (Span(t["rank_of"].format(n=v.int(r.n_units)), "aside"),)),
                col="num",
                td="num",
                word=lambda r: v.int(r.rank),
            ),
            Column(t["interval"], lambda r: v.rank_interval(r.rank_lower, r.rank_upper), col="num", td="num"),
        ]
        blocks: list[Block] = [
            Heading(t["provinces"], 1, media=shown),
            Table("provinces", columns, list(c.provinces.itertuples()), media=shown),
        ]
        if v.province_map is not None and c.province_layer is not None:
            layer = c.province_layer
            source = c.credits.get(layer.source, layer.source)
            caption = t["map_caption"].format(classes=t["classes_provinces"], source=source)
            blocks.append(Figure(layer.title, v.province_map, caption, media=ONLY_PRINT & shown))
        return blocks

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"provinces": Sheet(c.provinces)}


class Maps(Section):
    """The index and each dimension mapped in national classes (a commune report: its map in its
    province)."""

    id = "maps"

    def page(self, v: View) -> str:
        return "" if v.commune else "chapter"

    def toc(self, v: View) -> str:
        return v.t["maps"]

    def blocks(self, v: View) -> list[Block]:
        return [Heading(v.t["maps"], 1), *v.maps]


class Communes(Section):
    """The area's communes, most fragile first, on landscape pages; the spreadsheet keeps simulated columns
    on a sheet of their own."""

    id = "tables"

    def page(self, v: View) -> str:
        return "chapter wide"

    def toc(self, v: View) -> str:
        return "" if v.commune else v.t["tables"]

    def blocks(self, v: View) -> list[Block]:
        if v.commune:
            return []
        c, t = v.c, v.t
        name = name_column(v.lang)
        columns = [
            Column(
                t["rank"],
                lambda r: v.int(r["rank"]),
                col="rank",
                td="num",
                sub=lambda r: v.rank_interval(r["rank_lower"], r["rank_upper"]),
                sub_header=t["interval"],
            ),
            Column(t["commune"], lambda r: Cell(r[name], (Span(r["code"], "code"),)), col="name"),
            Column(t["province"], lambda r: r["province"], col="prov"),
            Column(t["type"], lambda r: t.get("area_" + r["type"], r["type"]), col="type", media=ONLY_PRINT),
            Column(t["population"], lambda r: v.int(r["population_2024"]), col="pop", td="num"),
            *[
                Column(
                    label,
                    _figure(v, key),
                    td="num",
                    status=v.status.get(c.column_status[key], ""),
                )
                for key, label in c.commune_columns.items()
            ],
        ]
        return [
            Heading(t["tables"], 1),
            Paragraph(
                t["tables_note"].format(n=v.int(c.communes.get("n_units", pd.Series(dtype=float)).max())),
                css="note",
            ),
            Table("communes", columns, c.communes.to_dict("records")),
        ]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        simulated = [k for k, s in c.column_status.items() if s == "simulated"]
        columns = pd.DataFrame(
            [
                {
                    "column": k,
                    "label": registry.get(k).label(c.lang),
                    "unit": registry.get(k).unit,
                    "status": s,
                    "status_words": STATUS_TEXT[c.lang].get(s, s),
                    "source": c.credits.get(registry.get(k).source, registry.get(k).source),
                }
                for k, s in c.column_status.items()
            ]
        )
        out = {"communes": Sheet(c.communes.drop(columns=simulated)), "columns": Sheet(columns)}
        if simulated:
            out["simulated"] = Sheet(c.communes[["code", "name_fr", *simulated]], c.text["simulated_banner"])
        return out


class Changes(Section):
    """2014 → 2024 for the unit, each sex and area, the total first."""

    id = "changes"

    def page(self, v: View) -> str:
        return "" if v.commune else "chapter"

    def toc(self, v: View) -> str:
        return v.t["changes"]

    def blocks(self, v: View) -> list[Block]:
        t = v.t
        columns = [
            Column(
                t["figure"],
                lambda r: r["label"] if first_row(r) else "",
                col="label",
                word=lambda r: r["label"],
            ),
            Column(f"{t['sex']} · {t['area']}", lambda r: v.breakdown(r["sex"], r["area"]), col="breakdown"),
            Column("2014", lambda r: v.fmt(r["value_2014"], r["unit"]), td="num"),
            Column("2024", lambda r: v.fmt(r["value_2024"], r["unit"]), td="num"),
            Column(t["change"], lambda r: v.change(r["change"], r["unit"]), td="num"),
        ]
        rows = v.c.changes.to_dict("records")
        return [
            Heading(t["changes"], 1),
            Table("changes", columns, rows, row_class=lambda r: "first" if first_row(r) else "sub"),
        ]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"changes": Sheet(c.changes)}


class Models(Section):
    """Modelled estimates and forecasts for the unit and Morocco, with their intervals."""

    id = "models"

    def page(self, v: View) -> str:
        return ""

    def toc(self, v: View) -> str:
        return "" if v.commune else v.t["models"]

    def blocks(self, v: View) -> list[Block]:
        c, t = v.c, v.t
        if v.commune:
            return []
        if not len(c.models):
            return [
                Heading(t["models"], 1, media=ONLY_PRINT),
                Paragraph(t["no_models"], css="note", media=ONLY_PRINT),
            ]
        columns = [
            Column(
                t["figure"], lambda r: r["label"] if r["_new"] else "", col="label", word=lambda r: r["label"]
            ),
            Column("", lambda r: t["morocco"] if r["unit_code"] == "MA" else c.name, col="where"),
            Column(f"{t['sex']} · {t['area']}", lambda r: v.breakdown(r["sex"], r["area"]), col="breakdown"),
            Column(t["year"], lambda r: str(r["period"]), col="year", td="num"),
            Column(t["value"], lambda r: v.fmt(r["value"], r["unit"]), col="value", td="num"),
            Column(
                t["interval"],
                v.bounds,
                col="interval",
                td="num interval",
            ),
            Column(t["status"], lambda r: v.status.get(r["status"], r["status"]), col="status", td="status"),
        ]
        return [Heading(t["models"], 1), Table("models", columns, _opening(c.models.to_dict("records")))]

    def sheets(self, c: ReportContent) -> dict[str, Sheet]:
        return {"models": Sheet(c.models)}


def _figure(v: View, key: str) -> Callable[[dict[str, Any]], str]:
    """The cell of an indicator's column in the communes table."""
    unit = v.units[key]
    return lambda r: v.fmt(r[key], unit)


def _opening(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows marked `_new` where a figure starts (its label is printed there only)."""
    previous = [None, *(r["indicator_id"] for r in rows[:-1])]
    return [{**r, "_new": r["indicator_id"] != p} for r, p in zip(rows, previous, strict=True)]
