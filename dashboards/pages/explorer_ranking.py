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

from observatory.enums import MAP_LEVELS
from observatory.formatting import number, unit_label
from observatory.index_explanations import ordinal
from observatory.rank_certainty import certainty, rank_tiers, reasons_part
from observatory.service_mix import INPUT_YEARS
from observatory.service_mix import SOURCE_IDS as MIX_SOURCES

from .. import ids
from ..data import INDEX_ID, NEED_DRIVERS, AppData
from ..i18n import indicator_label, place_name, t
from ..state import ViewState, href
from .explorer_view import MapView, indicator_choice, level_word, scope_name, shows_mix

RANKING_ROWS = 10


def ranking(data: AppData, view: MapView, state: ViewState) -> html.Div:
    """The answer to the view's question: its units most in need (rank 1 first), each rank with its 90 %
    interval and, for the index, how sure it is in words; ranks that cannot be told apart grouped; what
    explains them beside the country. One total, the heading's, is the one every rank is out of."""
    lang, level = state["lang"], state["level"]
    table = (
        pd.DataFrame(
            {"code": view["codes"], "name": view["names"], "value": view["values"], "rank": view["ranks"]}
        )
        .dropna(subset=["rank"])
        .sort_values("rank", kind="stable")
        .head(RANKING_ROWS)
    )
    drivers = [
        (d, y) for d in NEED_DRIVERS if d != view["indicator"] for y in [data.latest_year(d)] if y is not None
    ][:4]
    index = view["indicator"] == INDEX_ID
    # The index's reasons explain the index's rank only: beside another indicator they would mislead.
    explanations = data.explanations(level, lang, table.code.tolist()) if index else {}
    certain = index and state.get("scope", "national") != "view" and level in MAP_LEVELS
    sureness = _sureness(data, level, table.code.tolist()) if certain else None
    head = _ranking_head(data, view, drivers, level=level, lang=lang, why=bool(explanations), sure=certain)
    rows = [
        _ranking_row(data, view, state, record, drivers, explanations, sureness)
        for record in table.to_dict("records")
    ]
    where = scope_name(data, state)
    mix = shows_mix(data, state)
    help_line = t(
        "mix_ranking_note_scope" if mix else "answer_help",
        lang,
        indicator=view["label"],
        n=number(len(view["codes"]), lang, decimals=0),
        total=number(view["total"], lang, decimals=0),
        scope=view["scope"],
        units=level_word(level, lang),
    )
    # How to read an interval and a certainty: one click away, so the first rows stay on the first screen.
    reading = (
        html.Details(
            [html.Summary(t("answer_reading", lang)), html.P(t("answer_help_certainty", lang))],
            className="note answer-help",
        )
        if sureness is not None
        else None
    )
    return html.Div(
        [
            html.H2(t(f"{'mix_' if mix else ''}ranking_title", lang, where=where), id="answer-title"),
            html.P(help_line, className="note answer-help"),
            reading,
            html.Div(
                html.Table(
                    [html.Thead(html.Tr(head)), *_tiers(rows, sureness, table, lang, len(head))],
                    className="ranking-table answer-table",
                ),
                className="answer-scroll",
            ),
            html.P(view["credit"], className="source"),
        ],
        className="answer",
    )


def _sureness(data: AppData, level: str, codes: list[str]) -> pd.DataFrame:
    """The index's 90 % rank interval and shares of draws of `codes`, in their order."""
    frame = data.index_frame(level, "fr").set_index("code")
    columns = ["rank_lower", "rank_upper", "p_top_decile", "p_region_top10"]
    return frame.reindex(codes)[[c for c in columns if c in frame.columns]]


