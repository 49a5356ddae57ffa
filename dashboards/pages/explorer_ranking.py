"""
The explorer's ranking: the units of the view that most need attention, with what explains them beside
the country; the full ranking of the level for download, the report of the place viewed, and the
breadcrumb back up.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from observatory.formatting import number
from observatory.service_mix import INPUT_YEARS
from observatory.service_mix import SOURCE_IDS as MIX_SOURCES

from .. import figures, ids
from ..data import INDEX_ID, NEED_DRIVERS, AppData
from ..i18n import indicator_label, place_name, t
from ..state import ViewState, href
from .explorer_view import MapView, indicator_choice, scope_name, shows_mix

RANKING_ROWS = 10


def ranking(data: AppData, view: MapView, state: ViewState) -> html.Div:
    """The units of the view most in need (need rank 1 first), with what explains them beside the
    country; the rank is 'n / N' in the scope the map's classes use, named in the heading."""
    lang, level = state["lang"], state["level"]
    ranks = np.asarray(view["ranks"], dtype="float64")
    ranked = np.flatnonzero(~np.isnan(ranks))
    top = ranked[np.argsort(ranks[ranked], kind="stable")][:RANKING_ROWS]
    records = [
        {
            "code": view["codes"][i],
            "name": view["names"][i],
            "value": float(view["values"][i]),
            "rank": float(ranks[i]),
        }
        for i in top.tolist()
    ]
    drivers = [
        (d, y) for d in NEED_DRIVERS if d != view["indicator"] for y in [data.latest_year(d)] if y is not None
    ][:4]
    # The index's reasons explain the index's rank only: beside another indicator they would mislead.
    explanations = (
        data.explanations(level, lang, [r["code"] for r in records]) if view["indicator"] == INDEX_ID else {}
    )
    head = _ranking_head(data, view, drivers, level=level, lang=lang, why=bool(explanations))
    rows = [_ranking_row(data, view, state, record, drivers, explanations) for record in records]
    where = scope_name(data, state)
    prefix = "mix_" if shows_mix(data, state) else ""
    return html.Div(
        [
            html.H2(t(f"{prefix}ranking_title", lang, where=where)),
            html.P(
                t(
                    f"{prefix}ranking_note_scope",
                    lang,
                    indicator=view["label"],
                    n=number(len(view["codes"]), lang, decimals=0),
                    scope=view["scope"],
                )
            ),
            html.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], className="ranking-table"),
            html.P(view["credit"], className="source"),
        ]
    )


def _ranking_head(
    data: AppData, view: MapView, drivers: list[tuple[str, int]], *, level: str, lang: str, why: bool
) -> list[html.Th]:
    """The column heads: rank, unit, the indicator shown, each driver with its value for Morocco."""
    country = data.country_code()
    head = [
        html.Th(t("rank_in", lang, scope=view["scope"])),
        html.Th(t(f"level_{level}", lang)),
        html.Th(view["label"]),
    ]
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
    if why:
        head.append(html.Th(t("why", lang)))
    return head


def _ranking_row(
    data: AppData,
    view: MapView,
    state: ViewState,
    record: dict[str, Any],
    drivers: list[tuple[str, int]],
    explanations: dict[str, str],
) -> html.Tr:
    """A unit's row: its rank, name (a link to a commune's profile), value, drivers and reasons."""
    lang, level = state["lang"], state["level"]
    name: Any = record["name"]
    if level == "commune":
        name = dcc.Link(record["name"], href=href("/commune", state, code=record["code"]))
    cells = [
        html.Td(figures.rank_text(record["rank"], view["total"], lang)),
        html.Td(name),
        html.Td(number(record["value"], lang)),
    ]
    for driver, year in drivers:
        cells.append(html.Td(number(data.unit_value(driver, year, level, record["code"]), lang)))
    if explanations:
        cells.append(html.Td(explanations.get(record["code"], "")))
    return html.Tr(cells)


