"""
Map figures. The geometry goes to the browser once, inside the figure; changing the indicator sends
a `Patch` with the new classes and hover values only. No base map and no tiles: the app works offline.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import dash
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from dash import Patch, dcc, html
from plotly.colors import sample_colorscale

from observatory import i18n
from observatory.enums import ESTIMATED_STATUSES
from observatory.formatting import number, quantity

from .i18n import t

#: dash.get_asset_url (untyped in Dash): the URL of a file of the app's assets, once an app exists.
asset_url: Callable[[str], str] = dash.get_asset_url

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
#: A white outline around dark text (a CSS text-shadow), so a name reads over any class colour.
HALO = "1px 1px 1px #fff, -1px -1px 1px #fff, 1px -1px 1px #fff, -1px 1px 1px #fff"
#: The map's height (its height in a meeting room, `#map` in style.css) and the title's band above it, in
#: pixels.
MAP_HEIGHT, TITLE_BAND = 560, 30
#: The share of a map's width kept free of shapes at the side the page reads from, for the legend and the
#: source written into the figure: the shapes are fitted to the rest, so nothing covers them.
LEGEND_COLUMN = 0.2
#: A page at most this wide is a phone's (style.css): its map is 440 px tall, its shapes as wide as the page,
#: under a band that holds the toolbar's row and then the title on at most two lines.
PHONE_WIDTH, PHONE_MAP_HEIGHT, PHONE_TITLE_BAND = 600, 440, 70
#: The width of the narrowest map, a 360-px phone's less the page's margins, that town names are placed
#: for, with the phone's height: apart there, apart on any larger map.
PLACED_WIDTH = 340
TOWN_FONT, TITLE_FONT = 11, 14
#: Pixels kept clear around a town's name: its halo, and where Plotly sets a name off its marker a pixel or
#: two from where the placement puts it.
TOWN_CLEARANCE = 2
#: How a map with its legend beside it is drawn on a phone (`assets/phone_map.js` reads it from the figure's
#: `layout.meta.phone`): the shapes across the page's `width`, the title under the toolbar in the `band`,
#: `inset` pixels in from the edge, at `font` pixels or smaller down to `smallest` to keep to `lines`
#: lines, `gap` pixels above the shapes.
PHONE_FORM = {
    "width": PHONE_WIDTH,
    "band": PHONE_TITLE_BAND,
    "inset": 6,
    "font": TITLE_FONT - 1,
    "smallest": 10,
    "lines": 2,
    "gap": 4,
}
#: Characters per line of the legend and the source written into the figure: they fit `LEGEND_COLUMN`.
COLUMN_CHARS = 30


#: Plotly toolbar buttons that could send a figure off the machine (Chart Studio's share and edit).
CLOUD_BUTTONS = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio")
#: Plotly's interface strings (its English keys) that the app's toolbars and messages show.
PLOTLY_STRINGS = (
    "Zoom in",
    "Zoom out",
    "Pan",
    "Reset view",
    "Reset",
    "Toggle show closest data on hover",
    "Download plot as a PNG",
    "Download plot",
    "Preparing image - this may take a few seconds",
    "Image download succeeded",
    "Sorry, there was a problem downloading your image!",
    "Double-click to zoom back out",
    # The toolbar of a chart with axes (the profile's, the method's).
    "Zoom",
    "Autoscale",
    "Reset axes",
    "Show closest data on hover",
    "Compare data on hover",
    "Toggle Spike Lines",
    "Box Select",
    "Lasso Select",
)


def separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for a language, read off how observatory.formatting
    writes 1234.5 in it ('1,234.5', '1 234,5'), so the map and the page write numbers alike."""
    written = _bare(number(1234.5, lang))
    return written[-2] + written[1]


def plotly_locale(lang: str) -> dict[str, Any]:
    """A plotly locale (toolbar tooltips and number format) from the app's translations, passed in the
    config so no locale script is loaded."""
    return {
        "dictionary": {key: t(f"plotly:{key}", lang) for key in PLOTLY_STRINGS},
        "format": {"decimal": separators(lang)[0], "thousands": separators(lang)[1]},
    }


