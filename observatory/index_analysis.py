"""
The index as the build stores it: `FragilityIndex` under every lens of `index.LENSES`, each with its
Monte Carlo ranks at the commune, province and région levels, its sentences in every language, its
first-order sensitivity and component correlations; the headline and the vulnerability lens with the
Sobol and dimension-removal analysis of their choices; the headline with its component contributions and
why the modelled internet use stays out of it. Frames in, frames out: the build writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import index as ix
from .enums import DEFAULT_LENS, DIMENSIONS, LANGUAGES

#: The people who live in the commune (ordinary households), the base of its rates; the legal population
#: also counts people in collective housing (barracks, boarding schools) the long form did not ask.
RESIDENTS = "households_municipal_population:2024:all"
LEVELS_UP = ("province", "region")
MC_DRAWS = 1000
#: The other lenses' Monte Carlo: enough for 90% intervals and certainty figures, half the time.
MC_DRAWS_LENSES = 500
#: The headline's Monte Carlo of sampling error alone (weights, normalisation and aggregation pinned).
NOISE_DRAWS = 200
#: Lenses whose choices get the full sensitivity analysis: the headline, and the one that tests vulnerability.
SENSITIVITY_LENSES = (DEFAULT_LENS, "vulnerability")
VULNERABILITY_DECISION = (
    "a separate lens, not a dimension of the headline: its components barely correlate with access and "
    "skills, and in the three-dimension index it is the dimension whose removal keeps the fewest of the top "
    "50 and the weight with the largest total-order effect (index_sensitivity, lens vulnerability)"
)
INTERNET = "internet_use_15_plus:2024:all"


@dataclass(frozen=True)
class IndexAnalysis:
    """The `index_score`, `index_contribution`, `index_sensitivity` and `index_correlation` tables, one
    `analysis` row per lens, and notes for the build (draws, connector components, simulated values)."""

    tables: dict[str, pd.DataFrame]
    analysis: pd.DataFrame
    notes: dict[str, Any]


@dataclass
class _Rows:
    """The rows gathered lens by lens."""

    scores: list[pd.DataFrame] = field(default_factory=list)
    contributions: list[pd.DataFrame] = field(default_factory=list)
    sensitivity: list[pd.DataFrame] = field(default_factory=list)
    correlation: list[pd.DataFrame] = field(default_factory=list)
    analyses: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Inputs:
    """What every lens reads: the inputs with the connector columns, the ranking rule, the level groups."""

    filled: pd.DataFrame
    imputed: pd.DataFrame
    se: pd.DataFrame
    units: pd.DataFrame
    reasons: pd.Series
    ranked: np.ndarray
    groups: dict[str, np.ndarray]
    level_codes: dict[str, list[str]]
    regions: np.ndarray
    seed: int


def connector_inputs(*, values: pd.DataFrame, codes: list[str]) -> dict[str, tuple[pd.Series, bool]]:
    """Latest commune values of each connector indicator loaded, and whether they are simulated."""
    out = {}
    for component in ix.CONNECTOR_COMPONENTS:
        rows = values[
            (values.indicator_id == component.indicator)
            & (values.level == "commune")
            & (values.sex == "all")
            & (values.area == "total")
            & (values.suppressed.fillna(0) == 0)
            & values.value.notna()
        ]
        if rows.empty:
            continue
        latest = rows.sort_values("period").groupby("unit_code").last()
        out[component.indicator] = (
            latest["value"].reindex(codes),
            bool((latest["status"] == "simulated").any()),
        )
    return out


def analyse_index(
    *,
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    se: pd.DataFrame,
    units: pd.DataFrame,
    connector: dict[str, tuple[pd.Series, bool]],
    internet: pd.DataFrame,
    seed: int,
    on_default: Callable[[pd.Series], None] | None = None,
) -> IndexAnalysis:
    """
    The index under every lens, from the filled commune inputs (`filled`; `imputed` says which were
    filled, `se` their sampling errors), the communes by code (`units`), the connector values
    (`connector_inputs`) and the internet layer's figures. `on_default` gets the default lens's commune
    scores as soon as they are fitted, before the draws.
    """
    filled, imputed, se, extra = _with_connectors(filled, imputed, se, units, connector)
    inputs = _prepare(filled, imputed, se, units, seed)
    rows = _Rows()
    computed: dict[tuple[ix.Component, ...], str] = {}
    for lens_name, lens in ix.LENSES.items():
        taken = [
            c
            for c, is_sim in extra
            if lens.connectors == "any" or (lens.connectors == "measured" and not is_sim)
        ]
        components = ix.lens_components(lens_name, (*ix.CENSUS_COMPONENTS, *taken))
        if components in computed and not lens.demonstration:
            _twin(rows, lens_name, computed[components], seed)
            continue
        computed[components] = lens_name
        uses_simulated = any(is_sim for c, is_sim in extra if c in taken)
        _lens(rows, inputs, lens_name, components, uses_simulated, internet, on_default)
    tables = {
        "index_score": pd.concat(rows.scores, ignore_index=True),
        "index_contribution": pd.concat(rows.contributions, ignore_index=True),
        "index_sensitivity": pd.concat(rows.sensitivity, ignore_index=True),
        "index_correlation": pd.concat(rows.correlation, ignore_index=True),
    }
    for d in DIMENSIONS:
        if d not in tables["index_score"]:
            tables["index_score"][d] = np.nan
    rows.notes["uses_simulated"] = any(is_sim for _, is_sim in extra)
    rows.notes["connector_components"] = [c.indicator for c, _ in extra]
    return IndexAnalysis(tables=tables, analysis=pd.DataFrame(rows.analyses), notes=rows.notes)


def _with_connectors(
    filled: pd.DataFrame,
    imputed: pd.DataFrame,
    se: pd.DataFrame,
    units: pd.DataFrame,
    connector: dict[str, tuple[pd.Series, bool]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[tuple[ix.Component, bool]]]:
    """The inputs with a column for each connector component dense enough to rank communes on (half of
    them or more), its gaps filled with the province's median, else the country's."""
    extra: list[tuple[ix.Component, bool]] = []
    filled, imputed, se = filled.copy(), imputed.copy(), se.copy()
    for component in ix.CONNECTOR_COMPONENTS:
        if component.indicator not in connector:
            continue
        series, is_sim = connector[component.indicator]
        if series.notna().mean() < 0.5:
            continue
        key = component.key.name
        filled[key] = series.fillna(
            series.groupby(units["province_code"].reindex(series.index)).transform("median")
        ).fillna(series.median())
        imputed[key] = series.isna()
        se[key] = 0.0
        extra.append((component, is_sim))
    return filled, imputed, se, extra


def _prepare(
    filled: pd.DataFrame, imputed: pd.DataFrame, se: pd.DataFrame, units: pd.DataFrame, seed: int
) -> _Inputs:
    """The ranking rule, and each level's (communes × units) matrix of population shares."""
    codes = list(filled.index)
    headline = [c.key.name for c in ix.CENSUS_COMPONENTS]
    reasons = ix.ranking_rule(filled[RESIDENTS], imputed[headline].mean(axis=1))
    population = units["population_2024"].reindex(codes).to_numpy(float)
    groups, level_codes = {}, {}
    for level, column in (("province", "province_code"), ("region", "region_code")):
        labels = units[column].reindex(codes).to_numpy()
        uniq = sorted(pd.unique(labels))
        matrix = np.zeros((len(codes), len(uniq)))
        matrix[np.arange(len(codes)), np.searchsorted(uniq, labels)] = population
        groups[level] = matrix / matrix.sum(axis=0, keepdims=True)
        level_codes[level] = uniq
    return _Inputs(
        filled=filled,
        imputed=imputed,
        se=se,
        units=units,
        reasons=reasons,
        ranked=(reasons == "").to_numpy(),
        groups=groups,
        level_codes=level_codes,
        regions=units["region_code"].reindex(codes).to_numpy(),
        seed=seed,
    )


