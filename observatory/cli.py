"""
The `observatory` command. Subcommands live beside the code they drive and are imported only when
called, so `observatory --help` stays fast and the library does not load Dash or a report engine.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

#: name -> "module:attribute" of a click command; each module owns its command.
COMMANDS = {
    "build": ("etl.jobs.build:build_command", "Build the database from the embedded sources (atomic)."),
    "load": ("etl.connectors.cli:load", "Load measurements: Ookla tiles, usage exports, OSM boundaries."),
    "serve": ("dashboards.serve:serve_command", "Serve the app and the REST API (builds the database if missing)."),
    "report": ("reports.cli:report", "Export a région, province or commune report (PDF, HTML, XLSX)."),
    "info": ("observatory.cli:info_command", "Say what a database holds and how it was built."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        try:
            command = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as err:
            return click.Command(name, help=COMMANDS[name][1], callback=_unavailable(name, err))
        command.help = command.help or COMMANDS[name][1]
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from COMMANDS, so --help imports nothing heavy.
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in sorted(COMMANDS)])

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import ObservatoryError

        try:
            return super().invoke(ctx)
        except (ObservatoryError, OSError, ValueError) as err:
            # One line, non-zero exit: the reason, not a traceback.
            click.echo(f"error: {err}", err=True)
            ctx.exit(1)


def _unavailable(name: str, err: Exception) -> Any:
    def fail() -> None:
        raise click.ClickException(f"the {name} command is not available in this installation: {err}")

    return fail


db_option = click.option(
    "--db",
    "db",
    default=None,
    metavar="PATH|URL",
    help="A .gpkg path or a postgresql+psycopg:// URL (default: $OBSERVATORY_DB, then geodata/observatory.gpkg).",
)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="maroc-digital-observatory")
def main() -> None:
    """Territorial digital-equity observatory for Morocco: census, connectivity and usage by commune."""


@click.command("info")
@db_option
def info_command(db: str | None) -> None:
    """Say what a database holds and how it was built."""
    from rich.console import Console
    from rich.table import Table

    from .database import Database
    from .settings import get_settings

    database = Database(get_settings(db=db).db).require()
    builds = database.read("build")
    last = builds.iloc[-1]
    console = Console()
    console.print(f"[bold]{database.display}[/] built {last.ended_at} by {last.code_version} ({last.status})")
    table = Table("table", "rows")
    for name in database.tables():
        table.add_row(name, str(len(database.read(name, geometry=False))))
    console.print(table)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