def graph_config(lang: str = "fr", filename: str | None = None) -> dcc.Graph.Config:
    """
    dcc.Graph config: no button or link that reaches plot.ly (share, edit in Chart Studio, the logo);
    toolbar tooltips in the page's language; plotly's geo reads a world topojson even with the base map
    hidden, so it reads an empty one from our assets instead of cdn.plot.ly (the app works offline).
    A downloaded PNG is named `filename`, by default the word for a map in the page's language.
    """
    return {
        "displaylogo": False,
        "showLink": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showTips": False,
        "plotlyServerURL": "",
        "linkText": "",
        "scrollZoom": True,
        "topojsonURL": asset_url("topojson/"),
        "locale": lang,
        "locales": {lang: plotly_locale(lang)},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", *CLOUD_BUTTONS],
        # The PNG is drawn in the browser from the figure (legend, place, year and source included).
        "toImageButtonOptions": {"format": "png", "filename": filename or t("map_file", lang), "scale": 2},
    }


def class_colours(palette: str, k: int, direction: str = "higher_is_worse") -> list[str]:
    """k colours from a sequential palette, one per class from the lowest values up, darker for worse:
    light to dark where higher is worse (or neutral), dark to light where higher is better, so dark
    means the same on two maps side by side."""
    colours: list[str] = sample_colorscale(palette, [0.5] if k <= 1 else [i / (k - 1) for i in range(k)])
    if k <= 1:
        return colours
    # Viridis and Cividis run dark to light: reverse so that the darkest is the last.
    light_to_dark = colours[::-1] if palette in ("Viridis", "Cividis") else colours
    return light_to_dark[::-1] if direction == "higher_is_better" else light_to_dark


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


def rank_text(position: Any, total: int, lang: str) -> str:
    """'n / N' as the language writes numbers ('87 / 1 503'); '–' for an unranked unit."""
    if position is None or pd.isna(position):
        return "–"
    text = f"{number(int(position), lang, decimals=0)} / {number(total, lang, decimals=0)}"
    if not i18n.is_rtl(lang):
        return text
    # One left-to-right isolate around the pair, so bidi keeps 'n / N' in that order.
    return "\u2066" + _bare(text) + "\u2069"


def hover_data(
    values: np.ndarray,
    ranks: np.ndarray,
    unit: str | None,
    lang: str,
    *,
    statuses: np.ndarray | None = None,
    total: int | None = None,
) -> list[list[str]]:
    """Per unit: its value as the language writes it with its unit (and status when not observed), and
    its rank 'n / N' among `total` units (those with a value in the view by default)."""
    n = int(np.isfinite(values).sum()) if total is None else total
    out = []
    for i, (value, position) in enumerate(zip(values, ranks, strict=True)):
        text = quantity(value, unit, lang)
        status = None if statuses is None else statuses[i]
        if isinstance(status, str) and status in ESTIMATED_STATUSES and np.isfinite(value):
            text = f"{text} ({t('status_' + status, lang)})"
        out.append([text, rank_text(position, n, lang)])
    return out


def unit_affixes(unit: str | None, lang: str) -> tuple[str, str]:
    """What `observatory.formatting.quantity` writes before and after a number of `unit` in `lang` (a
    narrow space and '%' after a French percentage, nothing before), for texts that write the number
    themselves (a range, a hover template); nothing around a count, written bare."""
    prefix, found, suffix = quantity(12.5, unit, lang).partition(number(12.5, lang))
    return (prefix, suffix) if found else ("", "")


def value_range(low: float, high: float, unit: str | None, lang: str) -> str:
    """A class's range with its unit after the upper bound ('12,5 – 41,6 %'); its bounds keep their
    decimals whatever the unit, a count's too, so neighbouring classes meet at the same number."""
    prefix, suffix = unit_affixes(unit, lang)
    upper = number(high, lang)
    return f"{number(low, lang)} – {prefix}{upper}{suffix}" if upper != "–" else f"{number(low, lang)} – –"


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


