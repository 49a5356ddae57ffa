"""
The data and method page in one language: French and Arabic pages hold no text marked English (a model
card gives a line in the page's language and links to its full record on the English page), no pointer to
a repository file, no field identifier among the catalogue's words; the English page calls HCP by its
English name and shows no French definition.
"""

from __future__ import annotations

from typing import Any

import pytest

from observatory.dashboards import ids
from observatory.dashboards.pages.method import RECORDS_LANGUAGE, layout
from observatory.dashboards.state import parse


def walk(component: Any) -> list[Any]:
    """Every component and string of a layout, depth first."""
    found = [component]
    children = getattr(component, "children", None)
    for child in (
        children if isinstance(children, list | tuple) else [children] if children is not None else []
    ):
        found += walk(child)
    return found


def words(component: Any) -> str:
    return " ".join(part for part in walk(component) if isinstance(part, str))


@pytest.fixture(scope="module")
def pages(data) -> dict[str, Any]:
    return {lang: layout(data, parse(f"?lang={lang}")) for lang in ("fr", "ar", "en")}


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_french_or_arabic_page_marks_nothing_english_and_links_the_cards_record(pages, lang):
    shown = walk(pages[lang])
    assert [c for c in shown if getattr(c, "lang", None) == RECORDS_LANGUAGE] == []
    links = [c.href for c in shown if type(c).__name__ == "A" and isinstance(c.href, str)]
    cards = [c.id for c in shown if str(getattr(c, "id", "")).startswith("card-")]
    assert len(cards) == 2 and all(f"/data?lang=en#{card}" in links for card in cards)
    assert "#model-cards" in links
    text = words(pages[lang])
    assert "docs/" not in text and ".md" not in text
    assert "card_markdown" not in text and "## Method" not in text


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_catalogue_shows_labels_not_field_identifiers(data, pages, lang):
    (catalogue,) = [c for c in walk(pages[lang]) if getattr(c, "id", None) == ids.CATALOGUE]
    text = words(catalogue)
    identifiers = set(data.catalogue()["indicator_id"])
    assert len(identifiers) > 250
    # The identifiers are in the rows' data for scripts, none among the words a person reads.
    assert [i for i in identifiers if i in text.split()] == []
    rows = [c for c in walk(catalogue) if type(c).__name__ == "Tr" and hasattr(c, "data-indicator")]
    assert {getattr(r, "data-indicator") for r in rows} == identifiers


def test_the_english_page_names_hcp_in_english_and_shows_no_french_definition(pages):
    text = words(pages["en"])
    assert "High Commission for Planning (HCP)" in text and "Haut-Commissariat" not in text
    assert "Autres types à préciser" not in text and "Part des ménages sédentaires" not in text
