"""
Static maps for printed reports (matplotlib, no network), oriented for a planner: the area's units
coloured by classes from `observatory.classify` (national classes by default, so a dark commune is
dark on every région's map), province outlines, neighbouring units in grey, the sea shaded, every
provincial seat and every town drawn named without two names overlapping, a titled legend, and a
scale bar and north arrow written in the page's script (matplotlib shapes Arabic and lays it out
right to left itself).
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from typing import Any

import numpy as np
import pandas as pd

from observatory import i18n
from observatory.classify import classify
from observatory.formatting import number, unit_label

from .naming import script

#: Light to dark; the dark end is always "worse" so maps read the same way.
PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
MISSING = "#d9d9d9"
NEIGHBOUR = "#ececec"
SEA = "#dcebf7"
#: The fonts a map's words are drawn in, by the page's script (`naming.script`), the first found first.
FONTS = {"Latn": ["DejaVu Sans"], "Arab": ["Noto Naskh Arabic", "DejaVu Sans"]}
#: Pixels per inch of a map; the stylesheet prints images at this resolution (`image-resolution`), so a
#: map is printed at the size it is drawn and its 7-point labels are 7 points on paper.
DPI = 150
#: The largest map drawn: the page's text width, and a height that leaves two maps to a page.
WIDTH_IN, HEIGHT_IN = 6.9, 3.8
#: The legend's column beside the map (right of it, left on Arabic pages).
LEGEND_IN = 1.9


def _plain(text: str) -> str:
    """Bidi isolates are for HTML; in an image the digits are laid out left to right already."""
    return text.replace("\u2066", "").replace("\u2069", "")


def _nice(length_km: float) -> float:
    """A round scale-bar length (1, 2, 5 x 10^n km) no longer than `length_km`."""
    exponent = 10 ** math.floor(math.log10(length_km))
    return float(max(m * exponent for m in (1, 2, 5) if m * exponent <= length_km))


def national_classes(
    values: pd.Series, national: pd.Series, *, k: int = 5
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The class of each of `values` among the classes (quantiles) of `national`, and those classes'
    bounds."""
    with warnings.catch_warnings():  # few distinct values: mapclassify says it uses fewer classes
        warnings.simplefilter("ignore", UserWarning)
        classes = classify(
            pd.to_numeric(national, errors="coerce").to_numpy(dtype="float64"), scheme="quantiles", k=k
        )
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    if not classes.k:
        return np.full(len(array), -1), []
    upper = np.asarray(classes.bounds[1:], dtype="float64")
    found = np.minimum(np.searchsorted(upper, array, side="left"), classes.k - 1)
    return np.where(np.isnan(array), -1, found), classes.intervals()


