"""
The register of challenges, read only: every challenge to a served figure or a commune's boundary, its
status and the days to its decision, from the challenge store (`observatory.challenges.register`), and
how to submit one. Names, evidence and contact details are not shown here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

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
        ],
        className="challenges",
    )


def callbacks(app: CallbackApp, data: AppData) -> None:
    """The register is rendered whole by the router; it has no callbacks of its own."""


register(Page(path="/challenges", title="page_challenges", layout=layout, callbacks=callbacks, order=5))
