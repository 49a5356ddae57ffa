"""
The analytics job of `observatory build`: standard errors of census rates, the 2024 internet model,
forecasts to 2030, the composite index (with its Monte Carlo, sensitivity, correlations, group lenses
and explanations), spatial statistics and the default deployment plan. Every random draw uses the
build's seed, so two builds of the same inputs store the same results.

The analyses live in the core library (`observatory.standard_errors`, `.internet`, `.forecasts`,
`.index_analysis`, `.spatial`, `.planner`), which takes frames and returns frames; this module only reads
their inputs from the build and hands their tables to it.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd

from observatory import challenges, models, planner, registry
from observatory import index as ix
from observatory.enums import DEFAULT_LENS, SEXES
from observatory.etl import memory
from observatory.etl.context import BuildContext
from observatory.forecasts import forecasts, national_control
from observatory.index_analysis import RESIDENTS, analyse_index, connector_inputs
from observatory.indicators import Key, fill_missing, wide
from observatory.internet import CALIBRATION_OUTCOMES, EXPOST_OUTCOMES, internet_layer, unit_parents
from observatory.planning_frame import CONTEXT as PLAN_CONTEXT
from observatory.planning_frame import PlanningFrame
from observatory.plans import DEFAULT_PLAN_NAME, plan_tables
from observatory.results_schema import RESULT_TABLES
from observatory.schema import TABLES
from observatory.service_mix import build_table as service_mix_table
from observatory.spatial import spatial_analysis
from observatory.standard_errors import DISTANCE, ERROR_COLUMNS, fill_standard_errors, input_standard_errors

SOURCE_ID = registry.ANALYTICS_SOURCE

#: The build's plan: 50 training centres within 15 km (travel proxy), at the point of their equity
#: frontier (national reach against the lowest région's) that `planner.DEFAULT_RULE` picks.
DEFAULT_PLAN: dict[str, Any] = {
    "name": DEFAULT_PLAN_NAME,
    "sites": 50,
    "radius_km": 15.0,
    "site_type": "training_centre",
}


def job(ctx: BuildContext) -> None:
    """Compute every analysis and put its tables in the build."""
    seed = int(ctx.settings.seed)
    with ctx.run("analytics") as run:
        values = ctx.tables["indicator_value"]
        communes = ctx.tables["commune"]
        run.add_input("indicator_value", rows=len(values))
        run.add_input("commune", rows=len(communes))
        codes = communes["code"].astype(str).tolist()
        table = pd.DataFrame(communes.drop(columns="geometry")).assign(code=codes)
        units = table.set_index("code")

        errors = fill_standard_errors(values=values, units=units, dictionary=ctx.tables["indicator"])
        for column in ERROR_COLUMNS:
            values[column] = errors[column].to_numpy()
        del errors
        memory.trim()  # the heap keeps the pages the standard errors' temporaries freed: 150-200 MB

        zero = [f"{DISTANCE}:{y}:all" for y in (2024, 2014)]
        inputs = wide(values, _keys()).reindex(codes)
        if ctx.notes.get("corrections") is not None:  # communes ranked on their figures as served
            inputs, done = challenges.applied_to_inputs(inputs, ctx.notes["corrections"])
            ctx.notes[challenges.APPLIED]["index"].update(done)
        filled, imputed = fill_missing(inputs, table, zero_when_urban=[z for z in zero if z in inputs])
        se = input_standard_errors(values=values, codes=codes, columns=filled.columns)

        parents = unit_parents(units)
        internet = internet_layer(
            filled=filled, imputed=imputed, units=units, values=values, parents=parents, seed=seed
        )
        forecast = forecasts(
            filled=filled,
            imputed=imputed,
            se=se,
            units=units,
            draws=internet.draws,
            parents=parents,
            internet_status=internet.status,
            bandless_levels=internet.bandless_levels,
            control=national_control(ctx.settings),
            seed=seed,
        )
        # The spatial statistics need only the default index's scores: they run beside the rest of the
        # index (NumPy releases Python's lock) and are done before the plan, whose memory they would add to.
        with ThreadPoolExecutor(max_workers=1) as pool:
            started: dict[str, Future[dict[str, pd.DataFrame]]] = {}

            def start_spatial(index: pd.Series) -> None:
                started["spatial"] = pool.submit(
                    spatial_analysis, communes=communes, filled=filled, index=index, seed=seed
                )

            analysis = analyse_index(
                filled=filled,
                imputed=imputed,
                se=se,
                units=units,
                connector=connector_inputs(values=values, codes=codes),
                internet=internet.figures,
                seed=seed,
                on_default=start_spatial,
            )
            spatial_tables = started["spatial"].result()
        memory.trim()  # before the plan, the index's draws and the spatial statistics' temporaries
        new_values = _indicator_rows([internet.figures, forecast.figures], run.run_id)
        context = values[values["indicator_id"].isin(list(PLAN_CONTEXT))]
        frontier, default_plan = default_plan_on_frontier(
            PlanningFrame.from_tables(
                communes,
                pd.concat([new_values, context]),
                analysis.tables["index_score"],
                lens=DEFAULT_LENS,
            )
        )
        ctx.add("indicator_value", new_values)
        ctx.add("indicator", _dictionary_rows(ctx.tables["indicator"]))
        ctx.add("source", _source_row(ctx.tables["source"]))
        tables = {
            "indicator_registry": registry.registry_frame(),
            "model_card": _model_cards([internet.card, forecast.card]),
            "model_validation": internet.validation,
            **analysis.tables,
            **spatial_tables,
            **plan_tables(default_plan),
            "service_mix": service_mix_table(
                draws=internet.draws,
                values=values,
                units=units,
                parents=parents,
                online_status=internet.status,
            ),
            "plan_frontier": frontier,
        }
        tables["analysis"] = pd.concat([tables["analysis"], analysis.analysis], ignore_index=True)
        for name, frame in tables.items():
            ctx.put(name, frame.reindex(columns=RESULT_TABLES[name]))
        rows = sum(len(f) for f in tables.values()) + len(new_values)
        run.count(read=len(codes), loaded=len(codes))
        ctx.notes["analytics"] = {**analysis.notes, "rows": rows}


def default_plan_on_frontier(pf: PlanningFrame) -> tuple[pd.DataFrame, planner.Plan]:
    """The equity frontier of the default plan's settings and the plan at its `DEFAULT_RULE` point."""
    frontier = planner.equity_frontier(
        pf,
        sites=DEFAULT_PLAN["sites"],
        radius_km=DEFAULT_PLAN["radius_km"],
        site_type=DEFAULT_PLAN["site_type"],
    )
    floor = float(frontier.loc[frontier["is_default"], "floor"].iloc[0])
    rule = planner.DEFAULT_RULE.format(points=planner.DEFAULT_WITHIN_POINTS)
    return frontier, planner.plan(pf, **DEFAULT_PLAN, floor_region=floor, rule=rule)


