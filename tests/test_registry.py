"""The indicator registry: every indicator shown anywhere is declared, with a label in every language."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from observatory import census_fields, i18n, registry
from observatory.enums import DIMENSIONS, DIRECTIONS, LANGUAGES
from observatory.errors import UnknownNameError, ValidationError
from observatory.formatting import COUNT_UNITS, unit_label


def test_get_returns_the_declared_entry():
    entry = registry.get("illiteracy_rate_10_plus")
    assert entry.dimension == "skills"
    assert entry.direction == "higher_is_worse"
    assert entry.unit == "percent"
    assert entry.sampled is True
    assert entry.phrase(61.2, lang="en", sex="female") == "61% of women aged 10+ cannot read or write"
    assert (
        entry.phrase(61.2, lang="fr", sex="female")
        == "61 % des femmes de 10 ans et plus ne savent ni lire ni écrire"
    )


def test_unknown_id_lists_the_valid_ones():
    with pytest.raises(
        UnknownNameError, match=r"unknown indicator 'internet_speed'; did you mean: .*; valid: .*age_0_4"
    ):
        registry.get("internet_speed")


def test_curated_entries_are_complete():
    for entry in registry.CURATED:
        assert all(entry.label(lang) for lang in LANGUAGES), entry.id
        assert entry.direction in DIRECTIONS
        assert entry.dimension in (*DIMENSIONS, None)
        assert entry.source and entry.licence and entry.years
    from observatory.index import CENSUS_COMPONENTS, CONNECTOR_COMPONENTS, LENSES, lens_components

    in_index = {
        c.indicator
        for lens in LENSES
        for c in lens_components(lens, (*CENSUS_COMPONENTS, *CONNECTOR_COMPONENTS))
    }
    for name in in_index:  # explanations quote these, so they need a phrase in every language
        entry = registry.get(name)
        assert all(entry.phrase_template(lang) for lang in LANGUAGES), name


def test_connector_indicators_are_declared():
    for name in (
        "ookla_fixed_download_mbps",
        "ookla_mobile_download_mbps",
        "ookla_fixed_tests_share_25mbps",
        "usage_transactions_per_1000",
        "usage_digital_share",
    ):
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
            assert registry.get(c.indicator).dimension in DIMENSIONS


def test_connectors_write_the_registry_definitions():
    """Every indicator a connector computes is registered, and its dictionary rows carry the registry's
    labels, unit, denominator and licence (the connector adds only how it computes the figure)."""
    from observatory.etl.connectors import ookla, usage
    from observatory.etl.connectors._common import dictionary_rows

    specs = [
        *ookla.indicator_specs("fixed"),
        *ookla.indicator_specs("mobile"),
        *usage.specs_for(["passport"]),
    ]
    assert {s.indicator_id for s in specs} >= {
        e.id for e in registry.CURATED if e.source == "ookla-open-data"
    }
    rows = dictionary_rows(specs, years=[2025], dataset="test", source_id="test").set_index("indicator_id")
    for spec in specs:
        entry = registry.get(spec.indicator_id)
        row = rows.loc[spec.indicator_id]
        assert (row.label_fr, row.label_en, row.unit, row.licence) == (
            entry.label("fr"),
            entry.label("en"),
            entry.unit,
            entry.licence,
        ), spec.indicator_id
        assert (None if pd.isna(row.denominator) else row.denominator) == entry.denominator
        assert spec.definition and spec.aggregation
    assert rows.loc["ookla_fixed_tests_share_25mbps", "unit"] == "percent"
    assert rows.loc["usage_passport_transactions_per_1000", "unit"] == "per 1,000 inhabitants"


def test_every_unit_is_written_or_counted():
    """A unit an entry uses is either written after its numbers (the catalogue's `unit.<code>`), or is a
    count."""
    units = {e.unit for e in (*registry.CURATED, *registry.census_entries())}
    written = {m.removeprefix("unit.") for m in i18n.msgids("fr", "unit.")}
    assert units <= written | COUNT_UNITS, units - written - COUNT_UNITS
    assert unit_label("percent", "fr") == "%" and unit_label("people", "en") == ""
    assert tuple(registry.DIMENSION_LABELS) == DIMENSIONS
    assert registry.DIMENSION_LABELS["skills"]["ar"] == "المهارات ومحو الأمية"
    assert all(set(labels) == set(LANGUAGES) for labels in registry.DIMENSION_LABELS.values())


def test_the_dictionary_table_says_what_the_registry_says(built_db):
    """Unit, labels and licence of every registered indicator in the `indicator` table are the registry's,
    in one unit vocabulary ('percent', never '%')."""
    table = built_db.read("indicator")
    assert "%" not in set(table["unit"])
    registered = table[table["indicator_id"].map(registry.is_registered)]
    assert len(registered) == len(table)
    for row in registered.itertuples():
        entry = registry.get(row.indicator_id)
        assert (row.unit, row.label_fr, row.label_en) == (entry.unit, entry.label("fr"), entry.label("en")), (
            row.indicator_id
        )
    latest = registered.sort_values("year").drop_duplicates("indicator_id", keep="last")
    for row in latest.itertuples():  # the weight each figure is averaged with, as the registry declares it
        entry = registry.get(row.indicator_id)
        if entry.denominator is not None:
            assert row.denominator == entry.denominator, row.indicator_id
    values = built_db.read("indicator_value", columns=["indicator_id", "unit"]).drop_duplicates()
    assert "%" not in set(values["unit"])
    for row in values.itertuples():
        assert row.unit == registry.get(row.indicator_id).unit, row.indicator_id


def test_the_registry_names_the_source_of_every_stored_value(built_db):
    """For every indicator-year the database holds, the source the registry names (`source_of`) is the
    source of the values stored and the one the catalogue (`indicator`) lists; an entry's `source`, in the
    code and in the stored `indicator_registry`, is that of its latest year. Simulated values name the
    simulator, whatever the real source will be."""
    values = built_db.read("indicator_value", columns=["indicator_id", "year", "source_id", "status"])
    stored = values.drop_duplicates(["indicator_id", "year", "source_id", "status"])
    simulated = stored["status"] == "simulated"
    assert set(stored.loc[simulated, "source_id"]) == {"observatory-simulated-usage"}
    real = stored.loc[~simulated].drop_duplicates(["indicator_id", "year", "source_id"])
    assert not real.duplicated(["indicator_id", "year"]).any()
    named = [registry.source_of(i, int(y)) for i, y in zip(real["indicator_id"], real["year"], strict=True)]
    wrong = real.loc[real["source_id"].to_numpy() != pd.Series(named).to_numpy()]
    assert wrong.empty, wrong.assign(
        registry=[registry.source_of(i, int(y)) for i, y in zip(wrong.indicator_id, wrong.year, strict=True)]
    )
    assert len(real) > 300 and {"hcp-2024-commute", "hcp-2014-mobility", "hcp-2024"} <= set(real["source_id"])
    catalogue = built_db.read("indicator", columns=["indicator_id", "year", "source_id"])
    catalogue = catalogue.merge(real[["indicator_id", "year", "source_id"]], on=["indicator_id", "year"])
    assert (catalogue["source_id_x"] == catalogue["source_id_y"]).all()
    latest = real.sort_values("year").drop_duplicates("indicator_id", keep="last")
    stored_registry = built_db.read("indicator_registry").set_index("indicator_id")["source"]
    for row in latest.itertuples():
        assert registry.get(row.indicator_id).source == row.source_id, row.indicator_id
        assert stored_registry[row.indicator_id] == row.source_id, row.indicator_id


def test_census_sources_follow_hcp_workbooks():
    """The census rule on known fields: 2024 commuting and the legal population have workbooks of
    their own, 2014 diplomas and households too."""
    assert registry.source_of("commute_walking", 2024) == "hcp-2024-commute"
    assert registry.source_of("population_legal", 2024) == "hcp-2024"
    assert (
        census_fields.census_source(subject="people", year=2014, topic="diploma", column="x")
        == "hcp-2014-diplomas"
    )
    assert (
        census_fields.census_source(subject="households", year=2014, topic="equipment", column="x")
        == "hcp-2014-indicators-households"
    )
    assert registry.get("commute_walking").source == "hcp-2024-commute"
    # One indicator, two censuses, two workbooks: the entry's `source` is its latest year's.
    assert registry.source_of("illiteracy_rate_10_plus", 2014) == "hcp-2014-indicators-people"
    assert registry.get("illiteracy_rate_10_plus").source == "hcp-2024-indicators"


LATIN = re.compile(r"[A-Za-z]")
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _same_concept(a: str, b: str) -> bool:
    root = registry.SAME_CONCEPT.get
    return (root(a) or a) == (root(b) or b)


def test_every_census_field_has_labels_in_three_languages():
    """The label table covers HCP's dictionary exactly: no census field without labels, none left over."""
    labels = registry.census_labels()
    census = {e.id for e in registry.census_entries()}
    assert set(labels) == census
    for column, texts in labels.items():
        assert set(texts) == set(LANGUAGES) and all(t.strip() == t and t for t in texts.values()), column


def test_a_census_field_without_labels_is_an_error(monkeypatch):
    """A field HCP adds to its dictionary fails loudly, naming it, rather than show English in Arabic."""
    labels = dict(registry.census_labels())
    del labels["age_0_4"]
    monkeypatch.setattr(registry, "census_labels", lambda: labels)
    registry.census_entries.cache_clear()
    try:
        with pytest.raises(ValidationError, match=r"1 census fields have no entry .*: age_0_4;"):
            registry.census_entries()
    finally:
        registry.census_entries.cache_clear()


def test_arabic_labels_are_in_arabic_script_only():
    """No Latin letter in an Arabic label, unit or dimension name. One exception: the producer's code of a
    service the catalogue does not name, in a per-service usage rate: a name we cannot translate, quoted."""
    entries = [*registry.CURATED, *registry.census_entries()]
    texts = {e.id: e.label("ar") for e in entries}
    texts |= {
        f"unit {u}": i18n.text(f"unit.{u}", "ar") for u in (e.unit for e in entries) if unit_label(u, "ar")
    }
    texts |= {f"dimension {d}": labels["ar"] for d, labels in registry.DIMENSION_LABELS.items()}
    latin = {k: v for k, v in texts.items() if LATIN.search(v)}
    assert latin == {}
    without_arabic = {k: v for k, v in texts.items() if not ARABIC.search(v) and k != "unit percent"}
    assert without_arabic == {}
    # In right-to-left text the bidi algorithm shows "15-19" as "19-15": ranges are written in words.
    ranges = {k: v for k, v in texts.items() if re.search(r"\d\s*[-–]\s*\d", v)}
    assert ranges == {}
    for service in (m.removeprefix("service.") for m in i18n.msgids("ar", "service.")):
        assert not LATIN.search(registry.get(f"usage_{service}_transactions_per_1000").label("ar")), service
    other = registry.get("usage_passport_transactions_per_1000").label("ar")
    assert not LATIN.search(re.sub(r"«[^»]*»", "", other)) and ARABIC.search(other)


def test_labels_stand_alone():
    """No label is a bare fragment of HCP's spreadsheet headings: no '3 · ' numbering, no ' · ' path, no
    leading dash, no '(%)' (the unit is shown from the registry)."""
    for entry in (*registry.CURATED, *registry.census_entries()):
        for lang in LANGUAGES:
            label = entry.label(lang)
            assert not re.match(r"^\s*(\d+\s*·|—|-)", label), (entry.id, lang, label)
            assert " · " not in label and "(%)" not in label and label[-1:] != "%", (entry.id, lang, label)


def test_labels_are_unique_per_language_and_year():
    """Two indicators shown in the same year never read the same, except ids that are one figure repeated
    by HCP in several tables (`registry.SAME_CONCEPT`)."""
    entries = [*registry.CURATED, *registry.census_entries()]
    clashes = []
    for lang in LANGUAGES:
        for year in sorted({y for e in entries for y in e.years}):
            seen: dict[str, str] = {}
            for e in entries:
                if year not in e.years:
                    continue
                first = seen.setdefault(e.label(lang), e.id)
                if first != e.id and not _same_concept(first, e.id):
                    clashes.append((lang, year, e.label(lang), first, e.id))
    assert clashes == []
    for copy, original in registry.SAME_CONCEPT.items():
        assert registry.get(copy).label("fr") == registry.get(original).label("fr")


def test_same_concept_ids_hold_the_same_figures(built_db):
    """An id that shares another's label holds that id's figure in every commune, year, sex and area it has
    (the original may also have figures by sex that the repeat lacks)."""
    ids = sorted({*registry.SAME_CONCEPT, *registry.SAME_CONCEPT.values()})
    values = built_db.read("indicator_value", where={"indicator_id": ids, "level": "commune"})
    key = ["unit_code", "year", "sex", "area"]
    for copy, original in registry.SAME_CONCEPT.items():
        repeat = values[values.indicator_id == copy].set_index(key).value
        source = values[values.indicator_id == original].set_index(key).value.reindex(repeat.index)
        assert len(repeat) > 3000 and source.notna().all(), (copy, original)
        assert (repeat == source).all(), (copy, original)


def test_the_app_labels_every_stored_indicator_in_arabic_without_latin_letters(built_db):
    """What the app's catalogue and profile show for each indicator the database holds, on an Arabic page."""
    from observatory.dashboards import i18n

    stored = built_db.read("indicator", columns=["indicator_id", "label_fr", "label_en"]).drop_duplicates(
        "indicator_id"
    )
    shown = {row["indicator_id"]: i18n.indicator_label(row, "ar") for row in stored.to_dict("records")}
    assert len(shown) > 250
    latin = {
        k: v
        for k, v in shown.items()
        if LATIN.search(re.sub(r"«[^»]*»", "", v) if registry.SERVICE_RATE.match(k) else v)
    }
    assert latin == {}
