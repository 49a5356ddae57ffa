"""
How a report names things: a unit in the page's script, an indicator in the report's words, and free
text or a date set apart from an Arabic sentence's direction.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.core import get_global, parse_locale

from observatory import i18n, registry
from observatory.errors import ObservatoryError

from .i18n import words

#: Context figures shown beside the index dimensions' indicators.
CONTEXT_FIGURES = ("population_legal", "households_count")
#: Their names in the report's own words (the registry's Arabic census labels still hold English words).
CONTEXT_WORDS = {"population_legal": "population", "households_count": "households"}
#: The names the statistics office publishes for a place, by script: a page in a language written in
#: another script shows the French (Latin) names.
PLACE_NAMES = {"Latn": "name_fr", "Arab": "name_ar"}
#: Opens a left-to-right isolate (a range, a date) in an Arabic sentence; U+2069 closes it.
LTR = "\u2066"


def label(indicator_id: str, lang: str) -> str:
    """An indicator's label in `lang` (its id when the registry does not know it)."""
    if indicator_id in CONTEXT_WORDS:
        return words(lang)[CONTEXT_WORDS[indicator_id]].replace(" 2024", "")
    try:
        return registry.get(indicator_id).label(lang)
    except (KeyError, ObservatoryError):
        return indicator_id


@cache
def script(lang: str) -> str:
    """The script a language is written in ('Latn', 'Arab', 'Tfng'): its CLDR locale's likely script."""
    locale = i18n.language(lang).locale
    likely = get_global("likely_subtags").get(parse_locale(locale)[0], locale)
    return parse_locale(likely)[2] or "Latn"


def name_column(lang: str) -> str:
    """The column of a unit's stored name in the page's script."""
    return PLACE_NAMES.get(script(lang), PLACE_NAMES["Latn"])


def name_of(row: Any, lang: str) -> str:
    """A unit's name in the page's script."""
    return str(row[name_column(lang)])


def names_of(frame: Any, lang: str) -> list[str]:
    """Each row's name in the page's script (`name_of` of each row, read from the one column)."""
    return [str(name) for name in frame[name_column(lang)].tolist()]


def isolated(text: Any, lang: str, opener: str = "\u2068") -> str:
    """Free text (a reviewer's name, a reason, in any script) or a date set apart from an Arabic sentence's
    direction, so bidi does not reorder it; other pages take it as it is."""
    return f"{opener}{text}\u2069" if i18n.is_rtl(lang) else str(text)


def dated(text: str, year: int) -> str:
    """A figure's label with the year of its figures (a 2014 figure is never read as today's)."""
    return text if str(year) in text else f"{text} ({year})"
