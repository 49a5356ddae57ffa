"""
The app factory. `create_app(db)` returns a Dash app over one database: its pages, its callbacks,
its assets served from this package (no CDN). Nothing is read from the database until a page asks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, dcc, html, no_update

from observatory import i18n
from observatory.database import Database
from observatory.settings import get_settings

from . import ids
from .data import AppData
from .i18n import direction, t
from .pages import CallbackApp, Page, load_pages
from .state import encode, href, parse, shown_url
from .widgets import aria, data_attribute

ASSETS = Path(__file__).with_name("assets")


def _database(db: Database | str | os.PathLike[str] | None) -> Database:
    if isinstance(db, Database):
        return db
    return Database(get_settings(db=db).db)


def shell(
    pages: dict[str, Page], data: AppData, pathname: str | None, search: str | None, *, default_lang: str
) -> list[Any]:
    """The whole page for a URL: header with navigation and languages, the page, the footer."""
    state = parse(search, lang=default_lang)
    lang = state["lang"]
    page = pages.get(pathname or "/", pages["/"])
    nav = html.Nav(
        [
            dcc.Link(
                t(p.title, lang), href=href(path, {"lang": lang}), className="active" if p is page else ""
            )
            for path, p in pages.items()
        ],
        id=ids.NAV,
        className="nav",
        **aria("label", t("navigation", lang)),
    )
    return [
        html.A(t("skip_to_content", lang), href="#main", className="skip-link"),
        html.Header(
            [
                html.Div(
                    [
                        html.Span(t("app_title", lang), className="title"),
                        html.Span(t("app_subtitle", lang), className="subtitle"),
                    ],
                    className="brand",
                ),
                nav,
                html.Div(language_links(pathname, search, lang), id=ids.LANG_LINKS, className="languages"),
                html.Div(
                    [
                        html.Button(
                            t("copy_link", lang),
                            id=ids.COPY_LINK,
                            className="copy-link",
                            type="button",
                            **data_attribute("copied", t("link_copied", lang)),
                        ),
                        html.Span(id=ids.COPY_LINK + "-status", role="status", className="copy-status"),
                    ]
                ),
            ],
            className="header",
        ),
        html.Main(
            page.layout(data, state),
            id=ids.MAIN,
            tabIndex="-1",
            # Names for the step buttons Dash labels in English beside a number field (accessibility.js).
            **data_attribute("increase", t("increase_value", lang)),
            **data_attribute("decrease", t("decrease_value", lang)),
        ),
        html.Footer(t("footer", lang), id=ids.FOOTER, className="footer"),
    ]


def language_links(pathname: str | None, search: str | None, lang: str) -> list[Any]:
    """A link to the same view in each language of the language list, named as that language names
    itself (its own catalogue's `app.language_name`)."""
    state = parse(search, lang=lang)
    return [
        dcc.Link(
            t("language_name", code),
            href=(pathname or "/") + encode({**state, "lang": code}),
            title=t("language_name", code),
            className="active" if code == lang else "",
            id=f"lang-{code}",
        )
        for code in i18n.languages()
    ]


class StaticCache:
    """Compressed bodies of the app's scripts and styles, which do not change while it runs: each is
    compressed once, not on every page load (plotly.js alone is 4.8 MB)."""

    def __init__(self) -> None:
        self._bodies: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._bodies.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.split(";", 1)[-1].startswith(STATIC_PREFIXES):
            self._bodies[key] = value


STATIC_PREFIXES = ("GET /_dash-component-suites/", "GET /assets/")


def compress(server: Any) -> None:
    """Brotli (gzip for older clients) on every response of the server, the API's included."""
    from flask import request
    from flask_compress import Compress

    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,
        COMPRESS_LEVEL=6,
        COMPRESS_MIN_SIZE=500,
        COMPRESS_MIMETYPES=[
            "text/html",
            "text/css",
            "text/plain",
            "text/csv",
            "application/javascript",
            "text/javascript",
            "application/json",
            "application/geo+json",
            "image/svg+xml",
        ],
        # Streamed bodies (large API downloads) go out as they are produced, uncompressed.
        COMPRESS_STREAMS=False,
        COMPRESS_CACHE_BACKEND=StaticCache,
        COMPRESS_CACHE_KEY=lambda _req: f"{request.method} {request.full_path}",
    )
    Compress(server)


