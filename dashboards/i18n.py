"""
French (default), Arabic (right to left) and English. Strings live in translations/<lang>.json;
place names come from the database (name_fr, name_ar), indicator labels from its dictionary.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from observatory.enums import DEFAULT_LANGUAGE, LANGUAGES
from observatory.errors import unknown_name
from observatory.formatting import number  # noqa: F401 - the app formats through the one formatting module

TRANSLATIONS = Path(__file__).with_name("translations")


@cache
def strings(lang: str) -> dict[str, str]:
    """Every string of a language, from its JSON file."""
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)
    return json.loads((TRANSLATIONS / f"{lang}.json").read_text(encoding="utf-8"))


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The string `key` in `lang` (French if that language lacks it), with `{name}` fields filled."""
    table = strings(lang)
    text = table[key] if key in table else strings(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text


def direction(lang: str) -> str:
    return "rtl" if lang == "ar" else "ltr"


def place_name(row: Any, lang: str) -> str:
    """The Arabic name of a place in Arabic, else its French name (HCP's spelling)."""
    if lang == "ar" and isinstance(row.get("name_ar"), str) and row.get("name_ar"):
        return row["name_ar"]
    return row["name_fr"]


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
    label = row.get("label_en") if lang == "en" else row.get("label_fr")
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
    labels = {
        key: strings(lang).get(f"dropdown_{key}", strings(DEFAULT_LANGUAGE)[f"dropdown_{key}"])
        for key in keys
    }
    labels["no_options_found"] = labels.pop("no_options")
    return labels
