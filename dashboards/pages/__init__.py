"""
Pages register themselves here on import: a path, a title key, a layout and their callbacks.
The app's router renders `layout(data, state)`; `callbacks(app, data)` runs once per app.
A page too large for one module keeps its parts beside it, named after it (`explorer_view.py`,
`planner_view.py`...); only the page module registers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ..data import AppData
from ..state import ViewState

Handler = TypeVar("Handler", bound=Callable[..., Any])


class CallbackApp(Protocol):
    """What a page's callbacks need of the Dash app (dash.Dash, whose methods carry no types)."""

    def callback(self, *args: Any, **kwargs: Any) -> Callable[[Handler], Handler]: ...

    def clientside_callback(self, clientside_function: str, *args: Any, **kwargs: Any) -> None: ...


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    """Translation key of the page's name in the navigation."""
    layout: Callable[[AppData, ViewState], Any]
    callbacks: Callable[[CallbackApp, AppData], None]
    order: int


PAGES: dict[str, Page] = {}


def register(page: Page) -> Page:
    PAGES[page.path] = page
    return page


def load_pages() -> dict[str, Page]:
    """Import every page module (each registers itself) and return the pages in navigation order."""
    from . import challenges, change, explorer, index_builder, method, planner, profile  # noqa: F401

    return dict(sorted(PAGES.items(), key=lambda item: item[1].order))
