"""
The app's words, read from the one catalogue (`observatory.i18n`): its own strings are the `app.*`
messages, and statuses, review statuses, baselines, local languages and units are the names every
surface shares, asked for by the app's keys (`status_forecast` is `status.forecast`). Place names come
from the database (name_fr, name_ar), indicator labels from the registry or the database's dictionary.
"""

from __future__ import annotations

from typing import Any

from observatory import i18n
from observatory.enums import DEFAULT_LANGUAGE
from observatory.enums import LANGUAGES as LANGUAGES  # the pages' language list
from observatory.errors import unknown_name
from observatory.formatting import number as number  # the app formats through the one formatting module

#: Shared names the app asks for by a key of its own: `<prefix>_<name>` is `<prefix>.<name>`.
SHARED_PREFIXES = ("status", "review", "baseline", "language", "unit")


def msgid(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The catalogue's id of an app key: a shared name if the catalogue holds one, else `app.<key>`."""
    prefix, _, name = key.partition("_")
    if prefix in SHARED_PREFIXES and name and i18n.has(f"{prefix}.{name}", lang):
        return f"{prefix}.{name}"
    return f"app.{key}"


def strings(lang: str) -> dict[str, str]:
    """Every string of the app in a language, by the app's keys."""
    if lang not in i18n.languages():
        raise unknown_name("language", lang, i18n.languages())
    return _STRINGS[lang]


def _strings(lang: str) -> dict[str, str]:
    table = {m.removeprefix("app."): i18n.text(m, lang) for m in i18n.msgids(lang, "app.")}
    for prefix in SHARED_PREFIXES:
        for shared in i18n.msgids(lang, f"{prefix}."):
            name = shared.removeprefix(f"{prefix}.")
            if "." not in name and isinstance(i18n.catalogue(lang)[shared], str):
                table[f"{prefix}_{name}"] = i18n.text(shared, lang)
    return table


_STRINGS = i18n.ByLanguage(_strings)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The string `key` in `lang`, with `{name}` fields filled."""
    return i18n.text(msgid(key, lang), lang, **values)


def direction(lang: str) -> str:
    """The page's direction in `lang` ('rtl' or 'ltr')."""
    return i18n.direction(lang)


def place_name(row: Any, lang: str) -> str:
    """A place's name in `lang` where the database holds one (HCP's Arabic names), else its French name."""
    name = row.get(f"name_{lang}")
    return name if isinstance(name, str) and name else str(row["name_fr"])


def other_name(row: Any, lang: str) -> str:
    """A place's name in the other script, shown beside `place_name`: the French name where the page
    shows the Arabic one, else the Arabic name ('' where the database holds none)."""
    own = row.get(f"name_{lang}")
    shown = f"name_{lang}" if isinstance(own, str) and own else "name_fr"
    other = row.get("name_ar" if shown == "name_fr" else "name_fr")
    return other if isinstance(other, str) else ""


def indicator_label(row: Any, lang: str) -> str:
    """The indicator's label in `lang`: the registry's (it has Arabic), else the database dictionary's."""
    indicator = str(row.get("indicator_id"))
    if indicator == "fragility_index":
        return t("index_label", lang)
    try:
        from observatory import registry

        if registry.is_registered(indicator):
            return registry.get(indicator).label(lang)
    except ImportError:  # an installation without the registry still labels from the dictionary
        pass
    label = row.get(f"label_{lang}") or row.get("label_fr")
    return label if isinstance(label, str) and label else indicator


def dropdown_labels(lang: str) -> dict[str, str]:
    """The texts a dcc.Dropdown shows of its own (search box, clear buttons, no match), in `lang`."""
    keys = (
        "search",
        "clear_search",
        "clear_selection",
        "no_options",
        "select_all",
        "deselect_all",
        "selected_count",
    )
    labels = {key: t(f"dropdown_{key}", lang) for key in keys}
    labels["no_options_found"] = labels.pop("no_options")
    return labels
