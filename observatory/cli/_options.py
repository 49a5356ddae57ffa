"""Options shared by several subcommands."""

from __future__ import annotations

import click

db_option = click.option(
    "--db",
    "db",
    default=None,
    metavar="PATH|URL",
    help="A .gpkg path or a postgresql+psycopg:// URL (default: $OBSERVATORY_DB, then "
    "geodata/observatory.gpkg in a checkout, the user's data folder once installed).",
)