def _tiers(
    rows: list[html.Tr], sureness: pd.DataFrame | None, table: pd.DataFrame, lang: str, width: int
) -> list[html.Tbody]:
    """The rows in one body per tier of ranks that cannot be told apart (intervals that overlap), each
    tier of two or more under a line that says so; one body when the ranks have no interval."""
    if sureness is None or not len(rows):
        return [html.Tbody(rows)]
    lower = sureness["rank_lower"].to_numpy(dtype="float64")
    upper = sureness["rank_upper"].to_numpy(dtype="float64")
    tiers = rank_tiers(lower, upper)
    bodies = []
    for tier in dict.fromkeys(tiers.tolist()):
        members = [i for i, x in enumerate(tiers.tolist()) if x == tier]
        body: list[html.Tr] = [rows[i] for i in members]
        if tier >= 0 and len(members) > 1:
            ranks = table["rank"].to_numpy()[members]
            line = t(
                "answer_tier",
                lang,
                n=number(len(members), lang, decimals=0),
                first=ordinal(int(ranks.min()), lang),
                last=ordinal(int(ranks.max()), lang),
                lower=ordinal(int(np.nanmin(lower[members])), lang),
                upper=ordinal(int(np.nanmax(upper[members])), lang),
            )
            body.insert(0, html.Tr(html.Td(line, colSpan=width, className="tier-line"), className="tier"))
        bodies.append(html.Tbody(body, className="tier-body"))
    return bodies


def _with_unit(label: str, unit: str | None, lang: str) -> str:
    """A column's label with its unit, '(%)', '(points)', '(km)', when the catalogue names one."""
    written = unit_label(unit, lang)
    return f"{label} ({written})" if written and f"({written})" not in label else label


def _ranking_head(
    data: AppData,
    view: MapView,
    drivers: list[tuple[str, int]],
    *,
    level: str,
    lang: str,
    why: bool,
    sure: bool,
) -> list[html.Th]:
    """The column heads: rank out of the one total, unit, the indicator shown with its unit, how sure the
    index is, why, then each driver with its unit and its value for Morocco."""
    country = data.country_code()
    total = number(view["total"], lang, decimals=0)
    head = [
        html.Th(t("answer_rank_head", lang, total=total, scope=view["scope"])),
        html.Th(t(f"level_{level}", lang)),
        html.Th(_with_unit(view["label"], view["unit"], lang), className="value"),
    ]
    if sure:
        head.append(html.Th(t("answer_certainty_head", lang)))
    if why:
        head.append(html.Th(t("why", lang), className="why"))
    for driver, year in drivers:
        meta = data.indicator(driver, year)
        national = data.unit_value(driver, year, "country", country)
        head.append(
            html.Th(
                [
                    _with_unit(indicator_label(meta, lang), meta.get("unit"), lang),
                    html.Br(),
                    html.Small(f"{t('morocco', lang)}: {number(national, lang)} ({year})"),
                ],
                className="driver",
            )
        )
    return head


def _ranking_row(
    data: AppData,
    view: MapView,
    state: ViewState,
    record: dict[str, Any],
    drivers: list[tuple[str, int]],
    explanations: dict[str, str],
    sureness: pd.DataFrame | None,
) -> html.Tr:
    """A unit's row: its rank (and interval), name (a link to a commune's profile), value, how sure the
    index is of it, the reasons and the drivers."""
    lang, level = state["lang"], state["level"]
    name: Any = record["name"]
    if level == "commune":
        name = dcc.Link(record["name"], href=href("/commune", state, code=record["code"]))
    rank: list[Any] = [ordinal(int(record["rank"]), lang)]
    sure = sureness.loc[record["code"]] if sureness is not None else None
    if sure is not None and pd.notna(sure["rank_lower"]) and pd.notna(sure["rank_upper"]):
        between = t(
            "answer_between",
            lang,
            lower=ordinal(int(sure["rank_lower"]), lang),
            upper=ordinal(int(sure["rank_upper"]), lang),
        )
        rank += [html.Br(), html.Small(between)]
    cells = [html.Td(rank, className="rank"), html.Td(name), html.Td(number(record["value"], lang))]
    if sure is not None:
        p_region = sure.get("p_region_top10", np.nan)
        words = (
            certainty(float(sure["p_top_decile"]), float(p_region) if pd.notna(p_region) else 0.0, lang)
            if pd.notna(sure["p_top_decile"])
            else "–"
        )
        cells.append(html.Td(words, className="certainty"))
    if explanations:
        reasons = reasons_part(explanations.get(record["code"], ""), lang)
        cells.append(html.Td(reasons[:1].upper() + reasons[1:], className="why"))
    for driver, year in drivers:
        cells.append(html.Td(number(data.unit_value(driver, year, level, record["code"]), lang)))
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
