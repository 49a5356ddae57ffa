"""
The explorer's callbacks: a change of control redraws the maps (a Patch when only the values change),
the ranking and the breadcrumb, and writes the state into the URL; a click on the map drills down, the
breadcrumb goes back up, the search opens a commune's profile; the ranking is downloaded as CSV or XLSX
and the map as PNG, drawn in the browser.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, ctx, no_update

from observatory.enums import DEFAULT_SCHEME
from observatory.service_mix import SEGMENTS

from .. import ids
from ..data import AppData
from ..state import DEFAULTS, SCOPES, ViewState, encode, parse, shown_url
from ..widgets import send_bytes
from . import CallbackApp
from .explorer_controls import indicator_options, place_options, split_choice
from .explorer_ranking import breadcrumb, downloads, ranking, ranking_export
from .explorer_sheet import sheet
from .explorer_view import figure_for, indicator_choice, map_view, patch_for, shows_mix

CONTROLS = [
    ids.LEVEL,
    ids.REGION,
    ids.PROVINCE,
    ids.INDICATOR,
    ids.SCHEME,
    ids.CLASSES,
    ids.PALETTE,
    ids.COMPARE,
    ids.INDICATOR_2,
    ids.LISA,
    ids.SCOPE,
    ids.MIX,
]
#: Controls whose change keeps the geometry: the map gets a Patch, not a new figure.
VALUE_ONLY = {
    ids.INDICATOR,
    ids.SCHEME,
    ids.CLASSES,
    ids.PALETTE,
    ids.INDICATOR_2,
    ids.LISA,
    ids.COMPARE,
    ids.SCOPE,
    ids.MIX,
}
#: The PNG is drawn by plotly.js from the figure on screen (legend, place, year and source are in it).
MAP_PNG_SCRIPT = (
    "function(n) { const gd = document.querySelector('#" + ids.MAP + " .js-plotly-plot');"
    " if (!n || !gd || !window.Plotly) { return window.dash_clientside.no_update; }"
    " const name = (gd.layout.title && gd.layout.title.text || 'carte').normalize('NFKD')"
    ".replace(/[^\\w\\u0600-\\u06FF]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);"
    " window.Plotly.downloadImage(gd, {format: 'png', scale: 2, filename: name});"
    " return ''; }"
)


def state_from_controls(
    *,
    lang: str,
    level: str,
    region: str | None,
    province: str | None,
    indicator: str | None,
    scheme: str,
    k: str,
    palette: str,
    compare: str,
    indicator2: str | None,
    lisa: list[str] | None,
    scope: str | None = "national",
    mix: str | None = None,
) -> ViewState:
    """The view state the controls show (what the URL will hold)."""
    first, year = split_choice(indicator)
    second, year2 = split_choice(indicator2)
    return {
        **DEFAULTS,
        "lang": lang,
        "level": level or "commune",
        "region": region or "",
        "province": province or "",
        "indicator": first,
        "year": year,
        "scheme": scheme or DEFAULT_SCHEME,
        "k": str(k or "5"),
        "palette": palette or "Viridis",
        "compare": compare or "none",
        "indicator2": second,
        "year2": year2,
        "lisa": "1" if lisa else "0",
        "scope": scope if scope in SCOPES else "national",
        "mix": mix if mix in SEGMENTS else "",
    }


def update_maps(data: AppData, triggered: Any, state: ViewState) -> tuple[Any, ...]:
    """(figure, legend, figure 2, legend 2, style of map 2, ranking, breadcrumb) for a change of state."""
    side = state["compare"] == "side"
    view = map_view(data, state)
    value_only = triggered in VALUE_ONLY and triggered != ids.INDICATOR_2
    figure = patch_for(view) if value_only else figure_for(view, data, state["level"])
    figure2: Any
    legend2: Any
    if side and (triggered in (ids.INDICATOR_2, ids.COMPARE) or not value_only):
        second = map_view(data, state, second=True)
        figure2, legend2 = figure_for(second, data, state["level"]), second["legend"]
    elif side:
        figure2, legend2 = no_update, no_update
    else:
        figure2, legend2 = no_update, None
    if triggered == ids.INDICATOR_2 and state["compare"] != "bivariate":
        figure = no_update
    return (
        figure,
        view["legend"],
        figure2,
        legend2,
        {} if side else {"display": "none"},
        ranking(data, view, state),
        breadcrumb(data, state),
    )


def callbacks(app: CallbackApp, data: AppData) -> None:
    """The explorer's callbacks on `app`, reading through `data`."""
    map_callbacks(app, data)
    download_callbacks(app, data)
    navigation_callbacks(app, data)


