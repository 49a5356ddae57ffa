"""
Map explorer: any indicator (or the index) at région, province or commune level, drill-down by
click, classification schemes, colour-blind-safe palettes, comparison, LISA clusters, and the
communes that most need attention in the current view, with why.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from observatory import registry, themes
from observatory.classify import bivariate, classify, need_rank
from observatory.enums import DEFAULT_SCHEME, MAP_LEVELS, SCHEMES

from .. import figures, ids
from ..data import INDEX_ID, NEED_DRIVERS, AppData
from ..i18n import dropdown_labels, indicator_label, number, place_name, t
from ..state import COMPARE, DEFAULTS, PALETTES, SCOPES, encode, href, parse, shown_url
from . import Page, register

#: Drâa-Tafilalet, the région of the question the first screen answers.
QUESTION_REGION = "08"
RANKING_ROWS = 10
#: Towns labelled on a map, per level of the view: a national map takes the largest, a province all its own.
TOWNS_SHOWN = {"country": 16, "region": 12, "province": 8}
#: Closest two labelled towns may be, in degrees, per level of the view: a larger town's label wins.
TOWNS_APART = {"country": 0.6, "region": 0.15, "province": 0.05}
#: The level whose outlines are drawn over a map of each level.
OUTLINED = {"commune": "province", "province": "region"}
#: LISA cluster codes in legend order.
LISA_ORDER = ("HH", "LL", "HL", "LH", "ns")


# -- view model ---------------------------------------------------------------------------------------
def indicator_choice(data: AppData, indicator: str, year: str) -> tuple[str, int]:
    """The indicator and year of the state, or the default when the state names none or an unknown one."""
    if indicator and data.has(indicator, year or None):
        return indicator, int(year) if year else int(data.latest_year(indicator))
    return data.default_indicator()


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
    if not value or "|" not in value:
        return "", ""
    indicator, year = value.rsplit("|", 1)
    return indicator, year


def map_view(data: AppData, state: dict[str, str], *, second: bool = False) -> dict[str, Any]:
    """Everything a map needs for a state: units, classes, colours, hover values, legend, title. Classes
    and ranks are computed over every unit of the level in Morocco unless the state asks for this view
    only, and the legend says which; dark always means worse (the registry's direction)."""
    lang = state["lang"]
    level = state["level"]
    units = data.scope(level, region=state["region"], province=state["province"])
    codes = units.code.tolist()
    lookup = data.names(level, lang)
    names = [lookup[code] for code in codes]
    indicator, year = indicator_choice(
        data, state["indicator2" if second else "indicator"], state["year2" if second else "year"]
    )
    meta = data.indicator(indicator, year)
    values = data.series(indicator, year, level, codes)
    direction = data.direction(indicator)
    national = state.get("scope", "national") != "view"
    where = _scope_name(data, state)
    scope = t("morocco", lang) if national else where
    if national:
        table = data.national_ranking(indicator, year, level)
        ranks = table["rank"].reindex(codes).to_numpy(dtype="float64", na_value=np.nan)
        total = int(table["ranked"].iloc[0]) if len(table) else 0
    else:
        rankable = values
        if indicator == INDEX_ID:  # unranked units keep their score on the map but take no rank
            stored = data.national_ranking(indicator, year, level)["rank"].reindex(codes)
            rankable = np.where(stored.notna().to_numpy(), values, np.nan)
        ranks = need_rank(rankable, direction=direction)
        total = int(np.isfinite(rankable).sum())
    label = indicator_label(meta, lang) if meta else indicator
    unit = registry.unit_label(meta.get("unit"), lang)
    source = data.source_line(meta.get("source_id"), lang)
    towns = towns_for(data, state) if level in OUTLINED else None
    credit = t("source_line", lang, source=source)
    if towns is not None and len(towns):
        credit += " · " + data.source_line("geonames", lang)
    hover, customdata = figures.compact_hover(
        values,
        ranks,
        label=label,
        scope=scope,
        unit=unit,
        total=total,
        lang=lang,
        statuses=data.statuses(indicator, year, level, codes),
    )
    view = {
        "codes": codes,
        "names": names,
        "indicator": indicator,
        "year": year,
        "label": label,
        "customdata": customdata,
        "hovertemplate": hover,
        "values": values,
        "ranks": ranks,
        "total": total,
        "scope": scope,
        "place": where,
        "direction": direction,
        "units": units,
        "title": f"{label} — {year} · {where}",
        "source": source,
        "credit": credit,
        "towns": towns,
        "lang": lang,
    }
    if state["compare"] == "bivariate" and not second:
        other, other_year = indicator_choice(data, state["indicator2"], state["year2"])
        y = data.series(other, other_year, level, codes)
        classes = bivariate(values, y, k=3)
        other_label = indicator_label(data.indicator(other, other_year), lang)
        view.update(
            classes=classes,
            colours=list(figures.BIVARIATE),
            title=f"{label} × {other_label} · {where}",
            legend=bivariate_legend(label, other_label, classes, lang),
            annotations=figures.figure_annotations([], t("bivariate_title", lang), credit, lang=lang),
        )
        return view
    lisa_note = None
    if state["lisa"] == "1" and not second:
        clusters = data.lisa_of(indicator, year, level)
        if len(clusters):
            return {**view, **lisa_view(view, clusters, level, lang)}
        lisa_note = t("lisa_not_applicable", lang, n=len(data.units(level)))
    k, scheme = int(state["k"]), state["scheme"]
    if national:
        full = data.national_classes(indicator, year, level, scheme, k)
        position = pd.Series(np.arange(len(data.units(level))), index=data.units(level).code.to_numpy())
        classes = full.classes[position.reindex(codes).to_numpy()] if codes else np.array([], dtype=int)
        intervals = full.intervals()
        counts = tuple(int((classes == i).sum()) for i in range(full.k))
        ranked = int((full.classes >= 0).sum())
        note = t("classes_national", lang, n=number(ranked, lang, decimals=0), level=_level_word(level, lang))
        heading = t("legend_scope_national", lang)
    else:
        own = classify(values, scheme=scheme, k=k)
        classes, intervals, counts = own.classes, own.intervals(), own.counts
        note = t("classes_view", lang, n=number(total, lang, decimals=0), level=_level_word(level, lang))
        heading = t("legend_scope_view", lang, where=where)
    colours = figures.class_colours(state["palette"], max(len(intervals), 1), direction)
    notes = [note, t(f"dark_{direction}", lang)] + ([lisa_note] if lisa_note else [])
    view.update(
        classes=classes,
        colours=colours,
        legend=figures.legend(
            f"{label} ({year})",
            intervals,
            counts,
            colours,
            int((classes < 0).sum()),
            lang,
            unit=unit,
            source=credit,
            notes=notes,
        ),
        annotations=figures.figure_annotations(
            figures.class_entries(intervals, colours, unit, lang),
            f"{heading} · {t(f'dark_short_{direction}', lang)}",
            credit,
            lang=lang,
        ),
    )
    return view


def lisa_view(view: dict[str, Any], clusters: pd.Series, level: str, lang: str) -> dict[str, Any]:
    """Classes, colours, legend and written legend of the LISA clusters of the indicator shown, each
    cluster type explained in a line; the map's title names the indicator the clusters are of."""
    shown = clusters.reindex(view["codes"]).fillna("").astype(str).to_numpy()
    classes = np.array([LISA_ORDER.index(c) if c in LISA_ORDER else -1 for c in shown])
    colours = [figures.LISA_COLOURS[c] for c in LISA_ORDER]
    title = t("lisa_title_of", lang, indicator=view["label"])
    notes: list[Any] = [
        html.Span([html.Strong(t(f"lisa_{c}", lang)), " — ", t(f"lisa_expl_{c}", lang)]) for c in LISA_ORDER
    ]
    n = number(len(clusters), lang, decimals=0)
    notes.append(t("lisa_scope", lang, n=n, level=_level_word(level, lang)))
    notes.append(t(f"dark_{view['direction']}_lisa", lang))
    if not (clusters != "ns").any():
        notes.insert(0, html.Strong(t("lisa_none", lang)))
    if view["indicator"] == INDEX_ID:
        notes.append(t("lisa_index_stored", lang))
    return {
        "classes": classes,
        "colours": colours,
        "title": f"{title} — {view['year']} · {view['place']}",
        "legend": figures.categorical_legend(
            title,
            [(t(f"lisa_{c}", lang), figures.LISA_COLOURS[c], int((shown == c).sum())) for c in LISA_ORDER],
            notes=[*notes, html.Span(view["credit"], className="source")],
        ),
        "annotations": figures.figure_annotations(
            [(figures.LISA_COLOURS[c], t(f"lisa_{c}", lang)) for c in LISA_ORDER],
            title,
            view["credit"],
            lang=lang,
        ),
    }


def towns_for(data: AppData, state: dict[str, str]) -> pd.DataFrame:
    """The largest towns inside the view, labelled in the page's language (the commune named after each)."""
    towns = data.towns()
    if state["province"] and state["level"] == "commune":
        towns, depth = towns[towns.province_code == state["province"]], "province"
    elif state["region"]:
        towns, depth = towns[towns.region_code == state["region"]], "region"
    else:
        depth = "country"
    kept: list[int] = []
    for i, (lon, lat) in enumerate(zip(towns["lon"], towns["lat"], strict=True)):
        if len(kept) == TOWNS_SHOWN[depth]:
            break
        if all(
            np.hypot(lon - towns["lon"].iat[j], lat - towns["lat"].iat[j]) >= TOWNS_APART[depth] for j in kept
        ):
            kept.append(i)
    towns = towns.iloc[kept]
    column = "name_ar" if state["lang"] == "ar" else "name_fr"
    labels = towns[column].where(towns[column].notna() & (towns[column] != ""), towns["name_fr"])
    return towns.assign(label=labels.astype(str))


def _level_word(level: str, lang: str) -> str:
    """'communes', 'provinces', 'régions' as they read inside a sentence."""
    word = t(f"level_{level}", lang)
    return word if lang == "ar" else word.lower()


def bivariate_legend(x_label: str, y_label: str, classes: np.ndarray, lang: str) -> html.Div:
    cells = []
    for row in (2, 1, 0):
        for col in range(3):
            n = int((classes == row * 3 + col).sum())
            cells.append(
                html.Div(
                    str(n),
                    className="bivariate-cell",
                    style={"background": figures.BIVARIATE[row * 3 + col]},
                    title=f"{n}",
                )
            )
    return html.Div(
        [
            html.H3(t("bivariate_title", lang)),
            html.Div(cells, className="bivariate-grid"),
            html.P(f"→ {x_label} ({t('low_to_high', lang)})", className="axis"),
            html.P(f"↑ {y_label} ({t('low_to_high', lang)})", className="axis"),
        ],
        className="legend",
    )


def figure_for(view: dict[str, Any], data: AppData, level: str) -> Any:
    """The map of a view: its shapes, the outlines of the level above and the main towns over them."""
    geojson = data.geojson_for(level, view["codes"])
    return figures.choropleth(
        geojson,
        view["codes"],
        view["names"],
        view["classes"],
        view["colours"],
        view["customdata"],
        view["hovertemplate"],
        title=view["title"],
        lang=view["lang"],
        outlines=outlines_for(data, view, level),
        towns=view["towns"],
        annotations=view["annotations"],
    )


def outlines_for(
    data: AppData, view: dict[str, Any], level: str
) -> tuple[list[float | None], list[float | None]] | None:
    """The rings of the units of the level above that hold the view's units (provinces over communes)."""
    upper = OUTLINED.get(level)
    if upper is None or view["units"].empty:
        return None
    column = f"{upper}_code"
    parents = view["units"][column].unique() if column in view["units"] else []
    rings = data.outlines(upper)
    lons: list[float | None] = []
    lats: list[float | None] = []
    for code in parents:
        ring_lons, ring_lats = rings.get(code, ([], []))
        lons += ring_lons
        lats += ring_lats
    return lons, lats


def patch_for(view: dict[str, Any]) -> Any:
    return figures.value_patch(
        view["classes"],
        view["colours"],
        view["customdata"],
        view["hovertemplate"],
        title=view["title"],
        annotations=view["annotations"],
    )


# -- ranking: who most needs attention here, and why ------------------------------------------------
def ranking(data: AppData, view: dict[str, Any], state: dict[str, str]) -> html.Div:
    """The units of the view most in need (need rank 1 first), with what explains them beside the
    country; the rank is 'n / N' in the scope the map's classes use, named in the heading."""
    lang, level = state["lang"], state["level"]
    table = (
        pd.DataFrame(
            {"code": view["codes"], "name": view["names"], "value": view["values"], "rank": view["ranks"]}
        )
        .dropna(subset=["rank"])
        .sort_values("rank", kind="stable")
        .head(RANKING_ROWS)
    )
    country = data.country_code()
    drivers = [
        (d, y)
        for d in NEED_DRIVERS
        if d != view["indicator"]
        for y in [_latest_year(data, d)]
        if y is not None
    ][:4]
    # The index's reasons explain the index's rank only: beside another indicator they would mislead.
    explanations = (
        _explanations(data, view, table.code.tolist(), level, lang) if view["indicator"] == INDEX_ID else {}
    )
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
    if explanations:
        head.append(html.Th(t("why", lang)))
    rows = []
    for record in table.to_dict("records"):
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
        rows.append(html.Tr(cells))
    where = _scope_name(data, state)
    return html.Div(
        [
            html.H2(t("ranking_title", lang, where=where)),
            html.P(
                t(
                    "ranking_note_scope",
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


def ranking_export(data: AppData, state: dict[str, str], fmt: str) -> tuple[bytes, str]:
    """(file content, file name) of the full ranking of the level in Morocco for the indicator shown:
    every unit with its need rank 'n of N', value, interval, status, source and licence."""
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
    name = f"classement_{indicator}_{year}_{level}"
    if fmt == "xlsx":
        import io

        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="ranking")
        return buffer.getvalue(), f"{name}.xlsx"
    return frame.to_csv(index=False).encode("utf-8"), f"{name}.csv"


def report_href(state: dict[str, str]) -> tuple[str, str] | None:
    """(level, path) of the PDF report of the province or région viewed, or None at national level."""
    level, code = ("province", state["province"]) if state["province"] else ("region", state["region"])
    if not code:
        return None
    return level, f"/api/v1/reports/{level}/{code}?lang={state['lang']}&format=pdf"


def downloads(data: AppData, state: dict[str, str]) -> list[Any]:
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
                t("report_link", lang, place=_scope_name(data, state)),
                href=report[1],
                id=ids.REPORT_LINK,
                className="download report-link",
            )
        )
    return items


def _latest_year(data: AppData, indicator: str) -> int | None:
    return data.latest_year(indicator)


def _explanations(
    data: AppData, view: dict[str, Any], codes: list[str], level: str, lang: str
) -> dict[str, str]:
    """The index's plain-language explanation of each unit (rank, 90% interval, main reasons)."""
    return data.explanations(level, lang, codes)


def _scope_name(data: AppData, state: dict[str, str]) -> str:
    lang = state["lang"]
    if state["province"]:
        rows = data.units("province").query("code == @state['province']")
        if len(rows):
            return place_name(rows.iloc[0].to_dict(), lang)
    if state["region"]:
        rows = data.units("region").query("code == @state['region']")
        if len(rows):
            return place_name(rows.iloc[0].to_dict(), lang)
    return t("morocco", lang)


def breadcrumb(data: AppData, state: dict[str, str]) -> list[Any]:
    """Maroc › région › province: each step a button that goes back up."""
    lang = state["lang"]
    crumbs = [html.Button(t("morocco", lang), id={"type": "crumb", "step": "country"}, className="crumb")]
    if state["region"]:
        region = data.units("region").query("code == @state['region']")
        if len(region):
            crumbs += [
                html.Span("›", className="crumb-sep"),
                html.Button(
                    place_name(region.iloc[0].to_dict(), lang),
                    id={"type": "crumb", "step": "region"},
                    className="crumb",
                ),
            ]
    if state["province"]:
        province = data.units("province").query("code == @state['province']")
        if len(province):
            crumbs += [
                html.Span("›", className="crumb-sep"),
                html.Button(
                    place_name(province.iloc[0].to_dict(), lang),
                    id={"type": "crumb", "step": "province"},
                    className="crumb",
                ),
            ]
    return crumbs


# -- layout ------------------------------------------------------------------------------------------
def _options(keys: tuple[str, ...], prefix: str, lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"{prefix}{key}", lang), "value": key} for key in keys]


