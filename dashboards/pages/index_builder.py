"""
Index builder: weights, normalisation and aggregation; the map and the ranking update, with rank
intervals. The index is computed by `observatory.index.FragilityIndex`, never here.
"""

from __future__ import annotations

from typing import Any

from dash import html

from ..data import AppData
from ..i18n import t
from . import Page, register


def layout(data: AppData, state: dict[str, str]) -> Any:
    lang = state["lang"]
    return html.Div([html.H1(t("page_index", lang)), html.P(t("index_builder_missing", lang), className="note")])


def callbacks(app: Any, data: AppData) -> None:
    """No callbacks until the index results are in the database."""


register(Page(path="/index", title="page_index", layout=layout, callbacks=callbacks, order=2))
