"""`observatory info`: what a database holds and how it was built."""

from __future__ import annotations

import click

from ._options import db_option
from ._words import language, text


@click.command("info")
@db_option
def info_command(db: str | None) -> None:
    """Say what a database holds and how it was built."""
    from rich.console import Console
    from rich.table import Table

    from .. import edition
    from ..database import Database
    from ..settings import get_settings

    database = Database(get_settings(db=db).db).require()
    builds = database.read("build")
    last = builds.iloc[-1]
    console = Console()
    console.print(
        text(
            "cli.info.built",
            database=f"[bold]{database.display}[/]",
            ended_at=last.ended_at,
            version=last.code_version,
            status=last.status,
        )
    )
    console.print(f"{text('cite.label')}: {edition.citation(edition.current(database), language())}")
    table = Table(text("cli.info.table"), text("cli.info.rows"))
    for name in database.tables():
        table.add_row(name, str(len(database.read(name, geometry=False))))
    console.print(table)
