"""
The OpenAPI 3 document, written from the same route and parameter declarations that validate
requests, and an offline HTML docs page written from that document (no CDN, no script).
"""

from __future__ import annotations

import html
from typing import Any

from ._formats import offered
from ._params import Param, Route

VERSION = "1.0.0"

_META = {
    "type": "object",
    "description": "Provenance of the response: every source behind the rows, and their licence.",
    "required": ["source", "licence"],
    "properties": {
        "source": {"type": "array", "items": {"type": "object"}},
        "licence": {"type": "string"},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "page_size": {"type": "integer"},
        "pages": {"type": "integer"},
        "next": {"type": "string"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
        }
    },
}
_ERROR_TEXT = {
    400: "Malformed parameter (wrong type, unknown name, too long, out of range)",
    401: "A write without the right bearer token",
    403: "Writes are turned off on this server",
    404: "No such unit, indicator, build, plan or page",
    422: "Parameters that are well formed but do not go together, or too large an answer",
    503: "Every slot for heavy requests is busy: retry after the Retry-After seconds",
}


def _content(route: Route) -> dict[str, Any]:
    if "content" in route.extra:  # a file download (reports): its media types are declared with the route
        declared: dict[str, Any] = route.extra["content"]
        return declared
    data: dict[str, Any] = (
        {"type": "object"}
        if route.name in ("unit", "plan", "create_plan")
        else {"type": "array", "items": {"type": "object"}}
    )
    content: dict[str, Any] = {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["data", "meta"],
                "properties": {"data": data, "meta": {"$ref": "#/components/schemas/Meta"}},
            }
        }
    }
    if "geojson" in route.formats:
        content["application/geo+json"] = {
            "schema": {
                "type": "object",
                "required": ["type", "features", "meta"],
                "properties": {
                    "type": {"type": "string", "enum": ["FeatureCollection"]},
                    "features": {"type": "array"},
                    "meta": {"$ref": "#/components/schemas/Meta"},
                },
            }
        }
    if "csv" in route.formats:
        content["text/csv"] = {"schema": {"type": "string"}}
    if "parquet" in offered(route.formats):
        content["application/vnd.apache.parquet"] = {"schema": {"type": "string", "format": "binary"}}
    if "csvw" in offered(route.formats):
        content["application/csvm+json"] = {
            "schema": {
                "type": "object",
                "required": ["@context", "url", "tableSchema"],
                "properties": {"url": {"type": "string"}, "tableSchema": {"type": "object"}},
            }
        }
    return content


def _error_statuses(route: Route) -> tuple[int, ...]:
    """Every client can get 400, 404 and 422; heavy routes (GeoJSON, solving) also 503."""
    heavy = (503,) if "geojson" in route.formats or route.method == "POST" else ()
    return tuple(sorted({400, 404, 422, *heavy, *(s for s in route.statuses if s in _ERROR_TEXT)}))


def _parameter(param: Param, route: Route) -> dict[str, Any]:
    """A parameter as documented for one route: `format` lists only the formats this route returns."""
    out = param.openapi()
    if param.name == "format" and "content" not in route.extra:  # a file download declares its own
        out["schema"] = {**out["schema"], "enum": list(offered(route.formats))}
    return out


def openapi_document(routes: tuple[Route, ...], *, prefix: str = "/api/v1") -> dict[str, Any]:
    """OpenAPI 3.0 for the routes; paths are relative to the server URL `prefix`."""
    paths: dict[str, Any] = {}
    for route in routes:
        errors = {
            str(s): {
                "description": _ERROR_TEXT[s],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            for s in _error_statuses(route)
        }
        operation = {
            "operationId": route.name,
            "summary": route.summary,
            "tags": [route.tag],
            "description": route.description or route.summary,
            "parameters": [_parameter(p, route) for p in route.params],
            "responses": {
                "200": {
                    "description": f"{route.summary} ({', '.join(route.formats)})",
                    "content": _content(route),
                },
                **errors,
            },
        }
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": route.body}},
            }
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Observatoire territorial de l'équité numérique — Maroc",
            "version": VERSION,
            "description": "Census indicators by commune (HCP RGPH 2014 and 2024), the digital-fragility "
            "index, model results and deployment plans. Every response names its sources and licence; "
            "suppressed small counts are never returned. JSON, GeoJSON and CSV by Accept header or "
            "`format=`; Parquet with `format=parquet` (codes typed as text). CSV files are UTF-8, one header "
            "line then the rows; their sources, licence and paging are in the `Link` (describedby, next), "
            "`X-Source`, `X-Licence` and `X-Total-Count` headers and in the `format=csvw` description. "
            "Codes are text: read them with `pandas.read_csv(url, dtype={'code': 'string', "
            "'unit_code': 'string'})`, or see `format=csvw` for every column's type.",
            "license": {"name": "Data: HCP RGPH, CC BY 4.0 terms (credit HCP); code: Apache-2.0"},
        },
        "servers": [{"url": prefix}],
        "paths": paths,
        "components": {"schemas": {"Meta": _META, "Error": _ERROR}},
    }