def ranking_export(data: AppData, state: ViewState, fmt: str) -> tuple[bytes, str]:
    """(file content, file name) of the full ranking of the level in Morocco for the indicator shown:
    every unit with its need rank 'n of N', value, interval, status, source and licence; the segment's
    share and people with their bounds when the map shows the AI service mix."""
    if shows_mix(data, state):
        return _write(mix_export(data, state), f"classement_service_mix_{state['mix']}_{state['level']}", fmt)
    indicator, year = indicator_choice(data, state["indicator"], state["year"])
    level = state["level"]
    table = data.national_ranking(indicator, year, level).reset_index()
    units = data.units(level).set_index("code")
    values = data.values(indicator, year, level)
    meta = data.indicator(indicator, year)
    frame = pd.DataFrame(
        {
            "rank": table["rank"],
            "ranked": table["ranked"],
            "code": table["code"],
            "name_fr": units["name_fr"].reindex(table["code"]).to_numpy(),
            "name_ar": units["name_ar"].reindex(table["code"]).to_numpy(),
            "value": table["value"],
            "lower": values["lower"].reindex(table["code"]).to_numpy(),
            "upper": values["upper"].reindex(table["code"]).to_numpy(),
            "status": values["status"].reindex(table["code"]).to_numpy(),
            "unit": meta.get("unit"),
            "indicator_id": indicator,
            "year": year,
            "direction": data.direction(indicator),
            "source": data.source_line(meta.get("source_id"), "fr"),
            "licence": meta.get("licence"),
        }
    )
    for column in ("region_code", "province_code"):
        if column in units:
            frame.insert(3, column, units[column].reindex(table["code"]).to_numpy())
    return _write(frame, f"classement_{indicator}_{year}_{level}", fmt)


def mix_export(data: AppData, state: ViewState) -> pd.DataFrame:
    """Every unit of the level with its rank by the segment's share of its adults 15+ (1 = largest), the
    share, the people and their bounds (a scenario and its Fréchet bounds), the input years and sources."""
    segment, level = state["mix"], state["level"]
    table = data.mix_ranking(segment, level).reset_index()
    units = data.units(level).set_index("code")
    rows = data.mix_series(segment, level, table["code"])
    sources = data.sources().set_index("source_id")
    frame = pd.DataFrame(
        {
            "rank": table["rank"],
            "ranked": table["ranked"],
            "code": table["code"],
            "name_fr": units["name_fr"].reindex(table["code"]).to_numpy(),
            "name_ar": units["name_ar"].reindex(table["code"]).to_numpy(),
            "segment": segment,
            "share_percent": table["value"],
            **{c: rows[c].to_numpy() for c in ("people", "people_lower", "people_upper", "adults", "status")},
            **{c: rows[c].to_numpy() for c in INPUT_YEARS},
            "source": " · ".join(data.source_line(s, "fr") for s in MIX_SOURCES),
            "licence": " · ".join(str(sources["licence"].get(s, "")) for s in MIX_SOURCES),
        }
    )
    for column in ("region_code", "province_code"):
        if column in units:
            frame.insert(3, column, units[column].reindex(table["code"]).to_numpy())
    return frame


def _write(frame: pd.DataFrame, name: str, fmt: str) -> tuple[bytes, str]:
    """(content, file name) of a ranking as XLSX or CSV."""
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="ranking")
        return buffer.getvalue(), f"{name}.xlsx"
    return frame.to_csv(index=False).encode("utf-8"), f"{name}.csv"


def report_href(state: ViewState) -> tuple[str, str] | None:
    """(level, path) of the PDF report of the province or région viewed, or None at national level."""
    level, code = ("province", state["province"]) if state["province"] else ("region", state["region"])
    if not code:
        return None
    return level, f"/api/v1/reports/{level}/{code}?lang={state['lang']}&format=pdf"


def downloads(data: AppData, state: ViewState) -> list[Any]:
    """The map as PNG (drawn in the browser, legend and source included), the level's full ranking as
    CSV and XLSX, and the report of the province or région on screen."""
    lang = state["lang"]
    items: list[Any] = [
        html.Button(t("download_png", lang), id=ids.MAP_PNG, className="download"),
        html.Button(t("download_ranking_csv", lang), id=ids.RANKING_CSV, className="download"),
        html.Button(t("download_ranking_xlsx", lang), id=ids.RANKING_XLSX, className="download"),
    ]
    report = report_href(state)
    if report is not None:
        items.append(
            html.A(
                t("report_link", lang, place=scope_name(data, state)),
                href=report[1],
                id=ids.REPORT_LINK,
                className="download report-link",
            )
        )
    return items


def breadcrumb(data: AppData, state: ViewState) -> list[Component]:
    """Maroc › région › province: each step a button that goes back up."""
    lang = state["lang"]
    crumbs: list[Component] = [
        html.Button(t("morocco", lang), id={"type": "crumb", "step": "country"}, className="crumb")
    ]
    for level in ("region", "province"):
        units = data.units(level)
        unit = units[units["code"] == state[level]] if state[level] else units.iloc[:0]
        if len(unit):
            crumbs += [
                html.Span("›", className="crumb-sep"),
                html.Button(
                    place_name(unit.iloc[0].to_dict(), lang),
                    id={"type": "crumb", "step": level},
                    className="crumb",
                ),
            ]
    return crumbs
