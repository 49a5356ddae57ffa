"""
The territorial digital-equity observatory for Morocco, as a library.

    import observatory as obs

    obs.units("commune", region="08")                       # communes of Drâa-Tafilalet, with geometry
    obs.indicator_values("illiteracy_rate_10_plus", year=2024, sex="female")
    obs.fragility_index(level="commune")                     # index, rank, 90% rank interval
    obs.explanation("08.201.01.05", lang="fr")               # why a commune ranks where it does
    obs.read_plan()                                          # the default plan, read whole, once
    obs.service_mix("commune", region="08")                  # who needs which AI service, with bounds
    obs.change("illiteracy_rate_10_plus", level="province")  # 2014 → 2024, in points of %
    obs.challenges.register()                                # challenges to figures, their status

Every function reads the built database (`--db`, `OBSERVATORY_DB`, then geodata/observatory.gpkg)
and returns a (Geo)DataFrame, or for a stored plan one `StoredPlan`. Importing this package loads no
web framework and no database driver.
"""

from . import challenges
from .census_change import change, comparable_indicators
from .database import Database
from .errors import (
    DatabaseNotFoundError,
    ObservatoryError,
    PersonalDataError,
    UnknownNameError,
    ValidationError,
)

# Plans: stored, reviewed and read back whole; the equity frontier of the default plan.
from .plan_frontier import equity_frontier
from .plans import StoredPlan, compare_plans, list_plans, read_plan, review_plan, store_plan
from .query import (
    aggregate_checks,
    builds,
    catalogue,
    connect,
    etl_runs,
    georeference,
    ground_control,
    indicator_table,
    indicator_values,
    quarantine,
    reconciliation,
    sources,
    units,
    web_geometry,
)

# Analytics results: the index, clusters and models, one call each.
from .results import (
    explanation,
    fragility_index,
    index_contributions,
    index_correlations,
    index_sensitivity,
    indicator_registry,
    lisa_clusters,
    model_card,
    model_cards,
    model_estimates,
    model_validation,
    moran,
    planning_frame,
)
from .service_mix import service_mix, site_services
from .settings import get_settings

__all__ = [
    "challenges",
    "change",
    "comparable_indicators",
    "Database",
    "DatabaseNotFoundError",
    "ObservatoryError",
    "PersonalDataError",
    "StoredPlan",
    "UnknownNameError",
    "ValidationError",
    "aggregate_checks",
    "builds",
    "catalogue",
    "compare_plans",
    "connect",
    "etl_runs",
    "equity_frontier",
    "explanation",
    "fragility_index",
    "georeference",
    "get_settings",
    "ground_control",
    "index_contributions",
    "index_correlations",
    "index_sensitivity",
    "indicator_registry",
    "indicator_table",
    "indicator_values",
    "list_plans",
    "lisa_clusters",
    "model_card",
    "model_cards",
    "model_estimates",
    "model_validation",
    "moran",
    "planning_frame",
    "quarantine",
    "read_plan",
    "reconciliation",
    "review_plan",
    "service_mix",
    "site_services",
    "sources",
    "store_plan",
    "units",
    "web_geometry",
]
