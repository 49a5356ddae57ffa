"""
A plan as files people take away: its sites as CSV or GeoJSON points, or a short HTML report with
its review status, coverage by group, baselines, price of equity and language plan. One owner for the
app's downloads and `observatory plan export`; every site is named (`name_fr`, `name_ar`) and carries
the plan's review status (`status`: draft, reviewed, approved, rejected or superseded), what the plan
rests on (`rests_on`: which of its inputs are scenarios, or the census only), its source, its licence
and, in `notice`, the reminder that a plan is a proposal until it is approved.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd

from . import i18n
from .plan_inputs import inputs_of, rests_on
from .results_schema import RESULT_TABLES

SOURCE = (
    "observatory planner (capacitated maximal covering, CBC); need: observatory analytics from HCP "
    "RGPH 2024; languages and illiteracy: HCP RGPH 2024"
)
LICENCE = "CC BY 4.0"
#: A site's row in an export: what it is and where, named, then the stored `plan_site` columns.
SITE_COLUMNS = [
    "kind",
    "code",
    "name_fr",
    "name_ar",
    *(c for c in RESULT_TABLES["plan_site"] if c not in ("plan_id", "plan", "code", "kind")),
]


def notice(lang: str = "en") -> str:
    """What every export says of a plan: a proposal until it is approved."""
    return i18n.text("plan.export.notice", lang)


def plan_rests_on(body: dict[str, Any], lang: str = "en") -> str:
    """What one plan of an export rests on, in a sentence (`plan_inputs.rests_on`), from its parameters
    (`params`, or its summary's stored JSON)."""
    summary = body.get("summary")
    params = body.get("params") or (summary.get("params") if isinstance(summary, dict) else None) or {}
    return rests_on(inputs_of(params), lang)


def site_rows(
    sites: pd.DataFrame,
    names: pd.DataFrame | None = None,
    *,
    site_type: str = "",
    status: str = "draft",
    lang: str = "en",
    rests: str = "",
) -> pd.DataFrame:
    """The optimal plan's sites with names, rounded, with the plan's review status, what it rests on,
    source, licence and notice. `names` (code, name_fr, name_ar) names sites that do not carry theirs."""
    frame = sites[sites["plan"] == "optimal"] if "plan" in sites else sites
    frame = frame.assign(kind=site_type or frame.get("kind", ""))
    if names is not None:
        frame = frame.drop(columns=["name_fr", "name_ar"], errors="ignore").merge(
            names[["code", "name_fr", "name_ar"]], on="code", how="left"
        )
    frame = frame.reindex(columns=SITE_COLUMNS).round(
        {"lon": 5, "lat": 5, "need_served": 1, "need_reached": 1, "languages_reach": 3, "voice_only_share": 3}
    )
    return frame.assign(rests_on=rests, source=SOURCE, licence=LICENCE, status=status, notice=notice(lang))


def export(
    plans: dict[str, dict[str, Any]],
    fmt: str,
    names: pd.DataFrame | None = None,
    review: str = "draft",
    *,
    lang: str = "en",
) -> tuple[bytes, str]:
    """
    `plans` maps a site type to {"summary", "sites", "audit", "languages"} (frames or records); `fmt`
    is csv, geojson or html. A site's `status` is its plan's `review_status` (a stored plan's), else
    `review`. Returns the bytes and a file name.
    """
    frames = {
        kind: {k: pd.DataFrame(v) if not isinstance(v, (pd.DataFrame, dict)) else v for k, v in body.items()}
        for kind, body in plans.items()
    }
    rows = (
        pd.concat(
            [
                site_rows(
                    b["sites"],
                    names,
                    site_type=kind,
                    status=_status(b, review),
                    lang=lang,
                    rests=plan_rests_on(b, lang),
                )
                for kind, b in frames.items()
            ],
            ignore_index=True,
        )
        if frames
        else pd.DataFrame(columns=SITE_COLUMNS)
    )
    if fmt == "csv":
        return rows.to_csv(index=False).encode("utf-8"), "plan_sites.csv"
    if fmt == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    k: (None if pd.isna(v) else v) for k, v in r.items() if k not in ("lon", "lat")
                },
            }
            for r in rows.to_dict("records")
        ]
        body = {
            "type": "FeatureCollection",
            "features": features,
            "properties": {
                "source": SOURCE,
                "licence": LICENCE,
                "status": review,
                "notice": notice(lang),
                "rests_on": {kind: plan_rests_on(b, lang) for kind, b in frames.items()},
            },
        }
        return json.dumps(body, ensure_ascii=False, default=float).encode("utf-8"), "plan_sites.geojson"
    if fmt != "html":
        raise ValueError(f"unknown export format {fmt!r}; valid: csv, geojson, html")
    return report_html(frames, rows, review, lang=lang).encode("utf-8"), "plan_report.html"


def _status(body: dict[str, Any], review: str) -> str:
    summary = body.get("summary")
    status = summary.get("review_status") if isinstance(summary, dict) else None
    return str(status) if isinstance(status, str) and status else review


def report_html(
    plans: dict[str, dict[str, Any]], rows: pd.DataFrame, review: str, *, lang: str = "en"
) -> str:
    """The plan report: status, figures, coverage by group, language plan, sites."""
    out = [
        "<!doctype html><meta charset='utf-8'><title>Deployment plan</title><h1>Deployment plan</h1>",
        f"<p><strong>{html.escape(notice(lang))}</strong>. Review status: {html.escape(review)}.</p>",
    ]
    for kind, body in plans.items():
        s = body["summary"]
        catchment = f"{s['max_minutes']} min" if s.get("max_minutes") else f"{s['radius_km']} km"
        out.append(
            f"<h2>{html.escape(kind)}</h2><p class='rests-on'>{html.escape(plan_rests_on(body, lang))}</p>"
        )
        out.append(
            "<ul>"
            f"<li>{int(s['sites_new'])} new sites, {int(s['sites_existing'])} existing; capacity "
            f"{s.get('capacity') or 'none'} per site; catchment "
            f"{catchment}</li>"
            f"<li>need served within capacity: {100 * s['covered_share']:.1f}%; reached within the "
            f"catchment: {100 * s['reached_share']:.1f}%</li><li>best baseline ({s['best_baseline']}): "
            f"{100 * s['best_baseline_covered_share']:.1f}% served; gain {s['gain_over_best']:.3f}×</li>"
        )
        if s.get("price_of_equity_points") is not None and not pd.isna(s.get("price_of_equity_points")):
            out.append(
                f"<li>price of the equity constraints: {s['price_of_equity_points']:.2f} points served, "
                f"{s['price_of_equity_reach_points']:.2f} points reached</li>"
            )
        out.append("</ul>")
        audit = body["audit"]
        audit = audit[audit["plan"] == "optimal"] if "plan" in audit else audit
        out.append(
            audit[["group_type", "group", "need", "reached_share", "covered_share", "unmet_need"]]
            .round(3)
            .to_html(index=False)
        )
        languages = body.get("languages")
        if languages is not None and len(languages):
            langs = languages[languages["plan"] == "optimal"] if "plan" in languages else languages
            out.append("<h3>Language plan (sites per language)</h3>")
            out.append(langs[["language", "sites"]].to_html(index=False))
    out.append(rows.drop(columns=["rests_on", "source", "licence", "status", "notice"]).to_html(index=False))
    out.append(f"<p>Source: {html.escape(SOURCE)}. Licence: {LICENCE}.</p>")
    return "\n".join(out)
