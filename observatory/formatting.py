"""
Numbers as each language writes them, for every surface (app, reports, exports): one owner, so a
figure reads the same on the map, in the PDF and in the spreadsheet.

Rule for Arabic: Western Arabic digits (0-9), as HCP's and the administration's Arabic publications
in Morocco write them, with a decimal comma and thin-space thousands, isolated left-to-right so the
bidi algorithm never reorders "97 687" into "687 97".
"""

from __future__ import annotations

import math
from typing import Any, Self

from .enums import LANGUAGES

#: Narrow no-break space: the thousands separator of French (and Arabic, by the rule above).
THIN = "\u202f"
_LTR_ISOLATE, _POP_ISOLATE = "\u2066", "\u2069"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def number(value: Any, lang: str = "fr", *, decimals: int = 1) -> str:
    """A number as its readers write it: 12 345,6 in French and Arabic, 12,345.6 in English; '–' if
    missing."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; valid: {', '.join(LANGUAGES)}")
    if _missing(value):
        return "–"
    value = float(value)
    if value.is_integer() and abs(value) >= 1000:
        decimals = 0
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    text = text.replace(",", THIN).replace(".", ",")
    return f"{_LTR_ISOLATE}{text}{_POP_ISOLATE}" if lang == "ar" else text


class Localized(float):
    """
    A number that writes itself as `lang` does whatever format a template gives it ('{value:.0f}',
    '{value:,.1f}'): the registry's explanation phrases say '9,9 %' in French, not '9.9 %'.
    """

    lang: str

    def __new__(cls, value: float, lang: str) -> Self:
        made = super().__new__(cls, value)
        made.lang = lang
        return made

    def __format__(self, spec: str) -> str:
        text = format(float(self), spec)
        if self.lang == "en":
            return text
        text = text.replace(",", THIN).replace(".", ",")
        return f"{_LTR_ISOLATE}{text}{_POP_ISOLATE}" if self.lang == "ar" else text


def signed(text: str, value: Any) -> str:
    """A formatted change with its sign: '+' before a rise, inside the left-to-right isolate of an Arabic
    number so that '+2 185' is not drawn '2 185+'."""
    if _missing(value) or float(value) <= 0:
        return text
    return f"{_LTR_ISOLATE}+{text[1:]}" if text.startswith(_LTR_ISOLATE) else f"+{text}"


def integer(value: Any, lang: str = "fr") -> str:
    """A whole count (people, sites), rounded, with the language's thousands separator."""
    return "–" if _missing(value) else number(round(float(value)), lang, decimals=0)


def percent(value: Any, lang: str = "fr", *, decimals: int = 1) -> str:
    """A percentage (0-100) with its sign placed as the language places it: 41,6 % (fr), 41.6% (en)."""
    if _missing(value):
        return "–"
    text = number(value, lang, decimals=decimals)
    return f"{text}%" if lang == "en" else f"{text}{THIN}%"


def arabic_count_form(n: int) -> str:
    """
    Which form of a counted Arabic noun follows `n`: 'one' (1), 'two' (2), 'few' (3-10, plural),
    'many' (11-99, singular accusative), 'other' (0 and 100+, singular) — so "3 مواقع", "11 موقعًا".
    """
    n = abs(int(n))
    if n == 1:
        return "one"
    if n == 2:
        return "two"
    rest = n % 100
    if 3 <= rest <= 10:
        return "few"
    if 11 <= rest <= 99:
        return "many"
    return "other"


def counted(n: Any, forms: dict[str, str], lang: str = "fr") -> str:
    """
    `n` and its noun in agreement: `forms` gives 'one' and 'other' in French and English, and in Arabic
    the five forms of `arabic_count_form` (a missing form falls back to 'other').
    """
    count = round(float(n))
    if lang == "ar":
        form = forms.get(arabic_count_form(count), forms["other"])
    else:
        form = forms["one"] if (count in (0, 1) if lang == "fr" else count == 1) else forms["other"]
    return f"{integer(count, lang)} {form}"


#: Counted nouns for `counted`, per language (Arabic: the five forms of `arabic_count_form`): the app, the
#: reports and the planner's messages count sites, communes, people and areas with the same words.
NOUNS: dict[str, dict[str, dict[str, str]]] = {
    "site": {
        "fr": {"one": "site", "other": "sites"},
        "en": {"one": "site", "other": "sites"},
        "ar": {"one": "موقع", "two": "موقعان", "few": "مواقع", "many": "موقعًا", "other": "موقع"},
    },
    "commune": {
        "fr": {"one": "commune", "other": "communes"},
        "en": {"one": "commune", "other": "communes"},
        "ar": {"one": "جماعة", "two": "جماعتان", "few": "جماعات", "many": "جماعة", "other": "جماعة"},
    },
    "person": {
        "fr": {"one": "personne", "other": "personnes"},
        "en": {"one": "person", "other": "people"},
        "ar": {"one": "شخص", "two": "شخصان", "few": "أشخاص", "many": "شخصًا", "other": "شخص"},
    },
    "province": {
        "fr": {"one": "province", "other": "provinces"},
        "en": {"one": "province", "other": "provinces"},
        "ar": {"one": "إقليم", "two": "إقليمان", "few": "أقاليم", "many": "إقليمًا", "other": "إقليم"},
    },
    "region": {
        "fr": {"one": "région", "other": "régions"},
        "en": {"one": "région", "other": "régions"},
        "ar": {"one": "جهة", "two": "جهتان", "few": "جهات", "many": "جهة", "other": "جهة"},
    },
}
