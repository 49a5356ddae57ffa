"""The method in brief: every figure it quotes is the one the build stored, written as each language writes
it; the app's data page and the reports' annex show it as the library words it."""

from __future__ import annotations

from html import unescape

import pandas as pd
import pytest

from observatory import results
from observatory.enums import DEFAULT_LENS, LANGUAGES
from observatory.formatting import integer, number, percent
from observatory.method_summary import TITLE, full_account, method_summary, summary_figures


def test_the_summary_figures_are_the_stored_results(built_db):
    figures = summary_figures(db=built_db)
    # Unranked communes: the rule's stored count is the number of scores without a rank.
    scores = results.fragility_index("commune", db=built_db, lens=DEFAULT_LENS)
    assert figures["unranked"] == int(scores["rank"].isna().sum()) > 0
    assert figures["unranked"] == int((scores["unranked_reason"].fillna("") != "").sum())
    # Sobol: the factor with the largest stored total-order index.
    sobol = results.index_sensitivity(db=built_db)
    sobol = sobol[
        (sobol.kind == "total_order") & (sobol.level == "commune") & (sobol.design == "without_exclusion")
    ]
    assert figures["sobol_top_factor"] == sobol.loc[sobol.value.idxmax(), "factor"]
    # The internet layer: the model's wins over carry-forward, recounted from the ex-post test rows.
    expost = pd.DataFrame(results.model_card("internet_use_2024", db=built_db)["metrics"]["expost"])
    rmse = expost.pivot(index="outcome", columns="method", values="rmse_pp")
    assert figures["internet_model_wins"] == int((rmse["model"] < rmse["carry_forward"]).sum())
    assert figures["internet_status"] == ("modelled" if figures["internet_model_wins"] > 2 else "scenario")
    # The forecasts: the served national figures and the back-test rows of the card.
    country = results.model_estimates("population_forecast", db=built_db, level="country", year=2030)
    assert figures["population_2030"] == pytest.approx(float(country.value.iloc[0]), abs=1)
    for sex in ("male", "female"):
        served = results.model_estimates(
            "illiteracy_rate_10_plus_forecast", db=built_db, level="country", year=2030, sex=sex
        )
        assert figures["illiteracy_2030"][sex] == pytest.approx(float(served.value.iloc[0]), abs=0.005)
    backtest = pd.DataFrame(
        results.model_card("forecast_2030", db=built_db)["metrics"]["illiteracy_backtest"]
    )
    cohort = backtest[backtest.method == "cohort_alike"].set_index("sex")["rmse_pp"]
    assert figures["backtest_cohort_rmse"] == pytest.approx(cohort.to_dict())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_summary_writes_those_figures_in_each_language(built_db, lang):
    figures = summary_figures(db=built_db)
    sections = method_summary(db=built_db, lang=lang)
    assert [s.key for s in sections] == [
        "index",
        "outliers",
        "uncertainty",
        "unranked",
        "internet",
        "forecast",
        "limitations",
    ]
    text = " ".join(s.text for s in sections)
    for written in (
        integer(figures["mc_draws"], lang),
        integer(figures["unranked"], lang),
        integer(figures["min_residents"], lang),
        integer(figures["population_2030"], lang),
        percent(figures["illiteracy_2030"]["female"], lang),
        number(figures["backtest_cohort_rmse"]["male"], lang),
        number(figures["backtest_carry_rmse"]["female"], lang),
        full_account(lang),
    ):
        assert written in text, (lang, written)


def test_the_data_page_and_the_report_annex_show_the_summary(built_db):
    from observatory.dashboards.data import AppData
    from observatory.dashboards.pages.method import _method_summary
    from observatory.reports.content import gather
    from observatory.reports.render import to_html

    for lang in LANGUAGES:
        sections = method_summary(db=built_db, lang=lang)
        page = "".join(_strings(_method_summary(AppData(built_db), lang)))
        assert TITLE[lang] in page and all(s.text in page for s in sections)
        assert not any("docs/" in s.text for s in sections)
    html = unescape(to_html(gather(level="region", code="08", lang="fr", db=built_db)))
    assert TITLE["fr"] in html
    for section in method_summary(db=built_db, lang="fr"):
        assert section.title in html and section.text in html


def _strings(component):
    """Every string in a Dash component tree."""
    if isinstance(component, str):
        yield component
    elif isinstance(component, list | tuple):
        for child in component:
            yield from _strings(child)
    elif hasattr(component, "children"):
        yield from _strings(component.children)
