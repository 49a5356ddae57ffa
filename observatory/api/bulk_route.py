"""
GET /api/v1/bulk: the whole dataset in one download, as the files `observatory.bulk` wrote for the
database's current version (every value as Parquet or as a zipped CSV with its Data Package, the
units' geometry as GeoParquet or GeoPackage). Files are sent as they are, with an ETag (their
SHA-256) and byte ranges, so a client can check for a new version or resume a download cheaply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from .. import bulk
from ._params import Param, Route, parse

if TYPE_CHECKING:
    from flask import Blueprint, Response

    from ._reader import Reader

MIMETYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "application/zip",
    "geoparquet": "application/vnd.apache.parquet",
    "gpkg": "application/geopackage+sqlite3",
}
#: Seconds a client is asked to wait while a new version's files are written.
RETRY_AFTER_S = 60

ROUTE = Route(
    "/bulk",
    "bulk",
    "The whole dataset in one file: every value, or every unit's geometry",
    "bulk",
    (
        Param(
            "format",
            enum=tuple(MIMETYPES),
            default="parquet",
            description="parquet: every value (codes as text); csv: the same as a zip holding values.csv, "
            "datapackage.json and its CSVW description; geoparquet, gpkg: every unit of every level with "
            "its geometry.",
        ),
    ),
    tuple(MIMETYPES),
    description="Every value of every indicator, level, year, period, sex and area, with its status, "
    "interval, source and build; suppressed small counts are empty. Written once per version of the "
    "database; the ETag is the file's SHA-256 and byte ranges are honoured. 503 with Retry-After while a "
    "new version's files are being written.",
    statuses=(200, 206, 304, 400, 503),
    extra={
        "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in set(MIMETYPES.values())}
    },
)


def register(blueprint: Blueprint, data: Reader, error: Callable[..., Response]) -> None:
    """Add /bulk to the API blueprint, over the files kept by `data` (a 503 if it keeps none)."""
    from flask import request, send_file

    @blueprint.route(ROUTE.path, endpoint=ROUTE.name, methods=["GET"])
    def bulk_file() -> Response:
        args = parse(ROUTE.params, request.args.to_dict(flat=False))
        if data.store is None:
            return error(503, "unavailable", "this server keeps no bulk files; `observatory serve` does")
        folder = bulk.ready(data.db, data.store.root)
        if folder is None:
            data.value_store()  # starts writing the current version's files
            response = error(503, "busy", "the files of this version of the data are being written")
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
            return response
        manifest = json.loads((folder / bulk.MANIFEST).read_text(encoding="utf-8"))
        entry = manifest["files"][args["format"]]
        response = send_file(
            folder / entry["file"],
            mimetype=MIMETYPES[args["format"]],
            as_attachment=True,
            download_name=f"observatory-{manifest['version']}-{entry['file']}",
            etag=entry["sha256"],
            conditional=True,
            max_age=0,
        )
        response.headers["X-Rows"] = str(manifest["rows"])
        return response
