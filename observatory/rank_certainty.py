"""
How sure the index is of a place, in words every surface shares: the share of its Monte Carlo draws in
which a commune is among Morocco's 10 % most fragile (or its région's ten) said as 'sure', 'probably',
'possibly' or 'not', and the ranks that cannot be told apart, grouped into tiers by their 90 % intervals.
The report's first page and the app's answer read the same words from here.
"""

from __future__ import annotations

import numpy as np

from . import i18n
from .formatting import percent

#: The share of the index's draws above which it is sure of a place.
SURE = 0.95
#: Certainty words by the share of draws, highest first.
CERTAINTY_WORDS = ((SURE, "sure"), (0.5, "likely"), (0.05, "possible"), (0.0, "unlikely"))


def draws_share(share: float, lang: str) -> str:
    """A share of draws as a percentage that never rounds to a certainty it is not (99.6 % is not 100 %)."""
    value = 100 * share
    near_end = 0 < value < 0.5 or 99.5 <= value < 100
    return percent(value, lang, decimals=1 if near_end else 0)


def certainty_word(share: float) -> str:
    """'sure', 'likely', 'possible' or 'unlikely' for a share of draws."""
    return next(word for floor, word in CERTAINTY_WORDS if share >= floor)


def certainty(p_top_decile: float, p_region_top10: float, lang: str) -> str:
    """The index's certainty in words with its share of draws: that the commune is among Morocco's 10 %
    most fragile when it is sure of it, else among its région's ten most fragile when it is sure of that,
    else how likely the first is."""
    if p_top_decile < SURE <= p_region_top10:
        return i18n.text("report.certainty_region_sure", lang, p=draws_share(p_region_top10, lang))
    word = certainty_word(p_top_decile)
    return i18n.text(f"report.certainty_{word}", lang, p=draws_share(p_top_decile, lang))


def rank_tiers(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """A tier number (0, 1, ...) per unit, the units given in rank order with their 90 % rank intervals:
    a unit whose interval reaches into the interval of its tier's first unit cannot be told apart from it
    and joins that tier; the first one clear of it starts the next. Units without an interval get -1."""
    tiers = np.full(len(lower), -1, dtype=int)
    tier, reach = -1, -np.inf
    for i, (low, high) in enumerate(zip(lower, upper, strict=True)):
        if not (np.isfinite(low) and np.isfinite(high)):
            continue
        if low > reach:
            tier, reach = tier + 1, high
        tiers[i] = tier
    return tiers


def reasons_part(explanation: str, lang: str) -> str:
    """The 'because ...' part of a stored explanation, where the rank and its interval have columns of
    their own ('' when the explanation gives no reasons)."""
    for msgid in ("index.because", "index.weak_points"):
        marker = i18n.text(msgid, lang).split("{reasons}")[0]
        if marker in explanation:
            return explanation.split(marker, 1)[1].rstrip(".")
    return ""
