"""
Query and path parameters of the API, declared once: the same declarations validate a request and
write the OpenAPI document, so the documentation cannot drift from what the server accepts.

Pure Python (no Flask): a request's arguments arrive as a mapping of name -> list of strings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..enums import SEXES

#: Where the API is mounted; route paths are relative to it.
PREFIX = "/api/v1"
#: Longest string any parameter accepts; longer is refused before anything reads it.
MAX_LENGTH = 200
#: Rows per page: the default returns every commune of Morocco (1 503) in one request.
DEFAULT_PAGE_SIZE = 2000
MAX_PAGE_SIZE = 10000
#: A unit code: HCP's dotted digits ('01.511.01.0'), or 'MA' for the country.
CODE_PATTERN = r"^(MA|[0-9]{2}(\.[0-9]{3}(\.[0-9]{2}(\.[0-9]{1,2})?)?)?)$"
#: Indicator ids, field names and plan ids are snake_case words.
NAME_PATTERN = r"^[A-Za-z0-9_\-]{1,100}$"


class ParameterError(ValueError):
    """A request parameter that is malformed (HTTP 400) or well-formed but unusable (422)."""

    def __init__(
        self, message: str, *, status: int = 400, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.details = details or []


@dataclass(frozen=True)
class Param:
    """One parameter: its type, its allowed values and its documentation."""

    name: str
    type: str = "string"  # string | integer | boolean | number
    description: str = ""
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    location: str = "query"
    multiple: bool = False
    """A comma-separated list (`fields=a,b`) or a repeated parameter (`indicator=a&indicator=b`)."""
    required: bool = False
    """A query parameter the request must give (path parameters always are)."""
    max_items: int | None = None
    """The most values a `multiple` parameter accepts (documented, so a client never sends more)."""

    def schema(self) -> dict[str, Any]:
        item: dict[str, Any] = {"type": self.type}
        if self.enum is not None:
            item["enum"] = list(self.enum)
        if self.pattern is not None:
            item["pattern"] = self.pattern
        if self.type == "string" and self.enum is None:
            item["maxLength"] = MAX_LENGTH
        if self.minimum is not None:
            item["minimum"] = self.minimum
        if self.maximum is not None:
            item["maximum"] = self.maximum
        if self.multiple:
            array = {"type": "array", "items": item, "minItems": 1}
            return array if self.max_items is None else array | {"maxItems": self.max_items}
        if self.default is not None:
            item["default"] = self.default
        return item

    def openapi(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "in": self.location,
            "required": self.required or self.location == "path",
            "description": self.description,
            "schema": self.schema(),
        }
        if self.multiple:
            out.update(style="form", explode=False)
        return out

    def parse(self, raw: str) -> Any:
        """One value, converted and checked; a ParameterError says what was expected."""
        if len(raw) > MAX_LENGTH:
            raise ParameterError(
                f"parameter {self.name!r} is {len(raw)} characters long; at most {MAX_LENGTH} are accepted",
                details=[{"parameter": self.name, "reason": "too long"}],
            )
        value: Any = raw
        if self.type == "integer":
            if not re.fullmatch(r"-?[0-9]{1,9}", raw):
                raise self._bad(raw, "an integer")
            value = int(raw)
        elif self.type == "number":
            try:
                value = float(raw)
            except ValueError:
                raise self._bad(raw, "a number") from None
            if not math.isfinite(value):
                raise self._bad(raw, "a finite number")
        elif self.type == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise self._bad(raw, "true or false")
            value = raw.lower() in ("true", "1")
        if self.enum is not None and value not in self.enum:
            raise self._bad(raw, "one of " + ", ".join(map(str, self.enum)))
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise self._bad(raw, f"a value matching {self.pattern}")
        if self.minimum is not None and value < self.minimum:
            raise self._bad(raw, f"at least {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise self._bad(raw, f"at most {self.maximum:g}")
        return value

    def read(self, raws: list[str]) -> Any:
        """The value given by a request's raw strings for this parameter (a list if `multiple`), or the
        default when there are none."""
        if self.required and not raws:
            raise ParameterError(
                f"parameter {self.name!r} is required",
                details=[{"parameter": self.name, "reason": "required"}],
            )
        if self.multiple:
            parts = [part for raw in raws for part in raw.split(",")]
            if "" in parts:
                raise ParameterError(
                    f"parameter {self.name!r} has an empty value; give values separated by single commas",
                    details=[{"parameter": self.name, "reason": "empty value"}],
                )
            return [self.parse(part) for part in parts] or None
        if len(raws) > 1:
            raise ParameterError(
                f"parameter {self.name!r} was given {len(raws)} times; give it once",
                details=[{"parameter": self.name, "reason": "repeated"}],
            )
        return self.parse(raws[0]) if raws else self.default

    def _bad(self, raw: str, expected: str) -> ParameterError:
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        return ParameterError(
            f"parameter {self.name!r} must be {expected}; got {shown!r}",
            details=[{"parameter": self.name, "expected": expected, "got": shown}],
        )


def parse(
    params: Sequence[Param], args: Mapping[str, list[str]], path: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """
    Every declared parameter, converted, with defaults; every problem is collected and reported
    once. Undeclared parameters are refused, so a typo does not silently return everything.
    """
    problems: list[ParameterError] = []
    unknown = sorted(set(args) - {p.name for p in params if p.location == "query"})
    if unknown:
        valid = sorted(p.name for p in params if p.location == "query")
        problems.append(
            ParameterError(
                f"unknown parameter {unknown[0][:40]!r}; this endpoint accepts: {', '.join(valid) or 'none'}",
                details=[{"parameter": name[:40], "reason": "unknown", "valid": valid} for name in unknown],
            )
        )
    out: dict[str, Any] = {}
    for p in params:
        raws = (
            [path[p.name]] if p.location == "path" and path and p.name in path else list(args.get(p.name, []))
        )
        try:
            out[p.name] = p.read(raws)
        except ParameterError as err:
            problems.append(err)
    if problems:
        message = (
            problems[0].args[0]
            if len(problems) == 1
            else (f"{len(problems)} invalid parameters: " + "; ".join(e.args[0] for e in problems))
        )
        raise ParameterError(message, details=[d for e in problems for d in e.details])
    return out


# -- the parameters the endpoints share -----------------------------------------------------------
FORMAT = Param(
    "format",
    enum=("json", "geojson", "csv", "parquet", "csvw"),
    description="Response format; overrides the Accept header (application/json, "
    "application/geo+json, text/csv, application/vnd.apache.parquet). csvw describes the CSV "
    "(W3C CSV on the Web: column types, units, sources, licence).",
)
PAGE = Param("page", "integer", "Page number, from 1.", default=1, minimum=1, maximum=1_000_000)
PAGE_SIZE = Param(
    "page_size",
    "integer",
    f"Rows per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
    default=DEFAULT_PAGE_SIZE,
    minimum=1,
    maximum=MAX_PAGE_SIZE,
)
FIELDS = Param(
    "fields",
    description="Comma-separated columns to return (default: all).",
    pattern=r"^[A-Za-z0-9_]{1,64}$",
    multiple=True,
)
PAGING = (FORMAT, PAGE, PAGE_SIZE, FIELDS)
REGION = Param("region", pattern=r"^[0-9]{2}$", description="Keep units inside this région (code, e.g. 01).")
SEX = Param("sex", enum=SEXES, default="all", description="Sex breakdown.")
DETAIL = Param(
    "detail",
    enum=("low", "medium", "full"),
    default="low",
    description="Geometry detail for GeoJSON: simplified (low, medium) or the full polygons.",
)


@dataclass(frozen=True)
class Route:
    """An endpoint: its path (Flask syntax), parameters and documentation."""

    path: str
    name: str
    summary: str
    tag: str
    params: tuple[Param, ...] = ()
    formats: tuple[str, ...] = ("json",)
    method: str = "GET"
    description: str = ""
    body: dict[str, Any] | None = None
    statuses: tuple[int, ...] = (200, 400, 404)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.path)
