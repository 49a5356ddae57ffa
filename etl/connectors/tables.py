"""Tables the connectors add to the database contract (registered in `observatory.schema`); no imports,
so the library can read this without loading the ETL."""

CONNECTOR_TABLES: dict[str, list[str]] = {
    # Raw usage counts as loaded (one row per commune × service × month × channel): stored so that a
    # later export recomputes the month's indicators from everything loaded; never published.
    "usage_count": [
        "commune_code", "service", "period", "channel", "transactions", "unique_users", "suppressed",
        "source", "sha256", "run_id",
    ],
}
