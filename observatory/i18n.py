"""
Every word shown to a person, in one gettext catalogue per language
(`observatory/locales/<code>/LC_MESSAGES/observatory.po`), read with Babel once per process. The app,
the reports, the command line and the API's labels ask for a message by its id (`status.forecast`,
`app.page_explorer`), so a status, a baseline, a unit or a language has one name per language
wherever it is shown. Counted nouns follow the CLDR plural rules of the language's locale (Arabic has
six forms). A language is its catalogue and one entry of `observatory.enums.LANGUAGE_LIST`; right to
left is that entry's one setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from babel import Locale
from babel.messages.pofile import read_po
from babel.plural import PluralRule

from . import enums
from .errors import unknown_name

#: The catalogues' folder: `<code>/LC_MESSAGES/observatory.po` per language.
LOCALES = Path(__file__).with_name("locales")
DOMAIN = "observatory"
#: CLDR's plural categories in gettext's order: a plural message's forms are its language's categories
#: in this order (French: one, many, other; Arabic: all six).
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_FIELD = re.compile(r"(?<!\{)\{(\w+)[^{}]*\}(?!\})")

T = TypeVar("T")


class MissingMessageError(LookupError):
    """A message id the catalogue of a language does not hold."""

    def __init__(self, msgid: str, lang: str) -> None:
        super().__init__(
            f"the {lang!r} catalogue has no message {msgid!r}: add it to "
            f"{catalogue_path(lang).relative_to(LOCALES.parent.parent)} (and to every other language's)"
        )
        self.msgid, self.lang = msgid, lang


def languages() -> tuple[str, ...]:
    """The languages' codes, the default first."""
    return tuple(language.code for language in enums.LANGUAGE_LIST)


def language(lang: str) -> enums.Language:
    """A language's entry; an unknown code lists the valid ones."""
    for entry in enums.LANGUAGE_LIST:
        if entry.code == lang:
            return entry
    raise unknown_name("language", lang, languages())


def is_rtl(lang: str) -> bool:
    """True for a language written right to left."""
    return language(lang).rtl


def direction(lang: str) -> str:
    """The page direction of a language, as HTML's `dir` writes it."""
    return "rtl" if is_rtl(lang) else "ltr"


def catalogue_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> Mapping[str, str | tuple[str, ...]]:
    """Every message of a language by id: a text, or a plural message's forms in `plural_categories`
    order."""
    entry = language(lang)
    with catalogue_path(lang).open("rb") as file:
        read = read_po(file, locale=entry.locale, domain=DOMAIN)
    messages: dict[str, str | tuple[str, ...]] = {}
    for message in read:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string
        messages[key] = strings if isinstance(strings, str) else tuple(strings or ())
    return messages


def has(msgid: str, lang: str) -> bool:
    """True when a language's catalogue holds `msgid`."""
    return msgid in catalogue(lang)


def text(msgid: str, lang: str, **values: Any) -> str:
    """The message `msgid` in `lang`, its `{name}` fields filled from `values`."""
    found = catalogue(lang).get(msgid)
    if found is None or not isinstance(found, str) or not found:
        raise MissingMessageError(msgid, lang)
    return found.format(**values) if values else found


def fields(message: str) -> set[str]:
    """The names of a message's `{name}` fields."""
    return set(_FIELD.findall(message))


@cache
def _plural_rule(lang: str) -> PluralRule:
    return Locale.parse(language(lang).locale).plural_form


def plural_categories(lang: str) -> tuple[str, ...]:
    """The CLDR plural categories a language distinguishes, in gettext's order."""
    rule = _plural_rule(lang)
    return tuple(c for c in PLURAL_CATEGORIES if c in rule.tags or c == "other")


def plural_category(n: float | Decimal, lang: str) -> str:
    """Which CLDR plural category a count takes in `lang` (Arabic: 0 'zero', 11 'many', 100 'other'); a
    Decimal keeps the decimals a number is printed with (English says '1.0 points')."""
    return str(_plural_rule(lang)(n))


def plural_forms(msgid: str, lang: str) -> dict[str, str]:
    """A counted noun's forms in `lang`, by CLDR plural category."""
    found = catalogue(lang).get(msgid)
    if not isinstance(found, tuple) or not all(found):
        raise MissingMessageError(msgid, lang)
    return dict(zip(plural_categories(lang), found, strict=True))


def plural(msgid: str, n: float | Decimal, lang: str, **values: Any) -> str:
    """The form of the plural message `msgid` that the count `n` takes in `lang`, fields filled."""
    form = plural_forms(msgid, lang)[plural_category(n, lang)]
    return form.format(**values) if values else form


def msgids(lang: str, prefix: str = "") -> list[str]:
    """The ids of a language's messages that start with `prefix`, sorted."""
    return sorted(m for m in catalogue(lang) if m.startswith(prefix))


def joined(items: list[str], lang: str) -> str:
    """Items joined as `lang` joins a list ('a, b' in French, 'a، b' in Arabic)."""
    return text("list.separator", lang).join(items)


class ByLanguage(Mapping[str, T]):
    """A table by language whose entries are made from the catalogue when first read (so importing a
    module reads no catalogue, and a language added to the list has its entry)."""

    def __init__(self, make: Callable[[str], T]) -> None:
        self._make = cache(make)

    def __getitem__(self, lang: str) -> T:
        if lang not in languages():
            raise KeyError(lang)
        return self._make(lang)

    def __iter__(self) -> Iterator[str]:
        return iter(languages())

    def __len__(self) -> int:
        return len(languages())