def _twin(rows: _Rows, lens_name: str, same: str, seed: int) -> None:
    """The same index under another name (the `all` lens with no measurement loaded): same draws, same
    rows."""
    analysis_id = f"index-{lens_name}"
    for frames in (rows.scores, rows.sensitivity, rows.correlation):
        twin = [f for f in frames if len(f) and (f["lens"] == same).all()]
        frames.extend(f.assign(lens=lens_name, analysis_id=analysis_id) for f in twin)
    params = json.loads(next(a["params"] for a in rows.analyses if a["analysis_id"] == f"index-{same}"))
    rows.analyses.append(
        {
            "analysis_id": analysis_id,
            "kind": "index",
            "seed": seed,
            "params": ix.params_json({**params, "lens": lens_name, "same_as": same}),
        }
    )


def _lens(
    rows: _Rows,
    inputs: _Inputs,
    lens_name: str,
    components: tuple[ix.Component, ...],
    uses_simulated: bool,
    internet: pd.DataFrame,
    on_default: Callable[[pd.Series], None] | None,
) -> None:
    """Fit one lens's index, draw its uncertainty and gather its rows."""
    lens = ix.LENSES[lens_name]
    filled, seed = inputs.filled, inputs.seed
    index = ix.FragilityIndex(components, weights="equal")
    index.fit(filled, imputed=inputs.imputed, ranked=inputs.ranked)
    if lens_name == DEFAULT_LENS and on_default is not None:
        on_default(index.scores_["index"])
    n_draws = MC_DRAWS if lens_name in SENSITIVITY_LENSES else MC_DRAWS_LENSES
    draws = index.monte_carlo(
        filled, se=inputs.se, draws=n_draws, seed=seed, groups=inputs.groups, regions=inputs.regions
    )
    analysis_id = f"index-{lens_name}"
    reasons = inputs.reasons
    rule = {
        "min_residents": ix.MIN_RESIDENTS,
        "max_imputed_share": ix.MAX_IMPUTED_SHARE,
        "residents": RESIDENTS,
        "unranked": reasons[reasons != ""].value_counts().to_dict(),
    }
    params = {**index.params(), "lens": lens_name, "monte_carlo": draws.params, "ranking_rule": rule}
    analysis = {"analysis_id": analysis_id, "kind": "index", "params": ix.params_json(params), "seed": seed}
    rows.analyses.append(analysis)
    for level, (score, summary) in _level_frames(index, draws, inputs).items():
        frame = score.join(summary)
        frame["level"], frame["lens"], frame["analysis_id"] = level, lens_name, analysis_id
        frame["n_units"] = int(frame["rank"].notna().sum())
        frame["uses_simulated"] = int(uses_simulated)
        frame["demonstration"] = int(lens.demonstration)
        frame["unranked_reason"] = (
            reasons.reindex(frame.index).fillna("").to_numpy() if level == "commune" else ""
        )
        for lang in LANGUAGES:
            frame[f"explanation_{lang}"] = _explanations(index, frame, level, lang, inputs)
        rows.scores.append(frame.rename_axis("code").reset_index())
    tag = {"analysis_id": analysis_id, "lens": lens_name}
    if lens_name in SENSITIVITY_LENSES:
        choices = _choice_sensitivity(index, inputs)
        rows.sensitivity.append(choices.assign(**tag, level="commune"))
    if lens_name == DEFAULT_LENS:
        _headline(rows, index, inputs, draws, internet, analysis)
    for level in ("commune", *LEVELS_UP):
        s = draws.sensitivity(level)
        rows.sensitivity.append(
            pd.DataFrame(
                {
                    **tag,
                    "level": level,
                    "kind": "first_order",
                    "factor": s["factor"],
                    "value": s["first_order"],
                }
            )
        )
    rows.correlation.append(index.correlation_.assign(**tag))


