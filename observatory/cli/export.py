"""`observatory export`: the whole dataset as files, the same ones `/api/v1/bulk` serves."""

from __future__ import annotations

import click

from ._options import db_option
from ._words import text


@click.command("export")
@db_option
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write into (created if needed).",
)
def export_command(db: str | None, out: str) -> None:
    """Write every value (Parquet, zipped CSV with its Data Package) and every unit's geometry
    (GeoParquet, GeoPackage)."""
    from .. import bulk
    from ..database import Database
    from ..settings import get_settings

    database = Database(get_settings(db=db).db).require()
    for name, path in bulk.write(database, out).items():
        click.echo(text("cli.export.wrote", format=name, path=path))
