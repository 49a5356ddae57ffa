"""
The `observatory` command: the top layer, the only place that wires the library, the ETL, the app,
the API and the reports together. Each subcommand imports what it drives only when it runs, so
`observatory --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import ObservatoryError
from ._words import error_line
from .build import build_command
from .export import export_command
from .info import info_command
from .load import load
from .plan import plan_group
from .report import report
from .serve import serve_command


class _Group(click.Group):
    """Turns the observatory's own errors into one line and a non-zero exit, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ObservatoryError, OSError, ValueError) as err:
            click.echo(error_line(err), err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="maroc-digital-observatory")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log what each step reads, keeps and quarantines, and how long it takes (-vv: more); "
    "default: $OBSERVATORY_LOG_LEVEL, then warnings only.",
)
def main(verbose: int) -> None:
    """Territorial digital-equity observatory for Morocco: census, connectivity and usage by commune."""
    from ..i18n import language
    from ..settings import get_settings
    from ._logging import configure

    settings = get_settings()
    language(settings.cli_lang)
    configure(verbose=verbose, default=settings.log_level)


for _command in (build_command, export_command, info_command, load, plan_group, report, serve_command):
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
