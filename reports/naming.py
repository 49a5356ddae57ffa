"""
How a report names things: a unit in the page's script, an indicator in the report's words, and free
text or a date set apart from an Arabic sentence's direction.
"""

from __future__ import annotations

from typing import Any

from observatory import registry
from observatory.errors import ObservatoryError

from .i18n import words

#: Context figures shown beside the index dimensions' indicators.
CONTEXT_FIGURES = ("population_legal", "households_count")
#: Their names in the report's own words (the registry's Arabic census labels still hold English words).
CONTEXT_WORDS = {"population_legal": "population", "households_count": "households"}
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


def name_of(row: Any, lang: str) -> str:
    """A unit's name in the page's script."""
    return str(row["name_ar"] if lang == "ar" else row["name_fr"])


def isolated(text: Any, lang: str, opener: str = "\u2068") -> str:
    """Free text (a reviewer's name, a reason, in any script) or a date set apart from an Arabic sentence's
    direction, so bidi does not reorder it; other pages take it as it is."""
    return f"{opener}{text}\u2069" if lang == "ar" else str(text)