def map_callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.LEGEND, "children"),
        Output(ids.MAP_2, "figure"),
        Output(ids.LEGEND_2, "children"),
        Output(ids.MAP_CELL_2, "style"),
        Output(ids.RANKING, "children"),
        Output(ids.BREADCRUMB, "children"),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.VIEW_SEARCH, "data", allow_duplicate=True),
        *[Input(c, "value") for c in CONTROLS],
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_controls(
        level: str,
        region: str | None,
        province: str | None,
        indicator: str | None,
        scheme: str,
        k: str,
        palette: str,
        compare: str,
        indicator2: str | None,
        lisa: list[str] | None,
        scope: str | None,
        mix: str | None,
        lang: str | None,
    ) -> tuple[Any, ...]:
        state = state_from_controls(
            lang=lang or "fr",
            level=level,
            region=region,
            province=province,
            indicator=indicator,
            scheme=scheme,
            k=k,
            palette=palette,
            compare=compare,
            indicator2=indicator2,
            lisa=lisa,
            scope=scope,
            mix=mix,
        )
        return (*update_maps(data, ctx.triggered_id, state), encode(state), shown_url("/", encode(state)))

    @app.callback(
        Output(ids.MIX, "value", allow_duplicate=True),
        Input(ids.INDICATOR, "value"),
        State(ids.MIX, "value"),
        prevent_initial_call=True,
    )
    def on_indicator(_indicator: str | None, mix: str | None) -> Any:
        # An indicator chosen is an indicator to see: the service mix gives the map back to it.
        return None if mix else no_update

    @app.callback(
        Output(ids.INDICATOR_SHEET, "children"),
        Input(ids.INDICATOR, "value"),
        Input(ids.MIX, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_sheet(indicator: str | None, mix: str | None, lang: str | None) -> Any:
        # The sheet is of the indicator on the map: none while the map shows the service mix.
        state = {**DEFAULTS, "lang": lang or "fr", "mix": mix or ""}
        if shows_mix(data, state):
            return None
        chosen, year = indicator_choice(data, *split_choice(indicator))
        return sheet(data, {**state, "indicator": chosen, "year": str(year)}, chosen, year)

    @app.callback(
        Output(ids.INDICATOR, "options"),
        Input(ids.THEME, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_theme(theme: str | None, lang: str | None) -> list[dict[str, Any]]:
        return indicator_options(data, lang or "fr", theme or None)


def download_callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.DOWNLOADS, "children"),
        Input(ids.REGION, "value"),
        Input(ids.PROVINCE, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_place(region: str | None, province: str | None, lang: str | None) -> list[Any]:
        return downloads(
            data, {**DEFAULTS, "lang": lang or "fr", "region": region or "", "province": province or ""}
        )

    @app.callback(
        Output(ids.RANKING_DOWNLOAD, "data"),
        Input(ids.RANKING_CSV, "n_clicks"),
        Input(ids.RANKING_XLSX, "n_clicks"),
        State(ids.URL, "search"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_ranking_download(_csv: int | None, _xlsx: int | None, search: str | None, lang: str | None) -> Any:
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update
        fmt = "xlsx" if ctx.triggered_id == ids.RANKING_XLSX else "csv"
        content, name = ranking_export(data, parse(search, lang=lang or "fr"), fmt)
        return send_bytes(content, name)

    app.clientside_callback(
        MAP_PNG_SCRIPT,
        Output(ids.MAP_PNG, "title"),
        Input(ids.MAP_PNG, "n_clicks"),
        prevent_initial_call=True,
    )


def navigation_callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.SEARCH, "options"),
        Input(ids.SEARCH, "search_value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_search(text: str | None, lang: str | None) -> Any:
        # The browser's own filter cannot fold accents: the server matches, the options carry what was typed.
        if not text:
            return no_update
        return data.search(text, lang or "fr")

    @app.callback(
        Output(ids.PROVINCE, "options"),
        Output(ids.PROVINCE, "value", allow_duplicate=True),
        Input(ids.REGION, "value"),
        State(ids.PROVINCE, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_region(
        region: str | None, province: str | None, lang: str | None
    ) -> tuple[list[dict[str, str]], str | None]:
        provinces = data.units("province")
        if region:
            provinces = provinces[provinces.region_code == region]
        keep = province if province in set(provinces.code) else None
        return place_options(provinces, lang or "fr"), keep

    @app.callback(
        Output(ids.LEVEL, "value", allow_duplicate=True),
        Output(ids.REGION, "value", allow_duplicate=True),
        Output(ids.PROVINCE, "value", allow_duplicate=True),
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.MAP, "clickData"),
        Input({"type": "crumb", "step": ALL}, "n_clicks"),
        Input(ids.SEARCH, "value"),
        State(ids.LEVEL, "value"),
        State(ids.REGION, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_navigate(
        click: dict[str, Any] | None,
        _crumbs: list[int | None],
        searched: str | None,
        level: str,
        region: str | None,
        lang: str | None,
    ) -> tuple[Any, ...]:
        return navigate(data, ctx.triggered_id, click, searched, level, region, lang or "fr")


def navigate(
    data: AppData,
    triggered: Any,
    click: dict[str, Any] | None,
    searched: str | None,
    level: str,
    region: str | None,
    lang: str,
) -> tuple[Any, ...]:
    """Drill down on a click (région → provinces → communes → profile), up by the breadcrumb, or search."""
    keep = (no_update,) * 5
    if triggered == ids.SEARCH:
        if not searched:
            return keep
        return no_update, no_update, no_update, "/commune", encode({"lang": lang, "code": searched})
    if isinstance(triggered, dict) and triggered.get("type") == "crumb":
        step = triggered["step"]
        if not ctx_clicked():
            return keep
        if step == "country":
            return "region", None, None, no_update, no_update
        if step == "region":
            return "province", no_update, None, no_update, no_update
        return "commune", no_update, no_update, no_update, no_update
    if triggered == ids.MAP and click and click.get("points"):
        code = click["points"][0].get("location")
        if level == "region":
            return "province", code, None, no_update, no_update
        if level == "province":
            provinces = data.units("province").set_index("code")
            parent = provinces.region_code.get(code, region)
            return "commune", parent, code, no_update, no_update
        return no_update, no_update, no_update, "/commune", encode({"lang": lang, "code": code})
    return keep


def ctx_clicked() -> bool:
    """Whether the triggering breadcrumb was really clicked (a re-render fires it with n_clicks None)."""
    try:
        return bool(ctx.triggered and ctx.triggered[0].get("value"))
    except Exception:  # noqa: BLE001 - outside a callback context (unit tests): treat as a click
        return True