def _keys() -> list[Key]:
    """Every commune input the analyses read, as wide-table keys."""
    keys = [c.key for c in ix.CENSUS_COMPONENTS if c.indicator != "internet_use_15_plus"]
    for lens in ix.LENSES:
        keys += [c.key for c in ix.lens_components(lens) if c.indicator != "internet_use_15_plus"]
    keys += [Key(c, y) for c in models.COVARIATES for y in (2024, 2014)]
    keys += [Key("illiteracy_rate_10_plus", y, s) for y in (2024, 2014) for s in ("male", "female")]
    keys += [Key("illiteracy_rate_15_plus", 2024, s) for s in SEXES]
    keys += [Key("illiteracy_population_15_plus", 2024, s) for s in SEXES]
    keys += [Key("illiteracy_population_10_plus", 2024, s) for s in SEXES]
    keys.append(Key.parse(RESIDENTS))
    keys += [Key("households_count", y) for y in (2024, 2014)]
    keys += [
        Key(f"age_{a}", y, s) for a in models.AGE_GROUPS for y in (2014, 2024) for s in ("female", "male")
    ]
    keys += [Key("population_municipal", y, s) for y in (2014, 2024) for s in ("female", "male")]
    keys += [Key(o, y) for o in (*EXPOST_OUTCOMES, *CALIBRATION_OUTCOMES) for y in (2024, 2014)]
    return list(dict.fromkeys(keys))


def _model_cards(cards: list[dict[str, Any]]) -> pd.DataFrame:
    """The model cards as rows: the card as JSON and as Markdown."""
    return pd.DataFrame(
        [
            {
                "model_id": c["model_id"],
                "title": c["title"],
                "target": c["target"],
                "status": "ok",
                "card_json": json.dumps(c, ensure_ascii=False, sort_keys=True),
                "card_markdown": models.card_markdown(c),
            }
            for c in cards
        ]
    )


# -- stored values --------------------------------------------------------------------------------
def _indicator_rows(frames: list[pd.DataFrame], run_id: str) -> pd.DataFrame:
    """The model and scenario figures of every level as `indicator_value` rows (each level's interval computed
    by the model, never composed from bounds)."""
    values = pd.concat(
        [f.rename(columns={"code": "unit_code", "estimate": "value"}) for f in frames], ignore_index=True
    )
    values["area"] = "total"
    values["period"] = values["year"].astype(str)
    values["suppressed"] = 0
    values["source_id"] = SOURCE_ID
    values["run_id"] = run_id
    return values.reindex(columns=TABLES["indicator_value"])


def _dictionary_rows(existing: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for entry in registry.CURATED:
        if entry.source != SOURCE_ID:
            continue
        for year in entry.years:
            if ((existing.indicator_id == entry.id) & (existing.year == year)).any():
                continue
            rows.append(
                {
                    "indicator_id": entry.id,
                    "year": year,
                    "dataset": "analytics",
                    "topic": entry.dimension or "forecast",
                    "label_fr": entry.label("fr"),
                    "label_en": entry.label("en"),
                    "heading": entry.label("fr"),
                    "unit": entry.unit,
                    "sexes": ",".join(entry.sexes),
                    "definition": entry.label("en"),
                    "note": entry.status_of(year),
                    "denominator": entry.denominator,
                    "aggregation": "weighted_mean" if entry.unit == "percent" else "sum",
                    "source_id": SOURCE_ID,
                    "licence": entry.licence,
                }
            )
    return pd.DataFrame(rows, columns=existing.columns)


def _source_row(existing: pd.DataFrame) -> pd.DataFrame:
    if (existing.source_id == SOURCE_ID).any():
        return existing.iloc[0:0]
    return pd.DataFrame(
        [
            {
                "source_id": SOURCE_ID,
                "title": "Observatory analytics: derived indicators, models and forecasts",
                "publisher": "Observatoire territorial de l'équité numérique",
                "url": None,
                "sha256": None,
                "licence": registry.DERIVED_LICENCE,
                "retrieved_at": None,
            }
        ],
        columns=existing.columns,
    )
