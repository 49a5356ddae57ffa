"""
Static maps for printed reports (no network), oriented for a planner: the area's units coloured by
classes from `observatory.classify` (national classes by default, so a dark commune is dark on every
région's map), province outlines, neighbouring units in grey, the sea shaded, every provincial seat and
every town drawn named without two names overlapping, a titled legend, and a scale bar and north arrow
written in the page's script. Drawn as `reports.drawing` draws: shapes in SVG at the printed resolution,
words in HTML over them (Pango shapes Arabic and sets it right to left).
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from observatory import i18n
from observatory.classify import classify
from observatory.formatting import number, unit_label

from .drawing import DPI, PT, Box, Drawing, Words, ltr, rings_of, words_box

#: Light to dark; the dark end is always "worse" so maps read the same way.
PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
MISSING = "#d9d9d9"
NEIGHBOUR = "#ececec"
SEA = "#dcebf7"
#: The largest map drawn: the page's text width, and a height that leaves two maps to a page.
WIDTH_IN, HEIGHT_IN = 6.9, 3.8
#: The legend's column beside the map (right of it, left on Arabic pages).
LEGEND_IN = 1.9
#: How far (pixels) an outline may move when simplified: 0.17 mm on paper, below what a reader sees; each
#: point left costs WeasyPrint's SVG reader time (a région's seven drawings: 16,700 points at half a
#: pixel, 11,900 at one).
SIMPLIFY = 1.0


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


@dataclass(frozen=True)
class Projection:
    """Where a map's lon/lat fall on its drawing: the view (the area, 5% around and room below for the
    scale bar) scaled to fit its box at the latitude's aspect, centred in it."""

    view: tuple[float, float, float, float]
    aspect: float
    scale: float
    """Pixels per degree of longitude."""
    left: float
    top: float

    @classmethod
    def fit(cls, view: tuple[float, float, float, float], box: Box) -> Projection:
        minx, miny, maxx, maxy = view
        aspect = 1 / math.cos(math.radians((miny + maxy) / 2))
        span_x, span_y = max(maxx - minx, 1e-6), max((maxy - miny) * aspect, 1e-6)
        scale = min((box.x1 - box.x0) / span_x, (box.y1 - box.y0) / span_y)
        left = box.x0 + ((box.x1 - box.x0) - span_x * scale) / 2
        top = box.y0 + ((box.y1 - box.y0) - span_y * scale) / 2
        return cls(view, aspect, scale, left, top)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return self.left + (lon - self.view[0]) * self.scale, self.top + (
            self.view[3] - lat
        ) * self.aspect * self.scale

    @property
    def frame(self) -> Box:
        """The view, in pixels: names are placed inside it."""
        (x0, y1), (x1, y0) = self.xy(self.view[0], self.view[1]), self.xy(self.view[2], self.view[3])
        return Box(x0, y0, x1, y1)

    def rings(self, geometry: Any) -> list[np.ndarray]:
        """A geometry's rings in pixels, clipped to the view and simplified to a pixel."""
        import shapely

        clipped = shapely.clip_by_rect(geometry, *self.view)
        coords = shapely.get_coordinates(clipped)
        if not len(coords):
            return []

        def to_pixels(points: np.ndarray) -> np.ndarray:
            x = self.left + (points[:, 0] - self.view[0]) * self.scale
            y = self.top + (self.view[3] - points[:, 1]) * self.aspect * self.scale
            return np.column_stack([x, y])

        return rings_of(shapely.simplify(shapely.transform(clipped, to_pixels), SIMPLIFY))


