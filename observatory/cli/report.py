"""`observatory report`: a région, province or commune report as PDF, HTML, XLSX or DOCX; `--all-regions`
makes all 12."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import time
from collections.abc import Iterator
from pathlib import Path

import click

from ..enums import LANGUAGES
from ..etl.progress import steps
from ..formatting import integer, number
from ..reports.output import FORMATS
from ._options import db_option
from ._words import language, text


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """
    Python's cycle collector off while the command imports, reads and lays out: its passes over the objects
    pandas and WeasyPrint make cost a report 12 % of its CPU (0.25 s of a commune's, 0.6 s of a région's)
    and found almost nothing to free (8 MB at most). Between the reports of `--all-regions` it runs once.
    Nor does it pass over them as the process ends (`_frozen_at_exit`).
    """
    _frozen_at_exit()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.cache
def _frozen_at_exit() -> None:
    """At exit, before Python's last collection, every object is set aside from it (`gc.freeze`): that
    collection went over all of them to find nothing the operating system does not free, 0.1 s of CPU."""
    atexit.register(gc.freeze)


@click.command("report")
@db_option
@click.option("--region", metavar="CODE", help="Région code, e.g. 01.")
@click.option("--province", metavar="CODE", help="Province code, e.g. 01.511.")
@click.option("--commune", metavar="CODE", help="Commune code, e.g. 01.511.01.0.")
@click.option("--all-regions", is_flag=True, help="One report per région (12), into the -o folder.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language (default: $OBSERVATORY_LANG, then fr).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Format (default: the -o extension, then pdf); a format that contradicts -o is refused.",
)
@click.option("--plan", metavar="ID", help="Include this deployment plan and its fairness audit.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Output file (folder with --all-regions); default: rapport-<level>-<code>-<lang>.<format>.",
)
@click.option("--mkdir", is_flag=True, help="Create the output folder if it is missing (otherwise refused).")
@_without_cycle_collection()
def report(
    db: str | None,
    region: str | None,
    province: str | None,
    commune: str | None,
    all_regions: bool,
    lang: str | None,
    fmt: str | None,
    plan: str | None,
    output: Path | None,
    mkdir: bool,
) -> None:
    """Export a région, province or commune report (PDF, HTML, XLSX, DOCX)."""
    from .. import query
    from ..reports.output import check_directory, default_name, resolve_format, write_report
    from ..settings import get_settings

    chosen = [(lvl, c) for lvl, c in (("region", region), ("province", province), ("commune", commune)) if c]
    if len(chosen) + bool(all_regions) != 1:
        raise click.UsageError(text("cli.report.one_of"))
    settings = get_settings(db=db, lang=lang)
    lang = settings.lang
    if all_regions:
        directory = output or Path(".")
        fmt = fmt or "pdf"
        check_directory(directory, mkdir=mkdir)
        codes = list(query.units("region", db=settings.db, geometry=False)["code"])
        started = time.perf_counter()
        with steps(text("cli.report.writing"), total=len(codes)) as bar:
            for code in codes:
                path = write_report(
                    level="region",
                    code=code,
                    lang=lang,
                    fmt=fmt,
                    db=settings.db,
                    plan=plan,
                    output=directory / default_name("region", code, lang, fmt),
                )
                bar.advance()
                click.echo(text("cli.wrote", path=path))
                gc.collect()
        seconds = number(time.perf_counter() - started, language(), decimals=1)
        click.echo(text("cli.report.all", count=integer(len(codes), language()), seconds=seconds))
        return
    level, code = chosen[0]
    fmt = resolve_format(output, fmt)
    if output is None:
        output = Path(default_name(level, code, lang, fmt))
    elif output.is_dir():
        output = output / default_name(level, code, lang, fmt)
    with steps(text("cli.report.writing")):
        path = write_report(
            level=level, code=code, lang=lang, fmt=fmt, db=settings.db, plan=plan, output=output, mkdir=mkdir
        )
    click.echo(text("cli.wrote", path=path))
