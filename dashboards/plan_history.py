"""
A stored plan's decision history on the planner page, read-only: every entry of its review log (who
moved it from which status to which, when, why, and the start of the entry's hash), as the library
reads and checks it (`StoredPlan.history`); the newest hash in full under it, for whoever needs to
prove later that nothing was removed. Reviews are recorded on the command line, through the API or
with the planner page's review form.
"""

from __future__ import annotations

from collections.abc import Mapping

from dash import html

from observatory import i18n
from observatory.plans import StoredPlan

from .i18n import t

#: How much of a hash a row shows (the whole hash is the cell's tooltip).
HASH_SHOWN = 12


def plan_history(stored: StoredPlan, lang: str, *, reasons: Mapping[str, str] | None = None) -> html.Div:
    """The history block of one stored plan; `reasons` names the app's own recorded reasons (a reason
    stored as the key is shown as the app's string of that key)."""
    history = stored.history
    if history.empty:
        return html.Div(
            html.P(i18n.text("plan.history.none", lang), className="note"), className="plan-history"
        )
    reasons = reasons or {}
    head = [
        i18n.text("plan.history.move_column", lang),
        *(t(f"plan_history_{k}", lang) for k in ("who", "when", "why")),
        i18n.text("plan.history.hash_column", lang),
    ]
    rows = [
        html.Tr(
            [
                html.Td(_move(r.from_status, r.status, lang)),
                html.Td(html.Bdi(r.who)),
                html.Td(str(r.when)[:16].replace("T", " "), dir="ltr"),
                html.Td(html.Bdi(t(reasons[r.reason], lang) if r.reason in reasons else r.reason)),
                html.Td(html.Code(str(r.hash)[:HASH_SHOWN]), title=str(r.hash), dir="ltr"),
            ]
        )
        for r in history.itertuples()
    ]
    newest = str(history["hash"].iloc[-1])
    return html.Div(
        [
            html.H4(i18n.text("plan.history.title", lang)),
            html.Table(
                [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)], className="ranking-table"
            ),
            html.P(i18n.text("plan.history.note", lang, hash=newest), className="note"),
        ],
        className="plan-history",
    )


def _move(from_status: str, status: str, lang: str) -> str:
    words = {s: t(f"review_{s}", lang) for s in (from_status, status) if s}
    if not from_status:
        return i18n.text("plan.history.saved", lang, status=words[status])
    return i18n.text("plan.history.move", lang, from_status=words[from_status], status=words[status])