def _figure(bounds: tuple[float, float, float, float], lang: str, dpi: int) -> tuple[Any, Any, float]:
    """A figure of the size it is printed at: the area as large as fits in `WIDTH_IN` x `HEIGHT_IN`
    beside a column for the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minx, miny, maxx, maxy = bounds
    aspect = 1 / math.cos(math.radians((miny + maxy) / 2))
    # the limits `_frame_and_orient` sets: 5% around, and room below for the scale bar
    span_x, span_y = max(maxx - minx, 1e-6) * 1.1, max((maxy - miny) * aspect, 1e-6) * 1.2
    map_w = min(WIDTH_IN - LEGEND_IN, HEIGHT_IN * span_x / span_y)
    map_h = max(map_w * span_y / span_x, 2.6)
    fig = plt.figure(figsize=(map_w + LEGEND_IN, map_h), dpi=dpi)
    share = map_w / (map_w + LEGEND_IN)
    ax = fig.add_axes((1 - share if i18n.is_rtl(lang) else 0.0, 0.0, share, 1.0))
    ax.set_aspect(aspect)
    ax.set_axis_off()
    return fig, ax, aspect


def _legend(ax: Any, handles: list[Any], lang: str, title: str = "") -> None:
    """The legend in its column beside the map, its title wrapped to the column."""
    rtl = i18n.is_rtl(lang)
    ax.legend(
        handles=handles,
        loc="center right" if rtl else "center left",
        bbox_to_anchor=(-0.02, 0.5) if rtl else (1.02, 0.5),
        fontsize=7,
        frameon=False,
        title=textwrap.fill(title, 30) if title else None,
        title_fontsize=7,
        alignment="right" if rtl else "left",
    )


def _frame_and_orient(ax: Any, bounds: tuple[float, float, float, float], lang: str, base: Any) -> None:
    """Limits, neighbours in grey, province outlines, a scale bar (bottom left) and a north arrow (top
    right)."""
    minx, miny, maxx, maxy = bounds
    pad_x, pad_y = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    if len(base.neighbours):
        base.neighbours.plot(ax=ax, color=NEIGHBOUR, edgecolor="#bbbbbb", linewidth=0.6, zorder=0)
    if base.around is not None and len(base.around):
        base.around.plot(ax=ax, color=NEIGHBOUR, edgecolor="#999999", linewidth=0.6, zorder=0.5)
    if len(base.provinces):
        base.provinces.boundary.plot(ax=ax, color="#333333", linewidth=1.1, zorder=3)
    ax.set_xlim(minx - pad_x, maxx + pad_x)
    ax.set_ylim(miny - pad_y * 3, maxy + pad_y)
    _sea(ax, base.land)
    km_per_degree = 111.32 * math.cos(math.radians(miny))
    bar_km = _nice((maxx - minx) * km_per_degree / 4)
    bar_deg = bar_km / km_per_degree
    x0, y0 = minx, miny - pad_y * 2
    ax.plot([x0, x0 + bar_deg], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt", zorder=5)
    ax.plot([x0, x0 + bar_deg / 2], [y0, y0], color="white", linewidth=1.2, solid_capstyle="butt", zorder=5)
    km = unit_label("km", lang)
    ax.text(
        x0 + bar_deg / 2,
        y0 + pad_y * 0.6,
        f"{_plain(number(bar_km, lang, decimals=0))} {km}",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=5,
    )
    ax.annotate(
        i18n.text("report.map_north", lang),
        xy=(0.96, 0.97),
        xytext=(0.96, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 3, "headwidth": 9, "headlength": 8},
    )


#: Where a name may sit beside its dot (offset in points, alignment), the first that fits first; on an
#: Arabic page the left side is tried first.
PLACES = (
    (4, 0, "left", "center"),
    (-4, 0, "right", "center"),
    (0, 4, "center", "bottom"),
    (0, -4, "center", "top"),
    (3, 3, "left", "bottom"),
    (-3, 3, "right", "bottom"),
    (3, -3, "left", "top"),
    (-3, -3, "right", "top"),
)
TOWN = "#08306b"


def _free(box: Any, taken: list[Any], frame: Any) -> bool:
    """True when a box lies inside the map and overlaps nothing already drawn."""
    inside = box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1
    return inside and not any(box.overlaps(other) for other in taken)


def place_names(ax: Any, towns: pd.DataFrame, around: Any, lang: str) -> list[str]:
    """The towns named where their names overlap nothing (a seat's name is always printed, a dot is drawn
    only with its name: a dot without one is a question), then the communes around a city named in grey
    where room is left; returns the towns named, in the order placed."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [t.get_window_extent(renderer) for t in ax.texts]
    places = PLACES[1::-1] + PLACES[2:] if i18n.is_rtl(lang) else PLACES
    dot = 3 * ax.figure.dpi / 72  # half a dot's width, in pixels
    shown = []
    for town in towns.itertuples():
        x, y = ax.transData.transform((town.lon, town.lat))
        marker = Bbox.from_extents(x - dot, y - dot, x + dot, y + dot)
        if not _free(marker, taken, frame) and not town.seat:
            continue
        for n, (dx, dy, ha, va) in enumerate(places):
            label = ax.annotate(
                str(town.name),
                (town.lon, town.lat),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=7,
                fontweight="bold" if town.seat else "normal",
                color=TOWN,
                zorder=7,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.6, "linewidth": 0},
            )
            box = label.get_window_extent(renderer)
            if _free(box, taken, frame) or (town.seat and n == len(places) - 1):
                taken += [box, marker]
                shown.append(town)
                break
            label.remove()
    if shown:
        drawn = pd.DataFrame(shown)
        ax.scatter(drawn["lon"], drawn["lat"], s=9, color=TOWN, edgecolor="white", linewidth=0.5, zorder=6)
    if around is None:
        return [str(t.name) for t in shown]
    import shapely

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    for commune in around.itertuples():
        point = commune.geometry.intersection(view).representative_point()
        if point.is_empty:
            continue
        label = ax.text(
            point.x,
            point.y,
            str(commune.name),
            ha="center",
            va="center",
            fontsize=6.5,
            color="#555555",
            style="italic",
            zorder=2,
        )
        box = label.get_window_extent(renderer)
        if _free(box, taken, frame):
            taken.append(box)
        else:
            label.remove()
    return [str(t.name) for t in shown]


