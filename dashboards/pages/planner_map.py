"""
The planner's map, made to be read without hovering: the communes of the plan's scope shaded by whether
a site reaches most of their need, with their outlines and, where there is room, their names; the
province lines (the région lines on a national plan); the main towns; every site a numbered marker whose
number is its row in the table of sites. Its legend is written into the figure, so a downloaded PNG
carries it, and listed beside the map for screen readers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html

from observatory import i18n

from .. import figures
from ..data import AppData
from ..i18n import number, place_name, t
from .explorer_view import TOWNS_APART, TOWNS_SHOWN
from .planner_sites import numbered_sites

SITE_COLOURS = {"service_point": "#b30000", "training_centre": "#08519c"}
SITE_SYMBOLS = {"service_point": ("circle", "\u25cf"), "training_centre": ("square", "\u25a0")}
REACHED, NOT_REACHED = "#a1d99b", "#f4f4f4"
COMMUNE_LINE, PROVINCE_LINE, TOWN_COLOUR, COMMUNE_NAME = "#9a9a9a", "#262626", "#111111", "#555555"
#: Commune names drawn on a map of one région, largest communes first, and how far apart (degrees) two
#: names must be (a town's label counts): more would overlap at the map's size.
COMMUNE_NAMES, NAMES_APART = 14, 0.3
#: A town's name moves below a site's marker this close to it (degrees): the marker would hide it.
NEAR_SITE = 0.12
#: A halo behind every name, so it reads over any shading and line.
HALO = "1px 1px 1px #fff, -1px -1px 1px #fff, 1px -1px 1px #fff, -1px 1px 1px #fff"


def reached_classes(result: dict[str, Any], codes: list[str]) -> np.ndarray:
    """1 where a site of a plan on screen reaches at least half of a commune's need (its need may lie at
    several demand points), else 0."""
    covered = pd.Series(0, index=codes)
    for body in result["plans"].values():
        share = pd.DataFrame(body["coverage"]).groupby("code")["covered"].mean()
        covered = covered.where(share.reindex(codes).fillna(0) < 0.5, 1)
    classes: np.ndarray = covered.to_numpy(dtype=int)
    return classes


def label_points(geojson: dict[str, Any]) -> pd.DataFrame:
    """Where a commune's name goes (the centre of its largest ring's bounding box) and the box's area,
    by code: a rough size to pick the communes whose names fit."""
    rows = []
    for feature in geojson["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        )
        best: tuple[float, float, float] = (0.0, 0.0, -1.0)
        for polygon in polygons:
            ring = np.asarray(polygon[0], dtype=float)
            (x0, y0), (x1, y1) = ring.min(axis=0), ring.max(axis=0)
            if (x1 - x0) * (y1 - y0) > best[2]:
                best = ((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * (y1 - y0))
        rows.append({"code": feature["id"], "lon": best[0], "lat": best[1], "size": best[2]})
    return pd.DataFrame(rows, columns=["code", "lon", "lat", "size"])


def spaced(points: pd.DataFrame, apart: float, limit: int, taken: list[tuple[float, float]]) -> list[int]:
    """Positions of the rows (in order) kept at least `apart` degrees from each other and from `taken`."""
    kept: list[int] = []
    for i, (lon, lat) in enumerate(zip(points["lon"], points["lat"], strict=True)):
        if len(kept) == limit:
            break
        if all(np.hypot(lon - x, lat - y) >= apart for x, y in taken):
            kept.append(i)
            taken.append((lon, lat))
    return kept


def plan_towns(data: AppData, region: str, lang: str) -> pd.DataFrame:
    """The largest towns of the plan's scope, apart enough to read, named in the page's language."""
    depth = "region" if region else "country"
    towns = data.towns()
    towns = towns[towns.region_code == region] if region else towns
    towns = towns.iloc[spaced(towns, TOWNS_APART[depth], TOWNS_SHOWN[depth], [])]
    return towns.assign(label=[place_name(r, lang) for r in towns.to_dict("records")])


def boundary_lines(data: AppData, region: str) -> tuple[list[float | None], list[float | None]]:
    """The province lines of a région (the région lines of Morocco): one trace, None between rings."""
    level = "province" if region else "region"
    lons: list[float | None] = []
    lats: list[float | None] = []
    for code, (x, y) in data.outlines(level).items():
        if not region or code.startswith(region + "."):
            lons += x
            lats += y
    return lons, lats


def legend_entries(result: dict[str, Any], region: str, lang: str) -> list[tuple[str, str, str]]:
    """(mark, colour, words) of every mark and shading the map draws."""
    entries = [
        ("\u25a0", REACHED, t("planner.legend_reached", lang)),
        ("\u25a1", COMMUNE_LINE, t("planner.legend_not_reached", lang)),
    ]
    entries += [
        (SITE_SYMBOLS[kind][1], SITE_COLOURS[kind], t(f"planner.legend_{kind}", lang))
        for kind in SITE_SYMBOLS
        if kind in result["plans"]
    ]
    entries += [
        (
            "\u2014",
            PROVINCE_LINE,
            t("planner.legend_provinces" if region else "planner.legend_regions", lang),
        ),
        ("\u2014", COMMUNE_LINE, t("planner.legend_communes", lang)),
        ("\u2022", TOWN_COLOUR, t("planner.legend_towns", lang)),
    ]
    if region:
        entries.append(("A", COMMUNE_NAME, t("planner.legend_commune_names", lang)))
    return entries


def legend_note(result: dict[str, Any], lang: str) -> str:
    """What 'within reach' means on the map, and what a site's number is."""
    radius = result.get("radius_km")
    return t("planner.legend_note", lang, radius=number(radius, lang, decimals=0) if radius else "–")


