"""
Figures as a report prints them, in the page's language: counts whole, rates with one decimal and their
unit, differences with their sign, intervals as ranges. Every number is written by
`observatory.formatting`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from observatory import registry
from observatory.formatting import integer, number, percent


def missing(value: Any) -> bool:
    """True for None and NaN (a suppressed or absent figure)."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: Any, unit: str | None, lang: str = "fr") -> str:
    """A figure for print in `lang`: counts whole, rates with one decimal and their unit in the page's
    words."""
    if missing(value):
        return "–"
    if unit == "percent":
        return percent(value, lang)
    if unit in registry.COUNT_UNITS:
        return integer(value, lang)
    label = registry.unit_label(unit, lang)
    return f"{number(value, lang)}\u00a0{label}" if label else number(value, lang)


def format_change(value: Any, unit: str | None, lang: str, points: str) -> str:
    """A difference with its sign: percentage points for rates (`points` is the plural; French says
    "0,2 point", under 2 in the singular), the figure's own unit otherwise."""
    if missing(value):
        return "–"
    sign = "+" if float(value) > 0 else "−" if float(value) < 0 else ""
    magnitude = abs(float(value))
    if unit == "percent":
        if lang == "fr" and round(magnitude, 1) < 2:
            points = points.removesuffix("s")
        return f"{sign}{number(magnitude, lang)}\u00a0{points}"
    return sign + format_value(magnitude, unit, lang)


def interval(lower: Any, upper: Any, unit: str | None, lang: str) -> str:
    """A 90 % interval as a range of two figures ('' when either end is missing)."""
    if missing(lower) or missing(upper):
        return ""
    return f"{format_value(lower, unit, lang)} – {format_value(upper, unit, lang)}"


def rank_interval(lower: Any, upper: Any, lang: str) -> str:
    """A rank's interval as a range of two ranks ('' when either end is missing)."""
    if missing(lower) or missing(upper):
        return ""
    return f"{integer(lower, lang)}–{integer(upper, lang)}"
