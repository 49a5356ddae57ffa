"""
Themes: the few headings under which a reader looks for an indicator (the index, the four dimensions
of digital fragility, forecasts, then the census by subject), each named in French, Arabic and
English. Every dictionary topic belongs to one theme, so a picker can group all of them.
"""

from __future__ import annotations

from .enums import LANGUAGES
from .errors import unknown_name

#: theme -> its name per language, in the order a picker lists them.
THEMES: dict[str, dict[str, str]] = {
    "index": {"fr": "Indice composite", "ar": "المؤشر المركب", "en": "Composite index"},
    "access": {"fr": "Accès et connectivité", "ar": "الولوج والربط", "en": "Access and connectivity"},
    "usage": {"fr": "Usages numériques", "ar": "الاستخدامات الرقمية", "en": "Digital usage"},
    "forecast": {"fr": "Projections", "ar": "الإسقاطات", "en": "Projections"},
    "vulnerability": {"fr": "Vulnérabilité", "ar": "الهشاشة", "en": "Vulnerability"},
    "education": {
        "fr": "Éducation, alphabétisation et langues",
        "ar": "التعليم ومحو الأمية واللغات",
        "en": "Education, literacy and languages",
    },
    "population": {
        "fr": "Population et ménages",
        "ar": "السكان والأسر",
        "en": "Population and households",
    },
    "work": {"fr": "Emploi et déplacements", "ar": "الشغل والتنقل", "en": "Work and commuting"},
    "housing": {
        "fr": "Logement et équipements",
        "ar": "السكن والتجهيزات",
        "en": "Housing and amenities",
    },
    "economy": {
        "fr": "Établissements économiques",
        "ar": "المؤسسات الاقتصادية",
        "en": "Business establishments",
    },
}

#: dictionary topic (as the database's `indicator.topic` holds it) -> theme.
TOPIC_THEMES: dict[str, str] = {
    "index": "index",
    "access": "access",
    "networks": "access",
    "usage": "usage",
    "forecast": "forecast",
    "vulnerability": "vulnerability",
    "disability": "vulnerability",
    "illiteracy": "education",
    "schooling": "education",
    "education": "education",
    "diploma": "education",
    "vocationalDiploma": "education",
    "languagesReadAndWritten": "education",
    "languageCombinations": "education",
    "localLanguages": "education",
    "study": "education",
    "studyCommute": "education",
    "population": "population",
    "sex": "population",
    "age": "population",
    "maritalStatus": "population",
    "fertility": "population",
    "households": "population",
    "labour": "work",
    "employmentStatus": "work",
    "profession": "work",
    "workSector": "work",
    "workplace": "work",
    "commute": "work",
    "dwellings": "housing",
    "dwellingType": "housing",
    "dwellingAge": "housing",
    "occupancy": "housing",
    "amenities": "housing",
    "wastewater": "housing",
    "householdWaste": "housing",
    "cookingFuel": "housing",
    "equipment": "housing",
    "type": "housing",
    "ageByType": "housing",
    "roofs": "housing",
    "walls": "housing",
    "establishments": "economy",
    "founded": "economy",
    "size": "economy",
    "sector": "economy",
}


def theme_of(topic: str | None) -> str:
    """The theme of a dictionary topic; a topic no theme names yet falls under population (the census's
    broadest heading), so a new census table still appears in the picker."""
    return TOPIC_THEMES.get(str(topic), "population")


def theme_label(theme: str, lang: str = "fr") -> str:
    """A theme's name in `lang`; an unknown theme or language lists the valid ones."""
    if theme not in THEMES:
        raise unknown_name("theme", theme, THEMES)
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)
    return THEMES[theme][lang]