def compact_hover(
    values: np.ndarray,
    ranks: np.ndarray,
    *,
    label: str,
    scope: str,
    unit: str | None,
    total: int,
    lang: str,
    statuses: np.ndarray | None = None,
) -> tuple[str, list[list[Any]]]:
    """
    (hovertemplate, customdata) of a map whose values change often: each unit sends its value rounded
    as shown and its rank as bare numbers, and the template writes them as the language does (the
    figure's separators, the unit after the value, ' / N' after the rank, a status where one is not
    observed). A missing value or rank reads '–' (the trace's `hovertemplatefallback`).
    """
    values = np.asarray(values, dtype="float64")
    finite = values[np.isfinite(values)]
    decimals = 0 if len(finite) and np.all(finite == np.round(finite)) else 1
    prefix, suffix = unit_affixes(unit, lang)
    value = "%{customdata[0]:,." + str(decimals) + "f}"
    position = "%{customdata[1]:,} / " + _bare(number(total, lang, decimals=0))
    if i18n.is_rtl(lang):
        value, position = f"\u2066{value}\u2069", f"\u2066{position}\u2069"
    rows: list[list[Any]] = [
        [None if not np.isfinite(v) else round(float(v), decimals), None if np.isnan(r) else int(r)]
        for v, r in zip(values, np.asarray(ranks, dtype="float64"), strict=True)
    ]
    marks = _status_marks(values, statuses, lang)
    status = ""
    if marks is not None and len(set(marks)) == 1:
        status = marks[0]
    elif marks is not None:
        status = "%{customdata[2]}"
        for row, mark in zip(rows, marks, strict=True):
            row.append(mark)
    template = (
        "<b>%{text}</b><br>"
        + escape_hover(label)
        + " : "
        + escape_hover(prefix)
        + value
        + escape_hover(suffix)
        + escape_hover(status)
        + "<br>"
        + escape_hover(t("rank_in", lang, scope=scope))
        + " "
        + position
        + "<extra></extra>"
    )
    return template, rows


def mix_hover(
    shares: np.ndarray,
    people: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    ranks: np.ndarray,
    *,
    label: str,
    people_line: str,
    scope: str,
    total: int,
    lang: str,
) -> tuple[str, list[list[Any]]]:
    """
    (hovertemplate, customdata) of a service-mix map: the segment's share of the adults, its people and
    their bounds, and the rank. `people_line` is the translated line with `{people}`, `{lower}` and
    `{upper}` fields, which become the template's whole numbers (isolated left to right in Arabic).
    """
    template, rows = compact_hover(
        shares, ranks, label=label, scope=scope, unit="percent", total=total, lang=lang
    )
    fields = {
        name: "%{customdata[" + str(i) + "]:,.0f}" for i, name in enumerate(("people", "lower", "upper"), 2)
    }
    if i18n.is_rtl(lang):
        fields = {name: f"\u2066{field}\u2069" for name, field in fields.items()}
    marked = people_line.format(**{name: f"\x00{name}\x00" for name in fields})
    line = escape_hover(marked)
    for name, field in fields.items():
        line = line.replace(f"\x00{name}\x00", field)
    head, _, rank_line = template.rpartition("<br>")
    for row, counts in zip(rows, zip(people, lower, upper, strict=True), strict=True):
        row += [None if not np.isfinite(c) else int(c) for c in counts]
    return f"{head}<br>{line}<br>{rank_line}", rows


def _status_marks(values: np.ndarray, statuses: np.ndarray | None, lang: str) -> list[str] | None:
    """' (estimé)' for each unit whose value is not observed, '' for the others; None if all are."""
    if statuses is None:
        return None
    marks = [
        f" ({t('status_' + s, lang)})"
        if isinstance(s, str) and s in ESTIMATED_STATUSES and np.isfinite(v)
        else ""
        for v, s in zip(values, statuses, strict=True)
    ]
    return marks if any(marks) else None


def _bare(text: str) -> str:
    """A formatted number without its bidi isolates (the template places its own)."""
    return text.replace("\u2066", "").replace("\u2069", "")


