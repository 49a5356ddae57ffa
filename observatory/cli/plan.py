"""`observatory plan`: solve, save, list, compare, export and review deployment plans."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..enums import LANGUAGES, PLAN_REVIEW_STATUSES
from ._options import db_option

if TYPE_CHECKING:
    import pandas as pd


@click.group("plan")
def plan_group() -> None:
    """Deployment plans: solve, save, list, compare, export, review. A plan is a proposal, not a decision."""


@plan_group.command("solve")
@db_option
@click.option("--region", metavar="CODE", help="Plan one région (code, e.g. 07); default the whole country.")
@click.option(
    "--site-type",
    type=click.Choice(["training_centre", "service_point"]),
    default="training_centre",
    show_default=True,
)
@click.option("--sites", type=click.IntRange(0), default=50, show_default=True, help="New sites to open.")
@click.option(
    "--radius-km",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    help="Catchment in km of travel (proxy: great circle × circuity + distance to a paved road).",
)
@click.option(
    "--max-minutes", type=click.FloatRange(min=0, min_open=True), help="Catchment in minutes instead."
)
@click.option(
    "--capacity",
    type=click.FloatRange(min=0),
    help="People one site serves (0: no capacity); default the site type's.",
)
@click.option("--min-per-region", type=click.IntRange(0), default=1, show_default=True)
@click.option("--min-per-province", type=click.IntRange(0), default=0, show_default=True)
@click.option(
    "--min-rural-share",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of rural need to reach.",
)
@click.option(
    "--min-women-share",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of women's need to reach.",
)
@click.option(
    "--existing",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV of existing sites (code or lon,lat).",
)
@click.option(
    "--travel-matrix",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV from_code,to_code,minutes (e.g. from OSRM), used instead of the proxy.",
)
@click.option("--name", default="plan", show_default=True, help="A label for the plan.")
@click.option("--save", is_flag=True, help="Store the plan in the database as a draft to review.")
@click.option("--by", default="observatory", show_default=True, help="Who saves it (recorded).")
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of messages."
)
def solve(
    db: str | None,
    region: str | None,
    site_type: str,
    sites: int,
    radius_km: float,
    max_minutes: float | None,
    capacity: float | None,
    min_per_region: int,
    min_per_province: int,
    min_rural_share: float,
    min_women_share: float,
    existing: str | None,
    travel_matrix: str | None,
    name: str,
    save: bool,
    by: str,
    lang: str,
) -> None:
    """Solve a plan and print its figures; --save stores it as a draft."""
    from .. import planner, results, travel
    from ..database import Database
    from ..etl.progress import steps
    from ..settings import get_settings

    database = Database(get_settings(db=db).db).require()
    with steps("reading the planning frame", total=2) as bar:
        frame = results.planning_frame(db=database, need=planner.SITE_TYPES[site_type].need, region=region)
        units = database.read("commune", columns=["code", "geometry"]) if existing else None
        bar.advance()
        bar.describe("solving the plan and its baselines")
        try:
            solved = planner.plan(
                frame,
                sites=sites,
                radius_km=radius_km,
                max_minutes=max_minutes,
                site_type=site_type,
                capacity=capacity,
                existing=planner.read_existing_sites(existing, units) if existing else (),
                min_per_region=min_per_region,
                min_per_province=min_per_province,
                min_rural_share=min_rural_share,
                min_women_share=min_women_share,
                travel_matrix=travel.read_matrix(travel_matrix) if travel_matrix else None,
                name=name,
            )
        except planner.InfeasiblePlan as err:
            raise click.ClickException(err.message(lang)) from None
        bar.advance()
    _print_summary(solved.summary, solved.languages)
    if save:
        from ..plans import store_plan

        click.echo(f"saved {store_plan(solved, db=database, by=by)} as a draft")


def _print_summary(s: dict[str, Any], languages: pd.DataFrame) -> None:
    click.echo(f"{s['plan_id']}  {s['name']}  ({s['site_type']}, capacity {s['capacity']:g})")
    click.echo(f"  sites: {s['sites_new']} new, {s['sites_existing']} existing")
    click.echo(
        f"  need served within capacity: {100 * s['covered_share']:.2f}%   reached: "
        f"{100 * s['reached_share']:.2f}%   lowest région: {100 * s['lowest_region_share']:.2f}% served, "
        f"{100 * s['lowest_region_reached_share']:.2f}% reached"
    )
    for b in ("greedy", "top_need", "top_index"):
        click.echo(
            f"  baseline {b}: {100 * s[f'{b}_covered_share']:.2f}% served, "
            f"{100 * s[f'{b}_reached_share']:.2f}% reached"
        )
    click.echo(f"  gain over the best baseline ({s['best_baseline']}): {s['gain_over_best']:.4f}x")
    if "price_of_equity_points" in s:
        click.echo(
            f"  price of equity: {s['price_of_equity_points']:.2f} points served, "
            f"{s['price_of_equity_reach_points']:.2f} points reached"
        )
    langs = languages[languages["plan"] == "optimal"] if "plan" in languages else languages
    click.echo("  languages: " + ", ".join(f"{r.language} {r.sites}" for r in langs.itertuples()))


@plan_group.command("list")
@db_option
def list_plans(db: str | None) -> None:
    """Stored plans with their review status."""
    from ..plans import list_plans

    frame = list_plans(db=db)
    for r in frame.itertuples():
        click.echo(
            f"{r.plan_id}  {r.name:<16} {r.review_status:<9} {r.site_type or '':<16} "
            f"served {100 * r.covered_share:.2f}%  reached {100 * (r.reached_share or 0):.2f}%"
        )


@plan_group.command("compare")
@db_option
@click.argument("plan_ids", nargs=-1, required=True)
def compare(db: str | None, plan_ids: tuple[str, ...]) -> None:
    """Stored plans side by side: sites, coverage by région, sex and area, unmet need, languages."""
    from ..plans import compare_plans

    frame = compare_plans(list(plan_ids), db=db)
    click.echo(frame.to_string())


@plan_group.command("export")
@db_option
@click.argument("plan_id")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "geojson", "html"]), default="csv", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output file (default: its usual name)."
)
def export(db: str | None, plan_id: str, fmt: str, output: Path | None) -> None:
    """Export a stored plan's sites (CSV, GeoJSON) or its report (HTML)."""
    from .. import plan_export, query
    from ..errors import UnknownNameError
    from ..plans import read_plan

    try:
        stored = read_plan(plan_id, db=db)
    except UnknownNameError:
        raise click.ClickException(f"no plan {plan_id!r}; list them with `observatory plan list`") from None
    summary = {k: v for k, v in stored.summary.items() if k != "plan_id"}
    body = {"summary": summary, "sites": stored.sites, "audit": stored.audit, "languages": stored.languages}
    names = query.units("commune", db=db, geometry=False)
    content, name = plan_export.export(
        {summary["site_type"] or "plan": body}, fmt, names, review=str(summary["review_status"])
    )
    path = output or Path(name)
    path.write_bytes(content)
    click.echo(f"wrote {path}")


@plan_group.command("review")
@db_option
@click.argument("plan_id")
@click.option("--status", type=click.Choice(PLAN_REVIEW_STATUSES), required=True)
@click.option("--by", "reviewer", required=True, help="Who reviews (recorded).")
@click.option("--reason", required=True, help="Why (recorded).")
def review(db: str | None, plan_id: str, status: str, reviewer: str, reason: str) -> None:
    """Record a review: draft → reviewed → approved or rejected, with who, when and why."""
    from ..database import Database
    from ..plans import review_plan
    from ..settings import get_settings

    row = review_plan(
        plan_id, status, reviewer=reviewer, reason=reason, db=Database(get_settings(db=db).db).require()
    )
    click.echo(
        f"{row['plan_id']}: {row['status']} by {row['reviewer']} at {row['reviewed_at']} ({row['reason']})"
    )
