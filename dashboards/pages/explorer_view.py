"""
What the explorer's map shows for a view state: the units, their classes and colours (national or the
view's own, the bivariate grid or the LISA clusters), hover values, the legend and the figure drawn
from them. Dark always means worse, by the registry's direction.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from dash import Patch, html

from observatory import attribution, i18n
from observatory.classify import Classes, bivariate, classify, need_rank
from observatory.formatting import number
from observatory.service_mix import INPUT_YEARS
from observatory.service_mix import SOURCE_IDS as MIX_SOURCES

from .. import figures
from ..data import INDEX_ID, AppData
from ..i18n import indicator_label, t
from ..state import ViewState
from .explorer_hover import bivariate_hover, lisa_hover

#: Most towns labelled on a map, per depth of the view: few on a national map, where a name must be read
#: at a glance; the names that would overlap one already placed are left out (`figures.placed_towns`).
TOWNS_SHOWN = {"country": 10, "region": 10, "province": 8}
#: Closest two towns of the planner's map may be, in degrees, per depth of its view.
TOWNS_APART = {"country": 0.6, "region": 0.15, "province": 0.05}
#: The level whose outlines are drawn over a map of each level.
OUTLINED = {"commune": "province", "province": "region"}
#: LISA cluster codes in legend order.
LISA_ORDER = ("HH", "LL", "HL", "LH", "ns")


class MapBase(TypedDict):
    """The units of a map and their values, ranks and hover texts, before any colour."""

    codes: list[str]
    names: list[str]
    indicator: str
    year: int
    label: str
    unit: str | None
    customdata: list[list[Any]]
    hovertemplate: str
    values: np.ndarray
    ranks: np.ndarray
    total: int
    scope: str
    place: str
    direction: str
    units: pd.DataFrame
    source: str
    credit: str
    towns: pd.DataFrame | None
    lang: str


class Styling(TypedDict):
    """How a map colours its units: classes, their colours, the title, the legend beside the map and
    the one written into the figure (PNG exports draw the figure only)."""

    classes: np.ndarray
    colours: list[str]
    title: str
    legend: html.Div
    annotations: list[dict[str, Any]]


class MapView(MapBase, Styling):
    """Everything a map needs for a state."""


@lru_cache(maxsize=16)
def _credits(data: AppData, lang: str) -> dict[str, str]:
    return attribution.credits(data.sources().to_dict("records"), lang, licence=True)


def credit_of(data: AppData, source_id: str, lang: str) -> str:
    """A source's credit under a map, with its licence: the observatory's computations name HCP, whose
    census they are computed from (`observatory.attribution.credits`)."""
    return _credits(data, lang).get(source_id, source_id)


def indicator_choice(data: AppData, indicator: str, year: str) -> tuple[str, int]:
    """The indicator and year of the state, or the default when the state names none or an unknown one."""
    if indicator and data.has(indicator, year or None):
        if year:
            return indicator, int(year)
        latest = data.latest_year(indicator)
        if latest is not None:
            return indicator, int(latest)
    return data.default_indicator()


def shows_mix(data: AppData, state: ViewState) -> bool:
    """Whether the map shows a segment of the AI service mix instead of the indicator: the state names one
    and the database holds the mix."""
    return bool(state.get("mix")) and data.has_mix()


def map_view(data: AppData, state: ViewState, *, second: bool = False) -> MapView:
    """Everything a map needs for a state: units, classes, colours, hover values, legend, title. Classes
    and ranks are computed over every unit of the level in Morocco unless the state asks for this view
    only, and the legend says which; dark always means worse (the registry's direction)."""
    if shows_mix(data, state) and not second:
        return mix_view(data, state)
    base = map_base(data, state, second=second)
    title = f"{base['label']} — {base['year']} · {base['place']}"
    if state["compare"] == "bivariate" and not second:
        hover, rows = both_hover(data, state, base)
        return {**base, **bivariate_styling(data, state, base), "hovertemplate": hover, "customdata": rows}
    lisa_note = None
    if state["lisa"] == "1" and not second:
        clusters = data.lisa_of(base["indicator"], base["year"], state["level"])
        if len(clusters):
            hover, rows = lisa_hover(base, clusters, state["lang"])
            lisa = lisa_view(base, clusters, state["level"], state["lang"])
            return {**base, **lisa, "hovertemplate": hover, "customdata": rows}
        lisa_note = t("lisa_not_applicable", state["lang"], n=len(data.units(state["level"])))
    return {**base, **class_styling(data, state, base, title=title, lisa_note=lisa_note)}


def both_hover(data: AppData, state: ViewState, base: MapBase) -> tuple[str, list[list[Any]]]:
    """The bivariate map's hover: both indicators' values (`explorer_hover`)."""
    other, other_year = indicator_choice(data, state["indicator2"], state["year2"])
    meta = data.indicator(other, other_year)
    second = (
        indicator_label(meta, state["lang"]),
        meta.get("unit") if isinstance(meta.get("unit"), str) else None,
        data.series(other, other_year, state["level"], base["codes"]),
    )
    return bivariate_hover((base["label"], base["unit"], base["values"]), second, state["lang"])


def map_base(data: AppData, state: ViewState, *, second: bool = False) -> MapBase:
    """The units of the view with the values of the state's indicator (or its second one), their need
    ranks in the scope the state names, the hover texts and the source line."""
    lang = state["lang"]
    level = state["level"]
    units = data.scope(level, region=state["region"], province=state["province"])
    codes = units.code.tolist()
    lookup = data.names(level, lang)
    indicator, year = indicator_choice(
        data, state["indicator2" if second else "indicator"], state["year2" if second else "year"]
    )
    meta = data.indicator(indicator, year)
    values = data.series(indicator, year, level, codes)
    direction = data.direction(indicator)
    national = state.get("scope", "national") != "view"
    where = scope_name(data, state)
    scope = t("morocco", lang) if national else where
    ranks, total = _ranks(data, indicator, year, level, codes, values, national=national)
    label = indicator_label(meta, lang) if meta else indicator
    unit = meta.get("unit") if isinstance(meta.get("unit"), str) else None
    source = credit_of(data, str(meta.get("source_id") or ""), lang)
    towns = towns_for(data, state) if level in OUTLINED else None
    credit = t("source_line", lang, source=source)
    if towns is not None and len(towns):
        credit += " · " + credit_of(data, "geonames", lang)
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
    return {
        "codes": codes,
        "names": [lookup[code] for code in codes],
        "indicator": indicator,
        "year": year,
        "label": label,
        "unit": unit,
        "customdata": customdata,
        "hovertemplate": hover,
        "values": values,
        "ranks": ranks,
        "total": total,
        "scope": scope,
        "place": where,
        "direction": direction,
        "units": units,
        "source": source,
        "credit": credit,
        "towns": towns,
        "lang": lang,
    }


def _ranks(
    data: AppData,
    indicator: str,
    year: int,
    level: str,
    codes: list[str],
    values: np.ndarray,
    *,
    national: bool,
) -> tuple[np.ndarray, int]:
    """(need rank of each unit, units ranked) among every unit of the level in Morocco or the view's."""
    if national:
        table = data.national_ranking(indicator, year, level)
        ranks = data.national_ranks(indicator, year, level, tuple(codes)).copy()
        return ranks, int(table["ranked"].iloc[0]) if len(table) else 0
    rankable = values
    if indicator == INDEX_ID:  # unranked units keep their score on the map but take no rank
        stored = data.national_ranking(indicator, year, level)["rank"].reindex(codes)
        rankable = np.where(stored.notna().to_numpy(), values, np.nan)
    return need_rank(rankable, direction=data.direction(indicator)), int(np.isfinite(rankable).sum())


def bivariate_styling(data: AppData, state: ViewState, base: MapBase) -> Styling:
    """The 3×3 classes of the indicator against the second one, with their grid legend."""
    lang = state["lang"]
    other, other_year = indicator_choice(data, state["indicator2"], state["year2"])
    y = data.series(other, other_year, state["level"], base["codes"])
    classes = bivariate(base["values"], y, k=3)
    other_label = indicator_label(data.indicator(other, other_year), lang)
    return {
        "classes": classes,
        "colours": list(figures.BIVARIATE),
        "title": f"{base['label']} × {other_label} · {base['place']}",
        "legend": bivariate_legend(base["label"], other_label, classes, lang),
        "annotations": figures.figure_annotations([], t("bivariate_title", lang), base["credit"], lang=lang),
    }


def class_styling(
    data: AppData,
    state: ViewState,
    base: MapBase,
    *,
    title: str,
    lisa_note: str | None,
    national: Classes | None = None,
    legend_title: str | None = None,
    notes: list[str] | None = None,
    heading_note: str | None = None,
) -> Styling:
    """The state's classes (scheme, k, palette) over Morocco or over the view, and the legend that says
    which. A map of something other than an indicator passes its `national` classes, its legend's title,
    its own `notes` and a `heading_note` for the legend written into the figure."""
    lang, level = state["lang"], state["level"]
    indicator, year, codes = base["indicator"], base["year"], base["codes"]
    k, scheme = int(state["k"]), state["scheme"]
    if state.get("scope", "national") != "view":
        full = national or data.national_classes(indicator, year, level, scheme, k)
        classes = full.classes[data.positions(level, tuple(codes))] if codes else np.array([], dtype=int)
        intervals = full.intervals()
        counts = tuple(int((classes == i).sum()) for i in range(full.k))
        ranked = int((full.classes >= 0).sum())
        note = t("classes_national", lang, n=number(ranked, lang, decimals=0), level=level_word(level, lang))
        heading = t("legend_scope_national", lang)
    else:
        own = classify(base["values"], scheme=scheme, k=k)
        classes, intervals, counts = own.classes, own.intervals(), own.counts
        n = number(base["total"], lang, decimals=0)
        note = t("classes_view", lang, n=n, level=level_word(level, lang))
        heading = t("legend_scope_view", lang, where=base["place"])
    direction = base["direction"]
    colours = figures.class_colours(state["palette"], max(len(intervals), 1), direction)
    notes = [note, t(f"dark_{direction}", lang), *(notes or [])] + ([lisa_note] if lisa_note else [])
    unit = base["unit"]
    heading = f"{heading} · {t(f'dark_short_{direction}', lang)}"
    return {
        "classes": classes,
        "colours": colours,
        "title": title,
        "legend": figures.legend(
            legend_title or f"{base['label']} ({year})",
            intervals,
            counts,
            colours,
            int((classes < 0).sum()),
            lang,
            unit=unit,
            source=base["credit"],
            notes=notes,
        ),
        "annotations": figures.figure_annotations(
            figures.class_entries(intervals, colours, unit, lang),
            heading,
            base["credit"],
            lang=lang,
            note=heading_note,
        ),
    }


def mix_view(data: AppData, state: ViewState) -> MapView:
    """The map of one segment of the AI service mix: each unit's share of its adults 15+ in the segment,
    classed over Morocco or the view, with its people and their bounds in the hover, and a legend saying
    it is a scenario with Fréchet bounds and giving the year of each input."""
    lang, level, segment = state["lang"], state["level"], state["mix"]
    units = data.scope(level, region=state["region"], province=state["province"])
    codes = units.code.tolist()
    rows = data.mix_series(segment, level, codes)
    values = rows["value"].to_numpy(dtype="float64")
    national = state.get("scope", "national") != "view"
    where = scope_name(data, state)
    scope = t("morocco", lang) if national else where
    if national:
        table = data.mix_ranking(segment, level)
        ranks = table["rank"].reindex(codes).to_numpy(dtype="float64", na_value=np.nan)
        total = int(table["ranked"].iloc[0]) if len(table) else 0
    else:
        ranks, total = need_rank(values, direction="neutral"), int(np.isfinite(values).sum())
    name = i18n.text(f"mix.segment.{segment}", lang)
    label = t("mix_map_label", lang, segment=name)
    source = " · ".join(credit_of(data, s, lang) for s in MIX_SOURCES)
    towns = towns_for(data, state) if level in OUTLINED else None
    credit = t("source_line", lang, source=source)
    if towns is not None and len(towns):
        credit += " · " + credit_of(data, "geonames", lang)
    hover, customdata = figures.mix_hover(
        values,
        rows["people"].to_numpy(dtype="float64"),
        rows["people_lower"].to_numpy(dtype="float64"),
        rows["people_upper"].to_numpy(dtype="float64"),
        ranks,
        label=name,
        people_line=t("mix_hover_people", lang),
        scope=scope,
        total=total,
        lang=lang,
    )
    years = {name: int(data.mix(segment, level)[name].iloc[0]) for name in INPUT_YEARS}
    names = data.names(level, lang)
    base: MapBase = {
        "codes": codes,
        "names": [names[code] for code in codes],
        "indicator": f"service_mix.{segment}",
        "year": years["literacy_year"],
        "label": label,
        "unit": "percent",
        "customdata": customdata,
        "hovertemplate": hover,
        "values": values,
        "ranks": ranks,
        "total": total,
        "scope": scope,
        "place": where,
        "direction": "neutral",
        "units": units,
        "source": source,
        "credit": credit,
        "towns": towns,
        "lang": lang,
    }
    styling = class_styling(
        data,
        state,
        base,
        title=f"{label} · {where}",
        lisa_note=None,
        national=data.mix_classes(segment, level, state["scheme"], int(state["k"])),
        legend_title=label,
        notes=[t("mix_legend_scenario", lang), t("mix_legend_years", lang, **years)]
        + (
            [t("mix_indicator_only", lang)] if state["lisa"] == "1" or state["compare"] == "bivariate" else []
        ),
        heading_note=t("mix_short", lang, **years),
    )
    return {**base, **styling}


def lisa_view(view: MapBase, clusters: pd.Series, level: str, lang: str) -> Styling:
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
    notes.append(t("lisa_scope", lang, n=n, level=level_word(level, lang)))
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


def towns_for(data: AppData, state: ViewState) -> pd.DataFrame:
    """The towns inside the view, largest first, labelled in the page's language (the commune named after
    each): those whose names fit are chosen when the map is drawn (`figure_for`)."""
    towns = data.towns()
    if state["province"] and state["level"] == "commune":
        towns = towns[towns.province_code == state["province"]]
    elif state["region"]:
        towns = towns[towns.region_code == state["region"]]
    own = f"name_{state['lang']}"
    column = own if own in towns.columns else "name_fr"
    labels = towns[column].where(towns[column].notna() & (towns[column] != ""), towns["name_fr"])
    return towns.assign(label=labels.astype(str))


def level_word(level: str, lang: str) -> str:
    """'communes', 'provinces', 'régions' as they read inside a sentence."""
    return t(f"level_in_text_{level}", lang)


def scope_name(data: AppData, state: ViewState) -> str:
    """The name of the place viewed: the province, else the région, else Morocco."""
    lang = state["lang"]
    provinces, regions = data.names("province", lang), data.names("region", lang)
    if state["province"] in provinces:
        return provinces[state["province"]]
    if state["region"] in regions:
        return regions[state["region"]]
    return t("morocco", lang)


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


@lru_cache(maxsize=256)
def shapes_box(data: AppData, level: str, codes: tuple[str, ...]) -> tuple[float, float, float, float]:
    """The box of the shapes of a view (`figures.bounds`), kept per view: the geometry does not change."""
    return figures.bounds(data.geojson_for(level, list(codes)))


def depth(units: pd.DataFrame, level: str) -> str:
    """How deep a view goes: a province's communes, a région's units, or the whole country."""
    if level == "commune" and units["province_code"].nunique() == 1:
        return "province"
    return "region" if units["region_code"].nunique() == 1 else "country"


def figure_for(view: MapView, data: AppData, level: str) -> Any:
    """The map of a view: its shapes, the outlines of the level above and the main towns over them, the
    legend written beside the shapes."""
    geojson = data.geojson_for(level, view["codes"])
    towns = view["towns"]
    area = shapes_box(data, level, tuple(view["codes"])) if geojson["features"] else None
    if towns is not None and area is not None:
        towns = figures.placed_towns(towns, area, limit=TOWNS_SHOWN[depth(view["units"], level)])
    return figures.map_figure(
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
        towns=towns,
        annotations=view["annotations"],
        legend_beside=True,
        area=area,
    )


def outlines_for(
    data: AppData, view: MapBase, level: str
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


def patch_for(view: MapView) -> Patch:
    """The part of the map that changes when only the values do (a Patch, the geometry stays)."""
    return figures.value_patch(
        view["classes"],
        view["colours"],
        view["customdata"],
        view["hovertemplate"],
        title=view["title"],
        annotations=view["annotations"],
    )