def escape_hover(text: str) -> str:
    """Plotly reads '%{' as the start of a variable in a hovertemplate (a lone '%' shows as itself, and
    '%%' as two): a label's literal '%{' is broken so it stays text."""
    return text.replace("%{", "%\u200b{")


def choropleth(*args: Any, **options: Any) -> go.Figure:
    """`map_figure` as a plotly Figure, for a caller that adds to it with plotly's methods (the planner's
    sites) or reads it by attribute."""
    return go.Figure(map_figure(*args, **options))


def map_figure(
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
    outlines: tuple[list[float | None], list[float | None]] | None = None,
    towns: pd.DataFrame | None = None,
    annotations: list[dict[str, Any]] | None = None,
    legend_beside: bool = False,
    area: tuple[float, float, float, float] | None = None,
) -> dict[str, Any]:
    """A choropleth over `geojson` (features keyed by code), fitted to its shapes, with no base map; the
    outlines of the level above, the main towns' names and a scale bar drawn over it for orientation, and
    the legend, place, year and source written into the figure so a downloaded PNG carries them. With
    `legend_beside`, the shapes fill the figure but for a column at the side the page reads from, where
    `figure_annotations` writes the legend and the source. `area` is the shapes' box when the caller
    keeps it (`bounds(geojson)` otherwise).

    The figure is Plotly's JSON as a plain dict, which Dash sends as it is: a `go.Figure` validates every
    coordinate of every trace and copies the whole figure again to send it, most of a map callback's
    time. `go.Figure(map_figure(...))` validates it (the tests do)."""
    data: list[dict[str, Any]] = [
        {
            "type": "choropleth",
            "geojson": geojson,
            "locations": codes,
            "featureidkey": "id",
            "text": names,
            "customdata": customdata,
            "hovertemplate": hovertemplate,
            "showscale": False,
            "hovertemplatefallback": "–",
            "marker": {"line": {"width": 0.3, "color": "#ffffff"}},
            **colour_props(classes, colours),
        }
    ]
    if outlines is not None and outlines[0]:
        data.append(
            {
                "type": "scattergeo",
                "lon": outlines[0],
                "lat": outlines[1],
                "mode": "lines",
                "line": {"width": 1.6, "color": "#262626"},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": "outlines",
            }
        )
    if towns is not None and len(towns):
        data.append(
            {
                "type": "scattergeo",
                "lon": towns["lon"].tolist(),
                "lat": towns["lat"].tolist(),
                "text": towns["label"].tolist(),
                "mode": "markers+text",
                "marker": {"size": 4, "color": "#1a1a1a"},
                "textposition": towns["position"].tolist() if "position" in towns else "top center",
                "textfont": {"size": TOWN_FONT, "color": "#111111", "shadow": HALO},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": "towns",
            }
        )
    right = i18n.is_rtl(lang)
    domain = [0.0, 1.0]
    if legend_beside:
        domain = [0.0, 1 - LEGEND_COLUMN] if right else [LEGEND_COLUMN, 1.0]
    geo: dict[str, Any] = {
        "visible": False,
        "projection": {"type": "mercator"},
        "bgcolor": "rgba(0,0,0,0)",
        "domain": {"x": domain, "y": [0.0, 1.0]},
    }
    if geojson.get("features"):
        area = area or bounds(geojson)
        data.append(scale_bar(area, lang))
        west, south, east, north = view_box(area)
        geo["lonaxis"] = {"range": [west, east]}
        geo["lataxis"] = {"range": [south, north]}
    else:
        geo["fitbounds"] = "locations"
    layout: dict[str, Any] = {
        "geo": geo,
        "margin": {"l": 0, "r": 0, "t": TITLE_BAND if title else 0, "b": 0},
        "dragmode": "pan",
        "separators": separators(lang),
        "hoverlabel": {"namelength": -1, "font": {"size": 13}},
        "title": {"text": title, "font": {"size": TITLE_FONT}, "x": 0.01},
        "paper_bgcolor": "#ffffff",
        "uirevision": "map",
        "annotations": annotations or [],
        "template": default_template(),
    }
    if legend_beside:
        layout["meta"] = {"phone": PHONE_FORM}
    else:
        # A map with its legend beside it takes its height from the page (style.css: taller in a meeting
        # room, shorter on a phone, where the shapes are as wide as the screen); the others keep theirs.
        layout["height"] = MAP_HEIGHT
    return {"data": data, "layout": layout}


