"""
Commune profile: every indicator against its province, région and the country, the change since
2014, the index with its rank interval and explanation, and modelled values marked "estimated".
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from observatory.enums import ESTIMATED_STATUSES
from observatory.errors import UnknownNameError
from observatory.profile import commune_profile

from .. import ids
from ..data import AppData
from ..i18n import indicator_label, number, place_name, t
from ..state import href
from . import Page, register


def _value_cell(row: dict[str, Any], lang: str) -> Any:
    text = number(row["commune"], lang)
    if row["status"] in ESTIMATED_STATUSES:
        interval = ""
        if pd.notna(row["lower"]) and pd.notna(row["upper"]):
            interval = f" [{number(row['lower'], lang)} – {number(row['upper'], lang)}]"
        return html.Td(
            [
                text,
                html.Small(interval),
                " ",
                html.Span(t(f"status_{row['status']}", lang), className=f"badge {row['status']}"),
            ]
        )
    return html.Td(text)


def _change_cell(row: dict[str, Any], lang: str) -> Any:
    change = row["change"]
    if pd.isna(change):
        return html.Td("–")
    sign = "+" if change > 0 else ""
    unit = t("unit_points", lang) if row["unit"] == "percent" else ""
    return html.Td(f"{sign}{number(change, lang)} {unit}".strip())


def index_section(data: AppData, code: str, lang: str) -> Any:
    """The index's score, rank, 90% rank interval and plain-language explanation, from the results."""
    if not data.has_index():
        return html.P(t("index_missing", lang), className="note")
    frame = data.index_frame("commune", lang).set_index("code")
    if code not in frame.index:
        return html.P(t("index_missing", lang), className="note")
    row = frame.loc[code]
    if pd.isna(row["rank"]):  # unranked: the explanation says why (too few residents, mostly imputed inputs)
        return html.Div(
            [
                html.P([html.Strong(t("index_value", lang)), f" {number(row['index'], lang)} / 100"]),
                html.P(row["explanation"], className="explanation"),
            ]
        )
    return html.Div(
        [
            html.P(
                [
                    html.Strong(t("index_value", lang)),
                    f" {number(row['index'], lang)} / 100 · ",
                    html.Strong(t("rank", lang)),
                    f" {int(row['rank'])} / {int(row['n_units'])} · ",
                    t("rank_interval", lang, lower=int(row["rank_lower"]), upper=int(row["rank_upper"])),
                ]
            ),
            html.P(row["explanation"], className="explanation"),
            html.P(t("index_caution", lang), className="note"),
        ]
    )


def layout(data: AppData, state: dict[str, str]) -> Any:
    lang, code = state["lang"], state["code"]
    back = dcc.Link(t("back_to_map", lang), href=href("/", state, code=""))
    try:
        profile = commune_profile(code, db=data.db) if code else None
    except UnknownNameError:
        profile = None
    if profile is None:
        return html.Div([back, html.H1(t("profile_none", lang), id=ids.PROFILE_TITLE)])
    commune = data.units("commune").set_index("code").loc[code].to_dict()
    province = data.units("province").set_index("code").loc[commune["province_code"]].to_dict()
    region = data.units("region").set_index("code").loc[commune["region_code"]].to_dict()
    other = commune["name_fr"] if lang == "ar" else commune["name_ar"]
    head = html.Tr(
        [
            html.Th(t("indicator", lang)),
            html.Th(place_name(commune, lang)),
            html.Th([place_name(province, lang), html.Br(), html.Small(t("province", lang))]),
            html.Th([place_name(region, lang), html.Br(), html.Small(t("region", lang))]),
            html.Th(t("morocco", lang)),
            html.Th("2014"),
            html.Th(t("change_since_2014", lang)),
        ]
    )
    body = []
    for topic, rows in profile.groupby("topic", sort=False, dropna=False):
        body.append(html.Tr(html.Th(str(topic).replace("_", " ").capitalize(), colSpan=7, className="topic")))
        for row in rows.to_dict("records"):
            label = indicator_label(row, lang)
            year = f" ({row['year']})" if row["year"] != 2024 else ""
            body.append(
                html.Tr(
                    [
                        html.Td(label + year),
                        _value_cell(row, lang),
                        html.Td(number(row["province"], lang)),
                        html.Td(number(row["region"], lang)),
                        html.Td(number(row["country"], lang)),
                        html.Td(number(row["value_2014"], lang)),
                        _change_cell(row, lang),
                    ]
                )
            )
    estimated = profile[profile.status.isin(ESTIMATED_STATUSES)]
    sources = sorted({data.source_line(s) for s in profile.source_id.dropna().unique()})
    return html.Div(
        [
            back,
            html.H1(
                [place_name(commune, lang), html.Span(f" · {other}", className="other-name")],
                id=ids.PROFILE_TITLE,
            ),
            html.P(
                t(
                    "profile_where",
                    lang,
                    province=place_name(province, lang),
                    region=place_name(region, lang),
                    type=t(f"type_{commune.get('type', 'rural')}", lang),
                    population=number(commune.get("population_2024"), lang),
                )
            ),
            html.Section(
                [html.H2(t("index_title", lang)), index_section(data, code, lang)], id=ids.PROFILE_INDEX
            ),
            html.Section(
                [
                    html.H2(t("estimated_title", lang)),
                    html.P(
                        t("estimated_note", lang) if len(estimated) else t("estimated_none", lang),
                        className="note",
                    ),
                ],
                id=ids.PROFILE_MODELLED,
            ),
            html.H2(t("profile_table", lang)),
            html.Table([html.Thead(head), html.Tbody(body)], id=ids.PROFILE_TABLE, className="profile-table"),
            html.P(t("change_note", lang), className="note"),
            html.Footer([html.P(t("source_line", lang, source=s), className="source") for s in sources]),
        ],
        className="profile",
    )


def callbacks(app: Any, data: AppData) -> None:
    """The profile is rendered whole by the router; it has no callbacks of its own."""


register(Page(path="/commune", title="page_profile", layout=layout, callbacks=callbacks, order=1))