def sea(frame: tuple[float, float, float, float], land: Any) -> list[Any]:
    """The sea in a map's frame (minx, miny, maxx, maxy): what lies outside Morocco's land and reaches the
    frame's western or northern edge (the Atlantic, the Mediterranean), but for the parts that reach its
    eastern edge (there, beyond the border, lie Algeria and Mauritania)."""
    import shapely

    minx, _, maxx, maxy = frame
    outside = shapely.box(*frame).difference(land)
    parts = [p for p in getattr(outside, "geoms", [outside]) if not p.is_empty]
    return [
        p
        for p in parts
        if p.bounds[2] < maxx - 1e-9 and (p.bounds[0] <= minx + 1e-9 or p.bounds[3] >= maxy - 1e-9)
    ]


def _sea(ax: Any, land: Any) -> None:
    if land is None:
        return
    import geopandas as gpd

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    parts = sea((x0, y0, x1, y1), land)
    if parts:
        gpd.GeoSeries(parts).plot(ax=ax, color=SEA, linewidth=0, zorder=-1)


def _bounds(frame: Any, base: Any) -> tuple[float, float, float, float]:
    """What the map frames: the area, and the communes around a city."""
    shown = [frame] if base.around is None or not len(base.around) else [frame, base.around]
    minx, miny, maxx, maxy = zip(*(f.total_bounds for f in shown), strict=True)
    return min(minx), min(miny), max(maxx), max(maxy)


def _png(fig: Any, dpi: int) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def choropleth_png(
    base: Any,
    values: pd.Series,
    national: pd.Series,
    *,
    lang: str = "fr",
    legend_title: str = "",
    missing_label: str = "n/a",
    shapes: Any = None,
    higher_is_worse: bool = True,
    unit: str = "",
    highlight: str | None = None,
    dpi: int = DPI,
) -> bytes:
    """
    A PNG map of `values` (indexed by unit code) over `shapes` (default: the basemap's communes), in the
    classes of `national`, with the basemap's orientation and a titled legend of the class intervals.
    """
    import matplotlib

    matplotlib.rcParams["font.family"] = FONTS.get(script(lang), FONTS["Latn"])
    from matplotlib.patches import Patch

    frame = (base.communes if shapes is None else shapes).reset_index(drop=True)
    classes, intervals = national_classes(values.reindex(frame["code"]), national)
    palette = list(PALETTE if higher_is_worse else PALETTE[::-1])
    step = (len(palette) - 1) / max(len(intervals) - 1, 1)
    shades = [palette[round(i * step)] for i in range(len(intervals))]
    colours = [shades[c] if c >= 0 else MISSING for c in classes]
    bounds = _bounds(frame, base)
    fig, ax, _ = _figure(bounds, lang, dpi)
    frame.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.3, zorder=1)
    if highlight is not None and highlight in set(frame["code"]):
        frame[frame["code"] == highlight].boundary.plot(ax=ax, color="#08306b", linewidth=2.0, zorder=4)
    _frame_and_orient(ax, bounds, lang, base)
    place_names(ax, base.towns, base.around, lang)
    suffix = "%" if unit == "percent" else ""
    handles = [
        Patch(
            facecolor=shade,
            edgecolor="#999",
            label=f"{_plain(number(lo, lang))} – {_plain(number(hi, lang))}{suffix}",
        )
        for shade, (lo, hi) in zip(shades, intervals, strict=True)
    ]
    if (classes == -1).any():
        handles.append(Patch(facecolor=MISSING, edgecolor="#999", label=missing_label))
    _legend(ax, handles, lang, legend_title)
    return _png(fig, dpi)


