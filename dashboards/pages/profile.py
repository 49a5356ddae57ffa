"""
Commune profile, read in a minute: where the commune is (a locator map in its province), its index
with the 90% rank interval and how certain its place is, the index's indicators beside the province,
the région and Morocco, then every census figure folded by theme, with the change since 2014 where
both censuses measured the same thing. The numbers come from `observatory.profile`; this module lays
them out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely
from dash import dcc, html

from observatory import arrondissements, i18n, registry
from observatory.census_change import changes_at
from observatory.enums import DIMENSIONS, ESTIMATED_STATUSES, MAP_LEVELS
from observatory.errors import UnknownNameError
from observatory.formatting import bounds, integer, number, percent, quantity, signed
from observatory.profile import index_reasons, key_indicators
from observatory.themes import topic_label

from .. import figures, ids
from ..data import AppData
from ..i18n import indicator_label, other_name, place_name, t
from ..state import ViewState, href
from . import CallbackApp, Page, register
from .challenges import index_note
from .change_data import comparable

#: The API path of a commune's report (observatory.api.report_route), relative to the app's server.
REPORT_PATH = "/api/v1/reports/commune/{code}"
HIGHLIGHT, OTHERS, OUTLINE = "#b35900", "#dfe4ea", "#1a1a1a"


# -- values as the page writes them -------------------------------------------------------------------
def change_text(row: dict[str, Any], lang: str) -> Any:
    """The 2014→2024 change where the two censuses are comparable, else why there is none."""
    if not row["comparable"]:
        if pd.notna(row["value_2014"]):
            return html.Span(
                t("not_comparable", lang), title=t("not_comparable_note", lang), className="muted"
            )
        return "–"
    change = float(row["change"])
    # A change of a percentage is in percentage points.
    return signed(quantity(change, "points" if row["unit"] == "percent" else row["unit"], lang), change)


def status_badge(row: dict[str, Any], lang: str) -> list[Any]:
    """The value's status (published, estimated, scenario...), with the interval of a modelled value."""
    status = str(row["status"])
    badge = html.Span(t(f"status_{status}", lang), className=f"badge {status}")
    known = (
        bounds(
            row["lower"], row["upper"], row.get("scenario_low"), row.get("scenario_high"), row["unit"], lang
        )
        if status in ESTIMATED_STATUSES
        else ""
    )
    if known:
        return [html.Small(f"[{known}]"), " ", badge]
    return [badge]


def row_label(row: dict[str, Any], lang: str) -> str:
    label = indicator_label(row, lang)
    year = str(row["year"])
    return label if year == "2024" or year in label else f"{label} ({year})"


# -- the index ------------------------------------------------------------------------------------------
def index_section(data: AppData, code: str, lang: str) -> Any:
    """The score, its rank among Morocco's communes with the 90% interval, and how likely the commune is to
    be among the most fragile; or why it has no rank."""
    if not data.has_index():
        return html.P(t("index_missing", lang), className="note")
    frame = data.index_frame("commune", lang).set_index("code")
    if code not in frame.index:
        return html.P(t("index_missing", lang), className="note")
    row = frame.loc[code]
    score = html.P(
        [
            html.Strong(t("index_value", lang)),
            f" {number(row['index'], lang)} / 100 ",
            html.Small(
                t(
                    "index_score_interval",
                    lang,
                    lower=number(row["score_lower"], lang),
                    upper=number(row["score_upper"], lang),
                )
            ),
        ],
        className="index-score",
    )
    if pd.isna(row["rank"]):  # unranked: the explanation says why (too few residents, mostly imputed inputs)
        return html.Div([score, html.P(row["explanation"], className="explanation")])
    return html.Div(
        [
            score,
            html.P(
                [
                    html.Strong(t("rank_in", lang, scope=t("morocco", lang))),
                    f" {integer(row['rank'], lang)} / {integer(row['n_units'], lang)} ",
                    html.Small(f"({t('rank_most_fragile', lang)})"),
                    " · ",
                    t(
                        "rank_interval",
                        lang,
                        lower=integer(row["rank_lower"], lang),
                        upper=integer(row["rank_upper"], lang),
                    ),
                ]
            ),
            html.Ul(
                [
                    html.Li(t("p_top_decile", lang, p=percent(100 * row["p_top_decile"], lang, decimals=0))),
                    html.Li(
                        t("p_region_top10", lang, p=percent(100 * row["p_region_top10"], lang, decimals=0))
                    ),
                ],
                className="certainty",
            ),
            why(data, code, lang, less_fragile=row["rank"] > row["n_units"] / 2),
            html.P(t("index_caution", lang), className="note"),
        ]
    )


