"""`observatory plan`: solve, save, list, compare, export and review deployment plans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from .. import i18n
from ..enums import LANGUAGES, PLAN_REVIEW_STATUSES
from ..formatting import Localized, integer, number, percent
from ._options import db_option
from ._words import language, text

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")
#: The moves a person records (superseded follows from approving a new version, never asked).
REVIEW_CHOICES = tuple(s for s in PLAN_REVIEW_STATUSES if s != "superseded")


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
@click.option(
    "--objective",
    type=click.Choice(["reach", "maxmin", "pmedian"]),
    default="reach",
    show_default=True,
    help="Most need within reach; raise the worst-off région (maxmin); or least mean travel (pmedian).",
)
@click.option(
    "--floor-region",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of every région's need to have within reach.",
)
@click.option(
    "--floor-province",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of every province's need to have within reach.",
)
@click.option(
    "--budget", type=click.FloatRange(min=0), help="Budget in dirhams (new sites), with or without --sites."
)
@click.option(
    "--costs",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV of site costs (site_type,area,setup_mad,yearly_mad,years); default observatory.site_costs.",
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
    "--supersedes",
    metavar="PLAN_ID",
    help="The stored plan this new version replaces once it is approved (recorded with --save).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of messages (default: $OBSERVATORY_CLI_LANG, then en).",
)
def solve(
    db: str | None,
    region: str | None,
    site_type: str,
    sites: int,
    radius_km: float,
    max_minutes: float | None,
    capacity: float | None,
    objective: str,
    floor_region: float,
    floor_province: float,
    budget: float | None,
    costs: str | None,
    min_per_region: int,
    min_per_province: int,
    min_rural_share: float,
    min_women_share: float,
    existing: str | None,
    travel_matrix: str | None,
    name: str,
    save: bool,
    by: str,
    supersedes: str | None,
    lang: str | None,
) -> None:
    """Solve a plan and print its figures; --save stores it as a draft (the same settings: kept as stored)."""
    from .. import planner, results, site_costs, travel
    from ..database import Database
    from ..etl.progress import steps
    from ..settings import get_settings

    lang = lang or language()
    database = Database(get_settings(db=db).db).require()
    if region is not None:
        valid = database.read("region", columns=["code"], geometry=False)["code"].astype(str)
        if region not in set(valid):
            _fail(i18n.text("plan.unknown_region", lang, code=region, valid=", ".join(sorted(valid))), lang)
    with steps(i18n.text("cli.plan.reading", lang), total=2) as bar:
        frame = results.planning_frame(db=database, need=planner.SITE_TYPES[site_type].need, region=region)
        units = database.read("commune", columns=["code", "geometry"]) if existing else None
        bar.advance()
        bar.describe(i18n.text("cli.plan.solving", lang))
        try:
            solved = planner.plan(
                frame,
                sites=sites,
                radius_km=radius_km,
                max_minutes=max_minutes,
                site_type=site_type,
                capacity=capacity,
                objective=objective,
                floor_region=floor_region,
                floor_province=floor_province,
                budget=budget,
                costs=site_costs.cost_by_area(site_type, site_costs.read_costs(costs)) if costs else None,
                existing=planner.read_existing_sites(existing, units) if existing else (),
                min_per_region=min_per_region,
                min_per_province=min_per_province,
                min_rural_share=min_rural_share,
                min_women_share=min_women_share,
                travel_matrix=travel.read_matrix(travel_matrix) if travel_matrix else None,
                name=name,
            )
        except planner.PlanInputError as err:
            _fail(err.message(lang), lang)
        bar.advance()
    _print_summary(solved.summary, solved.languages, lang)
    if save:
        from ..plans import list_plans, read_plan, store_plan

        stored_before = set(list_plans(db=database)["plan_id"])
        plan_id = _refusing(lambda: store_plan(solved, db=database, by=by, supersedes=supersedes), lang)
        if plan_id in stored_before:
            status = i18n.text(f"review.{read_plan(plan_id, db=database).status}", lang)
            click.echo(i18n.text("cli.plan.kept", lang, plan_id=plan_id, status=status))
        else:
            click.echo(i18n.text("cli.plan.saved", lang, plan_id=plan_id))


def _fail(message: str, lang: str) -> NoReturn:
    """Say why in one line of `lang` and stop with a non-zero exit."""
    click.echo(i18n.text("cli.error", lang, error=message), err=True)
    raise click.exceptions.Exit(1)


def _refusing(action: Callable[[], T], lang: str) -> T:
    """Run a save or a review; a refusal of the plan store is one line of `lang`."""
    from ..plan_log import ReviewRefused

    try:
        return action()
    except ReviewRefused as err:
        _fail(err.message(lang), lang)


def _share(value: float, lang: str | None = None) -> str:
    """A share (0-1) as the command line's language writes a percentage, to two decimals."""
    return percent(100 * value, lang or language(), decimals=2)


