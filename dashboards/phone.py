"""
Maps on a phone. The server sends one figure for every screen, with a column beside the shapes for the
legend written into it (its PNG needs it); on a phone the legend reads under the map instead, so a
clientside callback redraws the figure there with the shapes across the whole width and the title on its
own lines under the toolbar (`assets/phone_map.js`). The town names are placed for that phone figure
(`figures.placed_towns`), the smallest one drawn.
"""

from __future__ import annotations

import json

from dash import Input, Output

from .figures import PHONE_TITLE_BAND, PHONE_WIDTH, TITLE_FONT
from .pages import CallbackApp

#: How the title is written on a phone: the page's inset each side, its size and the smallest it may
#: shrink to so it keeps to `lines` lines, and the gap between it and the shapes (pixels).
TITLE = {"inset": 6, "font": TITLE_FONT - 1, "smallest": 10, "lines": 2, "gap": 4}


def phone_figure_script(graph_id: str) -> str:
    """The clientside function that turns `graph_id`'s figure into its phone form, or leaves it."""
    options = {"width": PHONE_WIDTH, "band": PHONE_TITLE_BAND, **TITLE}
    return (
        "function(figure) { return window.observatoryMaps.phoneFigure(figure, "
        + json.dumps(graph_id)
        + ", "
        + json.dumps(options)
        + "); }"
    )


def fit_to_phone(app: CallbackApp, graph_id: str) -> None:
    """Redraw the map `graph_id` in its phone form whenever its figure changes on a phone's screen."""
    app.clientside_callback(
        phone_figure_script(graph_id),
        Output(graph_id, "figure", allow_duplicate=True),
        Input(graph_id, "figure"),
        prevent_initial_call="initial_duplicate",
    )