def why(data: AppData, code: str, lang: str, *, less_fragile: bool) -> Any:
    """What pushes the index up most: reasons for a commune in the more fragile half, weak points else."""
    reasons = index_reasons(code, db=data.db, lang=lang)
    if not reasons:
        return None
    return html.P(
        [
            html.Strong(t("index_weak_points" if less_fragile else "index_reasons", lang)),
            " ",
            t("reason_separator", lang).join(reasons),
        ],
        className="explanation",
    )


# -- key indicators -------------------------------------------------------------------------------------
def comparison_head(names: tuple[str, str, str], lang: str, *extra: str) -> Any:
    """Indicator, the commune, its province, its région (`names`, each with its level named: a province
    often bears its chief town's name), Morocco, and any `extra` columns."""
    places = [
        html.Th([name, html.Br(), html.Small(t(level, lang))], scope="col")
        for name, level in zip(names, MAP_LEVELS[::-1], strict=True)
    ]
    return html.Thead(
        html.Tr(
            [
                html.Th(t("indicator", lang), scope="col"),
                *places,
                html.Th(t("morocco", lang), scope="col"),
                *[html.Th(name, scope="col") for name in extra],
            ]
        )
    )


def key_section(profile: pd.DataFrame, names: tuple[str, str, str], lang: str) -> Any:
    """The index's indicators by dimension, the commune beside its province, région and Morocco."""
    keyed = key_indicators(profile)
    if not len(keyed):
        return html.P(t("key_none", lang), className="note")
    bodies = []
    for dimension in DIMENSIONS:
        rows = keyed[keyed.dimension == dimension].to_dict("records")
        if not rows:
            continue
        lines = [
            html.Tr(
                html.Th(
                    registry.DIMENSION_LABELS[dimension][lang], colSpan=5, scope="colgroup", className="topic"
                )
            )
        ]
        for row in rows:
            lines.append(
                html.Tr(
                    [
                        html.Th(row_label(row, lang), scope="row", className="label"),
                        html.Td(
                            [
                                html.Strong(quantity(row["commune"], row["unit"], lang)),
                                " ",
                                *status_badge(row, lang),
                            ]
                        ),
                        html.Td(quantity(row["province"], row["unit"], lang)),
                        html.Td(quantity(row["region"], row["unit"], lang)),
                        html.Td(quantity(row["country"], row["unit"], lang)),
                    ]
                )
            )
        bodies.append(html.Tbody(lines))
    return html.Table([comparison_head(names, lang), *bodies], className="profile-table key-table")


# -- estimates and the change since 2014 -------------------------------------------------------------
def estimated_table(estimated: pd.DataFrame, lang: str) -> Any:
    """The commune's modelled, scenario and projected values, each with its status and its 90 % interval
    or its scenario band (nothing when it has none)."""
    if not len(estimated):
        return None
    head = html.Thead(
        html.Tr(
            [
                html.Th(t("indicator", lang), scope="col"),
                html.Th(t("estimated_value", lang), scope="col"),
                html.Th(t("estimated_known", lang), scope="col"),
            ]
        )
    )
    rows = [
        html.Tr(
            [
                html.Th(row_label(row, lang), scope="row", className="label"),
                html.Td(html.Strong(quantity(row["commune"], row["unit"], lang))),
                html.Td(status_badge(row, lang)),
            ]
        )
        for row in estimated.to_dict("records")
    ]
    return html.Table([head, html.Tbody(rows)], className="profile-table estimated-table")


def change_section(
    data: AppData,
    profile: pd.DataFrame,
    commune: dict[str, Any],
    names: tuple[str, str, str],
    state: ViewState,
) -> Any:
    """The change since 2014 of the index's indicators both censuses measured alike: the commune beside
    its province, région and Morocco, each a link to the map of the change."""
    lang = state["lang"]
    keyed = key_indicators(profile)
    wanted = list(dict.fromkeys(keyed.loc[keyed["comparable"].astype(bool), "indicator_id"]))
    places = {
        "commune": commune["code"],
        "province": commune["province_code"],
        "region": commune["region_code"],
        "country": data.country_code(),
    }
    changes = changes_at(wanted, places, db=data.db, comparable=comparable(data))
    if not len(changes):
        return None
    rows = []
    for indicator, group in changes.groupby("indicator_id", sort=False):
        by_level = group.set_index("level")
        cells = [
            html.Td(
                change_text(
                    {
                        "comparable": pd.notna(by_level.loc[level, "change"]),
                        "value_2014": by_level.loc[level, "value_2014"],
                        "change": by_level.loc[level, "change"],
                        "unit": by_level.loc[level, "unit"],
                    },
                    lang,
                )
            )
            for level in places
        ]
        link = dcc.Link(
            t("change_map_link", lang),
            href=href("/change", {"lang": lang, "indicator": indicator, "region": commune["region_code"]}),
        )
        label = indicator_label({"indicator_id": indicator}, lang)
        rows.append(html.Tr([html.Th(label, scope="row", className="label"), *cells, html.Td(link)]))
    return html.Section(
        [
            html.H2(t("change_profile_title", lang)),
            html.P(t("change_profile_note", lang), className="note"),
            html.Table(
                [comparison_head(names, lang, ""), html.Tbody(rows)], className="profile-table change-table"
            ),
        ],
        id=ids.PROFILE_CHANGE,
    )


