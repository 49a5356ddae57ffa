# Analytics results (issue 4): the index, clusters, models and plans, one call each.
from .results import (  # noqa: E402
    explanation, fragility_index, index_contributions, index_correlations, index_sensitivity, indicator_registry,
    left_out, lisa_clusters, model_card, model_cards, model_estimates, model_validation, moran, plan_audit,
    plan_coverage, plan_sites, plans,
)
