"""
Map explorer: any indicator (or the index) at région, province or commune level, drill-down by
click, classification schemes, colour-blind-safe palettes, comparison, LISA clusters, and the
communes that most need attention in the current view, with why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from observatory import registry
from observatory.classify import bivariate, classify, rank
from observatory.enums import DEFAULT_SCHEME, MAP_LEVELS, SCHEMES

from .. import figures, ids
from ..data import NEED_DRIVERS, AppData
from ..i18n import dropdown_labels, indicator_label, number, place_name, t
from ..state import COMPARE, PALETTES, encode, href, shown_url
from . import Page, register

#: Drâa-Tafilalet, the région of the question the first screen answers.
QUESTION_REGION = "08"
RANKING_ROWS = 10


# -- view model ---------------------------------------------------------------------------------------
def indicator_choice(data: AppData, indicator: str, year: str) -> tuple[str, int]:
    """The indicator and year of the state, or the default when the state names none or an unknown one."""
    if indicator and data.has(indicator, year or None):
        return indicator, int(year) if year else int(data.latest_year(indicator))
    return data.default_indicator()


def indicator_options(data: AppData, lang: str) -> list[dict[str, str]]:
    cat = data.catalogue()
    return [
        {
            "label": f"{indicator_label(row, lang)} ({row['year']})",
            "value": f"{row['indicator_id']}|{row['year']}",
        }
        for row in cat.to_dict("records")
    ]


def split_choice(value: str | None) -> tuple[str, str]:
    if not value or "|" not in value:
        return "", ""
    indicator, year = value.rsplit("|", 1)
    return indicator, year


def map_view(data: AppData, state: dict[str, str], *, second: bool = False) -> dict[str, Any]:
    """Everything a map needs for a state: units, classes, colours, hover values, legend, title."""
    lang = state["lang"]
    level = state["level"]
    units = data.scope(level, region=state["region"], province=state["province"])
    codes = units.code.tolist()
    lookup = data.names(level, lang)
    names = [lookup[code] for code in codes]
    indicator, year = indicator_choice(
        data, state["indicator2" if second else "indicator"], state["year2" if second else "year"]
    )
    meta = data.indicator(indicator, year)
    values = data.series(indicator, year, level, codes)
    ranks = rank(values)
    label = indicator_label(meta, lang) if meta else indicator
    unit = registry.unit_label(meta.get("unit"), lang)
    source = data.source_line(meta.get("source_id"), lang)
    hover = figures.hover_template(label, _scope_name(data, state), lang)
    customdata = figures.hover_data(
        values, ranks, unit, lang, statuses=data.statuses(indicator, year, level, codes)
    )
    view = {
        "codes": codes,
        "names": names,
        "indicator": indicator,
        "year": year,
        "label": label,
        "customdata": customdata,
        "hovertemplate": hover,
        "values": values,
        "ranks": ranks,
        "units": units,
        "title": f"{label} — {year}",
        "source": source,
        "lang": lang,
    }
    if state["compare"] == "bivariate" and not second:
        other, other_year = indicator_choice(data, state["indicator2"], state["year2"])
        y = data.series(other, other_year, level, codes)
        classes = bivariate(values, y, k=3)
        other_label = indicator_label(data.indicator(other, other_year), lang)
        view.update(
            classes=classes,
            colours=list(figures.BIVARIATE),
            title=f"{label} × {other_label}",
            legend=bivariate_legend(label, other_label, classes, lang),
        )
        return view
    lisa = lisa_classes(data, indicator, year, level, codes) if state["lisa"] == "1" and not second else None
    if lisa is not None:
        order = ["ns", "HH", "LL", "HL", "LH"]
        classes = np.array([order.index(c) if c in order else -1 for c in lisa])
        colours = [figures.LISA_COLOURS[c] for c in order]
        view.update(
            classes=classes,
            colours=colours,
            legend=figures.categorical_legend(
                t("lisa_title", lang),
                [(t(f"lisa_{c}", lang), figures.LISA_COLOURS[c], int((lisa == c).sum())) for c in order],
            ),
        )
        return view
    k = int(state["k"])
    classes = classify(values, scheme=state["scheme"], k=k)
    colours = figures.class_colours(state["palette"], max(classes.k, 1))
    view.update(
        classes=classes.classes,
        colours=colours,
        legend=figures.legend(
            f"{label} ({year})",
            classes.intervals(),
            classes.counts,
            colours,
            int((classes.classes < 0).sum()),
            lang,
            unit=unit,
            source=t("source_line", lang, source=source),
        ),
    )
    return view


def lisa_classes(data: AppData, indicator: str, year: int, level: str, codes: list[str]) -> np.ndarray | None:
    """LISA clusters (HH, LL, HL, LH, ns) of the index over the communes, or None where there are none."""
    labels = data.lisa() if level == "commune" else None
    if labels is None or not len(labels):
        return None
    return labels.reindex(codes).fillna("").astype(str).to_numpy()


def bivariate_legend(x_label: str, y_label: str, classes: np.ndarray, lang: str) -> html.Div:
    cells = []
    for row in (2, 1, 0):
        for col in range(3):
            n = int((classes == row * 3 + col).sum())
            cells.append(
                html.Div(
                    str(n),
                    className="bivariate-cell",
                    style={"background": figures.BIVARIATE[row * 3 + col]},
                    title=f"{n}",
                )
            )
    return html.Div(
        [
            html.H3(t("bivariate_title", lang)),
            html.Div(cells, className="bivariate-grid"),
            html.P(f"→ {x_label} ({t('low_to_high', lang)})", className="axis"),
            html.P(f"↑ {y_label} ({t('low_to_high', lang)})", className="axis"),
        ],
        className="legend",
    )


def figure_for(view: dict[str, Any], data: AppData, level: str) -> Any:
    geojson = data.geojson_for(level, view["codes"])
    return figures.choropleth(
        geojson,
        view["codes"],
        view["names"],
        view["classes"],
        view["colours"],
        view["customdata"],
        view["hovertemplate"],
        title=view["title"],
        lang=view["lang"],
    )


def patch_for(view: dict[str, Any]) -> Any:
    return figures.value_patch(
        view["classes"], view["colours"], view["customdata"], view["hovertemplate"], title=view["title"]
    )


# -- ranking: who most needs attention here, and why ------------------------------------------------
def ranking(data: AppData, view: dict[str, Any], state: dict[str, str]) -> html.Div:
    """The units with the highest values in the view, with what explains them beside the country."""
    lang, level = state["lang"], state["level"]
    table = (
        pd.DataFrame(
            {"code": view["codes"], "name": view["names"], "value": view["values"], "rank": view["ranks"]}
        )
        .dropna(subset=["rank"])
        .sort_values("rank")
        .head(RANKING_ROWS)
    )
    country = data.country_code()
    drivers = [
        (d, y)
        for d in NEED_DRIVERS
        if d != view["indicator"]
        for y in [_latest_year(data, d)]
        if y is not None
    ][:4]
    explanations = _explanations(data, view, table.code.tolist(), level, lang)
    head = [html.Th(t("rank", lang)), html.Th(t(f"level_{level}", lang)), html.Th(view["label"])]
    for driver, year in drivers:
        national = data.unit_value(driver, year, "country", country)
        head.append(
            html.Th(
                [
                    indicator_label(data.indicator(driver, year), lang),
                    html.Br(),
                    html.Small(f"{t('morocco', lang)}: {number(national, lang)} ({year})"),
                ]
            )
        )
    if explanations:
        head.append(html.Th(t("why", lang)))
    rows = []
    for record in table.to_dict("records"):
        name: Any = record["name"]
        if level == "commune":
            name = dcc.Link(record["name"], href=href("/commune", state, code=record["code"]))
        cells = [html.Td(int(record["rank"])), html.Td(name), html.Td(number(record["value"], lang))]
        for driver, year in drivers:
            cells.append(html.Td(number(data.unit_value(driver, year, level, record["code"]), lang)))
        if explanations:
            cells.append(html.Td(explanations.get(record["code"], "")))
        rows.append(html.Tr(cells))
    where = _scope_name(data, state)
    return html.Div(
        [
            html.H2(t("ranking_title", lang, where=where)),
            html.P(t("ranking_note", lang, indicator=view["label"], n=len(view["codes"]))),
            html.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], className="ranking-table"),
            html.P(t("source_line", lang, source=view["source"]), className="source"),
        ]
    )


def _latest_year(data: AppData, indicator: str) -> int | None:
    return data.latest_year(indicator)


def _explanations(
    data: AppData, view: dict[str, Any], codes: list[str], level: str, lang: str
) -> dict[str, str]:
    """The index's plain-language explanation of each unit (rank, 90% interval, main reasons)."""
    return data.explanations(level, lang, codes)