# -- the AI service mix --------------------------------------------------------------------------------
def mix_section(data: AppData, code: str, lang: str) -> Any:
    """Which AI service fits the commune's adults: each segment's service, who it is for, the people (a
    scenario) with the range that holds whatever the census leaves unknown, and the caveat with the
    inputs' years."""
    if not data.has_mix():
        return html.P(i18n.text("mix.missing", lang), className="note")
    table = data.mix_table("commune")  # every commune's, read once per server: a read per profile cost 10 ms
    mix = table[(table.unit_code == code).to_numpy()].reset_index(drop=True)
    if mix.empty:
        return html.P(i18n.text("mix.missing", lang), className="note")
    head = html.Thead(
        html.Tr(
            [
                html.Th(i18n.text(f"mix.column.{name}", lang), scope="col")
                for name in ("service", "who", "people", "bounds", "share")
            ]
        )
    )
    body = [
        html.Tr(
            [
                html.Th(i18n.text(f"mix.segment.{row['segment']}", lang), scope="row", className="label"),
                html.Td(i18n.text(f"mix.who.{row['segment']}", lang)),
                html.Td(html.Strong(integer(row["people"], lang))),
                html.Td(
                    i18n.text(
                        "mix.bounds",
                        lang,
                        lower=integer(row["people_lower"], lang),
                        upper=integer(row["people_upper"], lang),
                    )
                ),
                html.Td(percent(100 * row["share"], lang, decimals=0)),
            ]
        )
        for row in mix.to_dict("records")
    ]
    first = mix.iloc[0]
    return html.Div(
        [
            html.P(i18n.text("mix.adults", lang, adults=integer(first["adults"], lang))),
            html.Table([head, html.Tbody(body)], className="profile-table mix-table"),
            html.P(
                i18n.text(
                    "mix.caveat",
                    lang,
                    literacy_year=first["literacy_year"],
                    device_year=first["device_year"],
                    online_year=first["online_year"],
                ),
                className="note",
            ),
        ]
    )


# -- locator map ----------------------------------------------------------------------------------------
def locator_figure(data: AppData, commune: dict[str, Any], lang: str) -> dict[str, Any]:
    """The commune in its province's communes, the province outlined; geometry from the database. Plotly's
    JSON as a plain dict, sent as it is (`figures.map_figure` says why)."""
    province_code = commune["province_code"]
    neighbours = data.scope("commune", province=province_code)
    codes = neighbours.code.tolist()
    names = data.names("commune", lang)
    communes = {
        "type": "choropleth",
        "geojson": data.province_geojson(province_code),
        "locations": codes,
        "featureidkey": "id",
        "z": [1 if c == commune["code"] else 0 for c in codes],
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, OTHERS], [0.5, OTHERS], [0.5, HIGHLIGHT], [1, HIGHLIGHT]],
        "showscale": False,
        "text": [names.get(c, c) for c in codes],
        "hovertemplate": "%{text}<extra></extra>",
        "marker": {"line": {"width": 0.6, "color": "#ffffff"}},
    }
    outline = {
        "type": "choropleth",
        "geojson": data.geojson_for("province", [province_code]),
        "locations": [province_code],
        "featureidkey": "id",
        "z": [0],
        "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        "showscale": False,
        "hoverinfo": "skip",
        "marker": {"line": {"width": 2, "color": OUTLINE}},
    }
    # A point on the commune, so that a small town still shows in a large province.
    here = next(f for f in data.province_geojson(province_code)["features"] if f["id"] == commune["code"])
    point = shapely.geometry.shape(here["geometry"]).representative_point()
    marker = {
        "type": "scattergeo",
        "lon": [point.x],
        "lat": [point.y],
        "mode": "markers",
        "marker": {"size": 12, "color": HIGHLIGHT, "line": {"width": 2, "color": "#ffffff"}},
        "text": [names.get(commune["code"], commune["code"])],
        "hovertemplate": "%{text}<extra></extra>",
    }
    layout = {
        "geo": {
            "fitbounds": "locations",
            "visible": False,
            "projection": {"type": "mercator"},
            "bgcolor": "rgba(0,0,0,0)",
        },
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "height": 300,
        "showlegend": False,
        "dragmode": False,
        "separators": figures.separators(lang),
        "paper_bgcolor": "#ffffff",
        "template": figures.default_template(),
    }
    return {"data": [communes, outline, marker], "layout": layout}


