"""
`observatory serve`: the app and the REST API, on http://127.0.0.1:8050 by default. A missing
database is built first; anything else that is not an observatory database is refused with its
reason, never overwritten.

One process (`--workers 1`, the default) runs waitress with a pool of threads. `--workers N` runs
gunicorn with N processes that share nothing but the database (a GeoPackage or one PostGIS), so
Python work uses every core; the same processes may run on several machines behind any reverse
proxy. Before they start, the whole dataset's files for the database's current version are written
(`observatory.bulk`, once per build or load); each process then answers values from them in memory.

In each process the API keeps its heavy requests (full-detail GeoJSON, solving a plan) to two at a
time and answers the rest 503 with Retry-After, so with 16 threads at least 14 are always free for
the app and light API requests.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import click

from ..enums import LANGUAGES, LENSES, MAP_LEVELS
from ..settings import Settings, get_settings
from ._options import db_option
from ._words import text

if TYPE_CHECKING:
    from flask import Flask

    from ..database import Database


def ready_database(settings: Settings, *, build_missing: bool = True) -> Database:
    """The settings' database; built first only when nothing is at its path or schema."""
    from ..database import Database

    database = Database(settings.db)
    state, reason = database.state()
    if state == "missing" and build_missing:
        from ..etl.jobs.build import build

        click.echo(text("cli.serve.building", reason=reason), err=True)
        build(settings)
    return database.require()


def create_server(
    database: Database,
    *,
    lang: str | None = None,
    allow_writes: bool = False,
    token: str | None = None,
    files: str | os.PathLike[str] | None = None,
) -> Any:
    """
    The Flask server holding the app and, under /api/v1, the REST API, over one database. Every
    response carries the security headers; the app's policy allows its own scripts and inline
    callbacks (by hash), nothing from elsewhere.
    """
    from flask import request

    from ..api import API_CSP, PREFIX, create_blueprint, with_security_headers
    from ..api._errors import error_response
    from ..api.report_route import REPORTER
    from ..dashboards import create_app
    from ..dashboards.guard import guard_callbacks
    from ..reports.output import reporter

    app = create_app(database, lang=lang, allow_writes=allow_writes, token=token)
    guard_callbacks(app)
    server: Flask = app.server
    server.extensions[APP_DATA] = app.data
    app.server.register_blueprint(
        create_blueprint(database, allow_writes=allow_writes, token=token, files=files)
    )
    app.server.config[REPORTER] = reporter(database)
    app_csp = (
        "default-src 'self'; script-src 'self' " + " ".join(app.csp_hashes()) + "; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )

    @server.before_request
    def refuse_unknown_paths() -> Any:
        # Dash answers any other path with its page (the app routes in the browser): a path under
        # /api/ that is not the API, or one that climbs out of its folder, is a 404 in the API's shape.
        path = request.path
        if (path.startswith("/api/") and not path.startswith(PREFIX + "/")) or ".." in path.split("/"):
            return error_response(404, "not_found", f"no such path; the API is under {PREFIX}/")
        return None

    @server.after_request
    def secure(response: Any) -> Any:
        with_security_headers(response.headers, API_CSP if request.path.startswith(PREFIX + "/") else app_csp)
        return response

    return app.server


@click.command("serve")
@db_option
@click.option(
    "--host", default=None, help="Interface to listen on (default: $OBSERVATORY_HOST, then 127.0.0.1)."
)
@click.option("--port", default=None, type=int, help="Port (default: $OBSERVATORY_PORT, then 8050).")
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(4, 256),
    help="Worker threads of the WSGI server (default: $OBSERVATORY_THREADS, then 16).",
)
@click.option(
    "--allow-writes",
    is_flag=True,
    default=None,
    help="Let the API store plans; each write needs Authorization: Bearer $OBSERVATORY_API_TOKEN.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes (gunicorn past 1): one or two per core.",
)
@click.option(
    "--files",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder of the whole dataset's files, one folder per version of the data "
    "(default: the user's cache folder).",
)
@click.option("--no-build", is_flag=True, help="Fail instead of building a missing database.")
def serve_command(
    db: str | None,
    host: str | None,
    port: int | None,
    threads: int | None,
    allow_writes: bool | None,
    workers: int,
    files: str | None,
    no_build: bool,
) -> None:
    """Serve the app and the REST API (builds the database first if none is there)."""
    settings = get_settings(db=db, host=host, port=port, threads=threads, allow_writes=allow_writes)
    if settings.allow_writes and not settings.api_token:
        raise click.UsageError(text("cli.serve.needs_token"))
    database = ready_database(settings, build_missing=not no_build)
    from .. import bulk

    root = files or bulk.default_root(database)
    click.echo(text("cli.serve.files"), err=True)
    bulk.ensure(database, root)

    def make() -> Flask:
        return warm(
            create_server(
                database,
                lang=settings.lang,
                allow_writes=settings.allow_writes,
                token=settings.api_token,
                files=root,
            )
        )

    writes = text("cli.serve.writes" if settings.allow_writes else "cli.serve.read_only")
    click.echo(text("cli.serve.listening", host=settings.host, port=settings.port, writes=writes), err=True)
    if workers > 1:
        from ._gunicorn import run

        run(make, settings=settings, workers=workers)
        return
    import waitress

    # Responses up to 16 MB stay in memory on their way out (waitress spills past 1 MB to a temporary
    # file), and a thread writing a large body waits for the client past 1 MB buffered, so large
    # downloads go at the client's pace while they hold one of the API's few heavy-request slots.
    server = waitress.create_server(
        make(),
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="observatory",
        outbuf_overflow=16 * 1024 * 1024,
        outbuf_high_watermark=1024 * 1024,
    )
    from ._wsgi_errors import JsonErrorChannel

    server.channel_class = JsonErrorChannel  # waitress's own error answers in the API's shape
    server.run()


#: Where `create_server` keeps the app's cached reads on the Flask server, for `warm`.
APP_DATA = "observatory.app_data"

#: Requests a new server process answers before it listens: they load the values held in memory, the
#: small tables every answer consults, each lens's index and the simplified geometry, so the first
#: clients do not wait for them.
WARM_UP = (
    "/api/v1/indicators/population_legal/values?year=2024&page_size=1",
    "/api/v1/units/commune?page_size=1",
    "/api/v1/indicators?page_size=1",
    *(f"/api/v1/units/{level}?format=geojson&detail=low&page_size=1" for level in MAP_LEVELS),
    *(
        f"/api/v1/index?level=commune&lens={lens}&page_size=1" + (f"&lang={lang}" if lang else "")
        for lens in LENSES
        for lang in (None, *LANGUAGES)
    ),
)


def warm(server: Flask) -> Flask:
    """`server`, after it has answered WARM_UP and its app has read what the first page needs."""
    client = server.test_client()
    for url in WARM_UP:
        client.get(url)
    server.extensions[APP_DATA].warm()
    return server
