"""
The register of challenges: every challenge to a served figure or a commune's boundary, its status and
the days to its decision, from the challenge store (`observatory.challenges.register`), and how to
submit one; on a server started for writes, a form that submits one through the same store (with the
server's token, as the planner's saves). Names, evidence and contact details are not shown here.
"""

from __future__ import annotations

import hmac
from typing import Any, Literal

import pandas as pd
from dash import Input, Output, State, dcc, html

from observatory import challenges, i18n
from observatory.formatting import number

from .. import ids
from ..data import AppData
from ..i18n import t
from ..state import ViewState
from . import CallbackApp, Page, register

#: The register's columns, each with its heading's key.
COLUMNS = ("challenge", "unit", "figure", "status", "submitted", "decided", "days")


def register_table(frame: pd.DataFrame, lang: str) -> Any:
    """The register as a table, newest first; its words in `lang`."""
    head = html.Thead(html.Tr([html.Th(t(f"challenge_column_{c}", lang), scope="col") for c in COLUMNS]))
    rows = []
    for r in frame.iloc[::-1].itertuples():
        figure = (
            f"{r.indicator_id} {r.year}" if r.kind == "figure" else i18n.text("challenge.kind.boundary", lang)
        )
        days = "–" if pd.isna(r.days_to_decision) else number(float(r.days_to_decision), lang, decimals=2)
        cells = [
            r.challenge_id,
            r.unit_code,
            figure,
            html.Span(i18n.text(f"challenge.status.{r.status}", lang), className=f"badge {r.status}"),
            str(r.submitted_at)[:10],
            "–" if pd.isna(r.decided_at) else str(r.decided_at)[:10],
            days,
        ]
        rows.append(html.Tr([html.Td(c) for c in cells]))
    return html.Table([head, html.Tbody(rows)], className="register-table", id=ids.CHALLENGE_TABLE)


def index_note(data: AppData, code: str, lang: str) -> list[Any]:
    """A line under a commune's index when a corrected figure it was computed from makes it out of date."""
    affected = challenges.affected(db=data.db)
    which = affected[(affected["kind"] == "index") & (affected["unit_code"] == code)]["challenge_id"]
    if not len(which):
        return []
    return [
        html.P(f"{i18n.text('correction.affected', lang)}: {', '.join(which)}", className="note correction")
    ]


#: The form's text fields: (id, key of its label, input type, longest).
FIELDS: tuple[tuple[str, str, Literal["text", "number", "email"], int], ...] = (
    (ids.CHALLENGE_UNIT, "challenge_form_unit", "text", 20),
    (ids.CHALLENGE_INDICATOR, "challenge_form_indicator", "text", 100),
    (ids.CHALLENGE_YEAR, "challenge_form_year", "number", 4),
    (ids.CHALLENGE_VALUE, "challenge_form_value", "number", 20),
    (ids.CHALLENGE_BY, "challenge_form_by", "text", challenges.MAX_NAME),
    (ids.CHALLENGE_CONTACT, "challenge_form_contact", "email", challenges.MAX_CONTACT),
)


def submit_form(data: AppData, lang: str, code: str | None) -> html.Div:
    """The submission form; on a read-only server its fields are off and it says why."""
    off = not data.allow_writes
    parts: list[Any] = [html.Legend(t("challenge_form_title", lang))]
    for field, label, kind, longest in FIELDS:
        parts += [
            html.Label(t(label, lang), htmlFor=field),
            dcc.Input(
                id=field,
                type=kind,
                maxLength=longest,
                disabled=off,
                value=code if field == ids.CHALLENGE_UNIT else None,
            ),
        ]
    parts += [
        html.Label(t("challenge_form_evidence", lang), htmlFor=ids.CHALLENGE_EVIDENCE),
        dcc.Textarea(id=ids.CHALLENGE_EVIDENCE, maxLength=challenges.MAX_EVIDENCE, disabled=off),
        html.Label(t("plan_save_token", lang), htmlFor=ids.CHALLENGE_TOKEN),
        dcc.Input(id=ids.CHALLENGE_TOKEN, type="password", autoComplete="off", disabled=off),
        html.Button(
            t("challenge_form_submit", lang), id=ids.CHALLENGE_SUBMIT, className="button", disabled=off
        ),
        html.P(
            t("challenge_form_disabled", lang) if off else None,
            id=ids.CHALLENGE_STATUS,
            role="status",
            className="note",
        ),
    ]
    return html.Div(html.Fieldset(parts), className="challenge-form")


def submitted(data: AppData, lang: str, form: dict[str, Any], token: str | None) -> str:
    """
    Submit the form's challenge through the store when the server allows writes and the token matches;
    the line to show: the new challenge's id, or why nothing was stored.
    """
    if not data.allow_writes or not data.write_token:
        return t("challenge_form_disabled", lang)
    if not hmac.compare_digest(str(token or "").encode(), data.write_token.encode()):
        return t("plan_save_bad_token", lang)
    try:
        year = int(form["year"]) if form.get("year") not in (None, "") else None
        value = float(form["value"]) if form.get("value") not in (None, "") else None
        challenge_id = challenges.submit(
            unit=str(form.get("unit") or ""),
            indicator=str(form.get("indicator") or "") or None,
            year=year,
            value=value,
            evidence=str(form.get("evidence") or ""),
            by=str(form.get("by") or ""),
            contact=str(form.get("contact") or "") or None,
            db=data.db,
        )
    except challenges.Refused as err:
        return err.message(lang)
    except (TypeError, ValueError, OverflowError):
        return i18n.text("challenge.refused.figure_needs", lang)
    return t("challenge_form_done", lang, challenge_id=challenge_id)


def layout(data: AppData, state: ViewState) -> html.Div:
    lang = state["lang"]
    frame = challenges.register(db=data.db)
    return html.Div(
        [
            html.H1(t("challenges_title", lang), id=ids.CHALLENGE_TITLE),
            html.P(t("challenges_intro", lang)),
            html.P(html.Code(t("challenges_how", lang, code=state["code"] or "CODE")), className="note"),
            register_table(frame, lang)
            if len(frame)
            else html.P(t("challenges_none", lang), className="note"),
            submit_form(data, lang, state["code"]),
        ],
        className="challenges",
    )


def callbacks(app: CallbackApp, data: AppData) -> None:
    """The register is rendered whole by the router; the form submits through `submitted`."""

    @app.callback(
        Output(ids.CHALLENGE_STATUS, "children"),
        Input(ids.CHALLENGE_SUBMIT, "n_clicks"),
        *(State(field, "value") for field, *_ in FIELDS),
        State(ids.CHALLENGE_EVIDENCE, "value"),
        State(ids.CHALLENGE_TOKEN, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def on_submit(_clicks: int | None, *values: Any) -> str:
        *fields, evidence, token, lang = values
        names = ("unit", "indicator", "year", "value", "by", "contact")
        form = {**dict(zip(names, fields, strict=True)), "evidence": evidence}
        return submitted(data, lang or "fr", form, token)


register(Page(path="/challenges", title="page_challenges", layout=layout, callbacks=callbacks, order=5))