def _level_frames(
    index: ix.FragilityIndex, draws: ix.MonteCarloResult, inputs: _Inputs
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Scores and draw summaries of communes, and of provinces and régions (population-weighted means)."""
    base = index.scores_
    frames = {"commune": (base, draws.summary("commune").set_index(base.index))}
    for level in LEVELS_UP:
        g = inputs.groups[level]
        level_scores = pd.DataFrame({"index": base["index"].to_numpy() @ g}, index=inputs.level_codes[level])
        for d in index.dimensions:
            level_scores[d] = base[d].to_numpy() @ g
        level_scores["rank"] = ix.ranks(level_scores["index"].to_numpy())
        level_scores["imputed"] = (base["imputed"].to_numpy() > 0) @ (g > 0)
        frames[level] = (level_scores, draws.summary(level).set_index(level_scores.index))
    return frames


def _headline(
    rows: _Rows,
    index: ix.FragilityIndex,
    inputs: _Inputs,
    draws: ix.MonteCarloResult,
    internet: pd.DataFrame,
    analysis: dict[str, Any],
) -> None:
    """The headline's own rows: contributions, the internet layer's exclusion, and the share of rank
    variance sampling error alone explains."""
    filled, se = inputs.filled, inputs.se
    analysis_id, lens_name = analysis["analysis_id"], DEFAULT_LENS
    rows.contributions.append(_contribution_rows(index, filled, se, inputs.imputed, analysis_id, lens_name))
    pairs, excluded = _excluded_correlation(index, filled, internet)
    rows.correlation.append(pairs.assign(analysis_id=analysis_id, lens=lens_name))
    params = json.loads(analysis["params"])
    analysis["params"] = ix.params_json(
        {**params, "excluded_layers": excluded, "vulnerability": VULNERABILITY_DECISION}
    )
    noise_only = index.monte_carlo(filled, se=se, draws=NOISE_DRAWS, seed=inputs.seed, vary_choices=False)
    rows.notes["mc_draws"] = MC_DRAWS
    share = float(
        noise_only.rank_draws["commune"].var(axis=0).sum() / draws.rank_draws["commune"].var(axis=0).sum()
    )
    rows.sensitivity.append(
        pd.DataFrame(
            [
                {
                    "analysis_id": analysis_id,
                    "lens": lens_name,
                    "level": "commune",
                    "kind": "sampling_error_variance_share",
                    "factor": "sampling_error",
                    "value": min(share, 1.0),
                }
            ]
        )
    )


def _choice_sensitivity(index: ix.FragilityIndex, inputs: _Inputs) -> pd.DataFrame:
    """Dimension removal (rank shift, top 50 kept) and the Sobol indices of both designs (with and without
    a factor that leaves a dimension out), as sensitivity rows."""
    filled = inputs.filled
    removal = index.dimension_removal(filled)
    names = [c.key.name for c in index.components]
    raw = filled[names].where(~inputs.imputed.reindex(columns=names, fill_value=False))
    rows = [
        pd.DataFrame({"kind": kind, "factor": removal["dimension"], "value": removal[column]})
        for kind, column in (
            ("dimension_removed_mean_abs_rank_shift", "mean_abs_rank_shift"),
            ("dimension_removed_top50_kept", "top50_kept"),
        )
    ]
    for design in ix.DESIGNS:
        sobol = ix.sobol_sensitivity(
            index,
            raw,
            inputs.units["province_code"],
            ranked=inputs.ranked,
            seed=inputs.seed,
            exclusion=design == "with_exclusion",
        )
        for kind, column in (
            ("total_order", "total_order"),
            ("total_order_ci", "total_order_ci"),
            ("first_order_sobol", "first_order"),
            ("total_order_ranks", "total_order_ranks"),
        ):
            rows.append(
                pd.DataFrame(
                    {"design": design, "kind": kind, "factor": sobol["factor"], "value": sobol[column]}
                )
            )
    return pd.concat(rows, ignore_index=True)


def _excluded_correlation(
    index: ix.FragilityIndex, filled: pd.DataFrame, internet: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Why the modelled internet use is not a component: its correlations with every component (rows of
    `index_correlation`), and the R² of its logit regressed on them (for the analysis parameters)."""
    names = [c.key.name for c in index.components]
    signs, _ = index._matrices()
    web = internet[
        (internet.level == "commune")
        & (internet.sex == "all")
        & (internet.indicator_id == "internet_use_15_plus")
    ].set_index("code")["estimate"]
    table = filled[names].assign(**{INTERNET: web.reindex(filled.index)}).dropna()
    pairs = ix.correlation_report(table, np.append(signs, -1.0))
    pairs = pairs[pairs.indicator_b == INTERNET].rename(
        columns={"indicator_a": "indicator_b", "indicator_b": "indicator_a"}
    )
    x = np.column_stack([np.ones(len(table)), table[names].to_numpy(float)])
    y = np.log(table[INTERNET] / (100 - table[INTERNET])).to_numpy(float)
    fitted = x @ np.linalg.lstsq(x, y, rcond=None)[0]
    r2 = float(1 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2))
    return pairs, {
        INTERNET: {
            "r2_logit_on_components": round(r2, 4),
            "max_abs_spearman": round(float(pairs["spearman"].abs().max()), 4),
            "kept_as": "a layer of its own (status modelled or scenario)",
        }
    }