def docs_page(document: dict[str, Any]) -> str:
    """A self-contained HTML page describing every endpoint, for a browser with no internet access."""
    e = html.escape
    server = document["servers"][0]["url"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(document['info']['title'])} — API</title>",
        (
            "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 "
            "1rem;color:#222}h2{border-top:1px solid "
            "#ccc;padding-top:1rem}code,pre{background:#f4f4f4;padding:.1rem .3rem}"
            "pre{padding:.6rem;overflow-x:auto}table{border-collapse:collapse;width:100%}"
            "td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}"
            ".m{font-weight:bold;color:#0a5}</style></head><body>"
        ),
        f"<h1>{e(document['info']['title'])}</h1>",
        f"<p>{e(document['info']['description'])}</p>",
        (
            "<p>Machine-readable document: <a "
            f"href='{e(server)}/openapi.json'><code>{e(server)}/openapi.json</code></a>. "
            'Errors always have the shape <code>{"error": {"code", "message", "details"}}</code>.</p>'
        ),
        (
            "<h2>Examples</h2><pre>curl -o illiteracy.csv "
            f"'http://127.0.0.1:8050{e(server)}/indicators/illiteracy_rate_10_plus/values?year=2024&amp;format=csv'\n"
            "curl -o illiteracy.geojson "
            f"'http://127.0.0.1:8050{e(server)}/indicators/illiteracy_rate_10_plus/values?year=2024&amp;format=geojson'</pre>"
        ),
    ]
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            parts.extend(_operation_html(server + path, method, op))
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation_html(url: str, method: str, op: dict[str, Any]) -> list[str]:
    """One endpoint's section of the docs page: summary, formats, body fields and parameters."""
    e = html.escape
    parts = [
        f"<h2 id='{e(op['operationId'])}'><span class='m'>{method.upper()}</span> "
        f"<code>{e(url)}</code></h2><p>{e(op['summary'])}</p>"
    ]
    if op.get("description") and op["description"] != op["summary"]:
        parts.append(f"<p>{e(op['description'])}</p>")
    formats = [m for m in op["responses"]["200"].get("content", {})]
    parts.append(f"<p>Formats: {', '.join(f'<code>{e(m)}</code>' for m in formats)}</p>")
    if "requestBody" in op:
        parts.extend(_body_table(op["requestBody"]["content"]["application/json"]["schema"]))
    if op["parameters"]:
        parts.extend(_parameters_table(op["parameters"]))
    return parts


def _body_table(body: dict[str, Any]) -> list[str]:
    e = html.escape
    parts = ["<p>JSON body:</p><table><tr><th>field</th><th>type</th><th>description</th></tr>"]
    for name, field in body["properties"].items():
        kind = field.get("type", "") + (": " + " | ".join(map(str, field["enum"])) if "enum" in field else "")
        if "minimum" in field:
            kind += f" ({field['minimum']}–{field['maximum']})"
        required = " (required)" if name in body.get("required", []) else ""
        parts.append(
            f"<tr><td><code>{e(name)}</code>{required}</td><td>{e(kind)}</td>"
            f"<td>{e(field.get('description', ''))}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _parameters_table(parameters: list[dict[str, Any]]) -> list[str]:
    e = html.escape
    parts = ["<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>"]
    for p in parameters:
        schema = p["schema"].get("items", p["schema"])
        kind = schema.get("type", "")
        if "enum" in schema:
            kind += ": " + " | ".join(map(str, schema["enum"]))
        if p["schema"].get("type") == "array":
            kind = f"list of {kind} (comma-separated)"
        if "default" in schema:
            kind += f" (default {schema['default']})"
        parts.append(
            f"<tr><td><code>{e(p['name'])}</code></td><td>{e(p['in'])}</td>"
            f"<td>{e(kind)}</td><td>{e(p['description'])}</td></tr>"
        )
    parts.append("</table>")
    return parts
