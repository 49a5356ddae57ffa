"""
Map explorer: any indicator (or the index) at région, province or commune level, drill-down by
click, classification schemes, colour-blind-safe palettes, comparison, LISA clusters, and the
communes that most need attention in the current view, with why.

The page is laid out here from its parts: the controls (`explorer_controls`), the maps and their
legends (`explorer_view`), the ranking, downloads and breadcrumb (`explorer_ranking`); its callbacks
are in `explorer_callbacks`.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from .. import figures, ids
from ..data import AppData
from ..i18n import t
from ..state import ViewState
from ..widgets import aria, folded
from . import Page, register
from .explorer_callbacks import callbacks
from .explorer_controls import controls, indicator_options
from .explorer_ranking import breadcrumb, downloads, ranking
from .explorer_sheet import sheet
from .explorer_view import MapView, figure_for, indicator_choice, map_view, shows_mix


def layout(data: AppData, state: ViewState) -> html.Div:
    """The explorer for a state: controls and map side by side, the answer and the legend under the map."""
    state = chosen_state(data, state)
    view = map_view(data, state)
    return html.Div(
        [
            html.Div(
                [
                    folded(controls(data, state, indicator_options(data, state["lang"])), state["lang"]),
                    map_panel(data, state, view),
                ],
                className="explorer",
            ),
        ]
    )


def chosen_state(data: AppData, state: ViewState) -> ViewState:
    """The state with its indicators chosen: the default where it names none or an unknown one, and for
    the second indicator the first other one of the catalogue."""
    indicator, year = indicator_choice(data, state["indicator"], state["year"])
    indicator2, year2 = indicator_choice(data, state["indicator2"], state["year2"])
    if not state["indicator2"]:
        second = [r for r in data.catalogue().to_dict("records") if r["indicator_id"] != indicator]
        indicator2, year2 = (
            (second[0]["indicator_id"], int(second[0]["year"])) if second else (indicator, year)
        )
    return {
        **state,
        "indicator": indicator,
        "year": str(year),
        "indicator2": indicator2,
        "year2": str(year2),
    }


def map_panel(data: AppData, state: ViewState, view: MapView) -> html.Div:
    """The breadcrumb, the map (and the second one of a side-by-side comparison), help and downloads."""
    lang = state["lang"]
    return html.Div(
        [
            html.Nav(
                breadcrumb(data, state),
                id=ids.BREADCRUMB,
                className="breadcrumb",
                **aria("label", t("breadcrumb", lang)),
            ),
            html.Div(
                [map_cell(data, state, view), second_map_cell(data, state)],
                id=ids.MAP_ROW,
                className="map-row",
            ),
            html.Div(
                sheet(data, state, view["indicator"], view["year"]) if not shows_mix(data, state) else None,
                id=ids.INDICATOR_SHEET,
            ),
            # The answer to the view's question right under the map, so it starts on the first screen of a
            # meeting room's display and right after the map on a phone; the map carries its written legend,
            # the full one (counts, what the classes are over) follows the answer.
            html.Section(ranking(data, view, state), id=ids.RANKING, className="ranking"),
            html.Div(view["legend"], id=ids.LEGEND, className="map-legend"),
            html.P(t("map_help", lang), className="note", id=ids.MAP_NOTE),
            html.Div(
                [
                    html.H2(t("downloads", lang), className="downloads-title"),
                    html.Div(downloads(data, state), id=ids.DOWNLOADS, className="downloads"),
                    dcc.Download(id=ids.RANKING_DOWNLOAD),
                ]
            ),
        ],
        className="maps",
    )


def map_cell(data: AppData, state: ViewState, view: MapView) -> html.Div:
    """The map of the state (its full legend follows the answer, under the map row)."""
    return html.Div(
        [
            dcc.Graph(
                id=ids.MAP,
                figure=figure_for(view, data, state["level"]),
                config=figures.graph_config(state["lang"], filename=t("map_file", state["lang"])),
                className="map",
            ),
        ],
        className="map-cell",
    )


def second_map_cell(data: AppData, state: ViewState) -> html.Div:
    """The map of the second indicator, hidden (and empty) unless the comparison is side by side."""
    side = state["compare"] == "side"
    second = map_view(data, state, second=True) if side else None
    figure: Any = figure_for(second, data, state["level"]) if second is not None else {}
    return html.Div(
        [
            dcc.Graph(
                id=ids.MAP_2,
                figure=figure,
                config=figures.graph_config(state["lang"], filename=t("map_file", state["lang"])),
                className="map",
            ),
            html.Div(second["legend"] if second is not None else None, id=ids.LEGEND_2),
        ],
        className="map-cell",
        id=ids.MAP_CELL_2,
        style={} if side else {"display": "none"},
    )


register(Page(path="/", title="page_explorer", layout=layout, callbacks=callbacks, order=0))
