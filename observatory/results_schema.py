"""Columns of the tables the analytics job writes (registered in `observatory.schema.TABLES`)."""

from __future__ import annotations

RESULT_TABLES: dict[str, list[str]] = {
    "indicator_registry": [
        "indicator_id", "label_fr", "label_ar", "label_en", "dimension", "direction", "unit", "denominator",
        "source", "years", "licence", "sexes", "status", "sampled", "sampling_unit", "phrase_fr", "phrase_ar", "phrase_en",
        "curated", "tags",
    ],
    # Every analysis with the parameters (JSON) that reproduce it.
    "analysis": ["analysis_id", "kind", "params", "seed", "source_id", "licence"],
    "index_score": [
        "analysis_id", "lens", "level", "code", "index", "rank", "n_units", "rank_median", "rank_lower",
        "rank_upper", "score_lower", "score_upper", "p_top_decile", "p_region_top10", "access", "skills", "usage",
        "vulnerability", "imputed", "uses_simulated", "demonstration", "unranked_reason", "explanation_fr",
        "explanation_ar", "explanation_en",
    ],
    "index_contribution": [
        "analysis_id", "lens", "code", "component", "indicator_id", "year", "sex", "dimension", "value", "se",
        "normalised", "contribution", "imputed",
    ],
    "index_sensitivity": ["analysis_id", "lens", "level", "kind", "factor", "value"],
    "index_correlation": ["analysis_id", "lens", "indicator_a", "indicator_b", "pearson", "spearman", "double_counts"],
    "spatial_moran": ["analysis_id", "variable", "moran_i", "expected_i", "z", "p_sim", "permutations", "n", "islands"],
    "lisa_cluster": [
        "analysis_id", "variable", "code", "local_i", "quadrant", "p_sim", "q_fdr", "permutations", "cluster",
        "significant_unadjusted",
    ],
    "model_card": ["model_id", "title", "target", "status", "card_json", "card_markdown"],
    "model_validation": ["model_id", "fold", "n", "rmse", "mae", "bias", "coverage_90"],
    # A plan: its parameters (JSON), what it serves and reaches, the price of its equity constraints and
    # its baselines; `naive_*` is the top-index baseline. A plan is a proposal: `plan_review` says who
    # reviewed it, when and why.
    "plan": [
        "plan_id", "name", "params", "status", "solver", "site_type", "capacity", "sites_new", "sites_existing",
        "radius_km", "max_minutes", "travel", "need_total", "covered_need", "covered_share", "reached_need",
        "reached_share", "lowest_region_share", "lowest_region_reached_share", "naive_covered_need",
        "naive_covered_share", "ratio_vs_naive", "greedy_covered_share", "top_need_covered_share",
        "top_index_covered_share", "greedy_reached_share", "top_need_reached_share", "top_index_reached_share",
        "best_baseline", "best_baseline_covered_share", "gain_over_best", "gain_over_best_points",
        "gain_over_greedy", "gain_over_greedy_reach_points", "unconstrained_covered_share",
        "unconstrained_reached_share", "price_of_equity_points", "price_of_equity_reach_points",
    ],
    "plan_site": [
        "plan_id", "plan", "code", "kind", "sites", "lon", "lat", "capacity", "need_served", "need_reached",
        "languages", "languages_reach", "voice_only_share",
    ],
    "plan_coverage": [
        "plan_id", "plan", "code", "covered", "site_code", "distance_km", "travel_minutes", "need", "need_served",
    ],
    "plan_audit": [
        "plan_id", "plan", "group_type", "group", "need", "reached_need", "reached_share", "covered_need",
        "covered_share", "unmet_need", "communes_left_out",
    ],
    "plan_language": ["plan_id", "plan", "language", "sites"],
    "plan_review": ["plan_id", "status", "reviewer", "reviewed_at", "reason"],
}
