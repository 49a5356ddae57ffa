"""
The report's small charts, drawn at their printed size as `reports.drawing` draws (shapes in SVG, words in
HTML over them): each key rate of the unit beside its province, its région and Morocco as marks on one
scale, and the age pyramid of the unit over Morocco's. They draw the figures the query layer serves and
compute none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from observatory import i18n
from observatory.enums import STATUSES
from observatory.formatting import number

from .drawing import DPI, LEADING, PT, Box, Drawing, Words, ltr, words_box, wrap
from .figures import AGE_GROUP
from .maps import WIDTH_IN
from .naming import dated

#: The unit's mark, then its province's, its région's and Morocco's (as many as the report compares):
#: shape, colour, size in points.
MARKS = (("o", "#08306b", 7), ("s", "#6baed6", 5), ("^", "#fd8d3c", 5.5), ("D", "#636363", 4.5))
MEN, WOMEN = "#6baed6", "#fc9272"
#: The sizes of the charts' words, in points.
LABEL, TICK, AGE = 6, 6.5, 5.5
AXIS = "#333333"


def age_label(indicator_id: str) -> str:
    """An age group as a reader writes it: '0–4', '75+'."""
    match = AGE_GROUP.match(indicator_id)
    if match is None:
        return indicator_id
    return f"{match[1]}+" if match[2] == "plus" else f"{match[1]}–{match[2]}"


def profile(
    rates: Sequence[tuple[str, Sequence[float | None]]],
    names: Sequence[str],
    ages: pd.DataFrame,
    unit_code: str,
    *,
    lang: str,
    words: dict[str, str],
) -> Drawing:
    """
    Two panels side by side: each rate (label, then the unit's value and each comparison's, in percent)
    as marks on one 0-100 scale, and the unit's age pyramid (bars, men left, women right) over Morocco's
    (outline). `names` names the unit and each comparison; `ages` holds `age_structure` rows.
    """
    rtl = i18n.is_rtl(lang)
    height = max(0.21 * len(rates) + 0.75, 2.3)
    drawing = Drawing(WIDTH_IN * DPI, height * DPI)
    # shares of the width: the rates' labels, their scale, and the pyramid (on an Arabic page the labels
    # stand on the right and the pyramid on the left)
    labels_w, dots_w, pyramid_w = 0.34, 0.36, 0.2
    dots_x, pyramid_x = (0.3, 0.05) if rtl else (labels_w, 1 - pyramid_w - 0.02)
    w, h = drawing.width, drawing.height
    top, bottom = h * 0.08, h * 0.78
    dots = Box(dots_x * w, top, (dots_x + dots_w) * w, bottom)
    labels = (
        Box(dots.x1 + 4 * PT, top, w - 2 * PT, bottom) if rtl else Box(2 * PT, top, dots.x0 - 4 * PT, bottom)
    )
    _dots(drawing, dots, labels, rates, names, lang, rtl)
    _pyramid(
        drawing,
        Box(pyramid_x * w, top + TICK * PT * LEADING * 2, (pyramid_x + pyramid_w) * w, bottom),
        ages,
        unit_code,
        names,
        lang,
        words,
    )
    return drawing


def _known(value: float | None) -> bool:
    return value is not None and value == value


def _axis(
    drawing: Drawing, box: Box, ticks: Sequence[float], x_of: Any, lang: str, *, absolute: bool = False
) -> None:
    """A percent scale under a panel: its line, its ticks and their numbers."""
    drawing.polyline([(box.x0, box.y1), (box.x1, box.y1)], stroke=AXIS, line=0.6)
    for value in ticks:
        x = x_of(value)
        drawing.polyline([(x, box.y1), (x, box.y1 + 2 * PT)], stroke=AXIS, line=0.6)
        text = ltr(number(abs(value) if absolute else value, lang, decimals=0) + "%")
        drawing.write(Words(words_box([text], TICK, x=x, y=box.y1 + 2 * PT + TICK * PT * 0.7), (text,), TICK))


def _dots(
    drawing: Drawing,
    box: Box,
    labels: Box,
    rates: Sequence[tuple[str, Sequence[float | None]]],
    names: Sequence[str],
    lang: str,
    rtl: bool,
) -> None:
    """Each rate on a line, its marks on one 0-100 scale, the unit's largest and drawn last."""
    n = len(rates)
    # Morocco keeps its mark in every report, the région and province theirs
    marks = [MARKS[0], *MARKS[len(MARKS) - len(names) + 1 :]]
    row = (box.y1 - box.y0) / max(n, 1)

    def x_of(value: float) -> float:
        return box.x0 + (box.x1 - box.x0) * value / 100

    align = "left" if rtl else "right"
    edge = labels.x0 if rtl else labels.x1
    for i, (label, _) in enumerate(rates):
        y = box.y0 + row * (i + 0.5)
        drawing.polyline([(box.x0, y), (box.x1, y)], stroke="#eeeeee", line=0.8)
        lines = wrap(label, labels.x1 - labels.x0, LABEL)
        drawing.write(
            Words(words_box(lines, LABEL, x=edge, y=y, align=align), tuple(lines), LABEL, align=align)
        )
    for m in reversed(range(len(marks))):  # the unit's marks drawn last, over the others
        shape, colour, size = marks[m]
        for i, (_, values) in enumerate(rates):
            value = values[m]
            if value is not None and _known(value):
                drawing.mark(shape, x_of(float(value)), box.y0 + row * (i + 0.5), size, fill=colour)
    _axis(drawing, box, range(0, 101, 20), x_of, lang)
    # the legend under the scale: each mark and its unit's name, side by side, centred
    y = box.y1 + 2 * PT + TICK * PT * 2.4
    widths = [(b := words_box([name], TICK, x=0, y=0)).x1 - b.x0 + 14 * PT for name in names]
    x = (box.x0 + box.x1) / 2 + sum(widths) / 2 * (1 if rtl else -1)
    for (shape, colour, size), name, width in zip(marks, names, widths, strict=True):
        key = x - 4 * PT if rtl else x + 4 * PT
        drawing.mark(shape, key, y, size, fill=colour)
        start = key - 6.5 * PT if rtl else key + 6.5 * PT
        side = "right" if rtl else "left"  # the name after its mark, in the page's direction
        drawing.write(Words(words_box([name], TICK, x=start, y=y, align=side), (name,), TICK, align=side))
        x += -width if rtl else width


