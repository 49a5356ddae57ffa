"""
Deployment planner: how many assisted AI service points and training centres, within what radius,
under which equity constraints → the sites on the map, the need covered, the comparison with the
naive plan (the most fragile communes first) and the fairness audit; export as CSV, GeoJSON and a
report. Plans are solved by `observatory.planner.plan` (maximal covering, CBC), never here.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update

from observatory import results
from observatory.errors import ObservatoryError

from .. import figures, ids
from ..data import AppData
from ..i18n import dropdown_labels, number, place_name, t
from . import Page, register
from .explorer import QUESTION_REGION, _place_options

#: kind of site -> the modelled need it serves (people aged 15+, by sex, from the analytics build).
NEEDS = {"service_point": "assisted_service_need_15_plus", "training_centre": "training_need_15_plus"}
SITE_COLOURS = {"service_point": "#b30000", "training_centre": "#08519c"}


def solve(data: AppData, *, region: str | None, service_points: int, training_centres: int, radius_km: float,
          min_per_province: int, min_rural_share: float, min_women_share: float) -> dict[str, Any]:
    """Both plans (service points, training centres) as a JSON-able dict for the page and the exports."""
    from observatory.planner import plan

    out: dict[str, Any] = {"region": region or "", "radius_km": radius_km, "plans": {}}
    for kind, count in (("service_point", service_points), ("training_centre", training_centres)):
        if count <= 0:
            continue
        pf = results.planning_frame(db=data.db, need=NEEDS[kind], region=region or None)
        result = plan(pf, sites=int(count), radius_km=float(radius_km), min_per_province=int(min_per_province),
                      min_rural_share=float(min_rural_share), min_women_share=float(min_women_share),
                      name=kind, time_limit=60)
        out["plans"][kind] = {
            "summary": {k: (float(v) if isinstance(v, (int, float, np.floating, np.integer)) else v)
                        for k, v in result.summary.items()},
            "sites": result.sites.to_dict("records"),
            "coverage": result.coverage[result.coverage.plan == "optimal"][["code", "covered", "site_code",
                                                                            "distance_km", "need"]]
            .replace({np.inf: None}).to_dict("records"),
            "audit": result.audit.to_dict("records"),
        }
    return out


# -- presentation ----------------------------------------------------------------------------------
def plan_figure(data: AppData, result: dict[str, Any], lang: str) -> go.Figure:
    """Communes shaded covered / not covered by the service points; every site a marker."""
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
    figure = figures.choropleth(data.geojson_for("commune", codes), codes, names, classes, colours, customdata, hover,
                                lang=lang)
    for kind, body in result["plans"].items():
        sites = pd.DataFrame(body["sites"])
        sites = sites[sites.plan == "optimal"]
        site_names = units.set_index("code").reindex(sites.code)
        figure.add_trace(go.Scattergeo(
            lon=sites.lon, lat=sites.lat, mode="markers", name=t(f"site_{kind}", lang),
            marker={"size": 11, "color": SITE_COLOURS[kind], "symbol": "circle" if kind == "service_point" else "square",
                    "line": {"width": 1, "color": "#ffffff"}},
            text=[place_name(r, lang) if isinstance(r.get("name_fr"), str) else c
                  for c, r in zip(sites.code, site_names.reset_index().to_dict("records"))],
            hovertemplate="<b>%{text}</b><br>" + t(f"site_{kind}", lang) + "<extra></extra>",
        ))
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.02})
    return figure


def summary_block(data: AppData, result: dict[str, Any], lang: str) -> Any:
    regions = {r["code"]: place_name(r, lang) for r in data.units("region").to_dict("records")}
    blocks = []
    for kind, body in result["plans"].items():
        s = body["summary"]
        audit = pd.DataFrame(body["audit"])
        rows = [html.Tr([html.Th(t("audit_group", lang)), html.Th(t("audit_need", lang)),
                         html.Th(t("audit_optimal", lang)), html.Th(t("audit_naive", lang))])]
        for (group_type, group), part in audit.groupby(["group_type", "group"], sort=False):
            opt = part[part.plan == "optimal"].iloc[0]
            naive = part[part.plan == "naive"].iloc[0]
            label = t(f"audit_{group}", lang) if group in ("all", "female", "male", "urban", "rural") else \
                regions.get(group, group)
            rows.append(html.Tr([html.Td(label), html.Td(number(opt.need, lang, decimals=0)),
                                 html.Td(f"{number(100 * opt.covered_share, lang)} %"),
                                 html.Td(f"{number(100 * naive.covered_share, lang)} %")]))
        blocks.append(html.Div([
            html.H3(t(f"site_{kind}", lang)),
            html.P(t("plan_summary", lang, sites=int(s["sites_new"]), radius=number(s["radius_km"], lang, decimals=0),
                     covered=number(s["covered_need"], lang, decimals=0), total=number(s["need_total"], lang, decimals=0),
                     share=number(100 * s["covered_share"], lang),
                     naive=number(100 * s["naive_covered_share"], lang),
                     ratio=number(s["ratio_vs_naive"], lang, decimals=2)), className="plan-summary"),
            html.Table(rows, className="ranking-table"),
        ]))
    return html.Div(blocks)


def export_plan(data: AppData, result: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    """The sites of a plan as CSV or GeoJSON points, or a short HTML report; with source and licence."""
    rows = []
    units = data.units("commune").set_index("code")
    for kind, body in result["plans"].items():
        for site in body["sites"]:
            if site["plan"] != "optimal":
                continue
            unit = units.loc[site["code"]]
            rows.append({"kind": kind, "code": site["code"], "name_fr": unit.name_fr, "name_ar": unit.name_ar,
                         "lon": round(site["lon"], 5), "lat": round(site["lat"], 5),
                         "need_served": round(site["need_served"], 1), "radius_km": result["radius_km"],
                         "source": "observatory planner (maximal covering, CBC); need: observatory analytics from HCP RGPH 2024",
                         "licence": "CC BY 4.0"})
    frame = pd.DataFrame(rows)
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8"), "plan_sites.csv"
    if fmt == "geojson":
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                     "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")}} for r in rows]
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode(), \
            "plan_sites.geojson"
    lines = ["<!doctype html><meta charset='utf-8'><title>Plan</title><h1>Plan de déploiement</h1>"]
    for kind, body in result["plans"].items():
        s = body["summary"]
        lines.append(f"<h2>{kind}</h2><p>{int(s['sites_new'])} sites, {s['radius_km']} km: "
                     f"{100 * s['covered_share']:.1f}% of need covered (naive plan: {100 * s['naive_covered_share']:.1f}%)</p>")
    lines.append(frame.to_html(index=False))
    lines.append("<p>Source: HCP RGPH 2024 (CC BY 4.0), observatory analytics and planner.</p>")
    return "\n".join(lines).encode("utf-8"), "plan_report.html"


# -- layout and callbacks ------------------------------------------------------------------------------
def layout(data: AppData, state: dict[str, str]) -> Any:
    lang = state["lang"]
    available = data.has_index() and "training_need_15_plus" in set(data.catalogue().indicator_id)
    if not available:
        return html.Div([html.H1(t("page_planner", lang)), html.P(t("planner_missing", lang), className="note")])
    region = state["region"] or QUESTION_REGION
    return html.Div([
        html.H1(t("page_planner", lang)),
        html.P(t("planner_intro", lang), className="note"),
        html.Div([
            html.Div([
                html.Label(t("region", lang), htmlFor=ids.PLAN_REGION),
                dcc.Dropdown(labels=dropdown_labels(lang), id=ids.PLAN_REGION, options=_place_options(data.units("region"), lang), value=region,
                             placeholder=t("all_regions", lang)),
                html.Label(t("plan_points", lang), htmlFor=ids.PLAN_POINTS),
                dcc.Input(id=ids.PLAN_POINTS, type="number", min=0, max=200, step=1, value=10),
                html.Label(t("plan_centres", lang), htmlFor=ids.PLAN_CENTRES),
                dcc.Input(id=ids.PLAN_CENTRES, type="number", min=0, max=100, step=1, value=3),
                html.Label(t("plan_radius", lang), htmlFor=ids.PLAN_RADIUS),
                dcc.Slider(id=ids.PLAN_RADIUS, min=5, max=50, step=5, value=15,
                           marks={v: f"{v} km" for v in (5, 15, 30, 50)}),
                html.Fieldset([html.Legend(t("plan_equity", lang)),
                               dcc.Checklist(id=ids.PLAN_EQUITY, options=[
                                   {"label": t("equity_province", lang), "value": "province"},
                                   {"label": t("equity_rural", lang), "value": "rural"},
                                   {"label": t("equity_women", lang), "value": "women"},
                               ], value=[])]),
                html.Button(t("plan_run", lang), id=ids.PLAN_RUN, className="button"),
                html.Div([html.Button("CSV", id=ids.PLAN_EXPORT_CSV, className="button"),
                          html.Button("GeoJSON", id=ids.PLAN_EXPORT_GEOJSON, className="button"),
                          html.Button(t("plan_report", lang), id=ids.PLAN_EXPORT_REPORT, className="button")],
                         className="exports"),
                dcc.Download(id=ids.PLAN_DOWNLOAD),
            ], className="controls"),
            html.Div([
                dcc.Loading(dcc.Graph(id=ids.PLAN_MAP, figure={}, config=figures.graph_config(lang), className="map")),
                html.Div(id=ids.PLAN_SUMMARY, children=html.P(t("plan_hint", lang), className="note")),
            ], className="maps"),
        ], className="explorer"),
        dcc.Store(id=ids.PLAN_STORE),
    ])


def callbacks(app: Any, data: AppData) -> None:
    @app.callback(
        Output(ids.PLAN_MAP, "figure"), Output(ids.PLAN_SUMMARY, "children"), Output(ids.PLAN_STORE, "data"),
        Input(ids.PLAN_RUN, "n_clicks"),
        State(ids.PLAN_REGION, "value"), State(ids.PLAN_POINTS, "value"), State(ids.PLAN_CENTRES, "value"),
        State(ids.PLAN_RADIUS, "value"), State(ids.PLAN_EQUITY, "value"), State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_run(_clicks, region, points, centres, radius, equity, lang):
        lang = lang or "fr"
        equity = equity or []
        try:
            result = solve(data, region=region, service_points=int(points or 0), training_centres=int(centres or 0),
                           radius_km=float(radius or 15), min_per_province=1 if "province" in equity else 0,
                           min_rural_share=0.3 if "rural" in equity else 0.0,
                           min_women_share=0.5 if "women" in equity else 0.0)
        except (ObservatoryError, ValueError) as err:
            return no_update, html.P(f"{t('plan_failed', lang)} {err}", className="error", role="alert"), no_update
        return plan_figure(data, result, lang), summary_block(data, result, lang), result

    @app.callback(
        Output(ids.PLAN_DOWNLOAD, "data"),
        Input(ids.PLAN_EXPORT_CSV, "n_clicks"), Input(ids.PLAN_EXPORT_GEOJSON, "n_clicks"),
        Input(ids.PLAN_EXPORT_REPORT, "n_clicks"), State(ids.PLAN_STORE, "data"), prevent_initial_call=True,
    )
    def on_export(_csv, _geojson, _report, result):
        from dash import ctx

        if not result:
            return no_update
        fmt = {ids.PLAN_EXPORT_CSV: "csv", ids.PLAN_EXPORT_GEOJSON: "geojson"}.get(ctx.triggered_id, "html")
        content, name = export_plan(data, result, fmt)
        return dcc.send_bytes(content, name)


register(Page(path="/planner", title="page_planner", layout=layout, callbacks=callbacks, order=3))