def _explanations(
    index: ix.FragilityIndex, frame: pd.DataFrame, level: str, lang: str, inputs: _Inputs
) -> list[str]:
    """Each unit's sentence: its rank, interval and the two components pushing it furthest, or why it has
    no rank."""
    names = [c.key.name for c in index.components]
    filled = inputs.filled
    if level == "commune":
        contrib, vals = index.contributions_, filled[names]
    else:
        g, codes = inputs.groups[level], inputs.level_codes[level]
        contrib = pd.DataFrame(g.T @ index.contributions_.to_numpy(), index=codes, columns=names)
        vals = pd.DataFrame(g.T @ filled[names].to_numpy(), index=codes, columns=names)
    # Only the two components pushing furthest matter to the sentence: pick them once, in arrays.
    c = contrib.reindex(frame.index).to_numpy(float)
    v = vals.reindex(frame.index).to_numpy(float)
    top = np.argsort(-c, axis=1)[:, :2]
    rank, n_units = frame["rank"].to_numpy(float), frame["n_units"].to_numpy(int)
    lower, upper = frame["rank_lower"].to_numpy(float), frame["rank_upper"].to_numpy(float)
    reasons = frame["unranked_reason"].to_numpy()
    out = []
    for i in range(len(frame)):
        if np.isnan(rank[i]):
            out.append(ix.explain_unranked(reasons[i], lang))
            continue
        keep = [names[k] for k in top[i]]
        out.append(
            ix.explain(
                int(rank[i]),
                int(n_units[i]),
                (int(lower[i]), int(upper[i])),
                dict(zip(keep, v[i, top[i]], strict=True)),
                dict(zip(keep, c[i, top[i]], strict=True)),
                level=level,
                lang=lang,
            )
        )
    return out


def _contribution_rows(
    index: ix.FragilityIndex,
    filled: pd.DataFrame,
    se: pd.DataFrame,
    imputed: pd.DataFrame,
    analysis_id: str,
    lens: str,
) -> pd.DataFrame:
    """Each commune's value, normalised value and contribution of every component."""
    rows = []
    for c in index.components:
        name = c.key.name
        rows.append(
            pd.DataFrame(
                {
                    "analysis_id": analysis_id,
                    "lens": lens,
                    "code": filled.index,
                    "component": name,
                    "indicator_id": c.indicator,
                    "year": c.year,
                    "sex": c.sex,
                    "dimension": c.dimension,
                    "value": filled[name].to_numpy(),
                    "se": se[name].reindex(filled.index).to_numpy(),
                    "normalised": index.normalised_[name].to_numpy(),
                    "contribution": index.contributions_[name].to_numpy(),
                    "imputed": imputed[name].reindex(filled.index).fillna(False).astype(int).to_numpy()
                    if name in imputed
                    else 0,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)
