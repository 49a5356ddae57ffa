"""
What a plan rests on: its need, the figures that need is built from, and the figures its sites' reach and
languages are read from, each with the status the registry gives that year's values (read there, never
restated here). A plan solved on a scenario says so wherever it is shown: its stored parameters, the
API, its exports, its report and the planner page all take the sentence `rests_on` writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from . import i18n, registry
from .enums import ESTIMATED_STATUSES
from .planning_frame import CONTEXT, CONTEXT_YEAR

#: What each need the planner offers is built from, by the need's year: (indicator, year) pairs. The
#: 2024 offline count is the internet scenario applied to the census's people 15+ (`observatory.internet`);
#: the 2030 counts hold the 2024 shares on the projected people 15+, and the illiterate 15+ come from
#: the cohort progression (`observatory.forecasts`); the 2024 illiterate are the census's rate and count.
NEED_INPUTS: dict[tuple[str, int], tuple[tuple[str, int], ...]] = {
    ("training_need_15_plus", 2024): (
        ("internet_use_15_plus", 2024),
        ("illiteracy_population_15_plus", 2024),
    ),
    ("training_need_15_plus", 2030): (("internet_use_15_plus", 2024), ("population_forecast", 2030)),
    ("assisted_service_need_15_plus", 2024): (
        ("illiteracy_rate_15_plus", 2024),
        ("illiteracy_population_15_plus", 2024),
    ),
    ("assisted_service_need_15_plus", 2030): (
        ("illiteracy_rate_10_plus_forecast", 2030),
        ("population_forecast", 2030),
    ),
}
#: What an input does in the plan: the need itself, a figure the need is built from, or a figure the
#: sites' reach and languages are read from.
ROLES = ("need", "built_from", "context")


def plan_inputs(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """
    The inputs of a plan solved on a planning frame of `definition` (its `need` and `need_year`): role,
    indicator_id, year and status, the need first, each (indicator, year) once. A frame made without a
    need from the database (a test's, a user's table) has none.
    """
    need, year = definition.get("need"), definition.get("need_year")
    if not isinstance(need, str) or year is None:
        return []
    pairs = [
        ("need", need, int(year)),
        *(("built_from", i, y) for i, y in NEED_INPUTS.get((need, int(year)), ())),
        *(("context", i, CONTEXT_YEAR) for i in CONTEXT),
    ]
    seen: set[tuple[str, int]] = set()
    out = []
    for role, indicator, when in pairs:
        if (indicator, when) in seen:
            continue
        seen.add((indicator, when))
        status = registry.get(indicator).status_of(when)
        out.append({"role": role, "indicator_id": indicator, "year": when, "status": status})
    return out


def inputs_of(params: Mapping[str, Any] | str) -> list[dict[str, Any]]:
    """A plan's inputs from its parameters (a dict or the stored JSON): as recorded with it, or read from
    its need and year for a plan stored before plans recorded them."""
    given = json.loads(params) if isinstance(params, str) and params else params
    if not isinstance(given, Mapping):
        return []
    stored = given.get("inputs")
    return [dict(i) for i in stored] if isinstance(stored, list) else plan_inputs(given)


def scenario_inputs(inputs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The inputs that are not census figures: scenarios, models, projections, simulations."""
    return [i for i in inputs if i["status"] in ESTIMATED_STATUSES]


def rests_on(inputs: Sequence[Mapping[str, Any]], lang: str) -> str:
    """
    One sentence in `lang` saying what a plan rests on: the inputs that are scenarios or models, each
    with its year and status, or that it rests on the census only. Empty when its inputs are not known.
    """
    if not inputs:
        return ""
    named = scenario_inputs(inputs)
    if not named:
        return i18n.text("plan.inputs.census_only", lang)
    parts = [
        i18n.text(
            "plan.inputs.item",
            lang,
            indicator=registry.get(str(i["indicator_id"])).label(lang),
            year=int(i["year"]),
            status=i18n.text(f"status.{i['status']}", lang),
        )
        for i in named
    ]
    return i18n.text("plan.inputs.scenarios", lang, inputs=i18n.text("list.separator", lang).join(parts))
