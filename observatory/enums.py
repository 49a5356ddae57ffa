"""
The names every layer shares: languages, levels, breakdowns, value statuses, index dimensions and
lenses, map classification schemes, indicator directions. Defined here once; the database contract,
the registry, the index, the API's parameter checks, the app and the reports import them, and tests
compare every table keyed by these names (the index's lenses, the classifier's schemes, the app's
translations) with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """A language of the app, the reports and every label: its words are the catalogue
    observatory/locales/<code>/LC_MESSAGES/observatory.po."""

    code: str
    locale: str
    """The CLDR locale whose plural rules its counted nouns follow (Babel reads them)."""
    rtl: bool = False
    """Written right to left: the one setting every surface reads through `observatory.i18n.is_rtl`."""


#: The languages, French first (the default). A new language is its catalogue and one entry here.
LANGUAGE_LIST = (Language("fr", "fr_MA"), Language("ar", "ar_MA", rtl=True), Language("en", "en_GB"))
LANGUAGES = tuple(language.code for language in LANGUAGE_LIST)
DEFAULT_LANGUAGE = "fr"

#: Administrative levels, from the top. Each has a spatial table of the same name.
LEVELS = ("country", "region", "province", "commune")
#: The levels made of several units: what a map, the index and a report cover.
MAP_LEVELS = ("region", "province", "commune")
#: The units of the divided cities that HCP publishes figures for, outside the commune partition: the 41
#: arrondissements (each inside its commune) and Casablanca's eight préfectures d'arrondissements (each a
#: group of its arrondissements). Each has a table of the same name.
CITY_LEVELS = ("prefecture_arrondissements", "arrondissement")
#: Every level an indicator value is stored at.
VALUE_LEVELS = (*LEVELS, *CITY_LEVELS)

#: Indicator values are stored for these sexes and areas (HCP's own breakdowns).
SEXES = ("all", "male", "female")
AREAS = ("total", "urban", "rural")

#: How a value came to be; shown next to every figure. Each is named and explained in the catalogue
#: (`status.<name>`, `status.<name>.meaning`); `scenario` is what a model gives under stated assumptions
#: when its validation does not support calling it an estimate; `perturbed` is a measured figure
#: published with its cell-key noise (`observatory.disclosure`).
STATUSES = (
    "published",
    "aggregated",
    "derived",
    "measured",
    "perturbed",
    "modelled",
    "forecast",
    "simulated",
    "scenario",
    "corrected",
)
#: Review of a stored deployment plan: a proposal until people review, approve or reject it; an approved
#: plan is superseded when a new version of it is approved.
PLAN_REVIEW_STATUSES = ("draft", "reviewed", "approved", "rejected", "superseded")
#: A challenge contests a served figure or a commune's boundary; a reviewer accepts or rejects it.
CHALLENGE_KINDS = ("figure", "boundary")
CHALLENGE_STATUSES = ("open", "accepted", "rejected")
CHALLENGE_DECISIONS = ("accept", "reject")
#: Local languages of the census (`local_languages_<language>`), spoken shares per commune.
LOCAL_LANGUAGES = ("darija", "tachelhit", "tamazight", "tarifit", "hassania")
#: Statuses of values a model made: they carry an interval and a badge.
MODEL_STATUSES = ("modelled", "forecast", "scenario")
ESTIMATED_STATUSES = (*MODEL_STATUSES, "simulated")

#: Dimensions of digital fragility, each a group of the composite index's components.
DIMENSIONS = ("access", "skills", "usage", "vulnerability")
#: How to read an indicator: whether a higher value means more fragility.
DIRECTIONS = ("higher_is_worse", "higher_is_better", "neutral")

#: Populations the index is computed for (`observatory.index.LENSES` defines each). The default,
#: `census`, holds no modelled or simulated value; `demo` is the only lens that may hold simulated
#: values and is shown under a banner.
LENSES = ("census", "all", "vulnerability", "women", "older", "youth", "disability", "demo")
DEFAULT_LENS = "census"
DEMONSTRATION_LENSES = ("demo",)

#: Map classification schemes (`observatory.classify.SCHEMES` names each one's classifier).
SCHEMES = ("quantiles", "natural_breaks", "equal_interval")
DEFAULT_SCHEME = "quantiles"