@lru_cache(maxsize=1)
def default_template() -> dict[str, Any]:
    """Plotly's default template as JSON, which a `go.Figure` would write into the figure: read once."""
    template: dict[str, Any] = pio.templates[pio.templates.default].to_plotly_json()
    return template


def value_patch(
    classes: np.ndarray,
    colours: list[str],
    customdata: list[list[Any]],
    hovertemplate: str,
    *,
    title: str = "",
    annotations: list[dict[str, Any]] | None = None,
) -> Patch:
    """The part of the figure that changes with the indicator: classes, colours, hover values and the
    written legend and source."""
    patch = Patch()
    for key, value in colour_props(classes, colours).items():
        patch["data"][0][key] = value
    patch["data"][0]["customdata"] = customdata
    patch["data"][0]["hovertemplate"] = hovertemplate
    patch["layout"]["title"]["text"] = title
    patch["layout"]["annotations"] = annotations or []
    return patch


def figure_annotations(
    entries: list[tuple[str, str]], heading: str, source: str, *, lang: str = "fr", note: str | None = None
) -> list[dict[str, Any]]:
    """The legend (a swatch and a text per class, highest first, under a `note` on what the values are
    when given) and the source line, written into the figure: Plotly's PNG export draws the figure only,
    and a map without its legend cannot be read."""
    lines = (
        [f"<b>{line}</b>" for line in column_lines(heading)]
        + (column_lines(note) if note else [])
        + [
            f"<span style='color:{colour}'>\u25a0</span> {escape_annotation(text)}"
            for colour, text in entries
        ]
    )
    right = i18n.is_rtl(lang)
    return [
        {
            "text": "<br>".join(lines),
            "x": 0.995 if right else 0.005,
            "y": 0.99,
            "xref": "paper",
            "yref": "paper",
            "xanchor": "right" if right else "left",
            "yanchor": "top",
            "align": "right" if right else "left",
            "showarrow": False,
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": "#bbbbbb",
            "borderwidth": 1,
            "font": {"size": 11, "color": "#222222"},
            "name": "legend",
        },
        {
            # One line per credited source, wrapped to the legend's column, so nothing cuts the licence off.
            "text": "<br>".join(column_lines(source)),
            "x": 0.995 if right else 0.005,
            "y": 0.005,
            "xref": "paper",
            "yref": "paper",
            "xanchor": "right" if right else "left",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 10, "color": "#444444"},
            "bgcolor": "rgba(255,255,255,0.8)",
            "name": "source",
        },
    ]


def column_lines(text: str) -> list[str]:
    """A text written into the legend's column: a line per ' · ' part, each wrapped to the column."""
    return [
        escape_annotation(line)
        for part in text.split(" · ")
        for line in textwrap.wrap(part, COLUMN_CHARS, break_long_words=False) or [""]
    ]


def _rings(coordinates: Any) -> Iterator[Any]:
    """Every ring (or line) of a GeoJSON geometry's nested coordinates: (lon, lat) lists, or the app's
    rings held as arrays of shape (n, 2)."""
    if isinstance(coordinates, np.ndarray) and coordinates.ndim == 2:
        yield coordinates
        return
    if len(coordinates) and isinstance(coordinates[0][0], int | float):
        yield coordinates
        return
    for part in coordinates:
        yield from _rings(part)


