"""
Deployment planner: how many assisted AI service points and training centres, within what catchment,
under which equity constraints → the sites on the map, the need served within capacity and reached,
the comparison with three simple methods, the price of equity, the fairness audit and the language
plan; export as CSV, GeoJSON and a report (`observatory.plan_export`). Plans are solved by
`observatory.planner.plan`, never here. A failed solve clears the map and the exports: no stale plan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update

from observatory import plan_export, results
from observatory.errors import ObservatoryError
from observatory.planner import SITE_TYPES, InfeasiblePlan

from .. import figures, ids
from ..data import AppData
from ..i18n import dropdown_labels, number, place_name, t
from . import Page, register
from .explorer import QUESTION_REGION, _place_options

SITE_COLOURS = {"service_point": "#b30000", "training_centre": "#08519c"}


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    return None if isinstance(value, float) and not np.isfinite(value) else value


def solve(
    data: AppData,
    *,
    region: str | None,
    service_points: int,
    training_centres: int,
    radius_km: float,
    min_per_province: int,
    min_rural_share: float,
    min_women_share: float,
    min_per_region: int = 0,
) -> dict[str, Any]:
    """Both plans (service points, training centres) as a JSON-able dict for the page and the exports."""
    from observatory.planner import plan

    out: dict[str, Any] = {"region": region or "", "radius_km": radius_km, "plans": {}}
    for kind, count in (("service_point", service_points), ("training_centre", training_centres)):
        if count <= 0:
            continue
        pf = results.planning_frame(db=data.db, need=SITE_TYPES[kind].need, region=region or None)
        result = plan(
            pf,
            sites=int(count),
            radius_km=float(radius_km),
            site_type=kind,
            min_per_region=int(min_per_region),
            min_per_province=int(min_per_province),
            min_rural_share=float(min_rural_share),
            min_women_share=float(min_women_share),
            name=kind,
            time_limit=60,
        )
        out["plans"][kind] = {
            "summary": {k: _plain(v) for k, v in result.summary.items()},
            "sites": result.sites.replace({np.nan: None}).to_dict("records"),
            "coverage": result.coverage[result.coverage.plan == "optimal"][
                ["code", "covered", "site_code", "distance_km", "need", "need_served"]
            ]
            .replace({np.inf: None})
            .to_dict("records"),
            "audit": result.audit.to_dict("records"),
            "languages": result.languages.to_dict("records"),
        }
    return out


# -- presentation ----------------------------------------------------------------------------------
def plan_figure(data: AppData, result: dict[str, Any], lang: str) -> go.Figure:
    """Communes shaded reached / not reached by the sites; every site a marker."""
    region = result.get("region") or ""
    units = data.scope("commune", region=region)
    codes = units.code.tolist()
    names = [place_name(r, lang) for r in units.to_dict("records")]
    covered = pd.Series(0, index=codes)
    for kind in ("service_point", "training_centre"):
        if kind in result["plans"]:
            frame = pd.DataFrame(result["plans"][kind]["coverage"]).set_index("code")["covered"]
            covered = covered.add(frame.reindex(codes).fillna(0).astype(int), fill_value=0).clip(upper=1)
    classes = covered.to_numpy(dtype=int)
    colours = ["#f7f7f7", "#c7e9c0"]
    customdata = [[None, None] for _ in codes]
    hover = "<b>%{text}</b><extra></extra>"
    figure = figures.choropleth(
        data.geojson_for("commune", codes), codes, names, classes, colours, customdata, hover, lang=lang
    )
    for kind, body in result["plans"].items():
        sites = pd.DataFrame(body["sites"])
        sites = sites[sites.plan == "optimal"]
        site_names = units.set_index("code").reindex(sites.code)
        figure.add_trace(
            go.Scattergeo(
                lon=sites.lon,
                lat=sites.lat,
                mode="markers",
                name=t(f"site_{kind}", lang),
                marker={
                    "size": 11,
                    "color": SITE_COLOURS[kind],
                    "symbol": "circle" if kind == "service_point" else "square",
                    "line": {"width": 1, "color": "#ffffff"},
                },
                text=[
                    (place_name(r, lang) if isinstance(r.get("name_fr"), str) else c) + f" · {r_langs or ''}"
                    for c, r, r_langs in zip(
                        sites.code, site_names.reset_index().to_dict("records"), sites.languages, strict=False
                    )
                ],
                hovertemplate="<b>%{text}</b><br>" + t(f"site_{kind}", lang) + "<extra></extra>",
            )
        )
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.02})
    return figure


def summary_block(data: AppData, result: dict[str, Any], lang: str) -> Any:
    regions = {r["code"]: place_name(r, lang) for r in data.units("region").to_dict("records")}
    blocks = [html.P(t("plan_proposal", lang), className="note")]
    for kind, body in result["plans"].items():
        s = body["summary"]
        audit = pd.DataFrame(body["audit"])
        rows = [
            html.Tr(
                [
                    html.Th(t("audit_group", lang)),
                    html.Th(t("audit_need", lang)),
                    html.Th(t("audit_reached", lang)),
                    html.Th(t("audit_optimal", lang)),
                    html.Th(t("audit_naive", lang)),
                ]
            )
        ]
        for (_group_type, group), part in audit.groupby(["group_type", "group"], sort=False):
            opt = part[part.plan == "optimal"].iloc[0]
            greedy = part[part.plan == "greedy"].iloc[0]
            label = (
                t(f"audit_{group}", lang)
                if group in ("all", "female", "male", "urban", "rural")
                else regions.get(group, group)
            )
            rows.append(
                html.Tr(
                    [
                        html.Td(label),
                        html.Td(number(opt.need, lang, decimals=0)),
                        html.Td(f"{number(100 * opt.reached_share, lang)} %"),
                        html.Td(f"{number(100 * opt.covered_share, lang)} %"),
                        html.Td(f"{number(100 * greedy.covered_share, lang)} %"),
                    ]
                )
            )
        languages = pd.DataFrame(body["languages"])
        languages = languages[languages.plan == "optimal"] if len(languages) else languages
        sites = pd.DataFrame(body["sites"])
        sites = sites[sites.plan == "optimal"]
        voice = (
            (sites.voice_only_share * sites.need_served).sum() / sites.need_served.sum()
            if len(sites) and sites.need_served.sum()
            else np.nan
        )
        best = s["best_baseline"]
        parts = [
            html.H3(t(f"site_{kind}", lang)),
            html.P(
                t(
                    "plan_summary",
                    lang,
                    sites=int(s["sites_new"]),
                    radius=number(s["radius_km"], lang, decimals=0),
                    capacity=number(s["capacity"], lang, decimals=0),
                    total=number(s["need_total"], lang, decimals=0),
                    reached=number(100 * s["reached_share"], lang),
                    share=number(100 * s["covered_share"], lang),
                    best=t(f"baseline_{best}", lang),
                    best_share=number(100 * s[f"{best}_covered_share"], lang),
                    best_reached=number(100 * s[f"{best}_reached_share"], lang),
                ),
                className="plan-summary",
            ),
        ]
        if s.get("price_of_equity_points") is not None:
            parts.append(
                html.P(
                    t(
                        "plan_price",
                        lang,
                        served=number(s["price_of_equity_points"], lang, decimals=2),
                        reached=number(s["price_of_equity_reach_points"], lang, decimals=2),
                    )
                )
            )
        if len(languages):
            parts.append(
                html.P(
                    t("plan_languages", lang)
                    + " "
                    + ", ".join(
                        f"{r.language} {number(r.sites, lang, decimals=0)}" for r in languages.itertuples()
                    )
                )
            )
        if np.isfinite(voice):
            parts.append(html.P(t("plan_voice", lang, share=number(100 * voice, lang))))
        parts.append(html.Table(rows, className="ranking-table"))
        blocks.append(html.Div(parts))
    return html.Div(blocks)


def export_plan(data: AppData, result: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    """The sites of a plan as CSV or GeoJSON points, or a short HTML report; with source and licence."""
    return plan_export.export(result["plans"], fmt, data.units("commune"), review="draft (not saved)")


# -- layout and callbacks ------------------------------------------------------------------------------
def layout(data: AppData, state: dict[str, str]) -> Any:
    lang = state["lang"]
    available = data.has_index() and "training_need_15_plus" in set(data.catalogue().indicator_id)
    if not available:
        return html.Div(
            [html.H1(t("page_planner", lang)), html.P(t("planner_missing", lang), className="note")]
        )
    region = state["region"] or QUESTION_REGION
    return html.Div(
        [
            html.H1(t("page_planner", lang)),
            html.P(t("planner_intro", lang), className="note"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label(t("region", lang), htmlFor=ids.PLAN_REGION),
                            dcc.Dropdown(
                                labels=dropdown_labels(lang),
                                id=ids.PLAN_REGION,
                                options=_place_options(data.units("region"), lang),
                                value=region,
                                placeholder=t("all_regions", lang),
                            ),
                            html.Label(t("plan_points", lang), htmlFor=ids.PLAN_POINTS),
                            dcc.Input(id=ids.PLAN_POINTS, type="number", min=0, max=200, step=1, value=10),
                            html.Label(t("plan_centres", lang), htmlFor=ids.PLAN_CENTRES),
                            dcc.Input(id=ids.PLAN_CENTRES, type="number", min=0, max=100, step=1, value=3),
                            html.Label(t("plan_radius", lang), htmlFor=ids.PLAN_RADIUS),
                            dcc.Slider(
                                id=ids.PLAN_RADIUS,
                                min=5,
                                max=50,
                                step=5,
                                value=15,
                                marks={v: f"{v} km" for v in (5, 15, 30, 50)},
                            ),
                            html.Fieldset(
                                [
                                    html.Legend(t("plan_equity", lang)),
                                    dcc.Checklist(
                                        id=ids.PLAN_EQUITY,
                                        options=[
                                            {"label": t("equity_region", lang), "value": "region"},
                                            {"label": t("equity_province", lang), "value": "province"},
                                            {"label": t("equity_rural", lang), "value": "rural"},
                                            {"label": t("equity_women", lang), "value": "women"},
                                        ],
                                        value=["region"],
                                    ),
                                ]
                            ),
                            html.Button(t("plan_run", lang), id=ids.PLAN_RUN, className="button"),
                            html.Div(
                                [
                                    html.Button("CSV", id=ids.PLAN_EXPORT_CSV, className="button"),
                                    html.Button("GeoJSON", id=ids.PLAN_EXPORT_GEOJSON, className="button"),
                                    html.Button(
                                        t("plan_report", lang), id=ids.PLAN_EXPORT_REPORT, className="button"
                                    ),
                                ],
                                className="exports",
                            ),
                            dcc.Download(id=ids.PLAN_DOWNLOAD),
                        ],
                        className="controls",
                    ),
                    html.Div(
                        [
                            dcc.Loading(
                                dcc.Graph(
                                    id=ids.PLAN_MAP,
                                    figure={},
                                    config=figures.graph_config(lang),
                                    className="map",
                                )
                            ),
                            html.Div(
                                id=ids.PLAN_SUMMARY, children=html.P(t("plan_hint", lang), className="note")
                            ),
                        ],
                        className="maps",
                    ),
                ],
                className="explorer",
            ),
            dcc.Store(id=ids.PLAN_STORE),
        ]
    )


def callbacks(app: Any, data: AppData) -> None:
    @app.callback(
        Output(ids.PLAN_MAP, "figure"),
        Output(ids.PLAN_SUMMARY, "children"),
        Output(ids.PLAN_STORE, "data"),
        Input(ids.PLAN_RUN, "n_clicks"),
        State(ids.PLAN_REGION, "value"),
        State(ids.PLAN_POINTS, "value"),
        State(ids.PLAN_CENTRES, "value"),
        State(ids.PLAN_RADIUS, "value"),
        State(ids.PLAN_EQUITY, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_run(_clicks, region, points, centres, radius, equity, lang):
        lang = lang or "fr"
        equity = equity or []
        try:
            result = solve(
                data,
                region=region,
                service_points=int(points or 0),
                training_centres=int(centres or 0),
                radius_km=float(radius or 15),
                min_per_region=1 if "region" in equity else 0,
                min_per_province=1 if "province" in equity else 0,
                min_rural_share=0.3 if "rural" in equity else 0.0,
                min_women_share=0.5 if "women" in equity else 0.0,
            )
        except InfeasiblePlan as err:  # the map and the exports drop the previous plan: nothing stale
            return (
                {},
                html.P(f"{t('plan_failed', lang)} {err.message(lang)}", className="error", role="alert"),
                None,
            )
        except (ObservatoryError, ValueError) as err:
            return {}, html.P(f"{t('plan_failed', lang)} {err}", className="error", role="alert"), None
        return plan_figure(data, result, lang), summary_block(data, result, lang), result

    @app.callback(
        Output(ids.PLAN_DOWNLOAD, "data"),
        Input(ids.PLAN_EXPORT_CSV, "n_clicks"),
        Input(ids.PLAN_EXPORT_GEOJSON, "n_clicks"),
        Input(ids.PLAN_EXPORT_REPORT, "n_clicks"),
        State(ids.PLAN_STORE, "data"),
        prevent_initial_call=True,
    )
    def on_export(_csv, _geojson, _report, result):
        from dash import ctx

        if not result:
            return no_update
        fmt = {ids.PLAN_EXPORT_CSV: "csv", ids.PLAN_EXPORT_GEOJSON: "geojson"}.get(ctx.triggered_id, "html")
        content, name = export_plan(data, result, fmt)
        return dcc.send_bytes(content, name)


register(Page(path="/planner", title="page_planner", layout=layout, callbacks=callbacks, order=3))
