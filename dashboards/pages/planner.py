"""
Deployment planner: how many assisted AI service points and training centres, within what catchment,
under which equity constraints → the sites on the map, the need served within capacity and reached,
the comparison with three simple methods, the price of equity, the fairness audit and the language
plan; export as CSV, GeoJSON and a report (`observatory.plan_export`). Plans are solved by
`observatory.planner.plan`, never here. A failed solve clears the map and disables every export: no
stale plan. The settings live in the URL (reload and back/forward restore them), and so do the stored
plans shown (`plan=<id>,<id>`): their review status and its history (who, when, why) come from the
database. A server started with writes allowed lets the page save a plan as a draft, with the server's
token, and review a stored plan shown (`planner_review`). On a phone the controls fold behind one button.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict
from functools import lru_cache
from typing import Any, NamedTuple, TypedDict

import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from observatory import plan_export, results
from observatory.errors import DatabaseLockedError, DatabaseReadOnlyError, ObservatoryError
from observatory.formatting import unit_label
from observatory.planner import SITE_TYPES, InfeasiblePlan, Plan
from observatory.planning_frame import PlanningFrame
from observatory.plans import list_plans, read_plan, store_plan

from .. import figures, ids
from ..data import AppData
from ..i18n import t
from ..state import DEFAULTS, EQUITY, ViewState, encode, equity_list, equity_value, parse, shown_url
from ..widgets import aria, dropdown, folded, send_bytes
from . import CallbackApp, Page, register
from .explorer_controls import QUESTION_REGION, place_options
from .planner_frontier import frontier_block
from .planner_map import map_legend, plan_figure
from .planner_review import review_callbacks, review_form
from .planner_sites import sites_table
from .planner_view import SAVED_FROM_APP, report_links, review_block, summary_block

#: The map before a plan (or after a failed solve): empty, without the axes of a blank Plotly chart.
NO_PLAN_FIGURE: dict[str, Any] = {
    "data": [],
    "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False}},
}
#: Solved plans kept for saving, by id (a save after a restart solves the plan again from its parameters).
KEPT_PLANS = 16
#: Planning frames kept in memory: two needs for the country and each of the twelve régions.
FRAMES_KEPT = 26


@lru_cache(maxsize=FRAMES_KEPT)
def planning_frame(data: AppData, need: str, region: str | None) -> PlanningFrame:
    """The planner's input frame of a need in a scope, read once per server: reading it takes seconds,
    solving a région's plan on it about one."""
    return results.planning_frame(db=data.db, need=need, region=region)


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        value = value.item()
    return None if isinstance(value, float) and not np.isfinite(value) else value


def solve(
    data: AppData,
    *,
    region: str | None,
    service_points: int,
    training_centres: int,
    radius_km: float,
    min_per_province: int,
    min_rural_share: float,
    min_women_share: float,
    min_per_region: int = 0,
    solved: dict[str, Plan] | None = None,
) -> dict[str, Any]:
    """
    Both plans (service points, training centres) as a JSON-able dict for the page and the exports;
    `solved` receives the plans by id, for saving. A floor of one site per région or province binds a
    plan with at least as many sites as units; a plan with fewer goes without it, and a note says so.
    A plan already stored (same identity) is marked so, with its review.
    """
    from observatory.planner import plan

    out: dict[str, Any] = {"region": region or "", "radius_km": radius_km, "plans": {}, "notes": []}
    stored = set(list_plans(db=data.db)["plan_id"]) if "plan" in data.db.tables() else set()
    for kind, count in (("service_point", service_points), ("training_centre", training_centres)):
        if count <= 0:
            continue
        pf = planning_frame(data, SITE_TYPES[kind].need, region or None)
        floors = {}
        for level, floor in (("region", min_per_region), ("province", min_per_province)):
            units = int(pf.frame[f"{level}_code"].nunique())
            floors[level] = floor if count >= units * floor else 0
            if floor and not floors[level]:
                out["notes"].append({"level": level, "kind": kind, "sites": int(count), "units": units})
        result = plan(
            pf,
            sites=int(count),
            radius_km=float(radius_km),
            site_type=kind,
            min_per_region=int(floors["region"]),
            min_per_province=int(floors["province"]),
            min_rural_share=float(min_rural_share),
            min_women_share=float(min_women_share),
            name=kind,
            time_limit=60,
        )
        if solved is not None:
            solved[result.plan_id] = result
        summary = {k: _plain(v) for k, v in result.summary.items()}
        out["plans"][kind] = {
            "summary": summary | {"stored": True} if result.plan_id in stored else summary,
            "params": result.params,
            "sites": result.sites.replace({np.nan: None}).to_dict("records"),
            "coverage": result.coverage[result.coverage.plan == "optimal"][
                ["code", "covered", "site_code", "distance_km", "need", "need_served"]
            ]
            .replace({np.inf: None})
            .to_dict("records"),
            "audit": result.audit.to_dict("records"),
            "languages": result.languages.to_dict("records"),
        }
    return out


