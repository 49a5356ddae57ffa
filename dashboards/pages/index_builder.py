"""
Index builder: weights, normalisation and aggregation; the map and the ranking update, with the
90% rank intervals of the published index beside the custom ranks. The index is computed by
`observatory.index.FragilityIndex` on the stored component values, never here.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component

from observatory import i18n, registry, results
from observatory.classify import classify, rank
from observatory.enums import DIMENSIONS
from observatory.formatting import number
from observatory.index import AGGREGATIONS, NORMALISATIONS

from .. import figures, ids
from ..data import AppData
from ..i18n import place_name, t
from ..state import DEFAULTS, ViewState, encode, shown_url, weight
from ..widgets import dropdown, folded
from . import CallbackApp, Page, register
from .explorer_controls import place_options
from .explorer_view import TOWNS_SHOWN, credit_of, outlines_for, shapes_box, towns_for

ROWS = 15


def inputs(data: AppData) -> pd.DataFrame:
    """code × component key: the (imputed) component values the build's index was computed from."""
    if not hasattr(data, "_index_inputs"):
        contributions = results.index_contributions(db=data.db)
        data._index_inputs = contributions.pivot_table(index="code", columns="component", values="value")  # type: ignore[attr-defined]
    return data._index_inputs  # type: ignore[attr-defined]


def components(data: AppData) -> tuple[Any, ...]:
    """The index components the build used: the census ones, plus the connectors' when measurements were
    loaded."""
    from observatory import index as ix

    frame = inputs(data)
    return tuple(c for c in (*ix.CENSUS_COMPONENTS, *ix.CONNECTOR_COMPONENTS) if c.key.name in frame.columns)


def dimensions(data: AppData) -> tuple[str, ...]:
    """The dimensions of the index shown, in the enumeration's order: one weight slider each, as a slider
    for a dimension with no component would change nothing."""
    present = {c.dimension for c in components(data)}
    return tuple(d for d in DIMENSIONS if d in present)


def custom_index(
    data: AppData, weights: dict[str, float], normalisation: str, aggregation: str
) -> pd.DataFrame:
    """The index with these choices over the build's components: one row per commune (index 0-100, rank)."""
    from observatory import index as ix

    used = components(data)
    present = {c.dimension for c in used}
    given = {d: float(w) for d, w in weights.items() if d in present}
    frame = inputs(data)
    ranked = (
        data.index_frame("commune", "fr").set_index("code")["rank"].reindex(frame.index).notna().to_numpy()
    )
    fitted = ix.FragilityIndex(
        components=list(used), weights=given, normalisation=normalisation, aggregation=aggregation
    ).fit(frame, ranked=ranked)
    return fitted.scores_


def view(data: AppData, scores: pd.DataFrame, region: str, lang: str) -> dict[str, Any]:
    units = data.scope("commune", region=region)
    codes = units.code.tolist()
    values = scores["index"].reindex(codes).to_numpy(float)
    ranks = rank(values)
    classes = classify(values, scheme="quantiles", k=5)
    colours = figures.class_colours("Viridis", max(classes.k, 1))
    scope = (
        place_name(data.units("region").set_index("code").loc[region].to_dict(), lang)
        if region
        else t("morocco", lang)
    )
    hover = figures.hover_template(t("index_label", lang), scope, lang)
    towns = towns_for(data, {**DEFAULTS, "lang": lang, "region": region, "province": ""})
    credit = t("source_line", lang, source=credit_of(data, registry.ANALYTICS_SOURCE, lang))
    if len(towns):
        credit += " · " + credit_of(data, "geonames", lang)
    entries = figures.class_entries(classes.intervals(), colours, None, lang)
    return {
        "title": t("index_map_title", lang, place=scope),
        "towns": towns,
        "annotations": figures.figure_annotations(entries, t("index_label", lang), credit, lang=lang),
        "units": units,
        "codes": codes,
        "names": [place_name(r, lang) for r in units.to_dict("records")],
        "values": values,
        "ranks": ranks,
        "classes": classes.classes,
        "colours": colours,
        "customdata": figures.hover_data(values, ranks, "", lang),
        "hovertemplate": hover,
        "legend": figures.legend(
            t("index_label", lang),
            classes.intervals(),
            classes.counts,
            colours,
            int((classes.classes < 0).sum()),
            lang,
            source=credit,
        ),
    }


