"""
The explorer's controls: the question of the first screen, the place search, the theme and indicator
pickers, level and scope, région and province, and the map options (scheme, classes, palette,
comparison, LISA). Every value comes from the view state, so a URL restores them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from observatory import i18n, themes
from observatory.enums import DEFAULT_SCHEME, MAP_LEVELS, SCHEMES
from observatory.service_mix import SEGMENTS

from .. import ids
from ..data import AppData
from ..i18n import indicator_label, place_name, t
from ..state import COMPARE, PALETTES, SCOPES, ViewState, href
from ..widgets import dropdown

#: Drâa-Tafilalet, the région of the question the first screen answers.
QUESTION_REGION = "08"


def indicator_options(data: AppData, lang: str, theme: str | None = None) -> list[dict[str, Any]]:
    """Every indicator-year (or one theme's), grouped under a disabled heading per theme in the themes'
    order; the dropdown's search filters the indicators as the user types."""
    cat = data.catalogue().assign(theme=lambda f: f.topic.map(themes.theme_of))
    order = {name: i for i, name in enumerate(themes.THEMES)}
    cat = cat.sort_values("theme", key=lambda c: c.map(order), kind="stable")
    options: list[dict[str, Any]] = []
    for name, group in cat.groupby("theme", sort=False):
        if theme and name != theme:
            continue
        options.append(
            {
                "label": f"— {themes.theme_label(str(name), lang)} —",
                "value": f"theme:{name}",
                "disabled": True,
            }
        )
        options += [
            {
                "label": f"{indicator_label(row, lang)} ({row['year']})",
                "value": f"{row['indicator_id']}|{row['year']}",
            }
            for row in group.to_dict("records")
        ]
    return options


def theme_options(data: AppData, lang: str) -> list[dict[str, str]]:
    present = set(data.catalogue().topic.map(themes.theme_of))
    return [{"label": t("all_themes", lang), "value": ""}] + [
        {"label": themes.theme_label(name, lang), "value": name} for name in themes.THEMES if name in present
    ]


def split_choice(value: str | None) -> tuple[str, str]:
    """(indicator, year) of an indicator picker's value 'indicator|year' ('', '' for none)."""
    if not value or "|" not in value:
        return "", ""
    indicator, year = value.rsplit("|", 1)
    return indicator, year


def options(keys: tuple[str, ...], prefix: str, lang: str) -> list[dict[str, str]]:
    """Choices labelled by their translation keys `prefix + key`."""
    return [{"label": t(f"{prefix}{key}", lang), "value": key} for key in keys]


def place_options(frame: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    """Units (a frame with codes and names) as the choices of a place picker."""
    return [{"label": place_name(row, lang), "value": row["code"]} for row in frame.to_dict("records")]


def controls(data: AppData, state: ViewState, indicators: list[dict[str, Any]]) -> html.Div:
    """The control panel of a state whose indicators (and second indicator) are chosen."""
    return html.Div(
        [
            *finders(data, state),
            *indicator_picker(state, indicators),
            *mix_picker(data, state),
            *level_and_scope(state),
            *place_pickers(data, state),
            map_options(state, indicators),
        ],
        className="controls",
        id=ids.CONTROLS,
        role="search",
    )


def finders(data: AppData, state: ViewState) -> list[Component]:
    """The question of the first screen (a link to its view), the place search and the theme picker."""
    lang = state["lang"]
    default, default_year = data.default_indicator()
    question_state = {
        **state,
        "level": "commune",
        "region": QUESTION_REGION,
        "province": "",
        "indicator": default,
        "year": str(default_year),
        "mix": "",
    }
    return [
        # A full load, not a Dash link: the router renders on a new path, and this link keeps the path.
        html.A(t("question", lang), href=href("/", question_state), id=ids.QUESTION, className="question"),
        html.Label(t("search", lang), htmlFor=ids.SEARCH),
        dropdown(
            lang,
            id=ids.SEARCH,
            options=[],
            placeholder=t("search_placeholder", lang),
            searchable=True,
            clearable=True,
        ),
        html.Label(t("theme", lang), htmlFor=ids.THEME),
        dropdown(lang, id=ids.THEME, options=theme_options(data, lang), value="", clearable=False),
    ]


def indicator_picker(state: ViewState, indicators: list[dict[str, Any]]) -> list[Component]:
    lang = state["lang"]
    return [
        html.Label(t("indicator", lang), htmlFor=ids.INDICATOR),
        dropdown(
            lang,
            id=ids.INDICATOR,
            options=indicators,
            value=f"{state['indicator']}|{state['year']}",
            clearable=False,
            searchable=True,
            placeholder=t("indicator_placeholder", lang),
            maxHeight=360,
        ),
    ]


def mix_picker(data: AppData, state: ViewState) -> list[Component]:
    """A segment of the AI service mix to map instead of the indicator (none by default); a database
    built before the mix says so and offers none."""
    lang = state["lang"]
    available = data.has_mix()
    choices = [{"label": i18n.text(f"mix.segment.{s}", lang), "value": s} for s in SEGMENTS]
    return [
        html.Label(t("mix_label", lang), htmlFor=ids.MIX),
        dropdown(
            lang,
            id=ids.MIX,
            options=choices if available else [],
            value=state["mix"] or None,
            placeholder=t("mix_none", lang) if available else i18n.text("mix.missing", lang),
            disabled=not available,
            clearable=True,
            searchable=False,
        ),
    ]


def level_and_scope(state: ViewState) -> list[Component]:
    """The level of the map, and whether classes and ranks are over Morocco or the view."""
    lang = state["lang"]
    return [
        html.Fieldset(
            [
                html.Legend(t("level", lang)),
                dcc.RadioItems(
                    id=ids.LEVEL,
                    options=options(MAP_LEVELS, "level_", lang),
                    value=state["level"],
                    inline=True,
                ),
            ]
        ),
        html.Fieldset(
            [
                html.Legend(t("scope_label", lang)),
                dcc.RadioItems(
                    id=ids.SCOPE,
                    options=[{"label": t(f"scope_{key}", lang), "value": key} for key in SCOPES],
                    value=state.get("scope", "national"),
                ),
            ]
        ),
    ]


def place_pickers(data: AppData, state: ViewState) -> list[Component]:
    """The région, and the province among the région's (all of them at national level)."""
    lang = state["lang"]
    provinces = data.units("province")
    if state["region"]:
        provinces = provinces[provinces.region_code == state["region"]]
    return [
        html.Label(t("region", lang), htmlFor=ids.REGION),
        dropdown(
            lang,
            id=ids.REGION,
            options=place_options(data.units("region"), lang),
            value=state["region"] or None,
            placeholder=t("all_regions", lang),
        ),
        html.Label(t("province", lang), htmlFor=ids.PROVINCE),
        dropdown(
            lang,
            id=ids.PROVINCE,
            options=place_options(provinces, lang),
            value=state["province"] or None,
            placeholder=t("all_provinces", lang),
        ),
    ]


def map_options(state: ViewState, indicators: list[dict[str, Any]]) -> html.Details:
    """Scheme, classes, palette, comparison and LISA, folded unless the state departs from the defaults."""
    lang = state["lang"]
    return html.Details(
        [
            html.Summary(t("map_options", lang)),
            html.Label(t("scheme", lang), htmlFor=ids.SCHEME),
            dropdown(
                lang,
                id=ids.SCHEME,
                options=options(SCHEMES, "scheme_", lang),
                value=state["scheme"],
                clearable=False,
            ),
            html.Fieldset(
                [
                    html.Legend(t("classes", lang)),
                    dcc.RadioItems(
                        id=ids.CLASSES,
                        options=[{"label": str(k), "value": str(k)} for k in range(3, 8)],
                        value=state["k"],
                        inline=True,
                    ),
                ]
            ),
            html.Label(t("palette", lang), htmlFor=ids.PALETTE),
            dropdown(
                lang,
                id=ids.PALETTE,
                options=[{"label": p, "value": p} for p in PALETTES],
                value=state["palette"],
                clearable=False,
            ),
            html.Fieldset(
                [
                    html.Legend(t("compare", lang)),
                    dcc.RadioItems(
                        id=ids.COMPARE,
                        options=options(COMPARE, "compare_", lang),
                        value=state["compare"],
                    ),
                ]
            ),
            html.Label(t("indicator2", lang), htmlFor=ids.INDICATOR_2),
            dropdown(
                lang,
                id=ids.INDICATOR_2,
                options=indicators,
                value=f"{state['indicator2']}|{state['year2']}",
                clearable=False,
            ),
            dcc.Checklist(
                id=ids.LISA,
                options=[{"label": t("lisa_layer_shown", lang), "value": "1"}],
                value=["1"] if state["lisa"] == "1" else [],
            ),
        ],
        open=state["compare"] != "none" or state["scheme"] != DEFAULT_SCHEME,
    )
