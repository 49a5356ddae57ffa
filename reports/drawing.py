"""
A report's picture (map or chart) drawn without a plotting library: its shapes as SVG, its words as HTML
laid over it. WeasyPrint lays out an SVG <text> one letter at a time, which would undo Arabic's joined
letters and its right-to-left order; a positioned HTML span is shaped by Pango like the rest of the page.
The Word document gets the same picture as a PNG (Pillow, whose Raqm engine shapes Arabic), and Pillow
measures the words the maps place so that no two names overlap.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Units of a drawing: pixels at this many an inch (a point is DPI / 72 of them).
DPI = 150
PT = DPI / 72
#: A line of words is this many times its size tall.
LEADING = 1.2
#: The fonts the page prints in (`templates/report.css`), by script: names are measured in them.
FONTS = {"Latn": "DejaVu Sans", "Arab": "Noto Naskh Arabic"}


@functools.cache
def _font_file(family: str, bold: bool, italic: bool) -> str | None:
    """The file fontconfig gives for a family, as Pango finds it for the page."""
    style = ":bold" * bold + ":italic" * italic
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", family + style], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return found.stdout.strip() or None


@functools.cache
def _font(family: str, size_pt: float, bold: bool, italic: bool) -> Any:
    from PIL import ImageFont

    path = _font_file(family, bold, italic)
    if path is None:
        return ImageFont.load_default(size=size_pt * PT)
    return ImageFont.truetype(path, size=size_pt * PT, layout_engine=ImageFont.Layout.RAQM)


#: Bidi isolates (U+2066-U+2069): Pango reads them, Pillow draws them as boxes.
ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")


def ltr(text: str) -> str:
    """Words set left to right whatever the page's direction (a range of numbers, a percentage)."""
    return f"\u2066{text}\u2069"


def arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in text)


@functools.cache
def _characters(family: str) -> frozenset[int]:
    """The characters a family's font draws (Noto Naskh Arabic has no brackets, no % and no dashes)."""
    from fontTools.ttLib import TTFont

    path = _font_file(family, False, False)
    return frozenset(TTFont(path, lazy=True).getBestCmap()) if path else frozenset()


def _runs(text: str) -> list[tuple[str, str]]:
    """A line cut where its font changes, as Pango falls back: Arabic words and what the Arabic font
    draws in it, the rest in the Latin font."""
    if not arabic(text):
        return [(FONTS["Latn"], text)]
    drawn = _characters(FONTS["Arab"])
    runs: list[tuple[str, str]] = []
    for ch in text:
        family = FONTS["Arab"] if ord(ch) in drawn else FONTS["Latn"]
        if runs and runs[-1][0] == family:
            runs[-1] = (family, runs[-1][1] + ch)
        else:
            runs.append((family, ch))
    return runs


def text_width(text: str, size_pt: float, *, bold: bool = False, italic: bool = False) -> float:
    """The width of a line of words once shaped, in pixels."""
    width = 0.0
    for family, run in _runs(text.translate(ISOLATES)):
        font = _font(family, size_pt, bold, italic)
        width += font.getlength(run, direction="rtl" if arabic(run) else "ltr")
    return width


def wrap(text: str, width: float, size_pt: float) -> list[str]:
    """The words in lines no wider than `width` pixels (a word longer than that keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size_pt) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels, y downwards."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def within(self, other: Box) -> bool:
        return self.x0 >= other.x0 and self.x1 <= other.x1 and self.y0 >= other.y0 and self.y1 <= other.y1


@dataclass(frozen=True)
class Words:
    """Lines of words in a box, aligned left, centre or right, optionally on a pale ground."""

    box: Box
    lines: tuple[str, ...]
    size: float
    colour: str = "#1a1a1a"
    bold: bool = False
    italic: bool = False
    align: str = "center"
    ground: bool = False


def words_box(
    lines: Sequence[str], size: float, *, x: float, y: float, align: str = "center", bold: bool = False
) -> Box:
    """The box of lines of words set at `x` (their left, centre or right) and centred on `y`."""
    width = max(text_width(line, size, bold=bold) for line in lines) + 0.6 * PT
    height = len(lines) * size * PT * LEADING
    x0 = {"left": x, "center": x - width / 2, "right": x - width}[align]
    return Box(x0, y - height / 2, x0 + width, y + height / 2)


def _path(rings: Iterable[np.ndarray]) -> str:
    parts = []
    for ring in rings:
        if len(ring) < 3:
            continue
        # a command letter before each point: WeasyPrint re-reads what follows a point of a command, so a
        # run of implicit line-tos costs it the square of its length
        points = "L".join(f"{x:.1f} {y:.1f}" for x, y in ring)
        parts.append(f"M{points}Z")
    return "".join(parts)


def rings_of(geometry: Any) -> list[np.ndarray]:
    """Every ring of a (multi)polygon's parts, as arrays of points."""
    import shapely

    rings = []
    for part in shapely.get_parts(geometry):
        if shapely.get_type_id(part) != 3:  # lines and points left by a clip
            continue
        rings.append(shapely.get_coordinates(shapely.get_exterior_ring(part)))
        holes = range(shapely.get_num_interior_rings(part))
        rings += [shapely.get_coordinates(shapely.get_interior_ring(part, i)) for i in holes]
    return rings


