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
web framework and no database driver, and each name imports its module when first used: a command that
needs a part of the library (`observatory --help`, a report) does not import all of it first.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: The module each public name lives in ("" for a module of its own): what `__getattr__` imports.
_HOMES = {
    "challenges": "",
    "change": "census_change",
    "comparable_indicators": "census_change",
    "Database": "database",
    "DatabaseNotFoundError": "errors",
    "ObservatoryError": "errors",
    "PersonalDataError": "errors",
    "UnknownNameError": "errors",
    "ValidationError": "errors",
    "equity_frontier": "plan_frontier",
    "StoredPlan": "plans",
    "compare_plans": "plans",
    "list_plans": "plans",
    "read_plan": "plans",
    "review_plan": "plans",
    "store_plan": "plans",
    "aggregate_checks": "query",
    "builds": "query",
    "catalogue": "query",
    "connect": "query",
    "etl_runs": "query",
    "georeference": "query",
    "ground_control": "query",
    "indicator_table": "query",
    "indicator_values": "query",
    "quarantine": "query",
    "reconciliation": "query",
    "sources": "query",
    "units": "query",
    "web_geometry": "query",
    "explanation": "results",
    "fragility_index": "results",
    "index_contributions": "results",
    "index_correlations": "results",
    "index_sensitivity": "results",
    "indicator_registry": "results",
    "lisa_clusters": "results",
    "model_card": "results",
    "model_cards": "results",
    "model_estimates": "results",
    "model_validation": "results",
    "moran": "results",
    "planning_frame": "results",
    "service_mix": "service_mix",
    "site_services": "service_mix",
    "get_settings": "settings",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    home = _HOMES[name]
    module = importlib.import_module(f"{__name__}.{home or name}")
    value = module if not home else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


class _Library(types.ModuleType):
    """The package, whose functions `service_mix` and `planning_frame` keep their names when the modules of
    the same names are imported (the import system binds each module it imports to its package)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not (isinstance(value, types.ModuleType) and _HOMES.get(name)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Library


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
