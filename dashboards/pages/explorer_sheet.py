"""
The metadata sheet of the indicator on the map, one click from it: a button under the map that unfolds
its definition, source and date, unit, status, comparability with 2014 and how not to use it, as the
library's `indicator_sheet` writes them; a link to the map of its change when it has one.
"""

from __future__ import annotations

from typing import Any

from dash import html

from observatory.indicator_sheet import indicator_sheet

from ..data import AppData
from ..i18n import indicator_label, t
from ..state import ViewState, href
from .change_data import comparable


def sheet(data: AppData, state: ViewState, indicator: str, year: int) -> html.Details:
    """The folded sheet of `indicator` in `year`, in the page's language."""
    lang = state["lang"]
    row = data.indicator(indicator, year) or {"indicator_id": indicator, "year": year}
    sources = data.sources()
    found = sources[sources["source_id"] == row.get("source_id")]
    said = indicator_sheet(
        row, found.iloc[0].to_dict() if len(found) else None, lang=lang, comparable=comparable(data)
    )
    definition: Any = said.definition
    if said.definition_lang != lang:
        definition = html.Span(said.definition, lang=said.definition_lang)
    fields = [
        ("sheet_definition", definition),
        ("sheet_source", said.source),
        ("sheet_date", said.date),
        ("sheet_unit", said.unit),
        ("sheet_status", said.status),
        ("sheet_comparability", said.comparability),
    ]
    items: list[Any] = []
    for key, value in fields:
        items += [html.Dt(t(key, lang)), html.Dd(value)]
    items += [html.Dt(t("sheet_cautions", lang)), html.Dd(html.Ul([html.Li(c) for c in said.cautions]))]
    link = (
        html.A(
            t("sheet_change_link", lang),
            href=href("/change", state, indicator=indicator, year=""),
            className="sheet-change-link",
        )
        if indicator in comparable(data)
        else None
    )
    return html.Details(
        [
            html.Summary(t("sheet_open", lang), className="sheet-button"),
            html.Div(
                [
                    html.H3(t("sheet_title", lang, indicator=indicator_label(row, lang), year=year)),
                    html.Dl(items, className="sheet-fields"),
                    link,
                ],
                className="sheet-panel",
                role="region",
            ),
        ],
        className="indicator-sheet",
    )
