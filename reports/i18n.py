"""
A report's words, read from the one catalogue (`observatory.i18n`): its own phrases are the `report.*`
messages; statuses, review statuses, baselines, local languages, units and licences are the names every
surface shares. Figures' labels come from the indicator registry.
"""

from __future__ import annotations

from observatory import i18n
from observatory.enums import LOCAL_LANGUAGES, PLAN_REVIEW_STATUSES, STATUSES
from observatory.errors import unknown_name

#: Shared names a report's text table holds under its own key (`baseline_greedy`, `points`).
_SHARED = {"points": "unit.points"}


def words(lang: str) -> dict[str, str]:
    """The report's words in a language, by the keys the report's templates use."""
    if lang not in i18n.languages():
        raise unknown_name("language", lang, i18n.languages())
    return TEXT[lang]


def _words(lang: str) -> dict[str, str]:
    table = {m.removeprefix("report."): i18n.text(m, lang) for m in i18n.msgids(lang, "report.")}
    table.update({m.replace(".", "_"): i18n.text(m, lang) for m in i18n.msgids(lang, "baseline.")})
    table.update({key: i18n.text(msgid, lang) for key, msgid in _SHARED.items()})
    return table


#: The report's words by language (`words(lang)`).
TEXT = i18n.ByLanguage(_words)
#: Every status of `observatory.enums.STATUSES` in words, and what it means (for the annex).
STATUS_TEXT = i18n.ByLanguage(lambda lang: {s: i18n.text(f"status.{s}", lang) for s in STATUSES})
STATUS_MEANING = i18n.ByLanguage(lambda lang: {s: i18n.text(f"status.{s}.meaning", lang) for s in STATUSES})
#: A plan's review status in words (`observatory.enums.PLAN_REVIEW_STATUSES`).
REVIEW_TEXT = i18n.ByLanguage(lambda lang: {s: i18n.text(f"review.{s}", lang) for s in PLAN_REVIEW_STATUSES})
#: The census's local languages (`observatory.enums.LOCAL_LANGUAGES`) by name: the registry's Arabic labels
#: keep them in Latin script.
LANGUAGE_NAMES = i18n.ByLanguage(lambda lang: {c: i18n.text(f"language.{c}", lang) for c in LOCAL_LANGUAGES})


def language_list(codes: list[str], lang: str) -> str:
    """Languages by name, joined as the page's language joins a list."""
    return i18n.joined([LANGUAGE_NAMES[lang].get(c, c) for c in codes], lang)


def licence_words(licence: str, lang: str) -> str:
    """A stored licence text said in `lang` by its short name; an unknown licence is shown as stored."""
    found = [m for m in i18n.msgids(lang, "licence.") if m.removeprefix("licence.") in str(licence)]
    return i18n.text(max(found, key=len), lang) if found else str(licence)