def bounds(geojson: dict[str, Any]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a feature collection: what the map is fitted to."""
    boxes = np.array(
        [
            [*points.min(axis=0), *points.max(axis=0)]
            for feature in geojson["features"]
            for points in map(np.asarray, _rings(feature["geometry"]["coordinates"]))
        ]
    )
    return (
        float(boxes[:, 0].min()),
        float(boxes[:, 1].min()),
        float(boxes[:, 2].max()),
        float(boxes[:, 3].max()),
    )


def view_box(area: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """What a map shows of its shapes' box (west, south, east, north): the box itself, as Plotly's fitbounds
    pads it by a margin that varies, with room for a town's name at its edges (more above, where a name
    goes first), so the shapes fill their part of the figure."""
    west, south, east, north = area
    pad_x, pad_y = 0.03 * (east - west), 0.03 * (north - south)
    return west - pad_x, south - pad_y, east + pad_x, north + 2 * pad_y


def mercator(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator x and y (radians) of longitudes and latitudes, as Plotly's geo draws them."""
    x = np.radians(np.asarray(lon, dtype="float64"))
    y = np.log(np.tan(np.pi / 4 + np.radians(np.asarray(lat, dtype="float64")) / 2))
    return x, y


def placed_towns(
    towns: pd.DataFrame,
    area: tuple[float, float, float, float],
    *,
    limit: int,
    width: float = PLACED_WIDTH,
    height: float = PHONE_MAP_HEIGHT - PHONE_TITLE_BAND,
) -> pd.DataFrame:
    """
    The towns (largest first) whose names fit beside their markers without overlapping a name or marker
    already placed, at most `limit`, each with its name's `position` (above, right, left or below, the
    first free): a greedy placement by population in screen space, the map fitted to `area` (west, south,
    east, north) in a `width` × `height` pixel frame as Plotly fits it. Names keep their size in pixels
    while the map grows with the screen, so names placed for a phone stay apart on a wider screen.
    """
    if towns.empty:
        return towns.assign(position=pd.Series(dtype=str))
    shown = view_box(area)
    (x0, x1), (y0, y1) = mercator(shown[::2], shown[1::2])
    scale = min(width / max(x1 - x0, 1e-9), height / max(y1 - y0, 1e-9))
    x, y = mercator(towns["lon"], towns["lat"])
    px, py = x * scale, -y * scale
    markers = [(float(a) - 3, float(b) - 3, float(a) + 3, float(b) + 3) for a, b in zip(px, py, strict=True)]
    # A name keeps clear of the markers of the larger towns still to come when it can, so Casablanca's
    # name does not hide Rabat's marker.
    reserved = markers[: 4 * limit]
    placed: list[tuple[float, float, float, float]] = []
    kept: list[int] = []
    positions: list[str] = []
    tall = TOWN_FONT + 6
    # What Plotly draws of the map (a name beyond it is clipped).
    frame = (x0 * scale, -y1 * scale, x1 * scale, -y0 * scale)
    for i, label in enumerate(towns["label"].astype(str)):
        marker = markers[i]
        if any(_overlap(marker, other) for other in placed):
            continue
        ahead = [m for j, m in enumerate(reserved) if j > i and not _overlap(m, marker)]
        position = _free_position(label, marker, placed, ahead, frame=frame, tall=tall)
        if position is not None:
            kept.append(i)
            positions.append(position[0])
            placed += [marker, position[1]]
        if len(kept) == limit:
            break
    return towns.iloc[kept].assign(position=positions)


