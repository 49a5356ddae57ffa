"""
Numbers as each language writes them, for every surface (app, reports, exports): one owner, so a
figure reads the same on the map, in the PDF and in the spreadsheet.

A language whose CLDR locale writes a decimal point (English) writes 12,345.6 and 41.6%; the others
write 12 345,6 and 41,6 % (a decimal comma, narrow no-break spaces).

Rule for Arabic: Western Arabic digits (0-9), as HCP's and the administration's Arabic publications
in Morocco write them, with a decimal comma and thin-space thousands, isolated left-to-right so the
bidi algorithm never reorders "97 687" into "687 97".
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Self

from babel import Locale

from . import i18n

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


@cache
def _decimal_point(lang: str) -> bool:
    """True when the language's CLDR locale writes a decimal point rather than a comma."""
    return bool(Locale.parse(i18n.language(lang).locale).number_symbols["latn"]["decimal"] == ".")


def number(value: Any, lang: str = "fr", *, decimals: int = 1) -> str:
    """A number as its readers write it: 12 345,6 in French and Arabic, 12,345.6 in English; '–' if
    missing."""
    rtl = i18n.is_rtl(lang)
    if _missing(value):
        return "–"
    value = float(value)
    if value.is_integer() and abs(value) >= 1000:
        decimals = 0
    text = f"{value:,.{decimals}f}"
    if _decimal_point(lang):
        return text
    text = text.replace(",", THIN).replace(".", ",")
    return f"{_LTR_ISOLATE}{text}{_POP_ISOLATE}" if rtl else text


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
        if _decimal_point(self.lang):
            return text
        text = text.replace(",", THIN).replace(".", ",")
        return f"{_LTR_ISOLATE}{text}{_POP_ISOLATE}" if i18n.is_rtl(self.lang) else text


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
    return f"{text}%" if _decimal_point(lang) else f"{text}{THIN}%"


def counted(n: Any, forms: Mapping[str, str], lang: str = "fr") -> str:
    """`n` and its noun in agreement: `forms` gives the noun by CLDR plural category (`NOUNS[name][lang]`,
    read from the catalogue: Arabic says "3 مواقع", "11 موقعًا"); a form a table lacks is its 'other'.
    Forms that place the number themselves (`{n}`) say the count as the language does: Arabic writes
    one and two with the noun alone ("موقع واحد", "موقعان"), not "2 موقعان"."""
    count = round(float(n))
    form = forms.get(i18n.plural_category(count, lang), forms["other"])
    if any("{n}" in f for f in forms.values()):
        return form.format(n=integer(count, lang))
    return f"{integer(count, lang)} {form}"


def quantity(value: Any, unit: str | None, lang: str = "fr") -> str:
    """A figure with its unit as `lang` writes it, for every surface: a percentage with its sign
    ('41,6 %', '41.6%'), a count whole and bare (`count=True` units, the label says what is counted),
    any other unit by its catalogue name after a no-break space ('12,3 km'); '–' if missing."""
    if _missing(value):
        return "–"
    if unit == "percent":
        return percent(value, lang)
    if unit is not None and unit in COUNT_UNITS:
        return integer(value, lang)
    msgid = f"unit.{unit}"
    if unit and i18n.has(msgid, lang):
        return f"{number(value, lang)}\u00a0{i18n.text(msgid, lang)}"
    return number(value, lang)


def interval(lower: Any, upper: Any, unit: str | None, lang: str = "fr") -> str:
    """A 90 % interval as a range of two figures; '' when either end is missing or both ends print alike
    (a full-count figure has no sampling error: '59,7 % – 59,7 %' would pass a census for an estimate)."""
    if _missing(lower) or _missing(upper):
        return ""
    low, high = quantity(lower, unit, lang), quantity(upper, unit, lang)
    return "" if low == high else f"{low} – {high}"


def bounds(
    lower: Any, upper: Any, scenario_low: Any, scenario_high: Any, unit: str | None, lang: str = "fr"
) -> str:
    """What a figure is known within: its 90 % interval, else its scenario band, named as one ('scénario :
    18,9 % – 21,7 %') so that nobody reads the range of stated assumptions as a confidence interval."""
    known = interval(lower, upper, unit, lang)
    if known:
        return known
    band = interval(scenario_low, scenario_high, unit, lang)
    return i18n.text("format.scenario_band", lang, range=band) if band else ""


def unit_label(unit: str | None, lang: str = "fr") -> str:
    """A unit as written after a number in `lang` ('%', 'pour 1 000 hab.'); '' for a count or a unit the
    catalogue does not name."""
    msgid = f"unit.{unit}"
    return i18n.text(msgid, lang) if unit and i18n.has(msgid, lang) else ""


#: Units that are counts: summed up the levels, and written bare (the label says what is counted).
COUNT_UNITS = frozenset(
    {
        "people",
        "households",
        "establishments",
        "dwellings",
        "jobs",
        "souks",
        "tests",
        "devices",
        "tiles",
        "transactions",
    }
)


class _Nouns(Mapping[str, i18n.ByLanguage[dict[str, str]]]):
    """The catalogue's counted nouns (`noun.<name>`) by name, then language: their forms by category."""

    def __getitem__(self, name: str) -> i18n.ByLanguage[dict[str, str]]:
        if f"noun.{name}" not in i18n.catalogue(i18n.languages()[0]):
            raise KeyError(name)
        return i18n.ByLanguage(lambda lang: i18n.plural_forms(f"noun.{name}", lang))

    def __iter__(self) -> Iterator[str]:
        return iter(m.removeprefix("noun.") for m in i18n.msgids(i18n.languages()[0], "noun."))

    def __len__(self) -> int:
        return len(i18n.msgids(i18n.languages()[0], "noun."))


#: Counted nouns for `counted`: the app, the reports and the planner's messages count sites, communes,
#: people and areas with the same words, `counted(n, NOUNS["site"][lang], lang)`.
NOUNS = _Nouns()
