"""
Data and method: the catalogue of indicators with definitions, sources, licences and years;
downloads; how the index and the models work; how to use the index and how not to; credits.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from dash import Input, Output, State, dcc, html

from observatory import edition, i18n, results
from observatory.attribution import HCP, source_line
from observatory.formatting import number, quantity, unit_label

from .. import ids
from ..data import AppData, fold
from ..i18n import indicator_label, t
from ..state import ViewState
from ..widgets import aria, data_attribute, dropdown, send_bytes
from . import CallbackApp, Page, register
from .explorer_controls import indicator_options, split_choice
from .explorer_view import indicator_choice

FORMATS = ("csv", "geojson", "gpkg", "xlsx")
#: The id of the models' cards heading, which the method in brief links to for the full account.
MODEL_CARDS = "model-cards"
#: The language the database keeps the indicators' definitions, the licences' terms and the model cards
#: in: they are shown as stored, on that language's page (the others say where to read them).
RECORDS_LANGUAGE = "en"


def export_frame(data: AppData, indicator: str, year: int, level: str = "commune") -> pd.DataFrame:
    """The values of an indicator for every unit of a level, with names, status, source and licence."""
    units = data.units(level)
    values = data.values(indicator, int(year), level).reset_index()
    meta = data.indicator(indicator, year)
    frame = (
        units[[c for c in ("code", "name_fr", "name_ar", "province_code", "region_code") if c in units]]
        .merge(values, left_on="code", right_on="unit_code", how="left")
        .drop(columns="unit_code")
    )
    return frame.assign(
        indicator_id=indicator,
        year=int(year),
        licence=meta.get("licence", ""),
        source=data.source_line(meta.get("source_id")),
    )


def export_bytes(
    data: AppData, indicator: str, year: int, fmt: str, level: str = "commune"
) -> tuple[bytes, str]:
    """(file content, file name) of an indicator's values in CSV, GeoJSON, GeoPackage or XLSX."""
    frame = export_frame(data, indicator, year, level)
    name = f"{indicator}_{year}_{level}"
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8"), f"{name}.csv"
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="values")
        return buffer.getvalue(), f"{name}.xlsx"
    import geopandas as gpd

    from observatory import query

    geometry = query.web_geometry(level, detail="medium", db=data.db)[["code", "geometry"]]
    spatial = gpd.GeoDataFrame(
        frame.merge(geometry, on="code", how="left"), geometry="geometry", crs="EPSG:4326"
    )
    if fmt == "geojson":
        return spatial.to_json(drop_id=True).encode("utf-8"), f"{name}.geojson"
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{name}.gpkg"
            spatial.to_file(path, layer=name, driver="GPKG")
            return path.read_bytes(), path.name
    from observatory.errors import unknown_name

    raise unknown_name("download format", fmt, FORMATS)


def _catalogue_rows(data: AppData, lang: str, text: str | None = None) -> Any:
    """The catalogue as a plain table (readable in both directions, at any width), filtered by `text`
    (a label's words or an identifier) ignoring accents and case. The records' definitions are written in
    English only, so they show on the English page."""
    cat = data.catalogue()
    columns = ["label", "year", "unit", "source", *(["definition"] if lang == RECORDS_LANGUAGE else [])]
    rows = []
    words = fold(text or "").split()
    for r in cat.to_dict("records"):
        cells = {
            "label": indicator_label(r, lang),
            "year": str(int(r["year"])),
            "unit": unit_label(r.get("unit"), lang),
            "source": data.source_line(r.get("source_id"), lang),
            "definition": r["definition"] if _english_definition(r) else "",
        }
        if words and not all(w in fold(f"{cells['label']} {r['indicator_id']}") for w in words):
            continue
        # A row names its indicator by its label; the identifier (what the filter and the API also take)
        # stays in the row's data, not in the page's words.
        rows.append(
            html.Tr(
                [html.Td(cells[c]) for c in columns], **data_attribute("indicator", str(r["indicator_id"]))
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(t(f"col_{c}", lang), scope="col") for c in columns])), html.Tbody(rows)],
        className="catalogue-table",
    )


def _english_definition(row: dict[str, Any]) -> bool:
    """Whether a catalogue row's definition is one of the records' own, in English: a census field's is
    HCP's wording, in French, which the English label already translates."""
    return isinstance(row.get("definition"), str) and not str(row.get("source_id") or "").startswith("hcp-")


def _catalogue_table(data: AppData, lang: str) -> Any:
    return html.Div(
        [
            html.Label(t("catalogue_filter", lang), htmlFor=ids.CATALOGUE_FILTER),
            dcc.Input(
                id=ids.CATALOGUE_FILTER,
                type="search",
                debounce=0.3,
                placeholder=t("table_filter", lang),
                className="catalogue-filter",
            ),
            html.Div(
                _catalogue_rows(data, lang),
                id=ids.CATALOGUE,
                className="catalogue",
                tabIndex="0",
                role="region",
                **aria("label", t("catalogue", lang)),
            ),
        ]
    )


