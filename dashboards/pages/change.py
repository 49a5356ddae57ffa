"""
The change since 2014: for an indicator both censuses measured the same way, the map of how far each
unit's figure moved (in points of % for a rate), the country's two figures, and how the change is made.
The change is the library's (`observatory.census_change`); this page lays it out.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, dcc, html

from observatory.enums import MAP_LEVELS
from observatory.formatting import quantity

from .. import figures, ids
from ..change_figure import change_map, change_text
from ..data import AppData
from ..i18n import indicator_label, t
from ..state import ViewState, encode, shown_url
from ..widgets import dropdown
from . import CallbackApp, Page, register
from .change_data import change_at, comparable
from .explorer_controls import options, place_options
from .explorer_view import OUTLINED, scope_name

#: The indicator the page opens on: illiteracy, the census figure the index leans on most.
DEFAULT = "illiteracy_rate_10_plus"


def chosen(data: AppData, state: ViewState) -> ViewState:
    """The state with a comparable indicator (the default when it names another) and a map level."""
    held = comparable(data)
    indicator = state["indicator"] if state["indicator"] in held else DEFAULT
    if indicator not in held and held:
        indicator = sorted(held)[0]
    level = state["level"] if state["level"] in MAP_LEVELS else "commune"
    return {**state, "indicator": indicator, "year": "", "level": level, "province": ""}


def outlines(data: AppData, units: Any, level: str) -> tuple[list[float | None], list[float | None]] | None:
    """The rings of the units of the level above that hold `units` (provinces over communes)."""
    upper = OUTLINED.get(level)
    if upper is None or f"{upper}_code" not in units:
        return None
    rings = data.outlines(upper)
    lons: list[float | None] = []
    lats: list[float | None] = []
    for code in units[f"{upper}_code"].unique():
        ring_lons, ring_lats = rings.get(code, ([], []))
        lons += ring_lons
        lats += ring_lats
    return lons, lats


def view(data: AppData, state: ViewState) -> tuple[Any, Any, str, str]:
    """(figure, legend, title, Morocco's line) of the change of the state's indicator at its level."""
    lang, level, indicator = state["lang"], state["level"], state["indicator"]
    units = data.scope(level, region=state["region"])
    codes = units.code.tolist()
    frame = change_at(data, indicator, level).reindex(codes)
    meta = data.indicator(indicator, 2024)
    label = indicator_label({**meta, "indicator_id": indicator}, lang)
    unit = str(meta.get("unit") or frame["unit"].dropna().iloc[0])
    change_unit = "points" if unit == "percent" else unit
    where = scope_name(data, state)
    title = t("change_title", lang, indicator=label, where=where)
    credit = t("source_line", lang, source=data.source_line(meta.get("source_id"), lang))
    names = data.names(level, lang)
    figure, entries = change_map(
        data.geojson_for(level, codes),
        codes,
        [names[c] for c in codes],
        frame["value_2014"].to_numpy(dtype="float64"),
        frame["value_2024"].to_numpy(dtype="float64"),
        unit=unit,
        change_unit=change_unit,
        direction=data.direction(indicator),
        title=title,
        credit=credit,
        lang=lang,
        outlines=outlines(data, units, level),
    )
    direction = data.direction(indicator)
    legend = figures.categorical_legend(
        t("change_legend", lang),
        entries,
        notes=[t("change_neutral" if direction == "neutral" else "change_better", lang), credit],
    )
    country = change_at(data, indicator, "country").iloc[0]
    line = t(
        "change_country",
        lang,
        before=quantity(country["value_2014"], unit, lang),
        after=quantity(country["value_2024"], unit, lang),
        change=change_text(float(country["change"]), change_unit, lang),
    )
    return figure, legend, title, line


def layout(data: AppData, state: ViewState) -> html.Div:
    """The controls, the map of the change with its legend, Morocco's figures and the method's note."""
    state = chosen(data, state)
    lang = state["lang"]
    figure, legend, title, line = view(data, state)
    choices = sorted(
        ({"label": indicator_label({"indicator_id": i}, lang), "value": i} for i in comparable(data)),
        key=lambda o: o["label"],
    )
    controls = html.Div(
        [
            html.Label(t("change_indicator", lang), htmlFor=ids.CHANGE_INDICATOR),
            dropdown(
                lang, id=ids.CHANGE_INDICATOR, options=choices, value=state["indicator"], clearable=False
            ),
            html.Fieldset(
                [
                    html.Legend(t("level", lang)),
                    dcc.RadioItems(
                        id=ids.CHANGE_LEVEL,
                        options=options(MAP_LEVELS, "level_", lang),
                        value=state["level"],
                        inline=True,
                    ),
                ]
            ),
            html.Label(t("region", lang), htmlFor=ids.CHANGE_REGION),
            dropdown(
                lang,
                id=ids.CHANGE_REGION,
                options=place_options(data.units("region"), lang),
                value=state["region"] or None,
                placeholder=t("all_regions", lang),
            ),
        ],
        className="controls change-controls",
    )
    return html.Div(
        [
            html.H1(title, id=ids.CHANGE_TITLE),
            html.P(line, id=ids.CHANGE_COUNTRY, className="change-country"),
            html.Div(
                [
                    controls,
                    html.Div(
                        [
                            dcc.Graph(
                                id=ids.CHANGE_MAP,
                                figure=figure,
                                config=figures.graph_config(lang, filename=t("page_change", lang)),
                                className="map",
                            ),
                            html.Div(legend, id=ids.CHANGE_LEGEND),
                            html.P(t("change_map_note", lang), className="note"),
                        ],
                        className="maps",
                    ),
                ],
                className="explorer",
            ),
        ],
        className="change-page",
    )


def callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.CHANGE_MAP, "figure"),
        Output(ids.CHANGE_LEGEND, "children"),
        Output(ids.CHANGE_TITLE, "children"),
        Output(ids.CHANGE_COUNTRY, "children"),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.VIEW_SEARCH, "data", allow_duplicate=True),
        Input(ids.CHANGE_INDICATOR, "value"),
        Input(ids.CHANGE_LEVEL, "value"),
        Input(ids.CHANGE_REGION, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_change(indicator: str | None, level: str | None, region: str | None, lang: str | None) -> Any:
        state = chosen(
            data,
            {
                "lang": lang or "fr",
                "indicator": indicator or "",
                "level": level or "",
                "region": region or "",
            },
        )
        figure, legend, title, line = view(data, state)
        search = encode({k: state[k] for k in ("lang", "indicator", "level", "region")})
        return figure, legend, title, line, search, shown_url("/change", search)


register(Page(path="/change", title="page_change", layout=layout, callbacks=callbacks, order=6))