def map_legend(result: dict[str, Any], lang: str) -> html.Div:
    """The map's legend as a list beside the map (the same words as the one written into the figure)."""
    region = result.get("region") or ""
    return html.Div(
        [
            html.H3(t("planner.legend_title", lang)),
            html.Ul(
                [
                    html.Li([html.Span(mark, className="mark", style={"color": colour}), html.Span(words)])
                    for mark, colour, words in legend_entries(result, region, lang)
                ],
                className="legend-list plan-legend-list",
            ),
            html.P(legend_note(result, lang), className="legend-note"),
        ],
        className="legend plan-legend",
        id="plan-legend",
    )


#: The figure's bottom margin, where its legend (two columns) and source are written, clear of the map.
LEGEND_MARGIN = 120


def _annotation(result: dict[str, Any], region: str, lang: str) -> list[dict[str, Any]]:
    lines = [
        f"<span style='color:{colour}'>{mark}</span> {figures.escape_annotation(words)}"
        for mark, colour, words in legend_entries(result, region, lang)
    ]
    half = (len(lines) + 1) // 2
    right = i18n.is_rtl(lang)
    common = {"xref": "paper", "yref": "paper", "showarrow": False, "yanchor": "top"}
    columns = [
        {
            **common,
            "text": "<br>".join(column),
            "x": (1.0 - x) if right else x,
            "y": 0,
            "yshift": -6,
            "xanchor": "right" if right else "left",
            "align": "right" if right else "left",
            "font": {"size": 10, "color": "#222222"},
            "name": "legend",
        }
        for x, column in ((0.0, lines[:half]), (0.5, lines[half:]))
    ]
    source = {
        **common,
        "text": "<br>".join(figures.escape_annotation(p) for p in t("planner.map_source", lang).split(" · ")),
        "x": 1.0 if right else 0.0,
        "y": 0,
        "yshift": -66,
        "xanchor": "right" if right else "left",
        "font": {"size": 9, "color": "#444444"},
        "name": "source",
    }
    return [*columns, source]


def plan_figure(data: AppData, result: dict[str, Any], lang: str) -> go.Figure:
    """The map of the plans on screen: communes reached or not, outlines, names, towns, numbered sites."""
    region = result.get("region") or ""
    units = data.scope("commune", region=region)
    codes = units.code.tolist()
    names = [place_name(r, lang) for r in units.to_dict("records")]
    geojson = data.geojson_for("commune", codes)
    towns = plan_towns(data, region, lang)
    figure = figures.choropleth(
        geojson,
        codes,
        names,
        reached_classes(result, codes),
        [NOT_REACHED, REACHED],
        [[None, None] for _ in codes],
        "<b>%{text}</b><extra></extra>",
        lang=lang,
        outlines=boundary_lines(data, region),
        towns=towns,
        annotations=_annotation(result, region, lang),
    )
    figure.update_traces(
        marker_line_color=COMMUNE_LINE, marker_line_width=0.4, selector={"type": "choropleth"}
    )
    # A town with a site's marker on it gets its name below the marker, not under it.
    sites = numbered_sites(result)
    below = [
        bool(len(sites)) and bool((np.hypot(sites["lon"] - x, sites["lat"] - y) < NEAR_SITE).any())
        for x, y in zip(towns["lon"], towns["lat"], strict=True)
    ]
    figure.update_traces(
        text=[f"<br>{x}" if b else x for x, b in zip(towns["label"], below, strict=True)],
        textposition=["bottom center" if b else "top center" for b in below],
        textfont={"size": 11, "color": TOWN_COLOUR, "shadow": HALO},
        selector={"name": "towns"},
    )
    if region:
        _commune_names(figure, geojson, units, towns, lang)
    for kind, part in sites.groupby("plan_kind", sort=False):
        figure.add_trace(
            go.Scattergeo(
                lon=part["lon"],
                lat=part["lat"],
                mode="markers+text",
                text=part["number"].astype(str),
                textfont={"size": 10, "color": "#ffffff"},
                marker={
                    "size": 19,
                    "color": SITE_COLOURS[str(kind)],
                    "symbol": SITE_SYMBOLS[str(kind)][0],
                    "line": {"width": 1.2, "color": "#ffffff"},
                },
                customdata=[
                    place_name(r, lang) if isinstance(r.get("name_fr"), str) else r["code"]
                    for r in part.merge(units, on="code", how="left").to_dict("records")
                ],
                hovertemplate="<b>%{text}. %{customdata}</b><br>"
                + t(f"site_{kind}", lang)
                + "<extra></extra>",
                name=str(kind),
                showlegend=False,
            )
        )
    figure.update_layout(showlegend=False, height=560 + LEGEND_MARGIN, margin={"b": LEGEND_MARGIN})
    return figure


def _commune_names(
    figure: go.Figure, geojson: dict[str, Any], units: pd.DataFrame, towns: pd.DataFrame, lang: str
) -> None:
    """The names of the largest communes of a région, apart from each other and from the towns' names."""
    points = label_points(geojson).merge(units, on="code").sort_values("size", ascending=False)
    taken = list(zip(towns["lon"], towns["lat"], strict=True))
    kept = points.iloc[spaced(points, NAMES_APART, COMMUNE_NAMES, taken)]
    figure.add_trace(
        go.Scattergeo(
            lon=kept["lon"],
            lat=kept["lat"],
            text=[place_name(r, lang) for r in kept.to_dict("records")],
            mode="text",
            textfont={"size": 9, "color": COMMUNE_NAME, "shadow": HALO},
            hoverinfo="skip",
            showlegend=False,
            name="communes",
        )
    )
