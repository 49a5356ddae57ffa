"""
The method in a page, for the app's data page and the reports' annex: what the headline index is made
of, how it is normalised and how its outliers are treated, what its 90% rank interval and certainty
figures mean, which communes get no rank, the status of the 2024 internet layer, how the 2030
forecasts are made and how they did in their back-test, and the main limitations. Every figure is read
from what the build stored (analysis parameters, sensitivity, model cards), so the summary cannot drift
from the results; the models' cards on the app's data page hold the full account.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from . import i18n, registry
from .enums import DEFAULT_LENS
from .errors import unknown_name
from .formatting import integer, number, percent
from .models import OWN_CONTROL_SOURCE
from .query import DatabaseLike, connect
from .results import index_sensitivity, model_card


def full_account(lang: str) -> str:
    """Where a reader finds the full method, in words: the models' cards on the app's data page (a
    report or a page never sends a reader to a file of the repository)."""
    return i18n.text("method.full_account", lang)


#: The summary's heading on every surface, by language.
TITLE = i18n.ByLanguage(lambda lang: i18n.text("method.title", lang))
#: The summary's sections in order: each is the messages `method.<key>.title` and `method.<key>`.
SECTIONS = ("index", "outliers", "uncertainty", "unranked", "internet", "forecast", "limitations")


@dataclass(frozen=True)
class MethodSection:
    """One heading and its paragraph."""

    key: str
    title: str
    text: str


def summary_figures(*, db: DatabaseLike = None, lens: str = DEFAULT_LENS) -> dict[str, Any]:
    """The figures the summary quotes, each read from the build's stored results."""
    database = connect(db)
    rows = database.read("analysis", where={"analysis_id": f"index-{lens}"})
    if rows.empty:
        raise unknown_name("index analysis", f"index-{lens}", database.read("analysis")["analysis_id"])
    params = json.loads(rows["params"].iloc[0])
    treatments = params["outliers"]["treatments"]
    rule = params["ranking_rule"]
    sensitivity = index_sensitivity(db=database, lens=lens)
    # The design that keeps every dimension: leaving one out half the time would swamp every other choice.
    total = sensitivity[
        (sensitivity["kind"] == "total_order")
        & (sensitivity["level"] == "commune")
        & (sensitivity["design"] == "without_exclusion")
    ]
    top = total.loc[total["value"].idxmax()]
    internet = model_card("internet_use_2024", db=database)
    expost = internet["metrics"]["expost"]
    forecast = model_card("forecast_2030", db=database)
    backtest = {(r["method"], r["sex"]): r for r in forecast["metrics"]["illiteracy_backtest"]}
    national = forecast["data"]["national_totals"]
    return {
        "lens": lens,
        "dimension_weights": dict(params["dimension_weights"]),
        "components": len(params["components"]),
        "normalisation": params["normalisation"],
        "aggregation": params["aggregation"],
        "outlier_rule": params["outliers"]["rule"],
        "outliers_treated": sum(t["method"] != "none" for t in treatments.values()),
        "outliers_tested": len(treatments),
        "mc_draws": int(params["monte_carlo"]["draws"]),
        "min_residents": int(rule["min_residents"]),
        "max_imputed_share": float(rule["max_imputed_share"]),
        "unranked": int(sum(rule["unranked"].values())),
        "sobol_top_factor": str(top["factor"]),
        "sobol_top_value": float(top["value"]),
        "internet_status": internet["metrics"]["status"],
        "internet_outcomes": len({r["outcome"] for r in expost}),
        "internet_model_wins": int(internet["metrics"]["expost_model_wins"]),
        "population_2030": float(forecast["metrics"]["population_2030"]),
        "population_control_source": forecast["metrics"]["national_control_source"],
        "illiteracy_2030": {
            sex: float(national[f"illiteracy_rate_10_plus_forecast:2030:{sex}"]) for sex in ("male", "female")
        },
        "backtest_cohort_rmse": {
            s: float(backtest[("cohort_alike", s)]["rmse_pp"]) for s in ("male", "female")
        },
        "backtest_carry_rmse": {
            s: float(backtest[("carry_forward", s)]["rmse_pp"]) for s in ("male", "female")
        },
    }


