"""
`observatory serve`: the app and the REST API in one WSGI server (waitress), on
http://127.0.0.1:8050 by default. A missing database is built first; anything else that is not an
observatory database is refused with its reason, never overwritten.
"""

from __future__ import annotations

from typing import Any

import click

from ..database import Database
from ..settings import Settings, get_settings
from ._options import db_option


def ready_database(settings: Settings, *, build_missing: bool = True) -> Database:
    """The settings' database; built first only when nothing is at its path or schema."""
    database = Database(settings.db)
    state, reason = database.state()
    if state == "missing" and build_missing:
        from ..etl.jobs.build import build

        click.echo(f"{reason}: building it first (about two minutes, once)", err=True)
        build(settings)
    return database.require()


def create_server(database: Database, *, lang: str | None = None) -> Any:
    """The Flask server holding the app and, under /api/v1, the REST API, over one database."""
    from ..api import create_blueprint
    from ..api.report_route import REPORTER
    from ..dashboards import create_app
    from ..reports.output import reporter

    app = create_app(database, lang=lang)
    app.server.register_blueprint(create_blueprint(database))
    app.server.config[REPORTER] = reporter(database)
    return app.server


@click.command("serve")
@db_option
@click.option("--host", default=None, help="Interface to listen on (default: $OBSERVATORY_HOST, then 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: $OBSERVATORY_PORT, then 8050).")
@click.option("--threads", default=4, show_default=True, help="Worker threads of the WSGI server.")
@click.option("--no-build", is_flag=True, help="Fail instead of building a missing database.")
def serve_command(db: str | None, host: str | None, port: int | None, threads: int, no_build: bool) -> None:
    """Serve the app and the REST API (builds the database first if none is there)."""
    import waitress

    settings = get_settings(db=db, host=host, port=port)
    server = create_server(ready_database(settings, build_missing=not no_build), lang=settings.lang)
    click.echo(f"observatory: http://{settings.host}:{settings.port}/ (API under /api/v1) — Ctrl+C to stop", err=True)
    waitress.serve(server, host=settings.host, port=settings.port, threads=threads, ident="observatory")
