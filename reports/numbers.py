"""
Figures as a report prints them, in the page's language: counts whole, rates with one decimal and their
unit, differences with their sign, intervals as ranges. Every number is written by
`observatory.formatting` (a figure with its unit by `formatting.quantity`, as every surface writes it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from observatory import i18n
from observatory.formatting import integer, number, quantity


def missing(value: Any) -> bool:
    """True for None and NaN (a suppressed or absent figure)."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_change(value: Any, unit: str | None, lang: str) -> str:
    """A difference with its sign: percentage points for rates, the noun agreeing with the number as
    printed (French says "0,2 point", under 2 in the singular), the figure's own unit otherwise."""
    if missing(value):
        return "–"
    sign = "+" if float(value) > 0 else "−" if float(value) < 0 else ""
    magnitude = abs(float(value))
    if unit == "percent":
        points = i18n.plural("noun.point", Decimal(f"{magnitude:.1f}"), lang)
        return f"{sign}{number(magnitude, lang)}\u00a0{points}"
    return sign + quantity(magnitude, unit, lang)


def rank_interval(lower: Any, upper: Any, lang: str) -> str:
    """A rank's interval as a range of two ranks ('' when either end is missing)."""
    if missing(lower) or missing(upper):
        return ""
    return f"{integer(lower, lang)}–{integer(upper, lang)}"