def method_summary(
    *, db: DatabaseLike = None, lang: str = "fr", lens: str = DEFAULT_LENS
) -> list[MethodSection]:
    """The method summary in `lang`, its figures read from the database and written as `lang` writes them."""
    i18n.language(lang)
    f = summary_figures(db=db, lens=lens)
    weights = f["dimension_weights"]
    total = sum(weights.values())
    dims = i18n.joined(
        [
            f"{registry.DIMENSION_LABELS[d][lang]} {percent(100 * w / total, lang, decimals=0)}"
            for d, w in weights.items()
        ],
        lang,
    )
    control = (
        i18n.text("method.own_control", lang)
        if f["population_control_source"] == OWN_CONTROL_SOURCE
        else f["population_control_source"]
    )
    fields = {
        "index": {
            "lens": i18n.text(f"lens.{lens}", lang),
            "components": integer(f["components"], lang),
            "n_dims": integer(len(weights), lang),
            "dims": dims,
            "aggregation": _word(f["aggregation"], lang),
        },
        "outliers": {
            "normalisation": _word(f["normalisation"], lang),
            "rule": _rule(f["outlier_rule"], lang),
            "treated": integer(f["outliers_treated"], lang),
            "tested": integer(f["outliers_tested"], lang),
        },
        "uncertainty": {
            "draws": integer(f["mc_draws"], lang),
            "factor": _factor(f["sobol_top_factor"], lang),
            "value": number(f["sobol_top_value"], lang, decimals=2),
        },
        "unranked": {
            "residents": integer(f["min_residents"], lang),
            "share": percent(100 * f["max_imputed_share"], lang, decimals=0),
            "unranked": integer(f["unranked"], lang),
        },
        "internet": {
            "status": i18n.text(f"status.{f['internet_status']}", lang),
            "outcomes": integer(f["internet_outcomes"], lang),
            "wins": integer(f["internet_model_wins"], lang),
            "verdict": i18n.text(
                f"method.internet_{'modelled' if f['internet_status'] == 'modelled' else 'scenario'}", lang
            ),
        },
        "forecast": {
            "control": control,
            "population": integer(f["population_2030"], lang),
            **{f"{s}_2030": percent(f["illiteracy_2030"][s], lang) for s in ("male", "female")},
            **{f"{s}_rmse": number(f["backtest_cohort_rmse"][s], lang) for s in ("male", "female")},
            **{f"{s}_carry": number(f["backtest_carry_rmse"][s], lang) for s in ("male", "female")},
        },
        "limitations": {"document": full_account(lang)},
    }
    return [
        MethodSection(
            key, i18n.text(f"method.{key}.title", lang), i18n.text(f"method.{key}", lang, **fields[key])
        )
        for key in SECTIONS
    ]


def _rule(stored: str, lang: str) -> str:
    """The stored outlier rule ('|skew| > 2.0 and kurtosis > 3.5: winsorise up to 5 points, else log') in
    `lang`, its limits written as `lang` writes numbers; a rule of another shape is quoted as stored."""
    limits = re.findall(r"\d+(?:\.\d+)?", stored)
    if len(limits) != 3:
        return stored
    skew, kurtosis, points = (float(v) for v in limits)
    return i18n.text(
        "method.outlier_rule",
        lang,
        skew=number(skew, lang, decimals=1 if not skew.is_integer() else 0),
        kurtosis=number(kurtosis, lang, decimals=1 if not kurtosis.is_integer() else 0),
        points=integer(points, lang),
    )


def _factor(name: str, lang: str) -> str:
    """A sensitivity factor's name in `lang` ('weight_access' is the weight of the access dimension)."""
    if name.startswith("weight_") and name[7:] in registry.DIMENSION_LABELS:
        return f"{i18n.text('method.factor.weight', lang)} ({registry.DIMENSION_LABELS[name[7:]][lang]})"
    msgid = f"method.factor.{name}"
    return i18n.text(msgid, lang) if i18n.has(msgid, lang) else name


def _word(name: str, lang: str) -> str:
    """A normalisation or aggregation method's name in `lang`; a name the catalogue lacks as stored."""
    msgid = f"method.word.{name}"
    return i18n.text(msgid, lang) if i18n.has(msgid, lang) else name
