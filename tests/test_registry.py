"""The indicator registry: every indicator shown anywhere is declared, with labels in three languages."""

from __future__ import annotations

import pytest

from observatory import registry
from observatory.errors import UnknownNameError


def test_get_returns_the_declared_entry():
    entry = registry.get("illiteracy_rate_10_plus")
    assert entry.dimension == "skills"
    assert entry.direction == "higher_is_worse"
    assert entry.unit == "percent"
    assert entry.sampled is True
    assert entry.phrase(61.2, lang="en", sex="female") == "61% of women aged 10+ cannot read or write"
    assert entry.phrase(61.2, lang="fr", sex="female") == "61 % des femmes de 10 ans et plus ne savent ni lire ni écrire"


def test_unknown_id_lists_the_valid_ones():
    with pytest.raises(UnknownNameError, match=r"unknown indicator 'internet_speed'; did you mean: .*; valid: .*age_0_4"):
        registry.get("internet_speed")


def test_curated_entries_are_complete():
    for entry in registry.CURATED:
        assert entry.label_fr and entry.label_ar and entry.label_en, entry.id
        assert entry.direction in registry.DIRECTIONS
        assert entry.dimension in (*registry.DIMENSIONS, None)
        assert entry.source and entry.licence and entry.years
    from observatory.index import CENSUS_COMPONENTS, CONNECTOR_COMPONENTS, LENSES, lens_components

    in_index = {c.indicator for lens in LENSES for c in lens_components(lens, (*CENSUS_COMPONENTS, *CONNECTOR_COMPONENTS))}
    for name in in_index:  # explanations quote these, so they need a phrase in every language
        entry = registry.get(name)
        assert entry.phrase_fr and entry.phrase_ar and entry.phrase_en, name


def test_connector_indicators_are_declared():
    for name in ("ookla_fixed_download_mbps", "ookla_mobile_download_mbps", "ookla_fixed_tests_share_25mbps",
                 "usage_transactions_per_1000", "usage_digital_share"):
        assert registry.get(name).dimension in ("access", "usage")


def test_every_stored_indicator_is_registered(built_db):
    """Fails when an indicator the database holds (and so the app can show) is not in the registry."""
    stored = set(built_db.read("indicator", columns=["indicator_id"]).indicator_id)
    missing = sorted(i for i in stored if not registry.is_registered(i))
    assert missing == []
    assert len(built_db.read("indicator_registry")) == len(registry.registry_frame())


def test_every_index_component_is_registered_with_a_dimension():
    from observatory.index import CENSUS_COMPONENTS, CONNECTOR_COMPONENTS, LENSES, lens_components

    for lens in LENSES:
        for c in lens_components(lens, (*CENSUS_COMPONENTS, *CONNECTOR_COMPONENTS)):
            assert registry.get(c.indicator).dimension in registry.DIMENSIONS


def test_connector_specs_match_the_registry():
    """The ids, labels and directions the connectors write are the registry's."""
    from observatory.etl.connectors import ookla, usage

    specs = [*ookla.indicator_specs("fixed"), *ookla.indicator_specs("mobile"), *usage.SPECS]
    for spec in specs:
        entry = registry.get(spec.indicator_id)
        direction = {"lower_is_better": "higher_is_worse"}.get(spec.direction, spec.direction)
        assert entry.direction == direction, spec.indicator_id
        assert entry.label_ar and entry.label_fr and entry.label_en
    assert registry.get("usage_passport_transactions_per_1000").unit == "per 1,000 inhabitants"
