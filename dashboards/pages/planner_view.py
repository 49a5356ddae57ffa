"""
What the planner shows of a plan: the map of the communes reached and the sites, each plan's summary
beside the simple methods with its fairness audit and language needs, its review status and history,
and the links to the report of its région.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html
from dash.development.base_component import Component

from observatory.formatting import NOUNS, counted, number
from observatory.planner import voice_only_share
from observatory.plans import read_plan

from .. import figures
from ..data import AppData
from ..i18n import place_name, t
from ..plan_history import plan_history

SITE_COLOURS = {"service_point": "#b30000", "training_centre": "#08519c"}
#: The report of a région with a stored plan (the API's report route, served by `observatory serve`).
REPORT_URL = "/api/v1/reports/region/{region}?lang={lang}&format=pdf&plan={plan_id}"
#: The reason a save records (the history is shared by readers of every language: it is translated when
#: shown, with the command line's "saved").
SAVED_FROM_APP = "saved from the app"
SYSTEM_REASONS = {"saved": "review_reason_saved", SAVED_FROM_APP: "plan_save_reason"}


def plan_figure(data: AppData, result: dict[str, Any], lang: str) -> go.Figure:
    """Communes shaded reached / not reached by the sites; every site a marker."""
    region = result.get("region") or ""
    units = data.scope("commune", region=region)
    codes = units.code.tolist()
    names = [place_name(r, lang) for r in units.to_dict("records")]
    covered = pd.Series(0, index=codes)
    for kind in ("service_point", "training_centre"):
        if kind in result["plans"]:
            # A commune counts as reached when most of its need is (its need may lie at several points).
            share = pd.DataFrame(result["plans"][kind]["coverage"]).set_index("code")["covered"]
            reached = (share.reindex(codes).fillna(0) >= 0.5).astype(int)
            covered = covered.add(reached, fill_value=0).clip(upper=1)
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


def summary_block(data: AppData, result: dict[str, Any], lang: str) -> html.Div:
    """Each plan's summary beside the simple methods, the price of equity, the languages and voice-only
    needs of its sites, and the fairness audit by group."""
    regions = {r["code"]: place_name(r, lang) for r in data.units("region").to_dict("records")}
    blocks: list[Component] = [html.P(t("plan_proposal", lang), className="note")]
    for kind, body in result["plans"].items():
        blocks.append(html.Div([*plan_sentences(kind, body, lang), audit_table(body, regions, lang)]))
    return html.Div(blocks)


def plan_sentences(kind: str, body: dict[str, Any], lang: str) -> list[Component]:
    """A plan's heading and what it reaches, against the best simple method, at what price of equity."""
    s = body["summary"]
    best = s["best_baseline"]
    parts: list[Component] = [
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
    languages = pd.DataFrame(body["languages"])
    languages = languages[languages.plan == "optimal"] if len(languages) else languages
    sites = pd.DataFrame(body["sites"])
    sites = sites[sites.plan == "optimal"]
    voice = voice_only_share(sites) if len(sites) else np.nan
    if len(languages):
        parts.append(html.P(t("plan_languages", lang)))
        parts.append(html.Ul([html.Li(line) for line in language_needs(languages, lang)]))
    if np.isfinite(voice):
        parts.append(html.P(t("plan_voice", lang, share=number(100 * voice, lang))))
    return parts


def audit_table(body: dict[str, Any], regions: dict[str, str], lang: str) -> html.Table:
    """The fairness audit: each group's need, the share reached, served by the plan and by the greedy."""
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
    return html.Table(rows, className="ranking-table")


def language_needs(languages: pd.DataFrame, lang: str) -> list[str]:
    """'12 sites need Tachelhit voice support', one line per language, most sites first."""
    lines = []
    for r in languages.sort_values(["sites", "language"], ascending=[False, True]).itertuples():
        n = int(r.sites)
        key = "plan_language_need_one" if n == 1 else "plan_language_need_other"
        name = t(f"language_{r.language}", lang)
        lines.append(t(key, lang, sites=counted(n, NOUNS["site"][lang], lang), language=name))
    return lines


def review_block(data: AppData, result: dict[str, Any] | None, lang: str) -> Any:
    """Each plan's review status and its history (who, when, to what, why); a plan is never a decision."""
    if not result:
        return None
    blocks: list[Any] = [html.H3(t("plan_status_title", lang))]
    for kind, body in result["plans"].items():
        s = body["summary"]
        if not s.get("stored"):
            blocks.append(html.P(t("plan_not_saved", lang), className="note"))
            continue
        stored = read_plan(s["plan_id"], db=data.db)
        status = stored.status
        blocks.append(
            html.P(
                t(
                    "plan_status",
                    lang,
                    kind=t(f"site_{kind}", lang),
                    id=s["plan_id"],
                    status=t(f"review_{status}", lang),
                ),
                className="plan-status",
            )
        )
        blocks.append(plan_history(stored, lang, reasons=SYSTEM_REASONS))
    return html.Div(blocks)


def report_links(result: dict[str, Any] | None, lang: str) -> Any:
    """'Download the report' of each stored plan, in the page's language: the report of its région."""
    if not result:
        return None
    links: list[Any] = []
    notes: set[str] = set()
    for kind, body in result["plans"].items():
        s = body["summary"]
        region = (body.get("params") or {}).get("region") or result.get("region")
        if not s.get("stored"):
            notes.add("plan_report_unsaved")
        elif not region:
            notes.add("plan_report_national")
        else:
            links.append(
                html.Li(
                    html.A(
                        t("plan_report_kind", lang, kind=t(f"site_{kind}", lang)),
                        href=REPORT_URL.format(region=region, lang=lang, plan_id=s["plan_id"]),
                        download="",
                    )
                )
            )
    shown: list[Any] = [html.Ul(links, className="report-links")] if links else []
    return html.Div(shown + [html.P(t(n, lang), className="note") for n in sorted(notes)])