def _scope_name(data: AppData, state: dict[str, str]) -> str:
    lang = state["lang"]
    if state["province"]:
        rows = data.units("province").query("code == @state['province']")
        if len(rows):
            return place_name(rows.iloc[0].to_dict(), lang)
    if state["region"]:
        rows = data.units("region").query("code == @state['region']")
        if len(rows):
            return place_name(rows.iloc[0].to_dict(), lang)
    return t("morocco", lang)


def breadcrumb(data: AppData, state: dict[str, str]) -> list[Any]:
    """Maroc › région › province: each step a button that goes back up."""
    lang = state["lang"]
    crumbs = [html.Button(t("morocco", lang), id={"type": "crumb", "step": "country"}, className="crumb")]
    if state["region"]:
        region = data.units("region").query("code == @state['region']")
        if len(region):
            crumbs += [
                html.Span("›", className="crumb-sep"),
                html.Button(
                    place_name(region.iloc[0].to_dict(), lang),
                    id={"type": "crumb", "step": "region"},
                    className="crumb",
                ),
            ]
    if state["province"]:
        province = data.units("province").query("code == @state['province']")
        if len(province):
            crumbs += [
                html.Span("›", className="crumb-sep"),
                html.Button(
                    place_name(province.iloc[0].to_dict(), lang),
                    id={"type": "crumb", "step": "province"},
                    className="crumb",
                ),
            ]
    return crumbs