@dataclass
class Drawing:
    """A picture `width` x `height` pixels: shapes painted in order, then words over them."""

    width: float
    height: float
    shapes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    words: list[Words] = field(default_factory=list)

    def area(
        self, rings: list[np.ndarray], *, fill: str = "none", stroke: str = "none", line: float = 0
    ) -> None:
        """A polygon (rings in pixels, holes even-odd), filled and outlined (`line` in points)."""
        if rings:
            self.shapes.append(("area", {"rings": rings, "fill": fill, "stroke": stroke, "line": line}))

    def polyline(self, points: Sequence[tuple[float, float]], *, stroke: str, line: float) -> None:
        self.shapes.append(("polyline", {"points": list(points), "stroke": stroke, "line": line}))

    def mark(
        self, shape: str, x: float, y: float, size: float, *, fill: str, stroke: str = "none", line: float = 0
    ) -> None:
        """A marker (`o`, `s`, `^`, `D`) of `size` points across, centred on (x, y)."""
        self.shapes.append(
            (
                "mark",
                {"shape": shape, "x": x, "y": y, "size": size, "fill": fill, "stroke": stroke, "line": line},
            )
        )

    def write(self, words: Words) -> None:
        self.words.append(words)

    def svg(self) -> str:
        body = []
        for kind, s in self.shapes:
            paint = (
                f'fill="{s.get("fill", "none")}" stroke="{s["stroke"]}" stroke-width="{s["line"] * PT:.2f}"'
            )
            if kind == "area":
                body.append(
                    f'<path d="{_path(s["rings"])}" fill-rule="evenodd" {paint} stroke-linejoin="round"/>'
                )
            elif kind == "polyline":
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in s["points"])
                body.append(f'<polyline points="{points}" {paint}/>')
            else:
                body.append(_mark_svg(s, paint))
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width / PT:.1f}pt" '
            f'height="{self.height / PT:.1f}pt" viewBox="0 0 {self.width:.1f} {self.height:.1f}">'
            + "".join(body)
            + "</svg>"
        )

    def uri(self) -> str:
        """The shapes as a data URI (no words: `html` lays them over it)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg().encode("utf-8")).decode("ascii")

    def html(self, alt: str = "") -> str:
        """The picture at its printed size: the shapes, and the words positioned over them."""
        if not self.words:  # shapes only: the picture may shrink to its column
            width = f"{self.width / PT:.1f}pt"
            return f'<img src="{self.uri()}" alt="{html.escape(alt)}" style="display:block;width:{width}">'
        spans = []
        for w in self.words:
            b = w.box
            style = (
                f"position:absolute;left:{b.x0 / PT:.1f}pt;top:{b.y0 / PT:.1f}pt;"
                f"width:{(b.x1 - b.x0) / PT:.1f}pt;font-size:{w.size}pt;line-height:{LEADING};"
                f"white-space:nowrap;text-align:{w.align};"
                f"color:{w.colour};margin:0;padding:0"
                + ";font-weight:bold" * w.bold
                + ";font-style:italic" * w.italic
                + ";background:rgba(255,255,255,0.6);border-radius:1pt" * w.ground
            )
            text = "<br>".join(html.escape(line) for line in w.lines)
            spans.append(f'<span style="{style}">{text}</span>')
        size = f"width:{self.width / PT:.1f}pt;height:{self.height / PT:.1f}pt"
        return (
            f'<div class="drawing" style="position:relative;margin:0 auto;max-width:100%;{size}">'
            f'<img src="{self.uri()}" alt="{html.escape(alt)}" style="display:block;{size};max-width:none">'
            + "".join(spans)
            + "</div>"
        )

    def png(self, *, oversample: int = 2) -> bytes:
        """The picture rasterised at `DPI` (drawn larger, then reduced: smooth edges)."""
        from PIL import Image, ImageDraw

        k = oversample
        image = Image.new("RGB", (round(self.width * k), round(self.height * k)), "white")
        draw = ImageDraw.Draw(image, "RGBA")
        for kind, s in self.shapes:
            if kind == "area":
                _area_png(image, draw, s, k)
            elif kind == "polyline":
                draw.line(
                    [(x * k, y * k) for x, y in s["points"]],
                    fill=s["stroke"],
                    width=max(1, round(s["line"] * PT * k)),
                )
            else:
                _mark_png(draw, s, k)
        for w in self.words:
            _words_png(draw, w, k)
        image = image.resize((round(self.width), round(self.height)), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", dpi=(DPI, DPI))
        return buffer.getvalue()


def _mark_points(shape: str, x: float, y: float, r: float) -> list[tuple[float, float]]:
    if shape == "s":
        return [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    if shape == "D":
        return [(x, y - r * 1.2), (x + r, y), (x, y + r * 1.2), (x - r, y)]
    return [(x, y - r * 1.15), (x + r, y + r * 0.85), (x - r, y + r * 0.85)]  # ^


def _mark_svg(s: dict[str, Any], paint: str) -> str:
    r = s["size"] * PT / 2
    if s["shape"] == "o":
        return f'<circle cx="{s["x"]:.1f}" cy="{s["y"]:.1f}" r="{r:.1f}" {paint}/>'
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in _mark_points(s["shape"], s["x"], s["y"], r))
    return f'<polygon points="{points}" {paint}/>'


def _mark_png(draw: Any, s: dict[str, Any], k: int) -> None:
    r = s["size"] * PT / 2 * k
    x, y = s["x"] * k, s["y"] * k
    width = round(s["line"] * PT * k)
    outline = None if s["stroke"] == "none" else s["stroke"]
    fill = None if s["fill"] == "none" else s["fill"]
    if s["shape"] == "o":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=width)
    else:
        draw.polygon(_mark_points(s["shape"], x, y, r), fill=fill, outline=outline, width=width)


def _area_png(image: Any, draw: Any, s: dict[str, Any], k: int) -> None:
    from PIL import Image, ImageChops, ImageDraw

    rings = [[(x * k, y * k) for x, y in ring] for ring in s["rings"] if len(ring) >= 3]
    if s["fill"] != "none" and len(rings) == 1:
        draw.polygon(rings[0], fill=s["fill"])
    elif s["fill"] != "none":
        mask = Image.new("1", image.size, 0)
        for ring in rings:  # even-odd, as the SVG fills: a hole's ring clears what its outer ring filled
            ring_mask = Image.new("1", image.size, 0)
            ImageDraw.Draw(ring_mask).polygon(ring, fill=1)
            mask = ImageChops.logical_xor(mask, ring_mask)
        image.paste(s["fill"], mask=mask)
    if s["stroke"] != "none" and s["line"] > 0:
        width = max(1, round(s["line"] * PT * k))
        for ring in rings:
            draw.line([*ring, ring[0]], fill=s["stroke"], width=width, joint="curve")


def _words_png(draw: Any, w: Words, k: int) -> None:
    b = w.box
    if w.ground:
        draw.rounded_rectangle(
            (b.x0 * k, b.y0 * k, b.x1 * k, b.y1 * k), radius=2 * k, fill=(255, 255, 255, 153)
        )
    step = w.size * PT * LEADING * k
    for i, line in enumerate(line.translate(ISOLATES) for line in w.lines):
        # one font per line (Pillow has no fallback): the Arabic one if it draws every character
        runs = _runs(line)
        width = text_width(line, w.size, bold=w.bold, italic=w.italic)
        font = _font(runs[0][0], w.size * k, w.bold, w.italic)
        if len(runs) > 1:  # the Latin font, its size brought to the width the page gives the line
            latin = _font(FONTS["Latn"], w.size, w.bold, w.italic).getlength(line, direction="rtl")
            font = _font(FONTS["Latn"], round(w.size * k * width / max(latin, 1e-6), 1), w.bold, w.italic)
        half = width / 2
        x = {"left": b.x0 + half, "center": (b.x0 + b.x1) / 2, "right": b.x1 - half}[w.align]
        y = b.y0 * k + step * (i + 0.5)
        direction = "rtl" if arabic(line) else "ltr"
        draw.text((x * k, y), line, font=font, fill=w.colour, anchor="mm", direction=direction)
