"""
Typed doors to Dash's untyped or narrowly typed corners, used by every page: a dropdown that speaks the
page's language, ARIA and data attributes (hyphenated names cannot be keywords), a file sent for download,
a control panel folded behind one button on a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from dash import dcc, html
from dash.development.base_component import Component

from . import ids
from .i18n import dropdown_labels, t

#: dcc.send_bytes (untyped in Dash): the `data` of a dcc.Download for `content` saved as `filename`.
send_bytes: Callable[[bytes, str], dict[str, Any]] = dcc.express.send_bytes


def dropdown(lang: str, **props: Any) -> dcc.Dropdown:
    """A dcc.Dropdown whose own texts (search box, clear buttons, no match) are in `lang`."""
    labels = cast("dcc.Dropdown.Labels", dropdown_labels(lang))
    return dcc.Dropdown(labels=labels, **props)


def aria(name: str, value: str) -> dict[str, Any]:
    """An `aria-*` attribute as keyword arguments of an html component: `**aria("label", "...")`."""
    return {f"aria-{name}": value}


def data_attribute(name: str, value: str) -> dict[str, Any]:
    """A `data-*` attribute as keyword arguments of an html component, read by the page's scripts."""
    return {f"data-{name}": value}


def folded(panel: Component, lang: str, *, label: str = "controls_toggle") -> html.Div:
    """A page's control panel behind one button on a narrow screen, so the map comes first (the stylesheet
    opens it beside the map on a wide one; assets/controls.js opens and closes it). The panel's id is
    `ids.CONTROLS`; `label` names the button after what the panel sets."""
    toggle = html.Button(
        t(label, lang),
        className="controls-toggle",
        type="button",
        **aria("expanded", "false"),
        **aria("controls", ids.CONTROLS),
    )
    return html.Div([toggle, panel], className="foldable")