def export_plan(data: AppData, result: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    """The sites of a plan as CSV or GeoJSON points, with source and licence."""
    statuses = sorted({str(b["summary"].get("review_status") or "") for b in result["plans"].values()})
    review = ", ".join(s for s in statuses if s) or "draft (not saved)"
    return plan_export.export(result["plans"], fmt, data.units("commune"), review=review)


# -- stored plans ----------------------------------------------------------------------------------
def stored_result(data: AppData, plan_ids: list[str]) -> tuple[dict[str, Any] | None, list[str]]:
    """
    Stored plans in the shape `solve` returns (read from the database, never solved again), with their
    review status; and the ids that are not stored.
    """
    stored = set(list_plans(db=data.db)["plan_id"])
    missing = [p for p in plan_ids if p not in stored]
    found = [p for p in plan_ids if p in stored]
    if not found:
        return None, missing
    out: dict[str, Any] = {"region": "", "radius_km": None, "plans": {}}
    for plan_id in found:
        plan = read_plan(plan_id, db=data.db)
        params = plan.params
        kind = str(plan.summary["site_type"] or params.get("site_type") or "training_centre")
        summary = {k: _plain(v) for k, v in plan.summary.items() if k not in ("plan_id", "params")}
        summary |= {"plan_id": plan_id, "stored": True}
        coverage = plan.coverage
        out["region"] = params.get("region") or ""
        out["radius_km"] = summary.get("radius_km")
        out["plans"][kind] = {
            "summary": summary,
            "params": params,
            "sites": plan.sites.replace({np.nan: None}).to_dict("records"),
            "coverage": coverage[["code", "covered", "site_code", "distance_km", "need", "need_served"]]
            .replace({np.inf: None})
            .to_dict("records"),
            "audit": plan.audit.to_dict("records"),
            "languages": plan.languages.to_dict("records"),
        }
    return out, missing


def save(
    data: AppData,
    result: dict[str, Any] | None,
    *,
    by: str | None,
    token: str | None,
    lang: str,
    solved: dict[str, Plan] | None = None,
) -> tuple[str, dict[str, Any] | None]:
    """
    Store the plans on screen as drafts (who saved them recorded), when the server allows writes and
    the token matches; a plan already stored keeps its review. Returns the message and the result
    marked as stored (None when nothing was saved). A database that cannot be written (read-only, or
    held by another writer) is said in the page's language, nothing stored.
    """
    try:
        return _save(data, result, by=by, token=token, lang=lang, solved=solved)
    except DatabaseReadOnlyError:
        return t("plan_save_read_only", lang), None
    except DatabaseLockedError:
        return t("plan_save_busy", lang), None


def _save(
    data: AppData,
    result: dict[str, Any] | None,
    *,
    by: str | None,
    token: str | None,
    lang: str,
    solved: dict[str, Plan] | None,
) -> tuple[str, dict[str, Any] | None]:
    from observatory.planner import replay

    if not data.allow_writes or not data.write_token:
        return t("plan_save_disabled", lang), None
    if not result or not result.get("plans"):
        return t("plan_save_first", lang), None
    if not (by or "").strip():
        return t("plan_save_need_name", lang), None
    if not hmac.compare_digest(str(token or "").encode(), data.write_token.encode()):
        return t("plan_save_bad_token", lang), None
    data.db.check_writable()  # before any plan is solved again or stored, so none is stored alone
    already = set(list_plans(db=data.db)["plan_id"]) if "plan" in data.db.tables() else set()
    saved = {"region": result.get("region", ""), "radius_km": result.get("radius_km"), "plans": {}}
    kept = []
    for kind, body in result["plans"].items():
        plan_id = body["summary"]["plan_id"]
        if plan_id in already:
            kept.append(plan_id)
        else:
            solved_plan = (solved or {}).get(plan_id)
            if solved_plan is None:  # solved by another process or before a restart: solve it again
                params = body["params"]
                frame = results.planning_frame(
                    db=data.db, need=SITE_TYPES[kind].need, region=params.get("region") or None
                )
                solved_plan = replay(frame, params)
            store_plan(solved_plan, db=data.db, by=str(by).strip()[:80], reason=SAVED_FROM_APP)
        saved["plans"][kind] = {**body, "summary": {**body["summary"], "stored": True}}
    new = [b["summary"]["plan_id"] for b in saved["plans"].values() if b["summary"]["plan_id"] not in kept]
    messages = [t("plan_saved", lang, ids=", ".join(new))] if new else []
    messages += [t("plan_already_saved", lang, ids=", ".join(kept))] if kept else []
    return " ".join(messages), saved


# -- layout and callbacks ------------------------------------------------------------------------------
class Settings(TypedDict):
    """The planner's controls: région (None for the whole country), counts, radius (km), equity."""

    region: str | None
    points: int
    centres: int
    radius: int
    equity: list[str]


def settings(state: ViewState) -> Settings:
    """The planner's settings in a view state: région (None for the whole country), counts, radius, equity."""
    region = {"": QUESTION_REGION, "all": None}.get(state["region"], state["region"])
    return {
        "region": region,
        "points": int(state["points"]),
        "centres": int(state["centres"]),
        "radius": int(state["radius"]),
        "equity": scoped_equity(region, equity_list(state["equity"])),
    }


def scoped_equity(region: str | None, equity: list[str]) -> list[str]:
    """The equity constraints that fit the scope: in one région, "one site per région" is one per
    province (the default plan's floor, said at the scale of the plan)."""
    if not region:
        return [e for e in EQUITY if e in equity]
    chosen = {"province" if e == "region" else e for e in equity}
    return [e for e in EQUITY if e in chosen]


def stored_settings(result: dict[str, Any], state: ViewState) -> Settings:
    """The controls as the stored plans on screen were solved (région, counts, radius, equity)."""
    chosen = settings(state)
    counts = {"service_point": 0, "training_centre": 0}
    for kind, body in result["plans"].items():
        params = body.get("params") or {}
        counts[kind] = int(params.get("sites", counts[kind]))
        chosen["radius"] = int(params.get("radius_km") or chosen["radius"])
        chosen["equity"] = [
            e
            for e, on in (
                ("region", params.get("min_per_region")),
                ("province", params.get("min_per_province")),
                ("rural", params.get("min_rural_share")),
                ("women", params.get("min_women_share")),
            )
            if on
        ]
    return {
        **chosen,
        "region": result.get("region") or None,
        "points": counts["service_point"],
        "centres": counts["training_centre"],
    }


def url_state(
    lang: str, region: str | None, points: Any, centres: Any, radius: Any, equity: list[str] | None
) -> ViewState:
    """The view state of the planner's controls, for the URL (no stored plan: the settings changed)."""

    def bounded(value: Any, top: int, default: str) -> str:
        try:
            return str(min(max(int(value), 0), top))
        except (TypeError, ValueError):
            return default

    return {
        **DEFAULTS,
        "lang": lang,
        "region": region or "all",
        "points": bounded(points, 200, DEFAULTS["points"]),
        "centres": bounded(centres, 100, DEFAULTS["centres"]),
        "radius": bounded(radius, 50, DEFAULTS["radius"]),
        "equity": equity_value(scoped_equity(region, list(equity or []))),
    }


class Shown(NamedTuple):
    """What the page shows of a plan (or of none), in the order of PLAN_OUTPUTS."""

    figure: Any
    summary: Any
    store: dict[str, Any] | None
    no_csv: bool
    no_geojson: bool
    no_save: bool
    review: Any
    links: Any
    legend: Any
    sites: Any
    frontier: Any


def outcome(data: AppData, result: dict[str, Any] | None, lang: str, message: Any = None) -> Shown:
    """
    What the page shows of a plan, or of none (a failed solve, an unknown id): map, summary, store,
    CSV/GeoJSON exports disabled or not, save disabled or not, review status, report links, the map's
    legend, the table of sites and the equity frontier (with the plan marked).
    """
    if result is None:
        return Shown(
            NO_PLAN_FIGURE,
            message,
            None,
            True,
            True,
            True,
            None,
            None,
            None,
            None,
            frontier_block(data, None, lang),
        )
    block = summary_block(data, result, lang)
    return Shown(
        plan_figure(data, result, lang),
        html.Div([message, block] if message else [block]),
        result,
        False,
        False,
        not data.allow_writes,
        review_block(data, result, lang),
        report_links(result, lang),
        map_legend(result, lang),
        sites_table(data, result, lang),
        frontier_block(data, result, lang),
    )


def layout(data: AppData, state: ViewState) -> html.Div:
    """The planner for a state: its settings, or the stored plans it names, solved or read."""
    lang = state["lang"]
    available = data.has_index() and "training_need_15_plus" in set(data.catalogue().indicator_id)
    if not available:
        return html.Div(
            [html.H1(t("page_planner", lang)), html.P(t("planner_missing", lang), className="note")]
        )
    result, missing = stored_result(data, state["plan"].split(",")) if state["plan"] else (None, [])
    chosen = settings(state) if result is None else stored_settings(result, state)
    note = (
        html.P(t("plan_unknown", lang, id=", ".join(missing)), className="error", role="alert")
        if missing
        else None
    )
    hint = html.P(t("plan_hint", lang), className="note")
    shown = outcome(data, result, lang, note if result is not None else (note or hint))
    return html.Div(
        [
            html.H1(t("page_planner", lang)),
            html.P(t("planner.intro", lang), className="note"),
            html.Div(
                [
                    folded(plan_controls(data, lang, chosen, shown), lang, label="plan_controls_toggle"),
                    plan_panel(lang, shown, review_form(data, result, lang)),
                ],
                className="explorer",
            ),
            dcc.Store(id=ids.PLAN_STORE, data=shown.store),
        ]
    )


def plan_controls(data: AppData, lang: str, chosen: Settings, shown: Shown) -> html.Div:
    """The settings, the run button, the exports and report links, and the save form."""
    return html.Div(
        [
            *plan_settings(data, lang, chosen),
            html.Button(t("plan_run", lang), id=ids.PLAN_RUN, className="button"),
            plan_exports(shown),
            html.Div(shown.links, id=ids.PLAN_REPORT_LINKS),
            dcc.Download(id=ids.PLAN_DOWNLOAD),
            save_form(data, lang, no_save=shown.no_save),
        ],
        id=ids.CONTROLS,
        className="controls",
    )


def plan_settings(data: AppData, lang: str, chosen: Settings) -> list[Component]:
    """Région, counts of service points and training centres, catchment radius, equity constraints."""
    return [
        html.Label(t("region", lang), htmlFor=ids.PLAN_REGION),
        dropdown(
            lang,
            id=ids.PLAN_REGION,
            options=place_options(data.units("region"), lang),
            value=chosen["region"],
            placeholder=t("all_regions", lang),
        ),
        html.Label(t("plan_points", lang), htmlFor=ids.PLAN_POINTS),
        dcc.Input(id=ids.PLAN_POINTS, type="number", min=0, max=200, step=1, value=chosen["points"]),
        html.Label(t("plan_centres", lang), htmlFor=ids.PLAN_CENTRES),
        dcc.Input(id=ids.PLAN_CENTRES, type="number", min=0, max=100, step=1, value=chosen["centres"]),
        html.Label(t("plan_radius", lang), htmlFor=ids.PLAN_RADIUS),
        dcc.Slider(
            id=ids.PLAN_RADIUS,
            min=5,
            max=50,
            step=5,
            value=chosen["radius"],
            marks={v: f"{v} {unit_label('km', lang)}" for v in (5, 15, 30, 50)},
        ),
        html.Fieldset(
            [
                html.Legend(t("plan_equity", lang)),
                dcc.Checklist(
                    id=ids.PLAN_EQUITY, options=equity_options(chosen["region"], lang), value=chosen["equity"]
                ),
            ]
        ),
    ]


def equity_options(region: str | None, lang: str) -> list[dict[str, str]]:
    """The equity constraints that mean something in the scope: no 'one site per région' in one région."""
    return [{"label": t(f"equity_{e}", lang), "value": e} for e in EQUITY if not (region and e == "region")]


def plan_exports(shown: Shown) -> html.Div:
    """CSV and GeoJSON buttons, disabled while no plan is on screen (the report is a link, below)."""
    return html.Div(
        [
            html.Button("CSV", id=ids.PLAN_EXPORT_CSV, className="button", disabled=shown.no_csv),
            html.Button("GeoJSON", id=ids.PLAN_EXPORT_GEOJSON, className="button", disabled=shown.no_geojson),
        ],
        className="exports",
    )


def save_form(data: AppData, lang: str, *, no_save: bool) -> html.Details:
    """Who saves and the server's token, folded (few readers save); disabled, and saying why, on a
    server without writes."""
    writes_off = not data.allow_writes
    return html.Details(
        [
            html.Summary(t("plan_save_title", lang)),
            html.Label(t("plan_save_by", lang), htmlFor=ids.PLAN_SAVE_BY),
            dcc.Input(id=ids.PLAN_SAVE_BY, type="text", maxLength=80, disabled=writes_off),
            html.Label(t("plan_save_token", lang), htmlFor=ids.PLAN_SAVE_TOKEN),
            dcc.Input(id=ids.PLAN_SAVE_TOKEN, type="password", autoComplete="off", disabled=writes_off),
            html.Button(
                t("plan_save", lang),
                id=ids.PLAN_SAVE,
                className="button",
                disabled=no_save,
                **aria("describedby", ids.PLAN_SAVE_STATUS),
            ),
            html.P(
                t("plan_save_disabled", lang) if writes_off else None,
                id=ids.PLAN_SAVE_STATUS,
                role="status",
                className="note",
            ),
        ],
        className="plan-save",
        open=not writes_off,
    )


def plan_panel(lang: str, shown: Shown, review: Any = None) -> html.Div:
    """The review status (said once) and the review form of a stored plan, the map of the plan with its
    legend, the table of sites, the need and each plan's summary, and the equity frontier."""
    return html.Div(
        [
            html.Div(id=ids.PLAN_REVIEW, children=shown.review),
            review,
            dcc.Loading(
                dcc.Graph(
                    id=ids.PLAN_MAP, figure=shown.figure, config=figures.graph_config(lang), className="map"
                )
            ),
            html.Div(id=ids.PLAN_LEGEND, children=shown.legend),
            html.Div(id=ids.PLAN_SITES, children=shown.sites),
            html.Div(id=ids.PLAN_SUMMARY, children=shown.summary),
            html.P(t("plan_demand_note", lang), className="note"),
            html.Div(id=ids.PLAN_FRONTIER, children=shown.frontier),
        ],
        className="maps planner-panel",
    )


PLAN_OUTPUTS = (
    (ids.PLAN_MAP, "figure"),
    (ids.PLAN_SUMMARY, "children"),
    (ids.PLAN_STORE, "data"),
    (ids.PLAN_EXPORT_CSV, "disabled"),
    (ids.PLAN_EXPORT_GEOJSON, "disabled"),
    (ids.PLAN_SAVE, "disabled"),
    (ids.PLAN_REVIEW, "children"),
    (ids.PLAN_REPORT_LINKS, "children"),
    (ids.PLAN_LEGEND, "children"),
    (ids.PLAN_SITES, "children"),
    (ids.PLAN_FRONTIER, "children"),
)


def run(data: AppData, state: ViewState, solved: dict[str, Plan] | None = None) -> Shown:
    """Solve the plans of a view state: what the page shows (`outcome`), or no plan and the reason."""
    lang = state["lang"]
    chosen = settings(state)
    equity = chosen["equity"]
    try:
        result = solve(
            data,
            region=chosen["region"],
            service_points=chosen["points"],
            training_centres=chosen["centres"],
            radius_km=float(chosen["radius"]),
            min_per_region=1 if "region" in equity else 0,
            min_per_province=1 if "province" in equity else 0,
            min_rural_share=0.3 if "rural" in equity else 0.0,
            min_women_share=0.5 if "women" in equity else 0.0,
            solved=solved,
        )
    except InfeasiblePlan as err:  # the map and every export drop the previous plan: nothing stale
        failed = html.P(f"{t('plan_failed', lang)} {err.message(lang)}", className="error", role="alert")
        return outcome(data, None, lang, failed)
    except (ObservatoryError, ValueError) as err:
        return outcome(
            data, None, lang, html.P(f"{t('plan_failed', lang)} {err}", className="error", role="alert")
        )
    return outcome(data, result, lang)


def callbacks(app: CallbackApp, data: AppData) -> None:
    """The planner's callbacks: run, settings into the URL, save (with the plans solved here kept for
    it), review, exports."""
    kept: OrderedDict[str, Plan] = OrderedDict()
    run_callbacks(app, data, kept)
    save_callbacks(app, data, kept)
    review_callbacks(app, data)
    export_callbacks(app, data)


def keep(kept: OrderedDict[str, Plan], solved: dict[str, Plan]) -> None:
    """Keep the plans just solved for saving, the KEPT_PLANS latest."""
    kept.update(solved)
    while len(kept) > KEPT_PLANS:
        kept.popitem(last=False)


def run_callbacks(app: CallbackApp, data: AppData, kept: OrderedDict[str, Plan]) -> None:
    @app.callback(
        *[Output(i, p, allow_duplicate=True) for i, p in PLAN_OUTPUTS],
        Output(ids.PLAN_SAVE_STATUS, "children", allow_duplicate=True),
        Input(ids.PLAN_RUN, "n_clicks"),
        State(ids.PLAN_REGION, "value"),
        State(ids.PLAN_POINTS, "value"),
        State(ids.PLAN_CENTRES, "value"),
        State(ids.PLAN_RADIUS, "value"),
        State(ids.PLAN_EQUITY, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_run(
        _clicks: int | None,
        region: str | None,
        points: Any,
        centres: Any,
        radius: Any,
        equity: list[str] | None,
        lang: str | None,
    ) -> tuple[Any, ...]:
        lang = lang or "fr"
        solved: dict[str, Plan] = {}
        shown = run(data, url_state(lang, region, points, centres, radius, equity), solved)
        keep(kept, solved)
        return (*shown, None if data.allow_writes else t("plan_save_disabled", lang))

    @app.callback(
        Output(ids.PLAN_EQUITY, "options"),
        Output(ids.PLAN_EQUITY, "value", allow_duplicate=True),
        Input(ids.PLAN_REGION, "value"),
        State(ids.PLAN_EQUITY, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_scope(region: str | None, equity: list[str] | None, lang: str | None) -> tuple[Any, Any]:
        chosen = scoped_equity(region, list(equity or []))
        return equity_options(region, lang or "fr"), no_update if chosen == list(equity or []) else chosen

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.VIEW_SEARCH, "data", allow_duplicate=True),
        Input(ids.PLAN_REGION, "value"),
        Input(ids.PLAN_POINTS, "value"),
        Input(ids.PLAN_CENTRES, "value"),
        Input(ids.PLAN_RADIUS, "value"),
        Input(ids.PLAN_EQUITY, "value"),
        State(ids.LANG, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def on_settings(
        region: str | None,
        points: Any,
        centres: Any,
        radius: Any,
        equity: list[str] | None,
        lang: str | None,
        current: str | None,
    ) -> tuple[Any, Any]:
        search = encode(url_state(lang or "fr", region, points, centres, radius, equity))
        if search == current:  # the scope's equity fitted after a région change: one history entry, not two
            return no_update, no_update
        return search, shown_url("/planner", search)


def save_callbacks(app: CallbackApp, data: AppData, kept: OrderedDict[str, Plan]) -> None:
    @app.callback(
        Output(ids.PLAN_SAVE_STATUS, "children", allow_duplicate=True),
        Output(ids.PLAN_STORE, "data", allow_duplicate=True),
        Output(ids.PLAN_REVIEW, "children", allow_duplicate=True),
        Output(ids.PLAN_REPORT_LINKS, "children", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.VIEW_SEARCH, "data", allow_duplicate=True),
        Input(ids.PLAN_SAVE, "n_clicks"),
        State(ids.PLAN_STORE, "data"),
        State(ids.PLAN_SAVE_BY, "value"),
        State(ids.PLAN_SAVE_TOKEN, "value"),
        State(ids.URL, "search"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_save(
        _clicks: int | None,
        result: dict[str, Any] | None,
        by: str | None,
        token: str | None,
        search: str | None,
        lang: str | None,
    ) -> tuple[Any, ...]:
        lang = lang or "fr"
        message, saved = save(data, result, by=by, token=token, lang=lang, solved=kept)
        if saved is None:
            return message, no_update, no_update, no_update, no_update, no_update
        state = parse(search, lang=lang)
        state["plan"] = ",".join(b["summary"]["plan_id"] for b in saved["plans"].values())
        new_search = encode(state)
        return (
            message,
            saved,
            review_block(data, saved, lang),
            report_links(saved, lang),
            new_search,
            shown_url("/planner", new_search),
        )


def export_callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.PLAN_DOWNLOAD, "data"),
        Input(ids.PLAN_EXPORT_CSV, "n_clicks"),
        Input(ids.PLAN_EXPORT_GEOJSON, "n_clicks"),
        State(ids.PLAN_STORE, "data"),
        prevent_initial_call=True,
    )
    def on_export(_csv: int | None, _geojson: int | None, result: dict[str, Any] | None) -> Any:
        if not result:
            return no_update
        fmt = "csv" if ctx.triggered_id == ids.PLAN_EXPORT_CSV else "geojson"
        content, name = export_plan(data, result, fmt)
        return send_bytes(content, name)


register(Page(path="/planner", title="page_planner", layout=layout, callbacks=callbacks, order=3))