class ObservatoryApp(dash.Dash):
    """The Dash app with the data layer its pages read through (the tests and the benchmark read it too)."""

    data: AppData


def create_app(
    db: Database | str | os.PathLike[str] | None = None,
    *,
    lang: str | None = None,
    allow_writes: bool = False,
    token: str | None = None,
) -> ObservatoryApp:
    """
    The observatory's Dash app over `db` (a Database, a .gpkg path or a URL; default: the settings).
    `allow_writes` lets the planner save plans as drafts, each save carrying `token` (as the API's writes).
    """
    if allow_writes and not token:
        raise ValueError("writes need a token: set OBSERVATORY_API_TOKEN to a long random secret")
    database = _database(db)
    default_lang = get_settings(lang=lang).lang
    data = AppData(database)
    data.allow_writes, data.write_token = allow_writes, token
    pages = load_pages()
    app = ObservatoryApp(
        __name__,
        assets_folder=str(ASSETS),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title=t("app_title", default_lang),
        update_title=None,  # type: ignore[arg-type]  # None (no "Updating..." title) is Dash's documented off
        compress=False,
    )
    compress(app.server)
    app.data = data
    app.layout = html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            dcc.Store(id=ids.LANG, data=default_lang),
            dcc.Store(id=ids.VIEW_SEARCH),
            html.Div(id=ids.SHELL, dir=direction(default_lang), lang=default_lang),
        ]
    )
    shell_callbacks(app, pages, data, default_lang=default_lang)
    app.layout.children.append(dcc.Store(id=ids.FOOTER + "-sink"))
    for page in pages.values():
        page.callbacks(app, data)
    return app


def shell_callbacks(app: CallbackApp, pages: dict[str, Page], data: AppData, *, default_lang: str) -> None:
    """The callbacks of every page's frame: the language, the page a URL names, the copy-link button."""

    @app.callback(Output(ids.LANG, "data"), Input(ids.URL, "search"), State(ids.LANG, "data"))
    def on_search(search: str | None, current: str | None) -> Any:
        lang_now = parse(search, lang=default_lang)["lang"]
        return lang_now if lang_now != current else no_update

    @app.callback(
        Output(ids.SHELL, "children"),
        Output(ids.SHELL, "dir"),
        Output(ids.SHELL, "lang"),
        Output(ids.VIEW_SEARCH, "data"),
        Input(ids.URL, "pathname"),
        Input(ids.LANG, "data"),
        Input(ids.URL, "search"),
        State(ids.VIEW_SEARCH, "data"),
    )
    def on_page(
        pathname: str | None, _lang: str | None, search: str | None, shown: str | None
    ) -> tuple[Any, ...]:
        # A URL the page wrote itself (a change of indicator, which patches the map) is already shown;
        # any other (back, forward, a language link, a pasted link) renders the view it names.
        here = shown_url(pathname, search)
        if here == shown:
            return no_update, no_update, no_update, no_update
        lang_now = parse(search, lang=default_lang)["lang"]
        return (
            shell(pages, data, pathname, search, default_lang=default_lang),
            direction(lang_now),
            lang_now,
            here,
        )

    # The link of the view as it is now, for the copy button (the URL follows every choice).
    app.clientside_callback(
        "function(n) { const done = document.getElementById('copy-link').dataset.copied;"
        " if (navigator.clipboard) { return navigator.clipboard.writeText(window.location.href).then("
        " function() { return done; }, function() { return window.location.href; }); }"
        " return window.location.href; }",
        Output(ids.COPY_LINK + "-status", "children"),
        Input(ids.COPY_LINK, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.LANG_LINKS, "children"),
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def on_state(search: str | None, pathname: str | None) -> list[Any]:
        return language_links(pathname, search, parse(search, lang=default_lang)["lang"])

    # The whole document follows the language: screen readers and the browser's own layout read <html>.
    app.clientside_callback(
        "function(dir, lang) { document.documentElement.dir = dir; document.documentElement.lang = lang;"
        " return window.dash_clientside.no_update; }",
        Output(ids.FOOTER + "-sink", "data"),
        Input(ids.SHELL, "dir"),
        Input(ids.SHELL, "lang"),
    )
