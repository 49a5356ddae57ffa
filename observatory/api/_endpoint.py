"""
What a resource module declares: endpoints, each a route (path, parameters, documentation) with the
handler that answers it. A handler returns rows as a `Result`; the blueprint shapes every result the
same way (paging, fields, JSON, GeoJSON, CSV, provenance), so a handler never builds a response.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ._params import Route
from ._reader import Reader
from ._rows import Rows
from ._throttle import Throttle


@dataclass
class Result:
    """What a handler returns: rows, their sources, and how to page and shape them."""

    frame: pd.DataFrame | Rows
    source_ids: set[str] | None = None
    """Sources of these rows; None means every source of the database (unit geometry, the catalogue)."""
    one: bool = False
    """A single resource (no paging; 404 if empty)."""
    geometry_level: str | None = None
    """Join simplified geometry of this level on `unit_code` for GeoJSON."""
    extra_meta: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    """A ready JSON value (the index description, a plan); bypasses paging."""


@dataclass(frozen=True)
class Context:
    """What every handler may use: the database, the heavy-request slots and the server's write policy."""

    data: Reader
    heavy: Throttle
    allow_writes: bool = False
    token: str | None = None


#: A handler: the context and the request's parsed parameters (path and query) to a Result.
Handler = Callable[[Context, Mapping[str, Any]], Result]


@dataclass(frozen=True)
class Endpoint:
    """A route and its handler: what a resource module lists in its ENDPOINTS."""

    route: Route
    handler: Handler
