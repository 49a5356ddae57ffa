"""`observatory export`: what may leave the machine. `--out DIR` writes the whole dataset as files (the
ones `/api/v1/bulk` serves); `--shareable OUT` writes a copy of the database that may be shared."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..formatting import integer
from ._options import db_option
from ._words import language, text

if TYPE_CHECKING:
    from ..database import Database


@click.command("export")
@db_option
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    help="Folder to write the whole dataset into (created if needed).",
)
@click.option(
    "--shareable",
    "shareable",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OUT",
    help="Write a GeoPackage that may be shared: no raw counts, no perturbation keys, no hidden value.",
)
def export_command(db: str | None, out: str | None, shareable: Path | None) -> None:
    """Write every value (Parquet, zipped CSV with its Data Package) and every unit's geometry
    (GeoParquet, GeoPackage) with --out, or a shareable copy of the database with --shareable (the
    private store beside it is never copied)."""
    from ..database import Database
    from ..settings import get_settings

    if (out is None) == (shareable is None):
        raise click.UsageError("give exactly one of --out DIR and --shareable OUT")
    database = Database(get_settings(db=db).db)
    if shareable is not None:
        _shareable(database, shareable)
        return
    from .. import bulk

    for name, path in bulk.write(database.require(), str(out)).items():
        click.echo(text("cli.export.wrote", format=name, path=path))


def _shareable(database: Database, out: Path) -> None:
    """The shareable copy and one line saying what it left out."""
    from ..shareable import export_shareable

    r = export_shareable(database, out)
    lang = language()
    click.echo(
        text(
            "cli.export.shareable",
            path=r["path"],
            megabytes=integer(round(r["bytes"] / 1e6), lang),
            blanked=integer(r["hidden_values_blanked"], lang),
            dropped=", ".join(r["private_tables_dropped"]) or text("cli.none"),
        )
    )