def locator(data: AppData, commune: dict[str, Any], province: dict[str, Any], lang: str) -> Any:
    label = t("locator_label", lang, commune=place_name(commune, lang), province=place_name(province, lang))
    return html.Figure(
        [
            dcc.Graph(
                id=ids.PROFILE_LOCATOR,
                figure=locator_figure(data, commune, lang),
                config={**figures.graph_config(lang), "displayModeBar": False, "scrollZoom": False},
                className="locator-map",
            ),
            html.Figcaption(label, className="note"),
        ],
        className="locator",
    )


# -- every indicator, folded by theme ---------------------------------------------------------------
def arrondissement_section(data: AppData, code: str, lang: str) -> Any:
    """A divided city's arrondissements, ranked by the headline literacy figure (nothing for the others)."""
    if code not in data.divided():
        return None
    ranked = arrondissements.of_commune(code, db=data.db)
    if not len(ranked):
        return None
    head = html.Thead(
        html.Tr(
            [
                html.Th(i18n.text(f"arrondissements.{key}", lang), scope="col")
                for key in ("rank", "name", "population", "value")
            ]
        )
    )
    rows = [
        html.Tr(
            [
                html.Td(integer(row["rank"], lang) if pd.notna(row["rank"]) else "–"),
                html.Th(place_name(row, lang), scope="row", className="label"),
                html.Td(integer(row["population_2024"], lang)),
                html.Td(quantity(row["value"], row["unit"], lang) if pd.notna(row["value"]) else "–"),
            ]
        )
        for row in ranked.to_dict("records")
    ]
    indicator = indicator_label({"indicator_id": arrondissements.DEFAULT_INDICATOR}, lang)
    return html.Section(
        [
            html.H2(i18n.text("arrondissements.title", lang)),
            html.P(i18n.text("arrondissements.note", lang, indicator=indicator), className="note"),
            html.Table([head, html.Tbody(rows)], className="profile-table"),
        ],
        id=ids.PROFILE_ARRONDISSEMENTS,
    )


def theme_sections(profile: pd.DataFrame, names: tuple[str, str, str], lang: str) -> list[Any]:
    """One folded table per theme, in the profile's order (HCP's), with the 2014 value and the change."""
    themes: dict[str, list[dict[str, Any]]] = {}
    for row in profile.to_dict("records"):
        themes.setdefault(str(row["theme"]), []).append(row)
    head = comparison_head(names, lang, t("value_2014", lang), t("change_since_2014", lang))
    sections = []
    for theme, rows in themes.items():
        body = [
            html.Tr(
                [
                    html.Th(row_label(row, lang), scope="row", className="label"),
                    html.Td(
                        [quantity(row["commune"], row["unit"], lang)]
                        + ([" ", *status_badge(row, lang)] if row["status"] in ESTIMATED_STATUSES else [])
                    ),
                    html.Td(quantity(row["province"], row["unit"], lang)),
                    html.Td(quantity(row["region"], row["unit"], lang)),
                    html.Td(quantity(row["country"], row["unit"], lang)),
                    html.Td(quantity(row["value_2014"], row["unit"], lang) if row["comparable"] else "–"),
                    html.Td(change_text(row, lang)),
                ]
            )
            for row in rows
        ]
        sections.append(
            html.Details(
                [
                    html.Summary(f"{topic_label(theme, lang)} ({integer(len(rows), lang)})"),
                    html.Table([head, html.Tbody(body)], className="profile-table"),
                ],
                className="theme",
            )
        )
    return sections


