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

from observatory.enums import ESTIMATED_STATUSES
from observatory.formatting import THIN, percent

from .i18n import number, t

NO_DATA = "#d9d9d9"
#: Joshua Stevens' 3×3 bivariate scheme (pink-blue), readable with the common colour-vision deficiencies.
BIVARIATE = (
    "#e8e8e8",
    "#ace4e4",
    "#5ac8c8",
    "#dfb0d6",
    "#a5add3",
    "#5698b9",
    "#be64ac",
    "#8c62aa",
    "#3b4994",
)
LISA_COLOURS = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9", "ns": "#f0f0f0"}


#: Plotly toolbar buttons that could send a figure off the machine (Chart Studio's share and edit).
CLOUD_BUTTONS = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio")
#: Plotly's interface strings (its English keys) that the app's toolbars and messages show.
PLOTLY_STRINGS = (
    "Zoom in",
    "Zoom out",
    "Pan",
    "Reset view",
    "Download plot as a PNG",
    "Download plot",
    "Preparing image - this may take a few seconds",
    "Image download succeeded",
    "Sorry, there was a problem downloading your image!",
    "Double-click to zoom back out",
)


def separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for a language, as observatory.formatting writes numbers."""
    return ".," if lang == "en" else "," + THIN


def plotly_locale(lang: str) -> dict[str, Any]:
    """A plotly locale (toolbar tooltips and number format) from the app's translations, passed in the
    config so no locale script is loaded."""
    return {
        "dictionary": {key: t(f"plotly:{key}", lang) for key in PLOTLY_STRINGS},
        "format": {"decimal": separators(lang)[0], "thousands": separators(lang)[1]},
    }


def graph_config(lang: str = "fr") -> dict[str, Any]:
    """
    dcc.Graph config: no button or link that reaches plot.ly (share, edit in Chart Studio, the logo);
    toolbar tooltips in the page's language; plotly's geo reads a world topojson even with the base map
    hidden, so it reads an empty one from our assets instead of cdn.plot.ly (the app works offline).
    """
    from dash import get_asset_url

    return {
        "displaylogo": False,
        "showLink": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showTips": False,
        "plotlyServerURL": "",
        "linkText": "",
        "scrollZoom": True,
        "topojsonURL": get_asset_url("topojson/"),
        "locale": lang,
        "locales": {lang: plotly_locale(lang)},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", *CLOUD_BUTTONS],
    }


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


def hover_data(
    values: np.ndarray, ranks: np.ndarray, unit: str, lang: str, *, statuses: np.ndarray | None = None
) -> list[list[str]]:
    """Per unit: its value as the language writes it with its unit (and status when not observed), and
    its rank 'n / N'."""
    n = int(np.isfinite(values).sum())
    out = []
    for i, (value, position) in enumerate(zip(values, ranks, strict=True)):
        text = with_unit(value, unit, lang)
        status = None if statuses is None else statuses[i]
        if isinstance(status, str) and status in ESTIMATED_STATUSES and np.isfinite(value):
            text = f"{text} ({t('status_' + status, lang)})"
        out.append([text, "–" if np.isnan(position) else f"{int(position)} / {n}"])
    return out


def with_unit(value: Any, unit: str, lang: str) -> str:
    """A value and its unit as the language writes them ('41,6 %', '41.6%', '12,3 كلم'); '–' if missing."""
    if unit == "%":
        return percent(value, lang)
    text = number(value, lang)
    return f"{text} {unit}" if unit and text != "–" else text


def hover_template(label: str, scope: str, lang: str) -> str:
    """A short hover: the place, the indicator's value, its rank in the named scope. The source is in the
    legend, not here, so the label stays narrower than the map."""
    return (
        "<b>%{text}</b><br>"
        + escape_hover(label)
        + " : %{customdata[0]}<br>"
        + escape_hover(t("rank_in", lang, scope=scope))
        + " %{customdata[1]}<extra></extra>"
    )


def escape_hover(text: str) -> str:
    """Plotly reads %{...} in a hovertemplate: a literal percent sign or brace must not start one."""
    return text.replace("%", "%%")


def choropleth(
    geojson: dict[str, Any],
    codes: list[str],
    names: list[str],
    classes: np.ndarray,
    colours: list[str],
    customdata: list[list[Any]],
    hovertemplate: str,
    *,
    title: str = "",
    lang: str = "fr",
) -> go.Figure:
    """A choropleth over `geojson` (features keyed by code), fitted to its shapes, with no base map."""
    trace = go.Choropleth(
        geojson=geojson,
        locations=codes,
        featureidkey="id",
        text=names,
        customdata=customdata,
        hovertemplate=hovertemplate,
        showscale=False,
        marker={"line": {"width": 0.3, "color": "#ffffff"}},
        **colour_props(classes, colours),
    )
    figure = go.Figure(trace)
    figure.update_geos(
        fitbounds="locations", visible=False, projection_type="mercator", bgcolor="rgba(0,0,0,0)"
    )
    figure.update_layout(
        margin={"l": 0, "r": 0, "t": 30 if title else 0, "b": 0},
        height=560,
        dragmode="pan",
        separators=separators(lang),
        hoverlabel={"namelength": -1, "font": {"size": 13}},
        title={"text": title, "font": {"size": 14}, "x": 0.01},
        paper_bgcolor="#ffffff",
        uirevision="map",
    )
    return figure


def value_patch(
    classes: np.ndarray,
    colours: list[str],
    customdata: list[list[Any]],
    hovertemplate: str,
    *,
    title: str = "",
) -> Patch:
    """The part of the figure that changes with the indicator: classes, colours and hover values."""
    patch = Patch()
    for key, value in colour_props(classes, colours).items():
        patch["data"][0][key] = value
    patch["data"][0]["customdata"] = customdata
    patch["data"][0]["hovertemplate"] = hovertemplate
    patch["layout"]["title"]["text"] = title
    return patch


def legend(
    title: str,
    intervals: list[tuple[float, float]],
    counts: tuple[int, ...],
    colours: list[str],
    missing: int,
    lang: str,
    *,
    unit: str = "",
    source: str = "",
) -> html.Div:
    """A legend that reads as a list: a swatch, the range and how many units fall in it."""
    items = [
        html.Li(
            [
                html.Span(className="swatch", style={"background": colour}),
                html.Span(f"{number(lo, lang)} – {with_unit(hi, unit, lang)}"),
                html.Span(f"({n})", className="count"),
            ]
        )
        for (lo, hi), n, colour in zip(intervals, counts, colours, strict=False)
    ]
    if missing:
        items.append(
            html.Li(
                [
                    html.Span(className="swatch", style={"background": NO_DATA}),
                    html.Span(t("no_data", lang)),
                    html.Span(f"({missing})", className="count"),
                ]
            )
        )
    return html.Div(
        [
            html.H3(title),
            html.Ul(items[::-1], className="legend-list"),
            html.P(source, className="source") if source else None,
        ],
        className="legend",
    )


def categorical_legend(title: str, entries: list[tuple[str, str, int]]) -> html.Div:
    """A legend of named categories: (label, colour, count)."""
    return html.Div(
        [
            html.H3(title),
            html.Ul(
                [
                    html.Li(
                        [
                            html.Span(className="swatch", style={"background": colour}),
                            html.Span(label),
                            html.Span(f"({n})", className="count"),
                        ]
                    )
                    for label, colour, n in entries
                ],
                className="legend-list",
            ),
        ],
        className="legend",
    )