def ranking(data: AppData, v: dict[str, Any], lang: str) -> Any:
    published = data.index_frame("commune", lang).set_index("code")
    table = pd.DataFrame({"code": v["codes"], "name": v["names"], "value": v["values"], "rank": v["ranks"]})
    table = table.dropna(subset=["rank"]).sort_values("rank").head(ROWS)
    head = html.Tr(
        [
            html.Th(t("rank", lang)),
            html.Th(t("level_commune", lang)),
            html.Th(t("index_label", lang)),
            html.Th(t("published_rank", lang)),
        ]
    )
    rows = []
    for r in table.to_dict("records"):
        p = published.loc[r["code"]] if r["code"] in published.index else None
        p = None if p is not None and pd.isna(p["rank"]) else p
        interval = (
            f"{int(p['rank'])} ({int(p['rank_lower'])}–{int(p['rank_upper'])})" if p is not None else "–"
        )
        interval = f"\u2066{interval}\u2069" if i18n.is_rtl(lang) else interval  # keep "88–205" in order
        rows.append(
            html.Tr(
                [
                    html.Td(int(r["rank"])),
                    html.Td(r["name"]),
                    html.Td(number(r["value"], lang)),
                    html.Td(interval),
                ]
            )
        )
    return html.Div(
        [
            html.Table([html.Thead(head), html.Tbody(rows)], className="ranking-table"),
            html.P(t("index_builder_note", lang), className="note"),
        ]
    )


def layout(data: AppData, state: ViewState) -> html.Div:
    """The builder for a state: its choices beside the map and ranking of a région's communes."""
    lang = state["lang"]
    if not data.has_index():
        return html.Div(
            [html.H1(t("page_index", lang)), html.P(t("index_builder_missing", lang), className="note")]
        )
    region = state["region"] or "08"
    # The choices come from the URL; its defaults (equal weights, min-max, arithmetic) are the published
    # index, so the page opens on the published ranks.
    scores = custom_index(data, weights_from(state, shown=dimensions(data)), state["norm"], state["agg"])
    v = view(data, scores, region, lang)
    return html.Div(
        [
            html.H1(t("page_index", lang)),
            html.Div(
                [
                    folded(index_controls(data, state, region), lang),
                    html.Div(
                        [
                            dcc.Graph(
                                id=ids.INDEX_MAP,
                                config=figures.graph_config(lang),
                                className="map",
                                figure=index_figure(data, v, lang),
                            ),
                            html.Div(v["legend"], id=ids.INDEX_LEGEND),
                            html.Div(ranking(data, v, lang), id=ids.INDEX_RANKING),
                        ],
                        className="maps",
                    ),
                ],
                className="explorer",
            ),
        ]
    )


def index_controls(data: AppData, state: ViewState, region: str) -> html.Div:
    """The région, a weight slider per dimension, the normalisation and the aggregation."""
    lang = state["lang"]
    sliders: list[Component] = []
    for d in dimensions(data):
        sliders += [
            html.Label(registry.DIMENSION_LABELS[d][lang], htmlFor=slider_dom_id(d)),
            dcc.Slider(
                id=slider_id(d),
                min=0,
                max=1,
                step=0.05,
                value=float(state[f"w_{d}"]),
                marks={0: "0", 0.5: "0,5", 1: "1"},
            ),
        ]
    return html.Div(
        [
            html.Label(t("region", lang), htmlFor=ids.INDEX_REGION),
            dropdown(
                lang,
                id=ids.INDEX_REGION,
                options=place_options(data.units("region"), lang),
                value=region,
                clearable=False,
            ),
            html.Fieldset([html.Legend(t("weights", lang)), *sliders], id=ids.INDEX_WEIGHTS),
            html.Fieldset(
                [
                    html.Legend(t("normalisation", lang)),
                    dcc.RadioItems(
                        id=ids.INDEX_NORMALISATION,
                        value=state["norm"],
                        options=[{"label": t(f"norm_{n}", lang), "value": n} for n in NORMALISATIONS],
                    ),
                ]
            ),
            html.Fieldset(
                [
                    html.Legend(t("aggregation", lang)),
                    dcc.RadioItems(
                        id=ids.INDEX_AGGREGATION,
                        value=state["agg"],
                        options=[{"label": t(f"agg_{a}", lang), "value": a} for a in AGGREGATIONS],
                    ),
                ]
            ),
        ],
        className="controls",
        id=ids.CONTROLS,
    )