def _place_options(frame: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    return [{"label": place_name(row, lang), "value": row["code"]} for row in frame.to_dict("records")]


def layout(data: AppData, state: dict[str, str]) -> Any:
    lang = state["lang"]
    indicator, year = indicator_choice(data, state["indicator"], state["year"])
    indicator2, year2 = indicator_choice(data, state["indicator2"], state["year2"])
    if not state["indicator2"]:
        second = [r for r in data.catalogue().to_dict("records") if r["indicator_id"] != indicator]
        indicator2, year2 = (
            (second[0]["indicator_id"], int(second[0]["year"])) if second else (indicator, year)
        )
    state = {
        **state,
        "indicator": indicator,
        "year": str(year),
        "indicator2": indicator2,
        "year2": str(year2),
    }
    view = map_view(data, state)
    provinces = data.units("province")
    if state["region"]:
        provinces = provinces[provinces.region_code == state["region"]]
    options = indicator_options(data, lang)
    question_state = {
        **state,
        "level": "commune",
        "region": QUESTION_REGION,
        "province": "",
        "indicator": data.default_indicator()[0],
        "year": str(data.default_indicator()[1]),
    }
    side = state["compare"] == "side"
    controls = html.Div(
        [
            # A full load, not a Dash link: the router renders on a new path, and this link keeps the path.
            html.A(
                t("question", lang), href=href("/", question_state), id=ids.QUESTION, className="question"
            ),
            html.Label(t("search", lang), htmlFor=ids.SEARCH),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id=ids.SEARCH,
                options=[],
                placeholder=t("search_placeholder", lang),
                searchable=True,
                clearable=True,
            ),
            html.Label(t("theme", lang), htmlFor=ids.THEME),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id=ids.THEME,
                options=theme_options(data, lang),
                value="",
                clearable=False,
            ),
            html.Label(t("indicator", lang), htmlFor=ids.INDICATOR),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id=ids.INDICATOR,
                options=options,
                value=f"{indicator}|{year}",
                clearable=False,
                searchable=True,
                placeholder=t("indicator_placeholder", lang),
                maxHeight=360,
            ),
            html.Fieldset(
                [
                    html.Legend(t("level", lang)),
                    dcc.RadioItems(
                        id=ids.LEVEL,
                        options=_options(MAP_LEVELS, "level_", lang),
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
            html.Label(t("region", lang), htmlFor=ids.REGION),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id=ids.REGION,
                options=_place_options(data.units("region"), lang),
                value=state["region"] or None,
                placeholder=t("all_regions", lang),
            ),
            html.Label(t("province", lang), htmlFor="province"),
            dcc.Dropdown(
                labels=dropdown_labels(lang),
                id="province",
                options=_place_options(provinces, lang),
                value=state["province"] or None,
                placeholder=t("all_provinces", lang),
            ),
            html.Details(
                [
                    html.Summary(t("map_options", lang)),
                    html.Label(t("scheme", lang), htmlFor=ids.SCHEME),
                    dcc.Dropdown(
                        labels=dropdown_labels(lang),
                        id=ids.SCHEME,
                        options=_options(SCHEMES, "scheme_", lang),
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
                    dcc.Dropdown(
                        labels=dropdown_labels(lang),
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
                                options=_options(COMPARE, "compare_", lang),
                                value=state["compare"],
                            ),
                        ]
                    ),
                    html.Label(t("indicator2", lang), htmlFor=ids.INDICATOR_2),
                    dcc.Dropdown(
                        labels=dropdown_labels(lang),
                        id=ids.INDICATOR_2,
                        options=options,
                        value=f"{indicator2}|{year2}",
                        clearable=False,
                    ),
                    dcc.Checklist(
                        id=ids.LISA,
                        options=[{"label": t("lisa_layer_shown", lang), "value": "1"}],
                        value=["1"] if state["lisa"] == "1" else [],
                    ),
                ],
                open=state["compare"] != "none" or state["scheme"] != DEFAULT_SCHEME,
            ),
        ],
        className="controls",
        role="search",
    )
    second_figure = figure_for(map_view(data, state, second=True), data, state["level"]) if side else {}
    second_view = map_view(data, state, second=True) if side else None
    maps = html.Div(
        [
            html.Nav(
                breadcrumb(data, state),
                id=ids.BREADCRUMB,
                className="breadcrumb",
                **{"aria-label": "breadcrumb"},
            ),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Graph(
                                id=ids.MAP,
                                figure=figure_for(view, data, state["level"]),
                                config=figures.graph_config(lang, filename=t("map_file", lang)),
                                className="map",
                            ),
                            html.Div(view["legend"], id=ids.LEGEND),
                        ],
                        className="map-cell",
                    ),
                    html.Div(
                        [
                            dcc.Graph(
                                id=ids.MAP_2,
                                figure=second_figure,
                                config=figures.graph_config(lang, filename=t("map_file", lang)),
                                className="map",
                            ),
                            html.Div(second_view["legend"] if second_view else None, id=ids.LEGEND_2),
                        ],
                        className="map-cell",
                        id="map-cell-2",
                        style={} if side else {"display": "none"},
                    ),
                ],
                id=ids.MAP_ROW,
                className="map-row",
            ),
            html.P(t("map_help", lang), className="note", id=ids.MAP_NOTE),
            html.Div(
                [
                    html.H2(t("downloads", lang), className="downloads-title"),
                    html.Div(downloads(data, state), id=ids.DOWNLOADS, className="downloads"),
                    dcc.Download(id=ids.RANKING_DOWNLOAD),
                ]
            ),
        ],
        className="maps",
    )
    return html.Div(
        [
            html.Div([controls, maps], className="explorer"),
            html.Section(ranking(data, view, state), id=ids.RANKING, className="ranking"),
        ]
    )


