"""
The index's inputs: each component (an indicator for a year and a sex, weighted inside its dimension), the
census, vulnerability and connector components, and the group lenses that choose among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import i18n, registry
from .errors import unknown_name
from .indicators import Key


@dataclass(frozen=True)
class Component:
    """An input of the index: an indicator for a year and a sex, with its weight inside its dimension."""

    indicator: str
    year: int
    sex: str = "all"
    weight: float = 1.0

    @property
    def key(self) -> Key:
        return Key(self.indicator, self.year, self.sex)

    @property
    def entry(self) -> registry.Indicator:
        return registry.get(self.indicator)

    @property
    def dimension(self) -> str:
        dimension = self.entry.dimension
        if dimension is None:
            raise ValueError(
                f"indicator {self.indicator!r} has no dimension in the registry; it cannot enter the index"
            )
        return dimension


#: The census components of the headline index, access and skills: they are always there, so the index
#: works without any connector. The modelled internet use is not one of them: it is a function of these
#: inputs (it would count them twice) and its model error would pass for measurement; it stays a layer
#: of its own. Vulnerability is not one of them either: it measures who would be hurt most, not who is
#: excluded, barely correlates with access and skills, and reorders the top of the ranking by itself;
#: it enters through its own lenses (`VULNERABILITY_COMPONENTS`).
CENSUS_COMPONENTS: tuple[Component, ...] = (
    Component("households_distance_to_paved_road_km", 2024),
    Component("amenities_electricity", 2024),
    # 2014 household internet and computers: R² 0.94-0.95 on the other components (JRC redundancy test,
    # `REDUNDANCY_R2`), so the two share the weight of one 2014 equipment indicator.
    Component("equipment_internet", 2014, weight=0.25),
    Component("equipment_computer", 2014, weight=0.25),
    Component("equipment_mobile_phone", 2014, weight=0.5),
    # Women's and men's illiteracy share the weight of one indicator: they are strongly correlated.
    Component("illiteracy_rate_10_plus", 2024, "female", weight=0.5),
    Component("illiteracy_rate_10_plus", 2024, "male", weight=0.5),
    # No schooling: R² 0.90 on the other components (the illiteracy rates above all), so it weighs as one of
    # them.
    Component("education_none", 2024, weight=0.5),
    Component("languages_read_and_written_french", 2024),
)

#: The vulnerability dimension: added by the `vulnerability` lens and the group lenses built on it.
VULNERABILITY_COMPONENTS: tuple[Component, ...] = (
    Component("age_60_plus", 2024),
    Component("disability_prevalence", 2024),
)

#: Connector components, used when their values are there (speed tests, usage exports).
CONNECTOR_COMPONENTS: tuple[Component, ...] = (
    Component("ookla_fixed_download_mbps", 0, weight=0.5),
    Component("ookla_mobile_download_mbps", 0),
    Component("ookla_fixed_tests_share_25mbps", 0, weight=0.5),
    Component("usage_digital_transactions_per_1000", 0),
    Component("usage_digital_share", 0),
)


#: Which connector values a lens takes: none (census only), measured ones, or any (simulated included).
CONNECTOR_POLICIES = ("none", "measured", "any")


@dataclass(frozen=True)
class Lens:
    """A group lens: the index seen for one group, with that group's figures where the census gives them."""

    name: str
    sex: str | None = None
    """Take this sex's values for every component published by sex."""
    extra: tuple[Component, ...] = ()
    """Components added for the group (its share of the population, as a vulnerability)."""
    connectors: str = "none"
    """Connector values it takes, one of `CONNECTOR_POLICIES`."""
    note: str = ""

    def label(self, lang: str) -> str:
        """The group's name in `lang`, from the catalogue (`lens.<name>`)."""
        return i18n.text(f"lens.{self.name}", lang)

    @property
    def demonstration(self) -> bool:
        """True when the lens may hold simulated values: every surface shows it under a banner."""
        return self.connectors == "any"


#: One lens per name of `observatory.enums.LENSES`, in that order. The headline is `census`: no
#: modelled or simulated value enters it.
LENSES: dict[str, Lens] = {
    "census": Lens(
        "census",
        note="The census components alone: the headline index, comparable across builds.",
    ),
    "all": Lens(
        "all",
        connectors="measured",
        note="Census components plus measured connectivity and usage (speed tests, real usage exports) when "
        "loaded; never simulated values. Equal to the census lens when none is loaded.",
    ),
    "vulnerability": Lens(
        "vulnerability",
        extra=VULNERABILITY_COMPONENTS,
        note="Access and skills plus a vulnerability dimension (60+ share and disability prevalence), equal "
        "weights.",
    ),
    "women": Lens(
        "women",
        sex="female",
        note="Women's illiteracy, schooling and French literacy.",
    ),
    "older": Lens(
        "older",
        extra=(*VULNERABILITY_COMPONENTS, Component("age_60_plus", 2024, weight=2.0)),
        note="The vulnerability lens with the 60+ share weighing three times (the census gives no commune "
        "literacy by age).",
    ),
    "youth": Lens(
        "youth",
        extra=(*VULNERABILITY_COMPONENTS, Component("age_15_24", 2024, weight=2.0)),
        note="The vulnerability lens with the 15-24 share added (the census gives no commune literacy by "
        "age).",
    ),
    "disability": Lens(
        "disability",
        extra=(*VULNERABILITY_COMPONENTS, Component("disability_prevalence", 2024, weight=2.0)),
        note="The vulnerability lens with disability prevalence weighing three times.",
    ),
    "demo": Lens(
        "demo",
        connectors="any",
        note="Census components plus every connector loaded, simulated ones included: a demonstration of how "
        "usage data would enter, never a finding. Shown under a banner.",
    ),
}


def lens_components(
    lens: str | Lens, components: Sequence[Component] = CENSUS_COMPONENTS
) -> tuple[Component, ...]:
    """The components of a lens: its sex's values where published, plus the group's own components; connector
    components only for a lens that takes them (which of them are simulated is the caller's to check)."""
    if isinstance(lens, str):
        if lens not in LENSES:
            raise unknown_name("lens", lens, LENSES)
        lens = LENSES[lens]
    out: list[Component] = []
    connector_ids = {c.indicator for c in CONNECTOR_COMPONENTS}
    for c in components:
        if lens.connectors == "none" and c.indicator in connector_ids:
            continue
        if lens.sex is not None and lens.sex in c.entry.sexes:
            if c.sex != "all" and c.sex != lens.sex:
                continue
            out.append(Component(c.indicator, c.year, lens.sex, 1.0 if c.sex != "all" else c.weight))
        else:
            out.append(c)
    merged: dict[Key, Component] = {}
    for c in (*out, *lens.extra):  # a group's own component adds weight to the same input, not a copy
        if c.key in merged:
            c = Component(c.indicator, c.year, c.sex, merged[c.key].weight + c.weight)
        merged[c.key] = c
    return tuple(merged.values())
