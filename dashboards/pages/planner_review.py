"""
Reviewing a stored plan from the planner page: on a server started with writes allowed, a small form
(who reviews, the server's token, reviewed, approved or rejected, and why) records the review through
`observatory.plans.review_plan`, so the store's rules hold here as on the command line: its author cannot
review it, whoever reviewed it cannot approve it, and a refusal is the store's one line in the page's
language. The history shown under the status is read again after each review. A read-only server shows
no form, only why.
"""

from __future__ import annotations

import hmac
from typing import Any

from dash import Input, Output, State, dcc, html, no_update

from observatory.errors import DatabaseReadOnlyError
from observatory.plan_log import ReviewRefused
from observatory.plans import review_plan

from .. import ids
from ..data import AppData
from ..i18n import t
from ..widgets import aria
from . import CallbackApp
from .planner_view import review_block

#: The moves a reviewer may record from the page (back to draft stays with the command line and the API).
DECISIONS = ("reviewed", "approved", "rejected")


def stored_ids(result: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The stored plans on screen, as (kind of site, plan id)."""
    if not result:
        return []
    return [
        (kind, str(body["summary"]["plan_id"]))
        for kind, body in result.get("plans", {}).items()
        if body["summary"].get("stored") and body["summary"].get("plan_id")
    ]


def review_form(data: AppData, result: dict[str, Any] | None, lang: str) -> Any:
    """The review form of the stored plans shown; on a read-only server, the sentence saying what reviews
    need; nothing while no stored plan is shown."""
    plans = stored_ids(result)
    if not plans:
        return None
    if not data.allow_writes or not data.write_token:
        return html.P(t("plan_review_disabled", lang), className="note", id=ids.PLAN_REVIEW_MESSAGE)
    choices = [{"label": f"{t(f'site_{kind}', lang)} · {p}", "value": p} for kind, p in plans]
    return html.Details(
        [
            html.Summary(t("plan_review_title", lang)),
            html.Fieldset(
                [
                    html.Legend(t("plan_review_plan", lang)),
                    dcc.RadioItems(id=ids.PLAN_REVIEW_PLAN, options=choices, value=plans[0][1]),
                ]
            ),
            html.Label(t("plan_review_by", lang), htmlFor=ids.PLAN_REVIEW_BY),
            dcc.Input(id=ids.PLAN_REVIEW_BY, type="text", maxLength=80),
            html.Label(t("plan_save_token", lang), htmlFor=ids.PLAN_REVIEW_TOKEN),
            dcc.Input(id=ids.PLAN_REVIEW_TOKEN, type="password", autoComplete="off"),
            html.Fieldset(
                [
                    html.Legend(t("plan_review_status", lang)),
                    dcc.RadioItems(
                        id=ids.PLAN_REVIEW_STATUS,
                        options=[{"label": t(f"review_{s}", lang), "value": s} for s in DECISIONS],
                        value=DECISIONS[0],
                    ),
                ]
            ),
            html.Label(t("plan_review_reason", lang), htmlFor=ids.PLAN_REVIEW_REASON),
            dcc.Textarea(id=ids.PLAN_REVIEW_REASON, maxLength=500),
            html.Button(
                t("plan_review_send", lang),
                id=ids.PLAN_REVIEW_SEND,
                className="button",
                **aria("describedby", ids.PLAN_REVIEW_MESSAGE),
            ),
            html.P(id=ids.PLAN_REVIEW_MESSAGE, role="status", className="note"),
        ],
        className="plan-save plan-review-form",
        open=True,
    )


def review(
    data: AppData,
    result: dict[str, Any] | None,
    *,
    plan_id: str | None,
    by: str | None,
    token: str | None,
    status: str | None,
    reason: str | None,
    lang: str,
) -> tuple[str, bool]:
    """Record a review of a stored plan shown, when the server allows writes and the token matches.
    Returns the line to show and whether the review was recorded (a refusal, or a database file left
    read-only by its owner, stores nothing)."""
    if not data.allow_writes or not data.write_token:
        return t("plan_review_disabled", lang), False
    if plan_id not in {p for _kind, p in stored_ids(result)}:
        return t("plan_review_choose", lang), False
    if not hmac.compare_digest(str(token or "").encode(), data.write_token.encode()):
        return t("plan_review_bad_token", lang), False
    try:
        review_plan(
            str(plan_id),
            str(status or ""),
            reviewer=str(by or "")[:80],
            reason=str(reason or "")[:500],
            db=data.db,
        )
    except ReviewRefused as refused:
        return refused.message(lang), False
    except DatabaseReadOnlyError:  # writes allowed, but the file's owner made it read-only
        return t("plan_review_read_only", lang), False
    return t("plan_reviewed", lang, id=plan_id, status=t(f"review_{status}", lang)), True


def review_callbacks(app: CallbackApp, data: AppData) -> None:
    @app.callback(
        Output(ids.PLAN_REVIEW_MESSAGE, "children"),
        Output(ids.PLAN_REVIEW, "children", allow_duplicate=True),
        Input(ids.PLAN_REVIEW_SEND, "n_clicks"),
        State(ids.PLAN_STORE, "data"),
        State(ids.PLAN_REVIEW_PLAN, "value"),
        State(ids.PLAN_REVIEW_BY, "value"),
        State(ids.PLAN_REVIEW_TOKEN, "value"),
        State(ids.PLAN_REVIEW_STATUS, "value"),
        State(ids.PLAN_REVIEW_REASON, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_review(
        _clicks: int | None,
        result: dict[str, Any] | None,
        plan_id: str | None,
        by: str | None,
        token: str | None,
        status: str | None,
        reason: str | None,
        lang: str | None,
    ) -> tuple[Any, Any]:
        lang = lang or "fr"
        message, recorded = review(
            data, result, plan_id=plan_id, by=by, token=token, status=status, reason=reason, lang=lang
        )
        return message, review_block(data, result, lang) if recorded else no_update