def view_of(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """What a map shows of its area's bounds: 5% around, and room below for the scale bar."""
    minx, miny, maxx, maxy = bounds
    pad_x, pad_y = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    return minx - pad_x, miny - pad_y * 3, maxx + pad_x, maxy + pad_y


def canvas(bounds: tuple[float, float, float, float], lang: str) -> tuple[Drawing, Projection, Box]:
    """A drawing of the size it is printed at: the area as large as fits in `WIDTH_IN` x `HEIGHT_IN`
    beside a column for the legend (right of the map, left on Arabic pages); and that column."""
    view = view_of(bounds)
    minx, miny, maxx, maxy = view
    aspect = 1 / math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max(maxx - minx, 1e-6), max((maxy - miny) * aspect, 1e-6)
    map_w = min(WIDTH_IN - LEGEND_IN, HEIGHT_IN * span_x / span_y)
    map_h = max(map_w * span_y / span_x, 2.6)
    drawing = Drawing((map_w + LEGEND_IN) * DPI, map_h * DPI)
    x0 = LEGEND_IN * DPI if i18n.is_rtl(lang) else 0.0
    projection = Projection.fit(view, Box(x0, 0, x0 + map_w * DPI, map_h * DPI))
    column = Box(0, 0, x0, map_h * DPI) if x0 else Box(map_w * DPI, 0, drawing.width, map_h * DPI)
    return drawing, projection, column


#: A legend's entry: its key (a filled square, or a marker) and its words.
@dataclass(frozen=True)
class Key:
    words: str
    fill: str
    edge: str = "none"
    marker: str = ""


def legend(drawing: Drawing, column: Box, keys: Sequence[Key], lang: str, title: str = "") -> None:
    """The legend in its column beside the map, centred on its height, its title wrapped to the column."""
    rtl, size = i18n.is_rtl(lang), 7
    lines = textwrap.wrap(title, 30) if title else []
    row = size * PT * 1.7
    height = len(lines) * size * PT * 1.25 + len(keys) * row
    y = (column.y1 - column.y0 - height) / 2
    edge, key_w = 6 * PT, 2 * size * PT
    near = column.x1 - edge if rtl else column.x0 + edge  # the side next to the map
    align = "right" if rtl else "left"
    if lines:
        box = words_box(lines, size, x=near, y=y + len(lines) * size * PT * 0.625, align=align)
        drawing.write(Words(box, tuple(lines), size, align=align))
        y = box.y1
    for key in keys:
        middle = y + row / 2
        k0 = near - key_w if rtl else near
        if key.marker:
            drawing.mark(key.marker, k0 + key_w / 2, middle, 5.3, fill=key.fill, stroke="white", line=0.5)
        else:
            drawing.area(
                [
                    np.array(
                        [
                            (k0, middle - 0.35 * size * PT),
                            (k0 + key_w, middle - 0.35 * size * PT),
                            (k0 + key_w, middle + 0.35 * size * PT),
                            (k0, middle + 0.35 * size * PT),
                        ]
                    )
                ],
                fill=key.fill,
                stroke=key.edge,
                line=0.6 if key.edge != "none" else 0,
            )
        x = k0 - 0.8 * size * PT if rtl else k0 + key_w + 0.8 * size * PT
        drawing.write(
            Words(words_box([key.words], size, x=x, y=middle, align=align), (key.words,), size, align=align)
        )
        y += row


def _ground(drawing: Drawing, projection: Projection, base: Any) -> None:
    """The sea, the neighbouring units in grey and the communes around a city, under the area."""
    for part in sea(projection.view, base.land) if base.land is not None else []:
        drawing.area(projection.rings(part), fill=SEA)
    for geometry in base.neighbours.geometry if len(base.neighbours) else []:
        drawing.area(projection.rings(geometry), fill=NEIGHBOUR, stroke="#bbbbbb", line=0.6)
    if base.around is not None:
        for geometry in base.around.geometry:
            drawing.area(projection.rings(geometry), fill=NEIGHBOUR, stroke="#999999", line=0.6)


def _orient(
    drawing: Drawing, projection: Projection, bounds: tuple[float, float, float, float], lang: str
) -> list[Box]:
    """A scale bar (bottom left) and a north arrow (top right); the boxes of their words (no name goes over
    them)."""
    minx, miny, maxx, maxy = bounds
    pad_y = (maxy - miny) * 0.05
    km_per_degree = 111.32 * math.cos(math.radians(miny))
    bar_km = _nice((maxx - minx) * km_per_degree / 4)
    bar_deg = bar_km / km_per_degree
    (x0, y0), (x1, _) = projection.xy(minx, miny - pad_y * 2), projection.xy(minx + bar_deg, miny)
    drawing.polyline([(x0, y0), (x1, y0)], stroke="black", line=2.5)
    drawing.polyline([(x0, y0), ((x0 + x1) / 2, y0)], stroke="white", line=1.2)
    km = f"{number(bar_km, lang, decimals=0)} {unit_label('km', lang)}"
    _, top = projection.xy(minx, miny - pad_y * 1.4)
    scale_words = words_box([km], 7, x=(x0 + x1) / 2, y=top - 7 * PT * 0.6)
    frame = projection.frame
    north_x, tip = frame.x0 + 0.96 * (frame.x1 - frame.x0), frame.y0 + 0.03 * (frame.y1 - frame.y0)
    north_y = frame.y0 + 0.14 * (frame.y1 - frame.y0)
    north = i18n.text("report.map_north", lang)
    north_words = words_box([north], 9, x=north_x, y=north_y, bold=True)
    head = 8 * PT
    drawing.polyline([(north_x, north_words.y0), (north_x, tip + head)], stroke="black", line=3)
    drawing.area(
        [np.array([(north_x - 4.5 * PT, tip + head), (north_x + 4.5 * PT, tip + head), (north_x, tip)])],
        fill="black",
    )
    drawing.write(Words(scale_words, (km,), 7))
    drawing.write(Words(north_words, (north,), 9, bold=True))
    return [scale_words, north_words]


def _outlines(drawing: Drawing, projection: Projection, shapes: Any, *, stroke: str, line: float) -> None:
    for geometry in shapes.geometry:
        drawing.area(projection.rings(geometry), stroke=stroke, line=line)


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
#: A town's name, and the names of the communes around a city, in points.
TOWN_SIZE, AROUND_SIZE = 7, 6.5


def _free(box: Box, taken: list[Box], frame: Box) -> bool:
    """True when a box lies inside the map and overlaps nothing already drawn."""
    return box.within(frame) and not any(box.overlaps(other) for other in taken)


def _beside(x: float, y: float, name: str, place: tuple[int, int, str, str], bold: bool) -> Box:
    """The box of a name set beside the point (x, y) as `place` says (points up, as on paper)."""
    dx, dy, ha, va = place
    box = words_box([name], TOWN_SIZE, x=x + dx * PT, y=0, align=ha, bold=bold)
    height = box.y1 - box.y0
    anchor = y - dy * PT
    y0 = {"center": anchor - height / 2, "bottom": anchor - height, "top": anchor}[va]
    return Box(box.x0, y0, box.x1, y0 + height)


def place_names(
    drawing: Drawing, projection: Projection, towns: pd.DataFrame, around: Any, lang: str, taken: list[Box]
) -> list[str]:
    """The towns named where their names overlap nothing (a seat's name is always printed, a dot is drawn
    only with its name: a dot without one is a question), then the communes around a city named in grey
    where room is left; returns the towns named, in the order placed."""
    frame = projection.frame
    places = PLACES[1::-1] + PLACES[2:] if i18n.is_rtl(lang) else PLACES
    dot = 3 * PT  # half a dot's width
    shown = []
    for town in towns.itertuples():
        x, y = projection.xy(town.lon, town.lat)
        marker = Box(x - dot, y - dot, x + dot, y + dot)
        if not _free(marker, taken, frame) and not town.seat:
            continue
        name = str(town.name)
        for n, place in enumerate(places):
            box = _beside(x, y, name, place, bool(town.seat))
            if _free(box, taken, frame) or (town.seat and n == len(places) - 1):
                taken += [box, marker]
                shown.append((name, x, y))
                # set from the side next to its dot: a name set wider than measured grows away from it
                words = Words(
                    box, (name,), TOWN_SIZE, colour=TOWN, bold=bool(town.seat), align=place[2], ground=True
                )
                drawing.write(words)
                break
    for _, x, y in shown:
        drawing.mark("o", x, y, 3, fill=TOWN, stroke="white", line=0.5)
    if around is not None:
        import shapely

        view = shapely.box(*projection.view)
        for commune in around.itertuples():
            point = commune.geometry.intersection(view).representative_point()
            if point.is_empty:
                continue
            name = str(commune.name)
            x, y = projection.xy(point.x, point.y)
            box = words_box([name], AROUND_SIZE, x=x, y=y)
            if _free(box, taken, frame):
                taken.append(box)
                drawing.write(Words(box, (name,), AROUND_SIZE, colour="#555555", italic=True))
    return [name for name, _, _ in shown]


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


def _bounds(frame: Any, base: Any) -> tuple[float, float, float, float]:
    """What the map frames: the area, and the communes around a city."""
    import shapely

    shown = [frame] if base.around is None or not len(base.around) else [frame, base.around]
    minx, miny, maxx, maxy = zip(
        *(shapely.total_bounds(f["geometry"].to_numpy()) for f in shown), strict=True
    )
    return min(minx), min(miny), max(maxx), max(maxy)


def _base_map(
    base: Any, frame: Any, colours: Sequence[str], lang: str, highlight: str | None = None
) -> tuple[Drawing, Projection, Box, list[Box]]:
    """The area's units in their colours over the sea and the neighbours, the province outlines, the
    highlighted unit, the scale bar and the north arrow; and the boxes of the words drawn."""
    bounds = _bounds(frame, base)
    drawing, projection, column = canvas(bounds, lang)
    _ground(drawing, projection, base)
    for geometry, colour in zip(frame.geometry, colours, strict=True):
        drawing.area(projection.rings(geometry), fill=colour, stroke="white", line=0.3)
    if len(base.provinces):
        _outlines(drawing, projection, base.provinces, stroke="#333333", line=1.1)
    if highlight is not None and highlight in set(frame["code"]):
        _outlines(drawing, projection, frame[frame["code"] == highlight], stroke=TOWN, line=2.0)
    return drawing, projection, column, _orient(drawing, projection, bounds, lang)


def choropleth(
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
) -> Drawing:
    """
    A map of `values` (indexed by unit code) over `shapes` (default: the basemap's communes), in the classes
    of `national`, with the basemap's orientation and a titled legend of the class intervals.
    """
    frame = (base.communes if shapes is None else shapes).reset_index(drop=True)
    classes, intervals = national_classes(values.reindex(frame["code"]), national)
    palette = list(PALETTE if higher_is_worse else PALETTE[::-1])
    step = (len(palette) - 1) / max(len(intervals) - 1, 1)
    shades = [palette[round(i * step)] for i in range(len(intervals))]
    colours = [shades[c] if c >= 0 else MISSING for c in classes]
    drawing, projection, column, taken = _base_map(base, frame, colours, lang, highlight)
    place_names(drawing, projection, base.towns, base.around, lang, taken)
    suffix = "%" if unit == "percent" else ""
    keys = [
        Key(ltr(f"{number(lo, lang)} – {number(hi, lang)}{suffix}"), shade, "#999999")
        for shade, (lo, hi) in zip(shades, intervals, strict=True)
    ]
    if (classes == -1).any():
        keys.append(Key(missing_label, MISSING, "#999999"))
    legend(drawing, column, keys, lang, legend_title)
    return drawing


def plan_map(
    base: Any, covered: pd.Series, sites: pd.DataFrame, *, lang: str, labels: dict[str, str]
) -> Drawing:
    """The plan on the area: covered communes in blue, the others in orange, the sites as black triangles."""
    frame = base.communes.reset_index(drop=True)
    state = covered.reindex(frame["code"]).to_numpy()
    colours = ["#6baed6" if s == 1 else "#fdae6b" if s == 0 else MISSING for s in state]
    drawing, projection, column, taken = _base_map(base, frame, colours, lang)
    for site in sites.itertuples():
        x, y = projection.xy(site.lon, site.lat)
        drawing.mark("^", x, y, 5.3, fill="black", stroke="white", line=0.5)
    place_names(drawing, projection, base.towns, base.around, lang, taken)
    keys = [
        Key(labels["covered"], "#6baed6"),
        Key(labels["not_covered"], "#fdae6b"),
        Key(labels["site"], "black", marker="^"),
    ]
    legend(drawing, column, keys, lang)
    return drawing


#: Page 1's locator map: its width, and the largest height it takes.
LOCATOR_IN, LOCATOR_MAX_IN = 1.8, 1.0


def locator_map(locator: Any) -> Drawing:
    """The unit in dark blue among the units around it (its région's provinces, or Morocco's régions), a
    ring around it when it is too small to see; no words, so it reads in every language."""
    import shapely

    minx, miny, maxx, maxy = shapely.total_bounds(locator.outlines["geometry"].to_numpy())
    aspect = 1 / math.cos(math.radians((miny + maxy) / 2))
    ratio = (maxy - miny) * aspect / max(maxx - minx, 1e-6)
    width = min(LOCATOR_IN, LOCATOR_MAX_IN / ratio)
    drawing = Drawing(width * DPI, width * ratio * DPI)
    projection = Projection.fit((minx, miny, maxx, maxy), Box(0, 0, drawing.width, drawing.height))
    for geometry in locator.outlines.geometry:
        drawing.area(projection.rings(geometry), fill=NEIGHBOUR, stroke="white", line=0.6)
    for geometry in locator.unit.geometry:
        drawing.area(projection.rings(geometry), fill=TOWN, stroke=TOWN, line=0.4)
    if locator.within is not None:
        _outlines(drawing, projection, locator.within, stroke="#333333", line=0.8)
    ux0, uy0, ux1, uy1 = shapely.total_bounds(locator.unit["geometry"].to_numpy())
    if max(ux1 - ux0, uy1 - uy0) < 0.04 * max(maxx - minx, maxy - miny):
        x, y = projection.xy((ux0 + ux1) / 2, (uy0 + uy1) / 2)
        drawing.mark("o", x, y, 9.5, fill="none", stroke=TOWN, line=1.2)
    return drawing
