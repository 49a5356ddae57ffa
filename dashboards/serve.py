"""
`observatory serve`: build the database if it is missing, then serve the app and the REST API
with waitress (a production WSGI server), on http://127.0.0.1:8050 by default.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from observatory.cli import db_option
from observatory.database import Database
from observatory.settings import Settings, get_settings


def mount_api(server: Any, db: Database) -> bool:
    """Register the REST API blueprint (/api/v1) if this installation has it; a broken API fails loudly."""
    try:
        api = importlib.import_module("observatory.api")
    except ModuleNotFoundError as err:
        if err.name in ("observatory.api",):
            return False
        raise
    if not hasattr(api, "create_blueprint"):
        return False
    server.register_blueprint(api.create_blueprint(db))
    return True


def ensure_database(settings: Settings) -> Database:
    """The database of the settings, built first if it is not there yet."""
    database = Database(settings.db)
    if not database.exists():
        from etl.jobs.build import build

        click.echo(f"no database at {database.display}: building it first (a few minutes, once)", err=True)
        build(settings)
    return database.require()


def create_server(settings: Settings) -> Any:
    """The Flask server holding the app and the API, over the settings' database."""
    from .app import create_app

    database = ensure_database(settings)
    app = create_app(database, lang=settings.lang)
    mount_api(app.server, database)
    return app.server


@click.command("serve")
@db_option
@click.option("--host", default=None, help="Interface to listen on (default: $OBSERVATORY_HOST, then 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: $OBSERVATORY_PORT, then 8050).")
@click.option("--threads", default=4, show_default=True, help="Worker threads of the WSGI server.")
def serve_command(db: str | None, host: str | None, port: int | None, threads: int) -> None:
    """Serve the app and the REST API (builds the database if missing)."""
    import waitress

    settings = get_settings(db=db, host=host, port=port)
    server = create_server(settings)
    click.echo(f"observatory: http://{settings.host}:{settings.port}/ (API under /api/v1) — Ctrl+C to stop", err=True)
    waitress.serve(server, host=settings.host, port=settings.port, threads=threads, ident="observatory")
