"""
The index in plain words, in every language of the catalogue (`index.*` messages): a unit's rank, its 90%
interval and the components that push it furthest, or why it has no rank. The build stores each
language's sentences, so a message's digits are grouped as the message says (`{of:,}`) with its
language's CLDR separator.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Self

from babel import Locale

from . import i18n, registry
from .errors import unknown_name
from .index_scoring import MIN_RESIDENTS, UNRANKED_REASONS
from .indicators import Key


@cache
def _group_symbol(lang: str) -> str:
    return str(Locale.parse(i18n.language(lang).locale).number_symbols["latn"]["group"])


class _Whole(int):
    """A whole number whose ',' grouping is written with its language's separator ('1 538' in French)."""

    lang: str

    def __new__(cls, value: int, lang: str) -> Self:
        made = super().__new__(cls, value)
        made.lang = lang
        return made

    def __format__(self, spec: str) -> str:
        text = format(int(self), spec)
        return text.replace(",", _group_symbol(self.lang)) if "," in spec else text


def ordinal(n: int, lang: str) -> str:
    """A rank as `lang` writes it ('1re', '2nd'), by the CLDR ordinal category of `n`."""
    category = Locale.parse(i18n.language(lang).locale).ordinal_form(n)
    return i18n.text(f"index.ordinal.{category}", lang, n=_Whole(n, lang))


def explain(
    rank: int,
    of: int,
    interval: tuple[int, int],
    values: Mapping[str, float],
    contributions: Mapping[str, float],
    *,
    level: str = "commune",
    lang: str = "en",
    top: int = 2,
) -> str:
    """
    A plain-language sentence: the rank, its 90% interval, and the (at most `top`) components
    that push the unit furthest towards fragility, each said with its value ('61% of women aged
    10+ cannot read or write'). `values` and `contributions` are keyed by component key names.
    """
    pushing = sorted(((c, k) for k, c in contributions.items() if c > 0), reverse=True)[:top]
    reasons = []
    for _, name in pushing:
        key = Key.parse(name)
        reasons.append(registry.get(key.indicator).phrase(float(values[name]), lang=lang, sex=key.sex))
    lo, hi = interval
    head = i18n.text(
        "index.rank",
        lang,
        rank=ordinal(rank, lang),
        of=_Whole(of, lang),
        units=i18n.text(f"index.units.{level}", lang),
        lo=ordinal(lo, lang),
        hi=ordinal(hi, lang),
    )
    said = i18n.text("index.and", lang).join(reasons)
    # A less fragile unit: its weak points, not reasons for a high rank.
    why = "index.weak_points" if rank > of / 2 else "index.because"
    return i18n.text(
        "index.explanation", lang, rank=head, reasons=i18n.text(why, lang, reasons=said) if reasons else ""
    )


def explain_unranked(reason: str, lang: str = "en") -> str:
    """Why a unit has no rank, in `lang` (`reason` one of `UNRANKED_REASONS`)."""
    if reason not in UNRANKED_REASONS:
        raise unknown_name("unranked reason", reason, UNRANKED_REASONS)
    return i18n.text(f"index.unranked.{reason}", lang, minimum=_Whole(MIN_RESIDENTS, lang))
