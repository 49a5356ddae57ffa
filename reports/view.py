"""
A report's content as its sections read it: the content, its words, its numbers written in the page's
language, and its maps drawn (once, for the printed page and the Word document alike).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from observatory import registry
from observatory.formatting import bounds, integer, interval, number, percent, quantity

from .blocks import Figure
from .charts import profile_chart
from .content import ReportContent
from .drawing import Drawing
from .i18n import REVIEW_TEXT, STATUS_MEANING, STATUS_TEXT, licence_words
from .layers import MapLayer
from .maps import choropleth, locator_map, plan_map
from .numbers import format_change, rank_interval


@dataclass
class View:
    """The content, its words and formats, and its drawn maps; `contents` is the table of contents the
    document fills in once it knows its sections."""

    c: ReportContent
    maps: list[Figure]
    province_map: Drawing | None
    plan_map: Drawing | None
    contents: list[tuple[str, str]] = field(default_factory=list)
    locator: Drawing | None = None
    profile: Drawing | None = None
    """The key rates beside the comparisons and the age pyramid (`charts.profile_chart`)."""

    @property
    def t(self) -> dict[str, str]:
        return self.c.text

    @property
    def lang(self) -> str:
        return self.c.lang

    @property
    def commune(self) -> bool:
        """A commune report: shaped for one commune (no ranked tables, the method in the annex)."""
        return self.c.level == "commune"

    @property
    def status(self) -> dict[str, str]:
        """Statuses in the page's words."""
        return STATUS_TEXT[self.lang]

    @property
    def meaning(self) -> dict[str, str]:
        return STATUS_MEANING[self.lang]

    @property
    def units(self) -> dict[str, str]:
        """The unit of each commune column."""
        return {i: registry.get(i).unit for i in self.c.commune_columns}

    @property
    def compare(self) -> list[str]:
        """The units the key figures are compared with, in words."""
        levels = {"commune": ["province", "region"], "province": ["region"]}.get(self.c.level, [])
        return [self.t["level_" + lvl] for lvl in levels] + [self.t["morocco"]]

    def fmt(self, value: Any, unit: str | None = None) -> str:
        return quantity(value, unit, self.lang)

    def pct(self, value: Any) -> str:
        return percent(value, self.lang, decimals=0)

    def int(self, value: Any) -> str:
        return integer(value, self.lang)

    def num(self, value: Any) -> str:
        return number(value, self.lang)

    def change(self, value: Any, unit: str | None) -> str:
        return format_change(value, unit, self.lang)

    def interval(self, lower: Any, upper: Any, unit: str | None) -> str:
        return interval(lower, upper, unit, self.lang)

    def bounds(self, row: Mapping[str, Any]) -> str:
        """A figure's 90% interval, else its scenario band named as one."""
        return bounds(
            row.get("lower"),
            row.get("upper"),
            row.get("scenario_low"),
            row.get("scenario_high"),
            row["unit"],
            self.lang,
        )

    def rank_interval(self, lower: Any, upper: Any) -> str:
        return rank_interval(lower, upper, self.lang)

    def breakdown(self, sex: str, area: str) -> str:
        """Sex and area in words, e.g. 'femmes · rural'; 'ensemble' for the total."""
        t = self.t
        if sex == "all" and area == "total":
            return t["sex_all"]
        parts = [t[f"sex_{sex}"]] if sex != "all" else []
        parts += [t[f"area_{area}"]] if area != "total" else []
        return " · ".join(parts)

    def licence(self, licence: str) -> str:
        return licence_words(licence, self.lang)

    def kind(self, kind: str) -> str:
        return self.t.get(f"kind_{kind}", kind)

    def review_word(self, status: str) -> str:
        return REVIEW_TEXT[self.lang].get(status, status)


def ltr(text: Any) -> str:
    """A range or date set left to right inside a sentence of any direction."""
    return f"\u2066{text}\u2069"


def _draw_layer(content: ReportContent, layer: MapLayer, *, shapes: Any = None) -> Drawing:
    t = content.text
    return choropleth(
        content.basemap,
        layer.values,
        layer.national,
        lang=content.lang,
        legend_title=t["classes_national" if shapes is None else "classes_provinces"],
        missing_label=t["missing"],
        shapes=shapes,
        higher_is_worse=layer.higher_is_worse,
        unit=layer.unit,
        highlight=content.highlight,
    )


def map_images(content: ReportContent) -> list[Figure]:
    """Every map drawn, with its title, caption, banner and note (one after the other: in worker processes
    it was no faster)."""
    t = content.text
    layers = content.maps[:1] if content.level == "commune" else content.maps
    out = []
    for layer in layers:
        note = " ".join(
            [t["map_highlight"]] * (content.highlight is not None)
            + [t["index_simulated"]] * layer.uses_simulated
        )
        source = content.credits.get(layer.source, layer.source)
        out.append(
            Figure(
                title=layer.title,
                drawing=_draw_layer(content, layer),
                caption=t["map_caption"].format(classes=t["classes_national"], source=source),
                banner=t["simulated_banner"] if layer.status == "simulated" else "",
                note=note,
            )
        )
    return out


def layout(content: ReportContent) -> View:
    """The content with its maps drawn: what every medium lays out."""
    province_map = None
    if content.province_layer is not None:
        province_map = _draw_layer(content, content.province_layer, shapes=content.basemap.provinces)
    plan = None
    if content.plan is not None and content.level != "commune":
        plan = plan_map(
            content.basemap,
            content.plan.coverage_map,
            content.plan.sites,
            lang=content.lang,
            labels={k: content.text[k] for k in ("covered", "not_covered", "site")},
        )
    view = View(content, map_images(content), province_map, plan)
    view.locator = locator_map(content.locator) if content.locator is not None else None
    view.profile = profile_chart(view)
    return view