# -- layout ------------------------------------------------------------------------------------------
def _options(keys: tuple[str, ...], prefix: str, lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"{prefix}{key}", lang), "value": key} for key in keys]


def _place_options(frame: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    return [{"label": place_name(row, lang), "value": row["code"]} for row in frame.to_dict("records")]


def layout(data: AppData, state: dict[str, str]) -> Any:
    lang = state["lang"]
    indicator, year = indicator_choice(data, state["indicator"], state["year"])
    indicator2, year2 = indicator_choice(data, state["indicator2"], state["year2"])
    if not state["indicator2"]:
        second = [r for r in data.catalogue().to_dict("records") if r["indicator_id"] != indicator]
        indicator2, year2 = (
            (second[0]["indicator_id"], int(second[0]["year"])) if second else (indicator, year)
        )
    state = {
        **state,
        "indicator": indicator,
        "year": str(year),
        "indicator2": indicator2,
        "year2": str(year2),
    }
    view = map_view(data, state)
    provinces = data.units("province")
    if state["region"]:
        provinces = provinces[provinces.region_code == state["region"]]
    options = indicator_options(data, lang)
    question_state = {
        **state,
        "level": "commune",
        "region": QUESTION_REGION,
        "province": "",
        "indicator": data.default_indicator()[0],
        "year": str(data.default_indicator()[1]),
    }
    has_lisa = bool(len(data.lisa()))
    side = state["compare"] == "side"
    controls = html.Div(
        [
            # A full load, not a Dash link: the router renders on a new path, and this link keeps the path.
            html.A(
                t("question", lang), href=href("/", question_state), id=ids.QUESTION, className="question"
            ),
            html.Label(t("search", lang), htmlFor=ids.SEARCH),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id=ids.SEARCH,
                options=[],
                placeholder=t("search_placeholder", lang),
                searchable=True,
                clearable=True,
            ),
            html.Label(t("indicator", lang), htmlFor=ids.INDICATOR),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id=ids.INDICATOR,
                options=options,
                value=f"{indicator}|{year}",
                clearable=False,
            ),
            html.Fieldset(
                [
                    html.Legend(t("level", lang)),
                    dcc.RadioItems(
                        id=ids.LEVEL,
                        options=_options(MAP_LEVELS, "level_", lang),
                        value=state["level"],
                        inline=True,
                    ),
                ]
            ),
            html.Label(t("region", lang), htmlFor=ids.REGION),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id=ids.REGION,
                options=_place_options(data.units("region"), lang),
                value=state["region"] or None,
                placeholder=t("all_regions", lang),
            ),
            html.Label(t("province", lang), htmlFor="province"),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id="province",
                options=_place_options(provinces, lang),
                value=state["province"] or None,
                placeholder=t("all_provinces", lang),
            ),
            html.Details(
                [
                    html.Summary(t("map_options", lang)),
                    html.Label(t("scheme", lang), htmlFor=ids.SCHEME),
                    dcc.Dropdown(
                        labels=dropdown_labels(lang),
                        id=ids.SCHEME,
                        options=_options(SCHEMES, "scheme_", lang),
                        value=state["scheme"],
                        clearable=False,
                    ),
                    html.Fieldset(
                        [
                            html.Legend(t("classes", lang)),
                            dcc.RadioItems(
                                id=ids.CLASSES,
                                options=[{"label": str(k), "value": str(k)} for k in range(3, 8)],
                                value=state["k"],
                                inline=True,
                            ),
                        ]
                    ),
                    html.Label(t("palette", lang), htmlFor=ids.PALETTE),
                    dcc.Dropdown(
                        labels=dropdown_labels(lang),
                        id=ids.PALETTE,
                        options=[{"label": p, "value": p} for p in PALETTES],
                        value=state["palette"],
                        clearable=False,
                    ),
                    html.Fieldset(
                        [
                            html.Legend(t("compare", lang)),
                            dcc.RadioItems(
                                id=ids.COMPARE,
                                options=_options(COMPARE, "compare_", lang),
                                value=state["compare"],
                            ),
                        ]
                    ),
                    html.Label(t("indicator2", lang), htmlFor=ids.INDICATOR_2),
                    dcc.Dropdown(
                        labels=dropdown_labels(lang),
                        id=ids.INDICATOR_2,
                        options=options,
                        value=f"{indicator2}|{year2}",
                        clearable=False,
                    ),
                    dcc.Checklist(
                        id=ids.LISA,
                        options=[{"label": t("lisa_layer", lang), "value": "1", "disabled": not has_lisa}],
                        value=["1"] if state["lisa"] == "1" else [],
                    ),
                    html.P(t("lisa_missing", lang), className="note") if not has_lisa else None,
                ],
                open=state["compare"] != "none" or state["scheme"] != DEFAULT_SCHEME,
            ),
        ],
        className="controls",
        role="search",
    )
    second_figure = figure_for(map_view(data, state, second=True), data, state["level"]) if side else {}
    second_view = map_view(data, state, second=True) if side else None
    maps = html.Div(
        [
            html.Nav(
                breadcrumb(data, state),
                id=ids.BREADCRUMB,
                className="breadcrumb",
                **{"aria-label": "breadcrumb"},
            ),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Graph(
                                id=ids.MAP,
                                figure=figure_for(view, data, state["level"]),
                                config=figures.graph_config(lang),
                                className="map",
                            ),
                            html.Div(view["legend"], id=ids.LEGEND),
                        ],
                        className="map-cell",
                    ),
                    html.Div(
                        [
                            dcc.Graph(
                                id=ids.MAP_2,
                                figure=second_figure,
                                config=figures.graph_config(lang),
                                className="map",
                            ),
                            html.Div(second_view["legend"] if second_view else None, id=ids.LEGEND_2),
                        ],
                        className="map-cell",
                        id="map-cell-2",
                        style={} if side else {"display": "none"},
                    ),
                ],
                id=ids.MAP_ROW,
                className="map-row",
            ),
            html.P(t("map_help", lang), className="note", id=ids.MAP_NOTE),
        ],
        className="maps",
    )
    return html.Div(
        [
            html.Div([controls, maps], className="explorer"),
            html.Section(ranking(data, view, state), id=ids.RANKING, className="ranking"),
        ]
    )


