"""
What the planner says of a plan: the need each kind of site serves (what it is, its year and its
uncertainty, and the line saying which of its inputs are scenarios), each plan's summary beside the
simple methods with its fairness audit and language needs, its review status and history (said once),
and the link to its report in the page's language. The map, the table of sites and the equity frontier
have their own modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import html
from dash.development.base_component import Component

from observatory.formatting import NOUNS, counted, number
from observatory.plan_inputs import inputs_of, rests_on
from observatory.planner import voice_only_share
from observatory.plans import read_plan

from ..data import AppData
from ..i18n import place_name, t
from ..plan_history import plan_history

#: The report of a région with a stored plan (the API's report route, served by `observatory serve`).
REPORT_URL = "/api/v1/reports/region/{region}?lang={lang}&format=pdf&plan={plan_id}"
#: The reason a save records (the history is shared by readers of every language: it is translated when
#: shown, with the command line's "saved").
SAVED_FROM_APP = "saved from the app"
SYSTEM_REASONS = {"saved": "review_reason_saved", SAVED_FROM_APP: "plan_save_reason"}


def summary_block(data: AppData, result: dict[str, Any], lang: str) -> html.Div:
    """The need each plan serves, then each plan's summary beside the simple methods, the price of
    equity, the languages and voice-only needs of its sites, and the fairness audit by group."""
    regions = {r["code"]: place_name(r, lang) for r in data.units("region").to_dict("records")}
    blocks: list[Component] = [need_block(data, result, lang)]
    for note in result.get("notes", []):
        words = t(
            f"planner.floor_dropped_{note['level']}",
            lang,
            kind=t(f"site_{note['kind']}", lang),
            sites=number(note["sites"], lang, decimals=0),
            units=number(note["units"], lang, decimals=0),
        )
        blocks.append(html.P(words, className="note"))
    for kind, body in result["plans"].items():
        blocks.append(html.Div([*plan_sentences(kind, body, lang), audit_table(body, regions, lang)]))
    return html.Div(blocks)


def need_block(data: AppData, result: dict[str, Any], lang: str) -> html.Div:
    """What each plan's need is, in people, with its year and 90% interval: the two kinds of site serve
    two different publics, so their totals differ."""
    region = result.get("region") or ""
    level = "region" if region else "country"
    code = region or str(data.units("country").code.iloc[0])
    items = []
    for kind, body in result["plans"].items():
        params = body.get("params") or {}
        need, year = str(params.get("need", "")), int(params.get("need_year") or 0)
        total = number(body["summary"]["need_total"], lang, decimals=0)
        line = t(f"planner.need_{kind}", lang, total=total, year=year)
        values = data.values(need, year, level) if need and year else pd.DataFrame()
        if code in values.index and pd.notna(values.at[code, "lower"]):
            line += " " + t(
                "planner.need_interval",
                lang,
                lower=number(values.at[code, "lower"], lang, decimals=0),
                upper=number(values.at[code, "upper"], lang, decimals=0),
            )
        items.append(html.Li(line))
    heading = t("planner.need_two" if len(items) > 1 else "planner.need_one", lang)
    said = [rests_on(inputs_of(b.get("params") or {}), lang) for b in result["plans"].values()]
    rests = [html.P(s, className="note plan-rests-on") for s in dict.fromkeys(said) if s]
    return html.Div(
        [html.H3(t("planner.need_title", lang)), html.P(heading), html.Ul(items), *rests], id="plan-need"
    )


def plan_sentences(kind: str, body: dict[str, Any], lang: str) -> list[Component]:
    """A plan's heading and what it reaches and serves, against the best simple method, at what price
    of equity."""
    s = body["summary"]
    best = s["best_baseline"]
    parts: list[Component] = [
        html.H3(t(f"site_{kind}", lang)),
        html.P(
            t(
                "planner.summary",
                lang,
                sites=counted(int(s["sites_new"]), NOUNS["site"][lang], lang),
                radius=number(s["radius_km"], lang, decimals=0),
                capacity=number(s["capacity"], lang, decimals=0),
                reached=number(100 * s["reached_share"], lang),
                served=number(100 * s["covered_share"], lang),
                best=t(f"baseline_{best}", lang),
                best_reached=number(100 * s[f"{best}_reached_share"], lang),
                best_served=number(100 * s[f"{best}_covered_share"], lang),
            ),
            className="plan-summary",
        ),
    ]
    if s.get("price_of_equity_points") is not None:
        parts.append(
            html.P(
                t(
                    "planner.price",
                    lang,
                    reached=number(s["price_of_equity_reach_points"], lang, decimals=1),
                    served=number(s["price_of_equity_points"], lang, decimals=1),
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


def audit_table(body: dict[str, Any], regions: dict[str, str], lang: str) -> html.Div:
    """The fairness audit: each group's need, the share within reach and served by the plan, and served
    by adding sites one at a time (the simple method beside it)."""
    audit = pd.DataFrame(body["audit"])
    rows = [
        html.Tr(
            [
                html.Th(t("audit_group", lang)),
                html.Th(t("audit_need", lang)),
                html.Th(t("planner.audit_reached", lang)),
                html.Th(t("planner.audit_served", lang)),
                html.Th(t("planner.audit_greedy", lang)),
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
    return html.Div(html.Table(rows, className="ranking-table"), className="plan-table-wrap")


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
    if any(not b["summary"].get("stored") for b in result["plans"].values()):
        blocks.append(html.P(t("plan_not_saved", lang), className="note"))
    proposal = False
    for kind, body in result["plans"].items():
        s = body["summary"]
        if not s.get("stored"):
            continue
        stored = read_plan(s["plan_id"], db=data.db)
        status = stored.status
        proposal = proposal or status != "approved"
        blocks.append(
            html.P(
                t(
                    "planner.status",
                    lang,
                    kind=t(f"site_{kind}", lang),
                    id=s["plan_id"],
                    status=t(f"review_{status}", lang),
                ),
                className="plan-status",
            )
        )
        blocks.append(plan_history(stored, lang, reasons=SYSTEM_REASONS))
    if proposal:
        blocks.append(html.P(t("plan_proposal", lang), className="note"))
    return html.Div(blocks)


def report_links(result: dict[str, Any] | None, lang: str) -> Any:
    """The report of each stored plan of a région, in the page's language: the région's report with the
    plan's section (the reports package renders it, served by the API's report route); else why not."""
    if not result:
        return None
    links: list[Any] = []
    notes: set[str] = set()
    for kind, body in result["plans"].items():
        s = body["summary"]
        region = (body.get("params") or {}).get("region") or result.get("region")
        if not s.get("stored"):
            notes.add("planner.report_unsaved")
        elif not region:
            notes.add("plan_report_national")
        else:
            links.append(
                html.Li(
                    html.A(
                        t("plan_report_kind", lang, kind=t(f"site_{kind}", lang)),
                        href=REPORT_URL.format(region=region, lang=lang, plan_id=s["plan_id"]),
                        download="",
                        className="button",
                    )
                )
            )
    shown: list[Any] = [html.Ul(links, className="report-links")] if links else []
    return html.Div(shown + [html.P(t(n, lang), className="note") for n in sorted(notes)])
