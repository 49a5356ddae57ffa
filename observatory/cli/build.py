"""`observatory build`: the database from the embedded sources, in one atomic write."""

from __future__ import annotations

import click

from ._options import db_option


@click.command("build")
@db_option
@click.option("--quiet", is_flag=True, help="No progress bars or summary.")
def build_command(db: str | None, quiet: bool) -> None:
    """Build the database from the embedded sources (atomic: a failure keeps the previous one). Only a
    missing target or an observatory database is built over; anything else is refused, untouched."""
    from ..database import Database
    from ..etl.jobs.build import build
    from ..settings import get_settings

    settings = get_settings(db=db)
    Database(settings.db).check_writable(rebuild=True)
    build(settings, progress=not quiet)
