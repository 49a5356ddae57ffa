"""
The equity frontier as a chart a reader can choose from: each point a national plan solved with a floor
of reach for every région, its national reach (x) against the reach of the région it leaves lowest (y).
The points come from the build (`observatory.equity_frontier`, table `plan_frontier`); nothing is solved
here. A database without them gets a plain sentence instead of the chart.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

import observatory

from .. import figures
from ..data import AppData
from ..i18n import number, place_name, t

FRONTIER_TABLE = "plan_frontier"
LINE, DEFAULT, CHOSEN = "#6a51a3", "#111111", "#b30000"


def frontier_frame(data: AppData) -> pd.DataFrame | None:
    """The stored frontier's points at région level, lowest floor first; None when the database or the
    library holds no frontier."""
    reader = getattr(observatory, "equity_frontier", None)
    if reader is None or FRONTIER_TABLE not in data.db.tables():
        return None
    frame = pd.DataFrame(reader(db=data.db))
    frame = frame[frame["level"] == "region"] if "level" in frame else frame
    return frame.sort_values("floor").reset_index(drop=True) if len(frame) else None


def frontier_figure(
    frontier: pd.DataFrame, chosen: list[tuple[str, float, float]], regions: dict[str, str], lang: str
) -> go.Figure:
    """National reach (x) against the lowest région's reach (y), in percent; the default plan and the
    plans on screen (label, x, y) marked; `regions` names the lowest région of each point."""
    sign = figures.unit_affixes("percent", lang)[1]
    hover = (
        "<b>"
        + t("planner.frontier_floor", lang)
        + " %{customdata[0]}</b><br>"
        + t("planner.frontier_x", lang)
        + " : %{x:.1f}"
        + sign
        + "<br>"
        + t("planner.frontier_y", lang)
        + " : %{y:.1f}"
        + sign
        + " (%{customdata[1]})<extra></extra>"
    )
    customdata = [
        [f"{number(100 * f, lang, decimals=0)}{sign}", regions.get(str(u), str(u))]
        for f, u in zip(frontier["floor"], frontier["lowest_unit"], strict=True)
    ]
    figure = go.Figure(
        go.Scatter(
            x=100 * frontier["national_reach"],
            y=100 * frontier["lowest_reach"],
            mode="lines+markers",
            line={"color": LINE, "width": 2},
            marker={"size": 8, "color": LINE},
            customdata=customdata,
            hovertemplate=hover,
            name=t("planner.frontier_points", lang),
        )
    )
    default = frontier[frontier["is_default"].astype(bool)] if "is_default" in frontier else frontier.iloc[:0]
    if len(default):
        figure.add_trace(
            go.Scatter(
                x=100 * default["national_reach"],
                y=100 * default["lowest_reach"],
                mode="markers",
                marker={"size": 16, "symbol": "star", "color": DEFAULT},
                name=t("planner.frontier_default", lang),
                hoverinfo="skip",
            )
        )
    for label, x, y in chosen:
        figure.add_trace(
            go.Scatter(
                x=[100 * x],
                y=[100 * y],
                mode="markers",
                marker={
                    "size": 14,
                    "symbol": "diamond",
                    "color": CHOSEN,
                    "line": {"width": 1, "color": "#fff"},
                },
                name=label,
                hoverinfo="skip",
            )
        )
    figure.update_layout(
        height=360,
        margin={"l": 60, "r": 20, "t": 10, "b": 50},
        separators=figures.separators(lang),
        xaxis={"title": {"text": t("planner.frontier_x", lang)}, "ticksuffix": sign},
        yaxis={
            "title": {"text": t("planner.frontier_y", lang)},
            "ticksuffix": sign,
            "rangemode": "tozero",
        },
        legend={"orientation": "h", "y": -0.25},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#fafafa",
    )
    return figure


def frontier_block(data: AppData, result: dict[str, Any] | None, lang: str) -> html.Div:
    """The frontier's heading, what it shows in a sentence, the chart with the plans on screen marked
    (a national plan only: the frontier is national), or a sentence saying it is not in this database."""
    frontier = frontier_frame(data)
    heading = html.H3(t("planner.frontier_title", lang))
    if frontier is None:
        return html.Div(
            [heading, html.P(t("planner.frontier_missing", lang), className="note")], id="plan-frontier"
        )
    chosen, elsewhere = [], []
    national = result is not None and not result.get("region")
    first = frontier.iloc[0]
    for kind, body in (result or {}).get("plans", {}).items():
        s, params = body["summary"], body.get("params") or {}
        lowest = s.get("lowest_region_reached_share")
        if not national or lowest is None or s.get("reached_share") is None:
            continue
        label = t("planner.frontier_chosen", lang, kind=t(f"site_{kind}", lang))
        same_kind = str(first.get("site_type") or kind) == kind
        same_size = int(params.get("sites", -1)) == int(first["sites"])
        if same_kind and same_size and float(s["radius_km"]) == float(first["radius_km"]):
            chosen.append((label, s["reached_share"], lowest))
        else:  # another kind, count or radius: its own frontier would differ, so it is said, not drawn
            elsewhere.append(
                t(
                    "planner.frontier_elsewhere",
                    lang,
                    kind=t(f"site_{kind}", lang),
                    reached=number(100 * s["reached_share"], lang),
                    lowest=number(100 * lowest, lang),
                )
            )
    regions = {r["code"]: place_name(r, lang) for r in data.units("region").to_dict("records")}
    notes = [
        t(
            "planner.frontier_sentence",
            lang,
            sites=number(first["sites"], lang, decimals=0),
            radius=number(first["radius_km"], lang, decimals=0),
        )
    ]
    if result is not None and not national:
        notes.append(t("planner.frontier_national_only", lang))
    notes += elsewhere
    return html.Div(
        [
            heading,
            *[html.P(n, className="note") for n in notes],
            dcc.Graph(
                figure=frontier_figure(frontier, chosen, regions, lang),
                config=figures.graph_config(lang, filename=t("planner.frontier_file", lang)),
                className="frontier",
            ),
        ],
        id="plan-frontier",
    )
