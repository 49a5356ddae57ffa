"""
The sites of the plans on screen, numbered once: the number on the map is the row of the table, so a
reader finds a marker's commune, services, languages and the people it reaches and serves without a
hover.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from observatory import i18n
from observatory.errors import ObservatoryError
from observatory.service_mix import plan_site_services

from ..data import AppData
from ..i18n import number, place_name, t

#: The order in which the plans' sites are numbered: service points first, then training centres.
KINDS = ("service_point", "training_centre")


def numbered_sites(result: dict[str, Any]) -> pd.DataFrame:
    """Every site of the optimal plans on screen, numbered from 1: by kind, then most people reached
    first. Columns: number, plan_kind, code, lon, lat, sites, need_reached, need_served, languages."""
    frames = []
    for kind in KINDS:
        body = result["plans"].get(kind)
        if body is None:
            continue
        sites = pd.DataFrame(body["sites"])
        if not len(sites):
            continue
        sites = sites[sites["plan"] == "optimal"].sort_values("need_reached", ascending=False)
        frames.append(sites.assign(plan_kind=kind))
    if not frames:
        return pd.DataFrame(
            columns=["number", "plan_kind", "code", "lon", "lat", "sites", "need_reached", "need_served"]
        )
    every = pd.concat(frames, ignore_index=True)
    return every.assign(number=range(1, len(every) + 1))


def language_names(joined: Any, lang: str) -> str:
    """A site's languages as stored ('darija;tamazight') named in the page's language, joined."""
    codes = [c for c in str(joined).split(";") if c] if isinstance(joined, str) else []
    return i18n.joined([t(f"language_{c}", lang) for c in codes], lang) if codes else "–"


def ai_services(data: AppData, result: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """The AI services each site should offer (`observatory.service_mix.plan_site_services`), by plan kind
    and site code; empty when the database holds no service mix."""
    offered: dict[tuple[str, str], list[str]] = {}
    for kind, body in result["plans"].items():
        coverage = pd.DataFrame(body.get("coverage") or [])
        if not len(coverage):
            continue
        try:
            services = plan_site_services(coverage, db=data.db)
        except ObservatoryError:
            return {}
        for code, part in services[services["offered"]].groupby("site_code", sort=False):
            offered[(kind, str(code))] = list(part["segment"])
    return offered


def _offered(segments: list[str] | None, lang: str) -> list[Any]:
    """A site's AI services under its kind, in the page's language."""
    if not segments:
        return []
    names = i18n.joined([i18n.text(f"mix.segment.{s}", lang) for s in segments], lang)
    return [html.Br(), html.Small(t("planner.sites_ai", lang, services=names))]


def sites_table(data: AppData, result: dict[str, Any], lang: str) -> html.Div:
    """The table of sites: number, commune (and province), service, languages, people within reach and
    people served, in the page's number format."""
    sites = numbered_sites(result)
    offered = ai_services(data, result)
    communes = data.units("commune").set_index("code")
    provinces = data.units("province").set_index("code")
    head = [t(f"planner.sites_{c}", lang) for c in ("number", "commune", "service", "languages")]
    head += [t("planner.sites_reached", lang), t("planner.sites_served", lang)]
    rows = []
    for site in sites.to_dict("records"):
        commune = communes.loc[site["code"]].to_dict() if site["code"] in communes.index else None
        name = place_name(commune, lang) if commune else str(site["code"])
        province_code = commune.get("province_code") if commune else None
        province = (
            place_name(provinces.loc[province_code].to_dict(), lang)
            if province_code in provinces.index
            else ""
        )
        service = t(f"planner.legend_{site['plan_kind']}", lang)
        if int(site.get("sites") or 1) > 1:
            service = t(
                "planner.sites_several", lang, service=service, n=number(site["sites"], lang, decimals=0)
            )
        rows.append(
            html.Tr(
                [
                    html.Td(html.Span(str(site["number"]), className=f"site-number {site['plan_kind']}")),
                    html.Td([html.Span(name), html.Br(), html.Small(province)]),
                    html.Td([service, *_offered(offered.get((site["plan_kind"], str(site["code"]))), lang)]),
                    html.Td(language_names(site.get("languages"), lang)),
                    html.Td(number(site["need_reached"], lang, decimals=0), className="num"),
                    html.Td(number(site["need_served"], lang, decimals=0), className="num"),
                ]
            )
        )
    return html.Div(
        [
            html.H3(t("planner.sites_title", lang)),
            html.Table(
                [
                    html.Caption(t("planner.sites_caption", lang), className="note"),
                    html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                    html.Tbody(rows),
                ],
                className="ranking-table plan-sites",
                id="plan-sites-table",
            ),
        ],
        className="plan-table-wrap",
    )
