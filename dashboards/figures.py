"""
Map figures. The geometry goes to the browser once, inside the figure; changing the indicator sends
a `Patch` with the new classes and hover values only. No base map and no tiles: the app works offline.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Patch, html
from plotly.colors import sample_colorscale

from .i18n import number, t

NO_DATA = "#d9d9d9"
#: Joshua Stevens' 3×3 bivariate scheme (pink-blue), readable with the common colour-vision deficiencies.
BIVARIATE = ("#e8e8e8", "#ace4e4", "#5ac8c8", "#dfb0d6", "#a5add3", "#5698b9", "#be64ac", "#8c62aa", "#3b4994")
LISA_COLOURS = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9", "ns": "#f0f0f0"}


def graph_config() -> dict[str, Any]:
    """dcc.Graph config: plotly's geo reads a world topojson even with the base map hidden, so it reads an
    empty one from our assets instead of cdn.plot.ly (the app must work offline)."""
    from dash import get_asset_url

    return {"displaylogo": False, "scrollZoom": True, "topojsonURL": get_asset_url("topojson/"),
            "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def class_colours(palette: str, k: int) -> list[str]:
    """k colours from a sequential palette, light (low) to dark (high)."""
    if k <= 1:
        return sample_colorscale(palette, [0.5])
    colours = sample_colorscale(palette, [i / (k - 1) for i in range(k)])
    # Viridis and Cividis run dark to light: reverse so that more need reads darker everywhere.
    return colours[::-1] if palette in ("Viridis", "Cividis") else colours


def stepped_scale(colours: list[str]) -> list[list[Any]]:
    """A colorscale of flat bands, one per class, the first band being 'no data'."""
    bands = [NO_DATA, *colours]
    n = len(bands)
    scale: list[list[Any]] = []
    for i, colour in enumerate(bands):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def colour_props(classes: np.ndarray, colours: list[str]) -> dict[str, Any]:
    """z (class + 1, 0 for no data), its range and the stepped colorscale."""
    return {
        "z": (np.asarray(classes) + 1).tolist(),
        "zmin": -0.5,
        "zmax": len(colours) + 0.5,
        "colorscale": stepped_scale(colours),
    }


def hover_data(values: np.ndarray, ranks: np.ndarray) -> list[list[Any]]:
    return [[None if np.isnan(v) else round(float(v), 2), None if np.isnan(r) else int(r)]
            for v, r in zip(values, ranks)]


def hover_template(label: str, unit: str, source: str, n: int, lang: str) -> str:
    return (
        "<b>%{text}</b><br>" + label + ": %{customdata[0]:,.1f} " + unit + "<br>"
        + t("hover_rank", lang) + " %{customdata[1]} / " + str(n) + "<br>"
        + "<i>" + source.replace("%", "%%") + "</i><extra></extra>"
    )


def choropleth(
    geojson: dict[str, Any], codes: list[str], names: list[str], classes: np.ndarray, colours: list[str],
    customdata: list[list[Any]], hovertemplate: str, *, title: str = "",
) -> go.Figure:
    """A choropleth over `geojson` (features keyed by code), fitted to its shapes, with no base map."""
    trace = go.Choropleth(
        geojson=geojson, locations=codes, featureidkey="id", text=names, customdata=customdata,
        hovertemplate=hovertemplate, showscale=False, marker={"line": {"width": 0.3, "color": "#ffffff"}},
        **colour_props(classes, colours),
    )
    figure = go.Figure(trace)
    figure.update_geos(fitbounds="locations", visible=False, projection_type="mercator", bgcolor="rgba(0,0,0,0)")
    figure.update_layout(
        margin={"l": 0, "r": 0, "t": 30 if title else 0, "b": 0}, height=560, dragmode="pan",
        title={"text": title, "font": {"size": 14}, "x": 0.01}, paper_bgcolor="#ffffff",
        uirevision="map",
    )
    return figure


def value_patch(classes: np.ndarray, colours: list[str], customdata: list[list[Any]], hovertemplate: str,
                *, title: str = "") -> Patch:
    """The part of the figure that changes with the indicator: classes, colours and hover values."""
    patch = Patch()
    for key, value in colour_props(classes, colours).items():
        patch["data"][0][key] = value
    patch["data"][0]["customdata"] = customdata
    patch["data"][0]["hovertemplate"] = hovertemplate
    patch["layout"]["title"]["text"] = title
    return patch


def legend(title: str, intervals: list[tuple[float, float]], counts: tuple[int, ...], colours: list[str],
           missing: int, lang: str, *, unit: str = "") -> html.Div:
    """A legend that reads as a list: a swatch, the range and how many units fall in it."""
    items = [
        html.Li([html.Span(className="swatch", style={"background": colour}),
                 html.Span(f"{number(lo, lang)} – {number(hi, lang)} {unit}".strip()),
                 html.Span(f"({n})", className="count")])
        for (lo, hi), n, colour in zip(intervals, counts, colours)
    ]
    if missing:
        items.append(html.Li([html.Span(className="swatch", style={"background": NO_DATA}),
                              html.Span(t("no_data", lang)), html.Span(f"({missing})", className="count")]))
    return html.Div([html.H3(title), html.Ul(items[::-1], className="legend-list")], className="legend")


def categorical_legend(title: str, entries: list[tuple[str, str, int]]) -> html.Div:
    """A legend of named categories: (label, colour, count)."""
    return html.Div([html.H3(title), html.Ul([
        html.Li([html.Span(className="swatch", style={"background": colour}), html.Span(label),
                 html.Span(f"({n})", className="count")]) for label, colour, n in entries
    ], className="legend-list")], className="legend")