def _free_position(
    label: str,
    marker: tuple[float, float, float, float],
    placed: list[tuple[float, float, float, float]],
    ahead: list[tuple[float, float, float, float]],
    *,
    frame: tuple[float, float, float, float],
    tall: float,
) -> tuple[str, tuple[float, float, float, float]] | None:
    """Where a name goes: of above, right, left and below, inside the `frame` and clear of what is
    `placed`, the one that hides no marker of the towns `ahead` (largest first) or else only smaller ones;
    None if no position is clear."""
    wide = 0.6 * TOWN_FONT * len(label) + 6
    cx, cy = (marker[0] + marker[2]) / 2, (marker[1] + marker[3]) / 2
    candidates = {
        "top center": (cx - wide / 2, cy - 4 - tall, cx + wide / 2, cy - 4),
        "middle right": (cx + 5, cy - tall / 2, cx + 5 + wide, cy + tall / 2),
        "middle left": (cx - 5 - wide, cy - tall / 2, cx - 5, cy + tall / 2),
        "bottom center": (cx - wide / 2, cy + 4, cx + wide / 2, cy + 4 + tall),
    }
    best: tuple[str, tuple[float, float, float, float]] | None = None
    spared = -1
    for position, (left, top, right, bottom) in candidates.items():
        box = (left - TOWN_CLEARANCE, top - TOWN_CLEARANCE, right + TOWN_CLEARANCE, bottom + TOWN_CLEARANCE)
        inside = frame[0] <= box[0] and frame[1] <= box[1] and box[2] <= frame[2] and box[3] <= frame[3]
        if not inside or any(_overlap(box, other) for other in placed):
            continue
        hidden = next((j for j, other in enumerate(ahead) if _overlap(box, other)), len(ahead))
        if hidden > spared:
            best, spared = (position, box), hidden
    return best


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def scale_bar(area: tuple[float, float, float, float], lang: str, *, right: bool = True) -> dict[str, Any]:
    """A scale bar in a lower corner of `area` (west, south, east, north): a line about a fifth of the
    area's width, a round number of km long at its latitude (a Mercator map's scale varies with it), so it
    is true at any size of the figure."""
    west, south, east, north = area
    lat = south + 0.03 * (north - south)
    km_per_degree = 6371.0088 * math.pi / 180 * math.cos(math.radians(lat))
    target = (east - west) * km_per_degree / 5
    km = max(n * 10**e for e in range(-1, 5) for n in (1, 2, 5) if n * 10**e <= max(target, 0.1))
    span = km / km_per_degree
    start = east - 0.03 * (east - west) - span if right else west + 0.03 * (east - west)
    tick = 0.012 * (north - south)
    # A bracket (ticks up at both ends), then a lone point in its middle that carries the label.
    return {
        "type": "scattergeo",
        "lon": [start, start, start + span, start + span, None, start + span / 2],
        "lat": [lat + tick, lat, lat, lat + tick, None, lat],
        "mode": "lines+text",
        "text": ["", "", "", "", "", t("map_scale", lang, km=number(km, lang, decimals=0))],
        "textposition": "top center",
        "textfont": {"size": 10, "color": "#111111", "shadow": HALO},
        "line": {"width": 2, "color": "#111111"},
        "hoverinfo": "skip",
        "showlegend": False,
        "name": "scale",
    }


def escape_annotation(text: str) -> str:
    """Plotly reads a small HTML subset in annotations: '<' and '>' in a label must stay text."""
    return str(text).replace("<", "&lt;").replace(">", "&gt;")


def legend(
    title: str,
    intervals: list[tuple[float, float]],
    counts: tuple[int, ...],
    colours: list[str],
    missing: int,
    lang: str,
    *,
    unit: str | None = None,
    source: str = "",
    notes: list[Any] | None = None,
) -> html.Div:
    """A legend that reads as a list: a swatch, the range and how many units fall in it; then what the
    classes are computed over and what dark means."""
    items = [
        html.Li(
            [
                html.Span(className="swatch", style={"background": colour}),
                html.Span(value_range(lo, hi, unit, lang)),
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
            *[html.P(note, className="legend-note") for note in notes or []],
            html.P(source, className="source") if source else None,
        ],
        className="legend",
    )


def class_entries(
    intervals: list[tuple[float, float]], colours: list[str], unit: str | None, lang: str
) -> list[tuple[str, str]]:
    """(colour, 'low – high unit') of each class, highest first: the legend written into the figure."""
    return [
        (colour, value_range(lo, hi, unit, lang))
        for (lo, hi), colour in zip(intervals, colours, strict=False)
    ][::-1]


def categorical_legend(
    title: str, entries: list[tuple[str, str, int]], *, notes: list[Any] | None = None
) -> html.Div:
    """A legend of named categories: (label, colour, count), then notes (what each category means)."""
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
            *[html.P(note, className="legend-note") for note in notes or []],
        ],
        className="legend",
    )
