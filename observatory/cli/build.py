"""`observatory build`: the database from the embedded sources, in one atomic write."""

from __future__ import annotations

import click

from ._options import db_option
from ._words import text


@click.command("build")
@db_option
@click.option("--quiet", is_flag=True, help="No progress bars or summary.")
@click.option(
    "--national-2030",
    type=click.FloatRange(min=1),
    default=None,
    help="A published national population for 2030 to control the communes' projection to "
    "(default: the observatory's own Hamilton-Perry projection of the nation).",
)
@click.option(
    "--national-2030-source",
    default=None,
    help="Where --national-2030 comes from (publication and date); recorded in the model card.",
)
def build_command(
    db: str | None, quiet: bool, national_2030: float | None, national_2030_source: str | None
) -> None:
    """Build the database from the embedded sources (atomic: a failure keeps the previous one). Only a
    missing target or an observatory database is built over; anything else is refused, untouched."""
    from ..database import Database
    from ..etl.jobs.build import build
    from ..etl.memory import one_heap
    from ..settings import get_settings

    if national_2030_source and national_2030 is None:
        raise click.UsageError(text("cli.build.source_needs_value"))
    settings = get_settings(
        db=db, national_population_2030=national_2030, national_population_2030_source=national_2030_source
    )
    Database(settings.db).check_writable(rebuild=True)
    one_heap()
    build(settings, progress=not quiet)