def _source_item(r: dict[str, Any], lang: str) -> html.Li:
    """A source's credit line (and licence, in English), its address and fingerprint."""
    parts: list[Any] = [html.Strong(source_line(r, lang))]
    if lang == RECORDS_LANGUAGE and r.get("licence"):
        parts += [". ", html.Span(_terms(str(r["licence"])))]
    parts += [
        html.Br(),
        html.Code(r["url"] if isinstance(r.get("url"), str) else "", dir="ltr"),
        html.Small(_fingerprint(r)),
    ]
    return html.Li(parts)


def _terms(licence: str) -> str:
    """A stored licence's terms without its opening sentence when that names HCP's dataset in French: the
    credit line before it names the dataset in the page's language."""
    first, separator, rest = licence.partition(". ")
    return rest if separator and first.startswith(HCP) else licence


def _sources_list(data: AppData, lang: str) -> Any:
    """Each source credited in the page's language (publisher, dataset, licence), its address and
    fingerprint; the licence's own terms stay in the words the publisher wrote them, in English only."""
    src = data.sources()
    return html.Ul(
        [_source_item(r, lang) for r in src.to_dict("records")],
        id=ids.SOURCES,
    )


def _fingerprint(source: dict[str, Any]) -> str:
    """' · SHA-256 … · date' for a source, leaving out what the database does not hold."""
    parts = [
        f"SHA-256 {source['sha256'][:12]}…"
        if isinstance(source.get("sha256"), str) and source["sha256"]
        else "",
        str(source["retrieved_at"]) if isinstance(source.get("retrieved_at"), str) else "",
    ]
    return "".join(f" · {part}" for part in parts if part)


def _model_cards(data: AppData, lang: str) -> Any:
    """Each model's card under its title: the full technical record on the page of the language it is kept
    in; on the others, a line saying what the model gives in the page's language and a link to the record."""
    if "model_card" not in data.db.tables():
        return html.P(t("models_missing", lang), className="note")
    cards = results.model_cards(db=data.db)
    return html.Div(
        [
            html.Details(
                [
                    html.Summary(t(f"card_{row['model_id']}", lang)),
                    *(
                        [html.Div(dcc.Markdown(row["card_markdown"]), dir="ltr")]
                        if lang == RECORDS_LANGUAGE
                        else [
                            html.P(t(f"card_summary_{row['model_id']}", lang)),
                            html.A(
                                t("card_full_record", lang),
                                href=f"/data?lang={RECORDS_LANGUAGE}#{card_anchor(row['model_id'])}",
                                hrefLang=RECORDS_LANGUAGE,
                            ),
                        ]
                    ),
                ],
                id=card_anchor(row["model_id"]),
            )
            for row in cards.to_dict("records")
        ]
    )


def card_anchor(model_id: str) -> str:
    """The id of a model's card in the page, for a link from another language's page."""
    return f"card-{model_id}"


def _georeference(data: AppData, lang: str) -> Any:
    """The georeference at a glance: the candidates' residuals over the control towns, and the misses."""
    from observatory import query
    from observatory.etl.transform.georeference import miss_reason

    if "georeference" not in data.db.tables():
        return html.P(t("georeference_missing", lang), className="note")
    models = query.georeference(db=data.db)
    control = query.ground_control(db=data.db)
    chosen = models[models["chosen"] == 1].iloc[0]
    before = models[models["model"] == "none"].iloc[0]
    columns = ("model", "median_km", "p95_km", "share_inside", "heldout_share_inside")

    def share(value: float) -> str:
        return quantity(100 * value, "percent", lang)

    rows = [
        {
            "model": t(f"georef_{r['model']}", lang),
            "median_km": number(r["median_km"], lang),
            "p95_km": number(r["p95_km"], lang),
            "share_inside": share(r["share_inside"]),
            "heldout_share_inside": share(r["heldout_share_inside"]),
        }
        for r in models.to_dict("records")
    ]
    misses = control[(control["status"] == "control") & (control["inside"] == 0)]
    names = data.names("commune", lang)
    chosen_label = t(f"georef_{chosen['model']}", lang)

    def missed(town: dict[str, Any]) -> str:
        why = miss_reason(town, names.get(town["found_in"]), lang)
        return t("georeference_miss", lang, name=town["name"], code=town["commune_code"], why=why)

    return html.Div(
        [
            html.P(
                t(
                    "georeference_text",
                    lang,
                    points=int(chosen["points"]),
                    before=share(before["share_inside"]),
                    after=share(chosen["share_inside"]),
                    heldout=share(chosen["heldout_share_inside"]),
                )
            ),
            # A plain table: it wraps and mirrors with the page (a data grid would scroll sideways in Arabic).
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(t(f"col_{c}", lang), scope="col") for c in columns])),
                    html.Tbody(
                        [
                            html.Tr(
                                [html.Td(row[c]) for c in columns],
                                className="chosen" if row["model"] == chosen_label else None,
                            )
                            for row in rows
                        ]
                    ),
                ],
                id=ids.GEOREFERENCE,
                className="catalogue-table georeference-table",
            ),
            html.Details(
                [
                    html.Summary(t("georeference_misses", lang)),
                    html.Ul([html.Li(missed(r)) for r in misses.to_dict("records")]),
                ]
            ),
        ]
    )


