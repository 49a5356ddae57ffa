"""
The map of the change since 2014: each unit coloured by how far its figure moved between the censuses,
falls and rises in classes of their own, blue where things got better and red where they got worse by
the indicator's direction; its hover gives both figures and the change, its legend and source are
written into the figure as on every map.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from observatory.census_change import change_classes
from observatory.formatting import number, quantity, signed

from . import figures
from .i18n import t

#: Falls then rises, strongest first on each side: blue for better, red for worse.
BETTER = ("#2166ac", "#67a9cf", "#d1e5f0")
WORSE = ("#b2182b", "#ef8a62", "#fddbc7")


def change_colours(intervals: list[tuple[float, float]], direction: str) -> list[str]:
    """A colour per class (low to high): a fall is better unless more is better; the strongest change
    darkest on each side."""
    falls = sum(1 for _, hi in intervals if hi < 0)
    rises = len(intervals) - falls
    fall, rise = (WORSE, BETTER) if direction == "higher_is_better" else (BETTER, WORSE)
    return [*fall[:falls], *rise[:rises][::-1]]


def change_text(value: float, unit: str, lang: str) -> str:
    """A change with its sign and unit ('−7,4 points', '+2,1 km')."""
    return signed(quantity(value, unit, lang), value) if np.isfinite(value) else "–"


def change_map(
    geojson: dict[str, Any],
    codes: list[str],
    names: list[str],
    before: np.ndarray,
    after: np.ndarray,
    *,
    unit: str,
    change_unit: str,
    direction: str,
    title: str,
    credit: str,
    lang: str,
    outlines: tuple[list[float | None], list[float | None]] | None = None,
) -> tuple[go.Figure, list[tuple[str, str, int]]]:
    """(the figure, legend entries (range, colour, count) high to low) of the change from `before` to
    `after` at `codes`."""
    changes = np.asarray(after, dtype="float64") - np.asarray(before, dtype="float64")
    classes, intervals = change_classes(changes)
    colours = change_colours(intervals, direction)
    hover = [
        [
            t("change_hover", lang, before=quantity(b, unit, lang), after=quantity(a, unit, lang)),
            change_text(c, change_unit, lang),
        ]
        for b, a, c in zip(before, after, changes, strict=True)
    ]
    template = "<b>%{text}</b><br>%{customdata[1]}<br>%{customdata[0]}<extra></extra>"
    entries = [
        (
            f"{number(lo, lang)} – {change_text(hi, change_unit, lang)}",
            colour,
            int((classes == i).sum()),
        )
        for i, ((lo, hi), colour) in enumerate(zip(intervals, colours, strict=True))
    ][::-1]
    heading = t("change_legend", lang)
    annotations = figures.figure_annotations(
        [(colour, text) for text, colour, _ in entries], heading, credit, lang=lang
    )
    figure = figures.choropleth(
        geojson,
        codes,
        names,
        classes,
        colours,
        hover,
        template,
        title=title,
        lang=lang,
        outlines=outlines,
        annotations=annotations,
    )
    return figure, entries