def index_figure(data: AppData, v: dict[str, Any], lang: str) -> Any:
    """The map of the communes of a view, coloured by the custom index's classes, with its title, the
    province outlines, the main towns and the legend and source written beside it, as the explorer's."""
    geojson = data.geojson_for("commune", v["codes"])
    towns = v["towns"]
    area = shapes_box(data, "commune", tuple(v["codes"])) if geojson["features"] else None
    if len(towns) and area is not None:
        towns = figures.placed_towns(towns, area, limit=TOWNS_SHOWN["region"])
    return figures.choropleth(
        geojson,
        v["codes"],
        v["names"],
        v["classes"],
        v["colours"],
        v["customdata"],
        v["hovertemplate"],
        title=v["title"],
        lang=lang,
        outlines=outlines_for(data, v, "commune"),  # type: ignore[arg-type]
        towns=towns,
        annotations=v["annotations"],
        legend_beside=True,
        area=area,
    )


def slider_id(dimension: str) -> dict[str, str]:
    """The pattern id of a dimension's weight slider: the callback takes every slider shown."""
    return {"type": ids.INDEX_WEIGHT, "dimension": dimension}


def slider_dom_id(dimension: str) -> str:
    """The id a slider's pattern id has in the page (Dash's: keys sorted, compact JSON), for its label."""
    return json.dumps(slider_id(dimension), sort_keys=True, separators=(",", ":"))


def weights_from(state: ViewState, *, shown: tuple[str, ...] = DIMENSIONS) -> dict[str, float]:
    """The weights of the dimensions `shown` in a view's state; all zero means access alone, as the sliders
    do."""
    weights = {d: float(state[f"w_{d}"]) for d in shown}
    return weights if sum(weights.values()) > 0 else {**weights, "access": 1.0}


def url_state(
    lang: str, region: str | None, weights: dict[str, float | None], normalisation: str, aggregation: str
) -> ViewState:
    """The view state of the builder's choices, for the URL (reload and back/forward restore them)."""
    return {
        **DEFAULTS,
        "lang": lang,
        "region": region or "",
        **{f"w_{d}": weight(weights[d]) for d in DIMENSIONS if d in weights},
        "norm": normalisation or DEFAULTS["norm"],
        "agg": aggregation or DEFAULTS["agg"],
    }


def callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.INDEX_MAP, "figure"),
        Output(ids.INDEX_LEGEND, "children"),
        Output(ids.INDEX_RANKING, "children"),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.VIEW_SEARCH, "data", allow_duplicate=True),
        Input({"type": ids.INDEX_WEIGHT, "dimension": ALL}, "value"),
        Input(ids.INDEX_NORMALISATION, "value"),
        Input(ids.INDEX_AGGREGATION, "value"),
        Input(ids.INDEX_REGION, "value"),
        State({"type": ids.INDEX_WEIGHT, "dimension": ALL}, "id"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_choices(
        values: list[float | None],
        normalisation: str,
        aggregation: str,
        region: str | None,
        sliders: list[dict[str, str]],
        lang: str | None,
    ) -> tuple[Any, ...]:
        lang = lang or "fr"
        state = url_state(
            lang,
            region,
            {s["dimension"]: value for s, value in zip(sliders, values, strict=True)},
            normalisation,
            aggregation,
        )
        v = view(
            data,
            custom_index(data, weights_from(state, shown=dimensions(data)), state["norm"], state["agg"]),
            region or "08",
            lang,
        )
        if ctx.triggered_id == ids.INDEX_REGION:
            figure: Any = index_figure(data, v, lang)
        else:
            figure = figures.value_patch(
                v["classes"],
                v["colours"],
                v["customdata"],
                v["hovertemplate"],
                title=v["title"],
                annotations=v["annotations"],
            )
        search = encode(state)
        return figure, v["legend"], ranking(data, v, lang), search, shown_url("/index", search)


register(Page(path="/index", title="page_index", layout=layout, callbacks=callbacks, order=2))
