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
    "plan": [
        "plan_id", "name", "params", "status", "solver", "sites_new", "sites_existing", "radius_km", "need_total",
        "covered_need", "covered_share", "naive_covered_need", "naive_covered_share", "ratio_vs_naive",
    ],
    "plan_site": ["plan_id", "plan", "code", "kind", "lon", "lat", "need_served"],
    "plan_coverage": ["plan_id", "plan", "code", "covered", "site_code", "distance_km", "need"],
    "plan_audit": ["plan_id", "plan", "group_type", "group", "need", "covered_need", "covered_share", "communes_left_out"],
}
