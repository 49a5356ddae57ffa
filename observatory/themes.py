"""
Themes: the few headings under which a reader looks for an indicator (the index, the four dimensions
of digital fragility, forecasts, then the census by subject), each named by the catalogue
(`observatory.i18n`). Every dictionary topic belongs to one theme, so a picker can group all of them.
"""

from __future__ import annotations

import re

from . import i18n
from .errors import unknown_name

#: The themes in the order a picker lists them; each is named by the catalogue's `theme.<name>`.
THEMES = (
    "index",
    "access",
    "usage",
    "forecast",
    "vulnerability",
    "education",
    "population",
    "work",
    "housing",
    "economy",
)

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
    return i18n.text(f"theme.{theme}", lang)


def profile_topic(dataset: str, topic: str) -> str:
    """The topic a field is shown under: its HCP topic, made distinct for the housing survey, whose topics
    (`age`, `occupancy`) reuse the census's names for other things."""
    if dataset == "housing" and topic != "dwellings":
        return "dwellings" + topic[:1].upper() + topic[1:]
    return topic


def topic_label(topic: str, lang: str = "fr") -> str:
    """The name of a topic (`cookingFuel`) in `lang` (the catalogue's `topic.<topic>`), for the headings
    that group a profile's figures; a topic the catalogue lacks is written as words ('Cooking fuel')."""
    msgid = f"topic.{topic}"
    if i18n.has(msgid, lang):
        return i18n.text(msgid, lang)
    return re.sub(r"([A-Z])", r" \1", topic).replace("_", " ").strip().capitalize()