# -- callbacks ---------------------------------------------------------------------------------------
CONTROLS = [
    ids.LEVEL,
    ids.REGION,
    "province",
    ids.INDICATOR,
    ids.SCHEME,
    ids.CLASSES,
    ids.PALETTE,
    ids.COMPARE,
    ids.INDICATOR_2,
    ids.LISA,
    ids.SCOPE,
]
#: Controls whose change keeps the geometry: the map gets a Patch, not a new figure.
VALUE_ONLY = {
    ids.INDICATOR,
    ids.SCHEME,
    ids.CLASSES,
    ids.PALETTE,
    ids.INDICATOR_2,
    ids.LISA,
    ids.COMPARE,
    ids.SCOPE,
}


def state_from_controls(
    lang: str,
    level: str,
    region: str | None,
    province: str | None,
    indicator: str | None,
    scheme: str,
    k: str,
    palette: str,
    compare: str,
    indicator2: str | None,
    lisa: list[str] | None,
    scope: str | None = "national",
) -> dict[str, str]:
    first, year = split_choice(indicator)
    second, year2 = split_choice(indicator2)
    return {
        **DEFAULTS,
        "lang": lang,
        "level": level or "commune",
        "region": region or "",
        "province": province or "",
        "indicator": first,
        "year": year,
        "scheme": scheme or DEFAULT_SCHEME,
        "k": str(k or "5"),
        "palette": palette or "Viridis",
        "compare": compare or "none",
        "indicator2": second,
        "year2": year2,
        "lisa": "1" if lisa else "0",
        "scope": scope if scope in SCOPES else "national",
    }