def _step(reach: float) -> float:
    """A round tick step (1, 2, 5 x 10^n) showing two or three ticks each side of zero."""
    exponent = 10 ** math.floor(math.log10(max(reach, 1e-6) / 2))
    return float(max(m * exponent for m in (1, 2, 5) if m * exponent <= max(reach, 1e-6) / 1.5) or exponent)


def _pyramid(
    drawing: Drawing,
    box: Box,
    ages: pd.DataFrame,
    unit_code: str,
    names: Sequence[str],
    lang: str,
    words: dict[str, str],
) -> None:
    """The unit's share of each age group by sex as bars (men to the left), Morocco's as an outline."""
    groups = list(dict.fromkeys(ages["indicator_id"]))
    order = {g: i for i, g in enumerate(groups)}
    reach = float(ages["value"].max()) * 1.15 if len(ages) else 1.0
    n = len(groups)
    row = (box.y1 - box.y0) / (n + 1.2)
    middle = (box.x0 + box.x1) / 2

    def x_of(value: float) -> float:
        return middle + (box.x1 - box.x0) / 2 * value / reach

    def y_of(group: float) -> float:  # the youngest at the bottom
        return box.y1 - row * (group + 0.6)

    for unit, style in ((unit_code, "bar"), ("MA", "line")):
        for sex, sign, colour in (("male", -1, MEN), ("female", 1, WOMEN)):
            part = ages[(ages["unit_code"] == unit) & (ages["sex"] == sex)]
            y = part["indicator_id"].map(order).to_numpy()
            x = sign * part["value"].to_numpy(dtype="float64")
            if style == "bar":
                for g, v in zip(y, x, strict=True):
                    top, base = y_of(g + 0.425), y_of(g - 0.425)
                    corners = [(middle, top), (x_of(v), top), (x_of(v), base), (middle, base)]
                    drawing.area([np.array(corners)], fill=colour)
            elif len(y):
                ordered = sorted(zip(y, x, strict=True))
                points = [(x_of(ordered[0][1]), y_of(ordered[0][0] - 0.425))]
                for g, v in ordered:
                    points += [(x_of(v), y_of(g - 0.5 if g else g - 0.425)), (x_of(v), y_of(g + 0.5))]
                drawing.polyline(points[1:], stroke="#333333", line=0.8)
    drawing.polyline([(middle, box.y0), (middle, box.y1)], stroke="#999999", line=0.5)
    for group in groups:
        label = age_label(group)
        y = y_of(order[group])
        drawing.write(
            Words(
                words_box([label], AGE, x=box.x0 - 2 * PT, y=y, align="right"), (label,), AGE, align="right"
            )
        )
    step = _step(reach)
    ticks = [k * step for k in range(-int(reach // step), int(reach // step) + 1)]
    _axis(drawing, box, ticks, x_of, lang, absolute=True)
    y = y_of(n - 0.2) - TICK * PT * 0.6
    for key, x, align, colour in (
        ("sex_male", x_of(-reach * 0.95), "left", "#2171b5"),
        ("sex_female", x_of(reach * 0.95), "right", "#cb181d"),
    ):
        text = words[key]
        drawing.write(
            Words(words_box([text], TICK, x=x, y=y, align=align), (text,), TICK, colour=colour, align=align)
        )
    title = words["age_pyramid"].format(morocco=names[-1])
    lines = wrap(title, (box.x1 - box.x0) * 1.3, TICK)
    above = box.y0 - len(lines) * TICK * PT * LEADING / 2 - PT  # the title over the pyramid
    drawing.write(Words(words_box(lines, TICK, x=middle, y=above), tuple(lines), TICK))


#: Statuses a rate is charted with: what is neither simulated nor a scenario (no estimate, no fact).
CHARTED = tuple(s for s in STATUSES if s not in ("simulated", "scenario"))


def profile_chart(v: Any) -> Drawing | None:
    """The key rates of a report's unit beside its comparisons, and its age pyramid (None when the report
    has neither); `v` is the report's `View`."""
    c = v.c
    figures = c.key_figures
    rows = figures[
        (figures["sex"] == "all")
        & (figures["area"] == "total")
        & (figures["unit"] == "percent")
        & figures["status"].isin(CHARTED)
    ]
    compared = [f"compare_{i}" for i in range(len(v.compare))]
    rates = [
        (dated(r["label"], r["year"]), [r["value"], *(r[k] for k in compared)])
        for r in rows.to_dict("records")
    ]
    if not rates and not len(c.ages):
        return None
    return profile(rates, [c.name, *v.compare], c.ages, c.code, lang=c.lang, words=c.text)
