"""
Themes: the few headings under which a reader looks for an indicator (the index, the four dimensions
of digital fragility, forecasts, then the census by subject), each named in French, Arabic and
English. Every dictionary topic belongs to one theme, so a picker can group all of them.
"""

from __future__ import annotations

import re

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


#: Topic (HCP's table, as the field dictionary spells it; the housing survey's made distinct) -> its name in
#: French, Arabic and English: the finer headings a commune profile folds its figures under.
TOPICS: dict[str, tuple[str, str, str]] = {
    "population": ("Population", "السكان", "Population"),
    "sex": ("Sexe", "الجنس", "Sex"),
    "age": ("Âge", "السن", "Age"),
    "maritalStatus": ("État matrimonial", "الحالة الزواجية", "Marital status"),
    "fertility": ("Fécondité", "الخصوبة", "Fertility"),
    "disability": ("Handicap", "الإعاقة", "Disability"),
    "schooling": ("Scolarisation", "التمدرس", "School enrolment"),
    "illiteracy": ("Analphabétisme", "الأمية", "Illiteracy"),
    "languagesReadAndWritten": (
        "Langues lues et écrites",
        "اللغات المقروءة والمكتوبة",
        "Languages read and written",
    ),
    "education": ("Niveau d'études", "المستوى الدراسي", "Education"),
    "localLanguages": ("Langues locales", "اللغات المحلية", "Local languages"),
    "labour": ("Activité et chômage", "النشاط والبطالة", "Work and unemployment"),
    "employmentStatus": ("Statut professionnel", "الحالة في المهنة", "Employment status"),
    "commute": ("Trajet domicile-travail", "التنقل إلى العمل", "Commute to work"),
    "households": ("Ménages", "الأسر", "Households"),
    "dwellingType": ("Type de logement", "نوع المسكن", "Type of dwelling"),
    "occupancy": ("Statut d'occupation", "الوضع القانوني للسكن", "Tenure"),
    "dwellingAge": ("Âge du logement", "عمر المسكن", "Age of dwelling"),
    "amenities": ("Confort du logement", "التجهيزات الأساسية للمسكن", "Amenities"),
    "wastewater": ("Eaux usées", "الصرف الصحي", "Wastewater"),
    "householdWaste": ("Déchets ménagers", "النفايات المنزلية", "Household waste"),
    "cookingFuel": ("Combustible de cuisson", "طاقة الطهي", "Cooking fuel"),
    "languageCombinations": (
        "Langues lues et écrites (2014)",
        "اللغات المقروءة والمكتوبة (2014)",
        "Languages read and written (2014)",
    ),
    "workplace": ("Lieu de travail", "مكان العمل", "Place of work"),
    "study": ("Lieu d'études", "مكان الدراسة", "Place of study"),
    "studyCommute": ("Trajet vers le lieu d'études", "التنقل إلى مكان الدراسة", "Commute to study"),
    "profession": ("Profession", "المهنة", "Occupation"),
    "workSector": ("Secteur d'activité", "قطاع النشاط", "Sector of work"),
    "diploma": ("Diplôme de l'enseignement général", "شهادة التعليم العام", "General-education diploma"),
    "vocationalDiploma": (
        "Diplôme de la formation professionnelle",
        "شهادة التكوين المهني",
        "Vocational diploma",
    ),
    "equipment": ("Équipement des ménages", "تجهيزات الأسر", "Household equipment"),
    "establishments": ("Établissements", "المؤسسات", "Establishments"),
    "sector": ("Entreprises par secteur", "المقاولات حسب القطاع", "Businesses by sector"),
    "size": ("Entreprises par taille", "المقاولات حسب الحجم", "Businesses by size"),
    "founded": (
        "Entreprises par date de création",
        "المقاولات حسب سنة الإحداث",
        "Businesses by year founded",
    ),
    "dwellings": ("Logements urbains", "المساكن الحضرية", "Urban dwellings"),
    "dwellingsOccupancy": (
        "Occupation des logements urbains",
        "إشغال المساكن الحضرية",
        "Occupancy of urban dwellings",
    ),
    "dwellingsAge": ("Âge des logements urbains", "عمر المساكن الحضرية", "Age of urban dwellings"),
    "dwellingsType": ("Logements urbains par type", "المساكن الحضرية حسب النوع", "Urban dwellings by type"),
    "dwellingsAgeByType": (
        "Âge des logements urbains par type",
        "عمر المساكن الحضرية حسب النوع",
        "Age of urban dwellings by type",
    ),
    "dwellingsWalls": ("Matériaux des murs", "مواد بناء الجدران", "Wall materials"),
    "dwellingsRoofs": ("Matériaux des toits", "مواد بناء الأسقف", "Roof materials"),
    "dwellingsNetworks": ("Raccordement aux réseaux", "الربط بالشبكات", "Connection to networks"),
    "usage": ("Usage des services numériques", "استخدام الخدمات الرقمية", "Use of digital services"),
    "access": ("Accès et connectivité", "الولوج والربط", "Access and connectivity"),
    "vulnerability": ("Vulnérabilité", "الهشاشة", "Vulnerability"),
    "forecast": ("Projections", "الإسقاطات", "Projections"),
    "connectivity": ("Débits mesurés", "الصبيب المقيس", "Measured speeds"),
    "other": ("Autres indicateurs", "مؤشرات أخرى", "Other indicators"),
}


def profile_topic(dataset: str, topic: str) -> str:
    """The topic a field is shown under: its HCP topic, made distinct for the housing survey, whose topics
    (`age`, `occupancy`) reuse the census's names for other things."""
    if dataset == "housing" and topic != "dwellings":
        return "dwellings" + topic[:1].upper() + topic[1:]
    return topic


def topic_label(topic: str, lang: str = "fr") -> str:
    """The name of a topic (`cookingFuel`) in `lang`, for the headings that group a profile's figures; an
    unknown topic is written as words ('Cooking fuel')."""
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)
    names = TOPICS.get(topic)
    if names is None:
        return re.sub(r"([A-Z])", r" \1", topic).replace("_", " ").strip().capitalize()
    return names[LANGUAGES.index(lang)]