def plan_png(
    base: Any,
    covered: pd.Series,
    sites: pd.DataFrame,
    *,
    lang: str,
    labels: dict[str, str],
    dpi: int = DPI,
) -> bytes:
    """The plan on the area: covered communes in blue, the others in orange, the sites as black dots."""
    import matplotlib

    matplotlib.rcParams["font.family"] = FONTS.get(script(lang), FONTS["Latn"])
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    frame = base.communes.reset_index(drop=True)
    state = covered.reindex(frame["code"]).to_numpy()
    colours = ["#6baed6" if s == 1 else "#fdae6b" if s == 0 else MISSING for s in state]
    bounds = _bounds(frame, base)
    fig, ax, _ = _figure(bounds, lang, dpi)
    frame.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.3, zorder=1)
    _frame_and_orient(ax, bounds, lang, base)
    if len(sites):
        ax.scatter(sites["lon"], sites["lat"], s=28, marker="^", color="black", edgecolor="white", zorder=8)
    place_names(ax, base.towns, base.around, lang)
    handles = [
        Patch(facecolor="#6baed6", label=labels["covered"]),
        Patch(facecolor="#fdae6b", label=labels["not_covered"]),
        Line2D([], [], marker="^", linestyle="", color="black", label=labels["site"]),
    ]
    _legend(ax, handles, lang)
    return _png(fig, dpi)


#: Page 1's locator map: its width, and the largest height it takes.
LOCATOR_IN, LOCATOR_MAX_IN = 1.8, 1.0


def locator_png(locator: Any, *, dpi: int = DPI) -> bytes:
    """The unit in dark blue among the units around it (its région's provinces, or Morocco's régions), a ring
    around it when it is too small to see; no words, so it reads in every language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minx, miny, maxx, maxy = locator.outlines.total_bounds
    aspect = 1 / math.cos(math.radians((miny + maxy) / 2))
    ratio = (maxy - miny) * aspect / max(maxx - minx, 1e-6)
    width = min(LOCATOR_IN, LOCATOR_MAX_IN / ratio)
    fig = plt.figure(figsize=(width, width * ratio), dpi=dpi)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_aspect(aspect)
    ax.set_axis_off()
    locator.outlines.plot(ax=ax, color=NEIGHBOUR, edgecolor="white", linewidth=0.6, zorder=1)
    locator.unit.plot(ax=ax, color=TOWN, edgecolor=TOWN, linewidth=0.4, zorder=2)
    if locator.within is not None:
        locator.within.boundary.plot(ax=ax, color="#333333", linewidth=0.8, zorder=3)
    ux0, uy0, ux1, uy1 = locator.unit.total_bounds
    if max(ux1 - ux0, uy1 - uy0) < 0.04 * max(maxx - minx, maxy - miny):
        ax.scatter(
            [(ux0 + ux1) / 2],
            [(uy0 + uy1) / 2],
            s=90,
            facecolor="none",
            edgecolor=TOWN,
            linewidth=1.2,
            zorder=4,
        )
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    return _png(fig, dpi)