# -- the page -------------------------------------------------------------------------------------------
def back_link(state: ViewState, commune: dict[str, Any] | None) -> Any:
    """Back to the map, on the commune's province (its communes shown) when there is a commune."""
    lang = state["lang"]
    if commune is None:
        return dcc.Link(t("back_to_map", lang), href=href("/", {"lang": lang}), id=ids.PROFILE_BACK)
    target = {
        "lang": lang,
        "level": "commune",
        "region": commune["region_code"],
        "province": commune["province_code"],
    }
    return dcc.Link(t("profile_back", lang), href=href("/", target), id=ids.PROFILE_BACK, className="back")


def report_href(code: str, lang: str) -> str:
    return REPORT_PATH.format(code=code) + f"?lang={lang}&format=pdf"


def layout(data: AppData, state: ViewState) -> html.Div:
    """A commune's profile, or a page saying there is none for the code in the URL."""
    lang, code = state["lang"], state["code"]
    try:
        profile = data.commune_profile(code) if code else None
    except UnknownNameError:
        profile = None
    if profile is None:
        return html.Div([back_link(state, None), html.H1(t("profile_none", lang), id=ids.PROFILE_TITLE)])
    commune = data.units("commune").set_index("code").loc[code].to_dict() | {"code": code}
    province = data.units("province").set_index("code").loc[commune["province_code"]].to_dict()
    region = data.units("region").set_index("code").loc[commune["region_code"]].to_dict()
    names = (place_name(commune, lang), place_name(province, lang), place_name(region, lang))
    estimated = profile[profile.status.isin(ESTIMATED_STATUSES)]
    actions = html.Div(
        [
            back_link(state, commune),
            html.A(
                t("profile_report", lang),
                href=report_href(code, lang),
                id=ids.PROFILE_REPORT,
                className="button report",
                rel="nofollow",
            ),
            dcc.Link(  # to the register, which says how to contest one of this commune's figures
                t("profile_contest", lang),
                href=href("/challenges", {"lang": lang, "code": code}),
                id=ids.PROFILE_CONTEST,
                className="button contest",
            ),
        ],
        className="profile-actions",
    )
    head = profile_head(data, commune, province, names, lang)
    return html.Div(
        [
            actions,
            head,
            html.Section(
                [
                    html.H2(t("key_title", lang)),
                    html.P(t("key_note", lang), className="note"),
                    key_section(profile, names, lang),
                ],
                id=ids.PROFILE_KEY,
            ),
            arrondissement_section(data, code, lang),
            html.Section(
                [html.H2(i18n.text("mix.title", lang)), mix_section(data, code, lang)],
                id=ids.PROFILE_SERVICE_MIX,
            ),
            html.Section(
                [
                    html.H2(t("estimated_title", lang)),
                    html.P(
                        t("estimated_note", lang) if len(estimated) else t("estimated_none", lang),
                        className="note",
                    ),
                    estimated_table(estimated, lang),
                ],
                id=ids.PROFILE_MODELLED,
            ),
            change_section(data, profile, commune, names, state),
            html.Section(
                [
                    html.H2(t("profile_table", lang)),
                    html.P(t("profile_themes_note", lang), className="note"),
                    html.Div(theme_sections(profile, names, lang), id=ids.PROFILE_TABLE),
                    html.P(t("change_note_comparable", lang), className="note"),
                ],
                id=ids.PROFILE_THEMES,
            ),
            html.P(t("profile_sources", lang), className="source"),
        ],
        className="profile",
    )


def profile_head(
    data: AppData,
    commune: dict[str, Any],
    province: dict[str, Any],
    names: tuple[str, str, str],
    lang: str,
) -> html.Div:
    """The commune's names, where it is and how large, its index, and its locator map."""
    other = other_name(commune, lang)
    return html.Div(
        [
            html.Div(
                [
                    html.H1(
                        [names[0], html.Span(f" · {other}", className="other-name")] if other else names[0],
                        id=ids.PROFILE_TITLE,
                    ),
                    html.P(
                        t(
                            "profile_where",
                            lang,
                            province=names[1],
                            region=names[2],
                            type=t(f"type_{commune.get('type', 'rural')}", lang),
                            population=integer(commune.get("population_2024"), lang),
                        )
                    ),
                    html.Section(
                        [
                            html.H2(t("index_title", lang)),
                            index_section(data, commune["code"], lang),
                            *index_note(data, commune["code"], lang),
                        ],
                        id=ids.PROFILE_INDEX,
                    ),
                ],
                className="profile-summary",
            ),
            locator(data, commune, province, lang),
        ],
        className="profile-head",
    )


def callbacks(app: CallbackApp, data: AppData) -> None:
    """The profile is rendered whole by the router; it has no callbacks of its own."""


register(Page(path="/commune", title="page_profile", layout=layout, callbacks=callbacks, order=1))