def _method_summary(data: AppData, lang: str) -> Any:
    """The method in brief, as the library words it from the build's stored results."""
    from observatory.method_summary import TITLE, method_summary

    if "model_card" not in data.db.tables():
        return html.P(t("models_missing", lang), className="note")
    return html.Div(
        [html.H3(TITLE[lang])]
        + [
            html.Div([html.H4(s.title), html.P(_linked(s.text, lang))])
            for s in method_summary(db=data.db, lang=lang)
        ],
        id=ids.METHOD_SUMMARY,
    )


def _linked(text: str, lang: str) -> list[Any]:
    """A summary's text with its pointer to the full account made a link to the models' cards on this
    page."""
    from observatory.method_summary import full_account

    before, found, after = text.partition(full_account(lang))
    if not found:
        return [text]
    return [before, html.A(found, href=f"#{MODEL_CARDS}"), after]


def layout(data: AppData, state: ViewState) -> Any:
    lang = state["lang"]
    indicator, year = indicator_choice(data, state["indicator"], state["year"])
    simulated = data.catalogue()
    simulated = simulated[
        simulated.get("note", pd.Series(dtype=str)).astype(str).str.contains("simulat", case=False)
    ]
    return html.Div(
        [
            html.H1(t("page_method", lang)),
            html.Section(
                [
                    html.H2(t("downloads", lang)),
                    html.Label(t("indicator", lang), htmlFor=ids.DOWNLOAD_INDICATOR),
                    dropdown(
                        lang,
                        id=ids.DOWNLOAD_INDICATOR,
                        options=indicator_options(data, lang),
                        value=f"{indicator}|{year}",
                        clearable=False,
                    ),
                    html.Fieldset(
                        [
                            html.Legend(t("download_format", lang)),
                            dcc.RadioItems(
                                id=ids.DOWNLOAD_FORMAT,
                                value="csv",
                                inline=True,
                                options=[{"label": f.upper(), "value": f} for f in FORMATS],
                            ),
                        ]
                    ),
                    html.Button(t("download", lang), id=ids.DOWNLOAD_BUTTON, className="button"),
                    dcc.Download(id=ids.DOWNLOAD),
                    html.P(t("download_note", lang), className="note"),
                ]
            ),
            html.Section([html.H2(t("catalogue", lang)), _catalogue_table(data, lang)]),
            html.Section(
                [
                    html.H2(t("method_index", lang)),
                    dcc.Markdown(t("method_index_text", lang)),
                    _method_summary(data, lang),
                    html.H3(t("model_cards", lang), id=MODEL_CARDS),
                    _model_cards(data, lang),
                ]
            ),
            html.Section([html.H2(t("georeference", lang)), _georeference(data, lang)]),
            html.Section([html.H2(t("use_title", lang)), dcc.Markdown(t("use_text", lang))]),
            html.Section(
                [
                    html.H2(t("simulated_title", lang)),
                    html.P(t("simulated_text", lang) if len(simulated) else t("simulated_none", lang)),
                ]
            ),
            html.Section(
                [
                    html.H2(t("credits", lang)),
                    dcc.Markdown(t("credits_text", lang)),
                    _sources_list(data, lang),
                    html.P(
                        [
                            html.Strong(i18n.text("cite.label", lang)),
                            " ",
                            edition.citation(edition.current(data.db), lang),
                        ],
                        className="cite",
                    ),
                ]
            ),
        ],
        className="method",
    )


def callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.CATALOGUE, "children"),
        Input(ids.CATALOGUE_FILTER, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_filter(text: str | None, lang: str | None) -> Any:
        return _catalogue_rows(data, lang or "fr", text)

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.DOWNLOAD_BUTTON, "n_clicks"),
        State(ids.DOWNLOAD_INDICATOR, "value"),
        State(ids.DOWNLOAD_FORMAT, "value"),
        prevent_initial_call=True,
    )
    def on_download(_clicks: int | None, choice: str | None, fmt: str) -> dict[str, Any]:
        indicator, year = split_choice(choice)
        content, filename = export_bytes(data, indicator, int(year), fmt)
        return send_bytes(content, filename)


register(Page(path="/data", title="page_method", layout=layout, callbacks=callbacks, order=4))