def update_maps(data: AppData, triggered: Any, state: dict[str, str]) -> tuple[Any, ...]:
    """(figure, legend, figure 2, legend 2, style of map 2, ranking, breadcrumb) for a change of state."""
    side = state["compare"] == "side"
    view = map_view(data, state)
    value_only = triggered in VALUE_ONLY and triggered != ids.INDICATOR_2
    figure = patch_for(view) if value_only else figure_for(view, data, state["level"])
    if side and (triggered in (ids.INDICATOR_2, ids.COMPARE) or not value_only):
        second = map_view(data, state, second=True)
        figure2, legend2 = figure_for(second, data, state["level"]), second["legend"]
    elif side:
        figure2, legend2 = no_update, no_update
    else:
        figure2, legend2 = no_update, None
    if triggered == ids.INDICATOR_2 and state["compare"] != "bivariate":
        figure = no_update
    return (
        figure,
        view["legend"],
        figure2,
        legend2,
        {} if side else {"display": "none"},
        ranking(data, view, state),
        breadcrumb(data, state),
    )


def callbacks(app: Any, data: AppData) -> None:
    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.LEGEND, "children"),
        Output(ids.MAP_2, "figure"),
        Output(ids.LEGEND_2, "children"),
        Output("map-cell-2", "style"),
        Output(ids.RANKING, "children"),
        Output(ids.BREADCRUMB, "children"),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.VIEW_SEARCH, "data", allow_duplicate=True),
        *[Input(c, "value") for c in CONTROLS],
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_controls(
        level, region, province, indicator, scheme, k, palette, compare, indicator2, lisa, scope, lang
    ):
        state = state_from_controls(
            lang or "fr",
            level,
            region,
            province,
            indicator,
            scheme,
            k,
            palette,
            compare,
            indicator2,
            lisa,
            scope,
        )
        return (*update_maps(data, ctx.triggered_id, state), encode(state), shown_url("/", encode(state)))

    @app.callback(
        Output(ids.INDICATOR, "options"),
        Input(ids.THEME, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_theme(theme, lang):
        return indicator_options(data, lang or "fr", theme or None)

    @app.callback(
        Output(ids.DOWNLOADS, "children"),
        Input(ids.REGION, "value"),
        Input("province", "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_place(region, province, lang):
        return downloads(
            data, {**DEFAULTS, "lang": lang or "fr", "region": region or "", "province": province or ""}
        )

    @app.callback(
        Output(ids.RANKING_DOWNLOAD, "data"),
        Input(ids.RANKING_CSV, "n_clicks"),
        Input(ids.RANKING_XLSX, "n_clicks"),
        State(ids.URL, "search"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_ranking_download(_csv, _xlsx, search, lang):
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update
        fmt = "xlsx" if ctx.triggered_id == ids.RANKING_XLSX else "csv"
        content, name = ranking_export(data, parse(search, lang=lang or "fr"), fmt)
        return dcc.send_bytes(content, name)

    # The PNG is drawn by plotly.js from the figure on screen (legend, place, year and source are in it).
    app.clientside_callback(
        "function(n) { const gd = document.querySelector('#" + ids.MAP + " .js-plotly-plot');"
        " if (!n || !gd || !window.Plotly) { return window.dash_clientside.no_update; }"
        " const name = (gd.layout.title && gd.layout.title.text || 'carte').normalize('NFKD')"
        ".replace(/[^\\w\\u0600-\\u06FF]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);"
        " window.Plotly.downloadImage(gd, {format: 'png', scale: 2, filename: name});"
        " return ''; }",
        Output(ids.MAP_PNG, "title"),
        Input(ids.MAP_PNG, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.SEARCH, "options"),
        Input(ids.SEARCH, "search_value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_search(text, lang):
        # The browser's own filter cannot fold accents: the server matches, the options carry what was typed.
        if not text:
            return no_update
        return data.search(text, lang or "fr")

    @app.callback(
        Output("province", "options"),
        Output("province", "value", allow_duplicate=True),
        Input(ids.REGION, "value"),
        State("province", "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_region(region, province, lang):
        provinces = data.units("province")
        if region:
            provinces = provinces[provinces.region_code == region]
        keep = province if province in set(provinces.code) else None
        return _place_options(provinces, lang or "fr"), keep

    @app.callback(
        Output(ids.LEVEL, "value", allow_duplicate=True),
        Output(ids.REGION, "value", allow_duplicate=True),
        Output("province", "value", allow_duplicate=True),
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.MAP, "clickData"),
        Input({"type": "crumb", "step": ALL}, "n_clicks"),
        Input(ids.SEARCH, "value"),
        State(ids.LEVEL, "value"),
        State(ids.REGION, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_navigate(click, _crumbs, searched, level, region, lang):
        return navigate(data, ctx.triggered_id, click, searched, level, region, lang or "fr")


def navigate(
    data: AppData,
    triggered: Any,
    click: dict | None,
    searched: str | None,
    level: str,
    region: str | None,
    lang: str,
) -> tuple[Any, ...]:
    """Drill down on a click (région → provinces → communes → profile), up by the breadcrumb, or search."""
    keep = (no_update,) * 5
    if triggered == ids.SEARCH:
        if not searched:
            return keep
        return no_update, no_update, no_update, "/commune", encode({"lang": lang, "code": searched})
    if isinstance(triggered, dict) and triggered.get("type") == "crumb":
        step = triggered["step"]
        if not ctx_clicked():
            return keep
        if step == "country":
            return "region", None, None, no_update, no_update
        if step == "region":
            return "province", no_update, None, no_update, no_update
        return "commune", no_update, no_update, no_update, no_update
    if triggered == ids.MAP and click and click.get("points"):
        code = click["points"][0].get("location")
        if level == "region":
            return "province", code, None, no_update, no_update
        if level == "province":
            provinces = data.units("province").set_index("code")
            parent = provinces.region_code.get(code, region)
            return "commune", parent, code, no_update, no_update
        return no_update, no_update, no_update, "/commune", encode({"lang": lang, "code": code})
    return keep


def ctx_clicked() -> bool:
    """Whether the triggering breadcrumb was really clicked (a re-render fires it with n_clicks None)."""
    try:
        return bool(ctx.triggered and ctx.triggered[0].get("value"))
    except Exception:  # noqa: BLE001 - outside a callback context (unit tests): treat as a click
        return True


register(Page(path="/", title="page_explorer", layout=layout, callbacks=callbacks, order=0))