def _print_summary(s: dict[str, Any], languages: pd.DataFrame, lang: str) -> None:
    def text(msgid: str, **values: Any) -> str:
        return i18n.text(msgid, lang, **values)

    def _share(value: float) -> str:
        return percent(100 * value, lang, decimals=2)

    capacity = format(Localized(s["capacity"], lang), "g")
    click.echo(
        text(
            "cli.plan.heading",
            plan_id=s["plan_id"],
            name=s["name"],
            site_type=s["site_type"],
            capacity=capacity,
        )
    )
    sites = {"new": integer(s["sites_new"], lang), "existing": integer(s["sites_existing"], lang)}
    click.echo("  " + text("cli.plan.sites", **sites))
    served = text(
        "cli.plan.served",
        served=_share(s["covered_share"]),
        reached=_share(s["reached_share"]),
        lowest_served=_share(s["lowest_region_share"]),
        lowest_reached=_share(s["lowest_region_reached_share"]),
    )
    click.echo("  " + served)
    for b in ("greedy", "top_need", "top_index"):
        shares = {"served": _share(s[f"{b}_covered_share"]), "reached": _share(s[f"{b}_reached_share"])}
        click.echo("  " + text("cli.plan.baseline", baseline=b, **shares))
    gain = number(s["gain_over_best"], lang, decimals=4)
    click.echo("  " + text("cli.plan.gain", baseline=s["best_baseline"], gain=gain))
    if "price_of_equity_points" in s:
        price = {
            "served": number(s["price_of_equity_points"], lang, decimals=2),
            "reached": number(s["price_of_equity_reach_points"], lang, decimals=2),
        }
        click.echo("  " + text("cli.plan.price", **price))
    langs = languages[languages["plan"] == "optimal"] if "plan" in languages else languages
    listed = ", ".join(f"{r.language} {r.sites}" for r in langs.itertuples())
    click.echo("  " + text("cli.plan.languages", languages=listed))


@plan_group.command("list")
@db_option
def list_plans(db: str | None) -> None:
    """Stored plans with their review status."""
    from ..plans import list_plans

    frame = list_plans(db=db)
    for r in frame.itertuples():
        coverage = text(
            "cli.plan.listed", served=_share(r.covered_share), reached=_share(r.reached_share or 0)
        )
        click.echo(f"{r.plan_id}  {r.name:<16} {r.review_status:<9} {r.site_type or '':<16} {coverage}")


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
        raise click.ClickException(text("cli.plan.no_plan", plan_id=repr(plan_id))) from None
    summary = {k: v for k, v in stored.summary.items() if k != "plan_id"}
    body = {"summary": summary, "sites": stored.sites, "audit": stored.audit, "languages": stored.languages}
    names = query.units("commune", db=db, geometry=False)
    content, name = plan_export.export(
        {summary["site_type"] or "plan": body}, fmt, names, review=str(summary["review_status"])
    )
    path = output or Path(name)
    path.write_bytes(content)
    click.echo(text("cli.wrote", path=path))


@plan_group.command("review")
@db_option
@click.argument("plan_id")
@click.option("--status", type=click.Choice(REVIEW_CHOICES), required=True)
@click.option("--by", "reviewer", required=True, help="Who reviews (recorded).")
@click.option("--reason", required=True, help="Why (recorded).")
def review(db: str | None, plan_id: str, status: str, reviewer: str, reason: str) -> None:
    """
    Record a review: draft → reviewed → approved or rejected, with who, when and why, appended to the
    plan's chained log. Four eyes: the plan's author neither reviews nor approves it, whoever reviewed
    it does not approve it; an approved plan is only superseded, by approving a new version.
    """
    from ..database import Database
    from ..plans import review_plan
    from ..settings import get_settings

    database = Database(get_settings(db=db).db).require()
    row = _refusing(
        lambda: review_plan(plan_id, status, reviewer=reviewer, reason=reason, db=database), language()
    )
    click.echo(
        text(
            "cli.plan.reviewed",
            plan_id=row["plan_id"],
            status=row["status"],
            reviewer=row["reviewer"],
            reviewed_at=row["reviewed_at"],
            reason=row["reason"],
        )
    )


@plan_group.command("history")
@db_option
@click.argument("plan_id")
def history(db: str | None, plan_id: str) -> None:
    """A plan's review log, oldest first, each entry's hash checked: who moved it where, when and why."""
    from ..plans import read_plan

    lang = language()
    stored = read_plan(plan_id, db=db)
    if stored.history.empty:
        status = i18n.text(f"review.{stored.status}", lang)
        click.echo(i18n.text("cli.plan.history_none", lang, plan_id=stored.plan_id, status=status))
        return
    for r in stored.history.itertuples():
        fields = {"when": r.when, "who": r.who, "reason": r.reason, "hash": str(r.hash)[:12]}
        click.echo(
            i18n.text("cli.plan.history_entry", lang, entry=r.entry, move=move_words(r, lang), **fields)
        )
    click.echo(i18n.text("plan.history.note", lang, hash=stored.history["hash"].iloc[-1]))


def move_words(entry: Any, lang: str) -> str:
    """An entry's move in `lang`: 'saved as draft' for the first, 'draft → reviewed' after."""
    status = i18n.text(f"review.{entry.status}", lang)
    if not entry.from_status:
        return i18n.text("plan.history.saved", lang, status=status)
    return i18n.text(
        "plan.history.move", lang, from_status=i18n.text(f"review.{entry.from_status}", lang), status=status
    )
