"""
The index in plain words, in French, Arabic and English: a unit's rank, its 90% interval and the components
that push it furthest, or why it has no rank.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import registry
from .errors import unknown_name
from .index_scoring import MIN_RESIDENTS
from .indicators import Key


def ordinal(n: int, lang: str) -> str:
    if lang == "fr":
        return "1re" if n == 1 else f"{n:,}e".replace(",", "\u202f")
    if lang == "ar":
        return f"{n}"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _count(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "\u202f") if lang == "fr" else f"{n:,}" if lang == "en" else str(n)


UNIT_WORDS = {
    "commune": {"fr": "communes", "ar": "جماعة", "en": "communes"},
    "province": {"fr": "provinces et préfectures", "ar": "إقليم وعمالة", "en": "provinces and prefectures"},
    "region": {"fr": "régions", "ar": "جهة", "en": "regions"},
}


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
    units = UNIT_WORDS[level][lang]
    lo, hi = interval
    if rank > of / 2 and reasons:  # a less fragile unit: its weak points, not reasons for a high rank
        joined = {"fr": " et ", "ar": " و", "en": " and "}[lang].join(reasons)
        tail = {
            "fr": f" ; ses points faibles : {joined}",
            "ar": f"؛ نقاط ضعفها: {joined}",
            "en": f"; its weak points: {joined}",
        }[lang]
        reasons = []
    else:
        tail = ""
    if lang == "fr":
        head = (
            f"Classée {ordinal(rank, 'fr')} sur {_count(of, 'fr')} {units} les plus fragiles "
            f"(intervalle à 90 % : {ordinal(lo, 'fr')}–{ordinal(hi, 'fr')})"
        )
        body = ", principalement parce que " + " et ".join(reasons) if reasons else ""
    elif lang == "ar":
        head = f"تحتل المرتبة {rank} من أصل {of} {units} الأكثر هشاشة (مجال 90%: {lo}–{hi})"
        body = "، أساسا لأن " + " و".join(reasons) if reasons else ""
    else:
        head = (
            f"Ranked {ordinal(rank, 'en')} most fragile of {_count(of, 'en')} {units} "
            f"(90% interval: {ordinal(lo, 'en')}–{ordinal(hi, 'en')})"
        )
        body = ", mainly because " + " and ".join(reasons) if reasons else ""
    return head + body + tail + "."


UNRANKED_SENTENCES = {
    "few_residents": {
        "fr": f"Non classée : moins de {MIN_RESIDENTS:,} résidents".replace(",", "\u202f")
        + ", ses taux reposent sur trop peu de personnes pour un rang.",
        "ar": f"غير مصنفة: أقل من {MIN_RESIDENTS} نسمة مقيمة، معدلاتها مبنية على عدد قليل جدا من الأشخاص.",
        "en": f"Not ranked: fewer than {MIN_RESIDENTS:,} residents, too few people for its rates to support "
        "a rank.",
    },
    "mostly_imputed": {
        "fr": "Non classée : plus de la moitié de ses données ne sont pas publiées par le HCP et ont été "
        "imputées.",
        "ar": "غير مصنفة: أكثر من نصف معطياتها غير منشورة من طرف المندوبية وتم تقديرها.",
        "en": "Not ranked: more than half of its inputs are not published by HCP and were imputed.",
    },
}


def explain_unranked(reason: str, lang: str = "en") -> str:
    """Why a unit has no rank, in `lang` (`reason` one of `UNRANKED_REASONS`)."""
    if reason not in UNRANKED_SENTENCES:
        raise unknown_name("unranked reason", reason, UNRANKED_SENTENCES)
    return UNRANKED_SENTENCES[reason][lang]
