"""
An indicator's metadata sheet, as the ONS puts one a click from a census map: what it is, where it comes
from and when, its unit, its status, whether it compares with 2014, and how not to use it. Read from the
registry and the database's dictionary, so every surface that shows a sheet says the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import attribution, i18n, registry
from .enums import ESTIMATED_STATUSES
from .formatting import unit_label

#: The language the database's dictionary writes definitions in.
DEFINITION_LANGUAGE = "fr"
#: A score the observatory computes that is not in the registry: the index.
INDEX_ID = "fragility_index"


@dataclass(frozen=True)
class IndicatorSheet:
    """What a person needs before quoting a figure of the indicator, in one language (`definition` in
    `definition_lang`, the dictionary's, when the page's has none)."""

    definition: str
    definition_lang: str
    source: str
    date: str
    unit: str
    status: str
    comparability: str
    cautions: tuple[str, ...]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def indicator_sheet(
    row: Mapping[str, Any], source: Mapping[str, Any] | None, *, lang: str, comparable: frozenset[str]
) -> IndicatorSheet:
    """The sheet of the indicator-year of a dictionary `row` (indicator_id, year, unit, definition,
    source_id), with its `source` row (publisher, title, licence, retrieved_at; credited in `lang`) and
    the indicators `comparable` between the censuses; the cautions are chosen by what the indicator is
    (a rate, a sampled question, an estimate, a definition changed since 2014, the index)."""
    indicator, year = str(row.get("indicator_id")), int(row.get("year") or 0)
    known = registry.is_registered(indicator)
    entry = registry.get(indicator) if known else None
    status = (
        entry.status_of(year) if entry is not None else ("derived" if indicator == INDEX_ID else "published")
    )
    unit = _text(row.get("unit")) or (entry.unit if entry is not None else "")
    definition = _text(row.get("definition"))
    definition_lang = DEFINITION_LANGUAGE
    if indicator == INDEX_ID:
        definition, definition_lang = i18n.text("sheet.index_definition", lang), lang
    elif not definition or lang != DEFINITION_LANGUAGE:
        label = entry.label(lang) if entry is not None else _text(row.get(f"label_{lang}"))
        if label:
            definition, definition_lang = label, lang
    written = unit_label(unit, lang)
    cautions = ["sheet.caution.area"]
    if unit == "percent":
        cautions.append("sheet.caution.rate")
    if entry is not None and entry.sampled and year == 2024:
        cautions.append("sheet.caution.sampled")
    if status in ESTIMATED_STATUSES:
        cautions.append("sheet.caution.estimated")
    if indicator == INDEX_ID:
        cautions.append("sheet.caution.index")
    in_2014 = entry is not None and 2014 in entry.years
    if indicator in comparable:
        comparability = i18n.text("sheet.comparable", lang)
    elif in_2014:
        comparability = i18n.text("sheet.not_comparable", lang)
        cautions.append("sheet.caution.not_comparable")
    else:
        comparability = i18n.text("sheet.one_census", lang, year=year)
    source = source or {}
    taken = source.get("retrieved_at")
    retrieved = "" if taken is None or pd.isna(taken) else str(taken)[:10]
    return IndicatorSheet(
        definition=definition,
        definition_lang=definition_lang,
        source=attribution.source_line(source, lang) if source else _text(row.get("source_id")),
        date=i18n.text("sheet.date", lang, year=year, retrieved=retrieved) if retrieved else str(year),
        unit=f"{written} ({i18n.text(f'sheet.unit.{unit}', lang)})"
        if i18n.has(f"sheet.unit.{unit}", lang)
        else written or i18n.text("sheet.unit_count", lang),
        status=i18n.text(
            "sheet.status",
            lang,
            status=i18n.text(f"status.{status}", lang),
            meaning=i18n.text(f"status.{status}.meaning", lang),
        ),
        comparability=comparability,
        cautions=tuple(i18n.text(c, lang) for c in cautions),
    )
