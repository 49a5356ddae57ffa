"""`observatory info`: what a database holds and how it was built."""

from __future__ import annotations

import click

from ._options import db_option


@click.command("info")
@db_option
def info_command(db: str | None) -> None:
    """Say what a database holds and how it was built."""
    from rich.console import Console
    from rich.table import Table

    from ..database import Database
    from ..settings import get_settings

    database = Database(get_settings(db=db).db).require()
    builds = database.read("build")
    last = builds.iloc[-1]
    console = Console()
    console.print(f"[bold]{database.display}[/] built {last.ended_at} by {last.code_version} ({last.status})")
    table = Table("table", "rows")
    for name in database.tables():
        table.add_row(name, str(len(database.read(name, geometry=False))))
    console.print(table)