# -- callbacks ---------------------------------------------------------------------------------------
CONTROLS = [
    ids.LEVEL,
    ids.REGION,
    "province",
    ids.INDICATOR,
    ids.SCHEME,
    ids.CLASSES,
    ids.PALETTE,
    ids.COMPARE,
    ids.INDICATOR_2,
    ids.LISA,
]
#: Controls whose change keeps the geometry: the map gets a Patch, not a new figure.
VALUE_ONLY = {ids.INDICATOR, ids.SCHEME, ids.CLASSES, ids.PALETTE, ids.INDICATOR_2, ids.LISA, ids.COMPARE}


def state_from_controls(
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
) -> dict[str, str]:
    from ..state import DEFAULTS

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
    }


def update_maps(data: AppData, triggered: Any, state: dict[str, str]) -> tuple[Any, ...]:
    """(figure, legend, figure 2, legend 2, style of map 2, ranking, breadcrumb) for a change of state."""
    side = state["compare"] == "side"
    view = map_view(data, state)
    value_only = triggered in VALUE_ONLY and triggered != ids.INDICATOR_2
    figure = patch_for(view) if value_only else figure_for(view, data, state["level"])
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


def callbacks(app: Any, data: AppData) -> None:
    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.LEGEND, "children"),
        Output(ids.MAP_2, "figure"),
        Output(ids.LEGEND_2, "children"),
        Output("map-cell-2", "style"),
        Output(ids.RANKING, "children"),
        Output(ids.BREADCRUMB, "children"),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.VIEW_SEARCH, "data", allow_duplicate=True),
        *[Input(c, "value") for c in CONTROLS],
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_controls(level, region, province, indicator, scheme, k, palette, compare, indicator2, lisa, lang):
        state = state_from_controls(
            lang or "fr", level, region, province, indicator, scheme, k, palette, compare, indicator2, lisa
        )
        return (*update_maps(data, ctx.triggered_id, state), encode(state), shown_url("/", encode(state)))

    @app.callback(
        Output(ids.SEARCH, "options"),
        Input(ids.SEARCH, "search_value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_search(text, lang):
        # The browser's own filter cannot fold accents: the server matches, the options carry what was typed.
        if not text:
            return no_update
        return data.search(text, lang or "fr")

    @app.callback(
        Output("province", "options"),
        Output("province", "value", allow_duplicate=True),
        Input(ids.REGION, "value"),
        State("province", "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_region(region, province, lang):
        provinces = data.units("province")
        if region:
            provinces = provinces[provinces.region_code == region]
        keep = province if province in set(provinces.code) else None
        return _place_options(provinces, lang or "fr"), keep

    @app.callback(
        Output(ids.LEVEL, "value", allow_duplicate=True),
        Output(ids.REGION, "value", allow_duplicate=True),
        Output("province", "value", allow_duplicate=True),
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
    def on_navigate(click, _crumbs, searched, level, region, lang):
        return navigate(data, ctx.triggered_id, click, searched, level, region, lang or "fr")


def navigate(
    data: AppData,
    triggered: Any,
    click: dict | None,
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


register(Page(path="/", title="page_explorer", layout=layout, callbacks=callbacks, order=0))
