"""
The view state every page keeps in the URL's query string, so a view can be shared and bookmarked.
A value the app does not know falls back to its default: a stale bookmark still opens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from observatory.enums import DEFAULT_LANGUAGE, DEFAULT_SCHEME, LANGUAGES, MAP_LEVELS, SCHEMES
from observatory.index import AGGREGATIONS, NORMALISATIONS
from observatory.service_mix import SEGMENTS

#: Colour-blind-safe sequential palettes (plotly names).
PALETTES = ("Viridis", "Cividis", "YlOrRd", "Blues")
COMPARE = ("none", "side", "bivariate")
#: What a map's classes and ranks are computed over: every unit of the level in Morocco, or the view's.
SCOPES = ("national", "view")

#: A page's view state: every key of DEFAULTS, each a string as the URL writes it.
ViewState = dict[str, str]

DEFAULTS: ViewState = {
    "lang": DEFAULT_LANGUAGE,
    "level": "commune",
    "indicator": "",
    "year": "",
    "indicator2": "",
    "year2": "",
    # explorer: a segment of the AI service mix mapped instead of the indicator ("" for the indicator)
    "mix": "",
    "region": "",
    "province": "",
    "scheme": DEFAULT_SCHEME,
    "k": "5",
    "palette": "Viridis",
    "compare": "none",
    "scope": "national",
    "lisa": "0",
    "code": "",
    # index builder: dimension weights, normalisation, aggregation
    "w_access": "0.5",
    "w_skills": "0.5",
    "w_usage": "0.5",
    "w_vulnerability": "0.5",
    "norm": "minmax",
    "agg": "arithmetic",
    # planner: service points, training centres, radius (km), equity constraints, stored plans shown
    "points": "10",
    "centres": "3",
    "radius": "15",
    "equity": "region",
    "plan": "",
}

#: Equity constraints the planner offers, in the order the URL lists them.
EQUITY = ("region", "province", "rural", "women")
#: A weight of the index builder: 0 to 1 by 0.05, as its sliders step.
WEIGHTS = tuple(f"{i / 20:g}" for i in range(21))

_CHOICES = {
    "lang": LANGUAGES,
    "level": MAP_LEVELS,
    "scheme": SCHEMES,
    "palette": PALETTES,
    "compare": COMPARE,
    "scope": SCOPES,
    "lisa": ("0", "1"),
    "mix": SEGMENTS,
    "k": tuple(str(k) for k in range(3, 8)),
    **dict.fromkeys(("w_access", "w_skills", "w_usage", "w_vulnerability"), WEIGHTS),
    "norm": NORMALISATIONS,
    "agg": AGGREGATIONS,
    "points": tuple(str(n) for n in range(201)),
    "centres": tuple(str(n) for n in range(101)),
    "radius": tuple(str(r) for r in range(5, 55, 5)),
}
#: Values that list choices, comma-separated: each must be known. A stored plan id is plan-<12 hex>.
_LISTS = {"equity": (*EQUITY, "none")}
_PLAN_IDS = re.compile(r"^(plan-[0-9a-f]{12})(,plan-[0-9a-f]{12}){0,3}$")


def parse(search: str | None, *, lang: str = "fr") -> ViewState:
    """The state in a query string ('?level=commune&...'), with defaults for what is missing or invalid."""
    state = dict(DEFAULTS, lang=lang)
    for key, value in parse_qsl((search or "").lstrip("?")):
        if key not in DEFAULTS:
            continue
        if key in _CHOICES and value not in _CHOICES[key]:
            continue
        if key in _LISTS and not set(filter(None, value.split(","))) <= set(_LISTS[key]):
            continue
        if key == "plan" and value and not _PLAN_IDS.match(value):
            continue
        state[key] = value[:120]
    return state


def encode(state: Mapping[str, object]) -> str:
    """A query string holding what differs from the defaults (the language always), in a stable order."""
    items = {k: str(v) for k, v in state.items() if k in DEFAULTS and v not in (None, "")}
    kept = {k: v for k, v in items.items() if k == "lang" or v != DEFAULTS[k]}
    order = list(DEFAULTS)
    ordered: list[tuple[str, str]] = sorted(kept.items(), key=lambda kv: order.index(kv[0]))
    return "?" + urlencode(ordered)


def href(path: str, state: Mapping[str, object], **changes: object) -> str:
    """A link to `path` with `state` changed by `changes`."""
    return path + encode({**state, **changes})


def shown_url(pathname: str | None, search: str | None) -> str:
    """The path and query string of the view on screen, as the router compares them."""
    return (pathname or "/") + (search or "")


def weight(value: float | str | None) -> str:
    """A slider's weight as the URL writes it (0.15000000000000002 -> '0.15')."""
    return f"{round(float(value or 0) * 20) / 20:g}"


def equity_list(value: str) -> list[str]:
    """The equity constraints of a URL value ('none' for none), in the planner's order."""
    chosen = set(value.split(","))
    return [e for e in EQUITY if e in chosen]


def equity_value(chosen: list[str] | None) -> str:
    """The URL value of the equity constraints ticked: 'none' when none is, so a reload keeps it so."""
    return ",".join(equity_list(",".join(chosen or []))) or "none"
