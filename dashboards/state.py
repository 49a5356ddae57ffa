"""
The view state every page keeps in the URL's query string, so a view can be shared and bookmarked.
A value the app does not know falls back to its default: a stale bookmark still opens.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from observatory.enums import DEFAULT_LANGUAGE, DEFAULT_SCHEME, LANGUAGES, MAP_LEVELS, SCHEMES

#: Colour-blind-safe sequential palettes (plotly names).
PALETTES = ("Viridis", "Cividis", "YlOrRd", "Blues")
COMPARE = ("none", "side", "bivariate")
#: What a map's classes and ranks are computed over: every unit of the level in Morocco, or the view's.
SCOPES = ("national", "view")

DEFAULTS: dict[str, str] = {
    "lang": DEFAULT_LANGUAGE,
    "level": "commune",
    "indicator": "",
    "year": "",
    "indicator2": "",
    "year2": "",
    "region": "",
    "province": "",
    "scheme": DEFAULT_SCHEME,
    "k": "5",
    "palette": "Viridis",
    "compare": "none",
    "scope": "national",
    "lisa": "0",
    "code": "",
}

_CHOICES = {
    "lang": LANGUAGES,
    "level": MAP_LEVELS,
    "scheme": SCHEMES,
    "palette": PALETTES,
    "compare": COMPARE,
    "scope": SCOPES,
    "lisa": ("0", "1"),
    "k": tuple(str(k) for k in range(3, 8)),
}


def parse(search: str | None, *, lang: str = "fr") -> dict[str, str]:
    """The state in a query string ('?level=commune&...'), with defaults for what is missing or invalid."""
    state = dict(DEFAULTS, lang=lang)
    for key, value in parse_qsl((search or "").lstrip("?")):
        if key not in DEFAULTS:
            continue
        if key in _CHOICES and value not in _CHOICES[key]:
            continue
        state[key] = value[:120]
    return state


def encode(state: dict[str, object]) -> str:
    """A query string holding what differs from the defaults (the language always), in a stable order."""
    items = {k: str(v) for k, v in state.items() if k in DEFAULTS and v not in (None, "")}
    kept = {k: v for k, v in items.items() if k == "lang" or v != DEFAULTS[k]}
    return "?" + urlencode(sorted(kept.items(), key=lambda kv: list(DEFAULTS).index(kv[0])))


def href(path: str, state: dict[str, object], **changes: object) -> str:
    """A link to `path` with `state` changed by `changes`."""
    return path + encode({**state, **changes})


def shown_url(pathname: str | None, search: str | None) -> str:
    """The path and query string of the view on screen, as the router compares them."""
    return (pathname or "/") + (search or "")
