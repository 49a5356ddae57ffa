"""`observatory export --shareable OUT`: a copy of the database that may leave the machine."""

from __future__ import annotations

from pathlib import Path

import click

from ..formatting import integer
from ._options import db_option
from ._words import language, text


@click.command("export")
@click.option(
    "--shareable",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OUT",
    help="Write a GeoPackage that may be shared: no raw counts, no perturbation keys, no hidden value.",
)
@db_option
def export_command(out: Path, db: str | None) -> None:
    """Write a shareable copy of the database (the private store beside it is never copied)."""
    from ..database import Database
    from ..settings import get_settings
    from ..shareable import export_shareable

    r = export_shareable(Database(get_settings(db=db).db), out)
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
