"""`observatory challenge`: contest a served figure or a commune's boundary, list the register, decide."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from ..enums import AREAS, CHALLENGE_DECISIONS, SEXES
from ._options import db_option
from ._words import language, text


@contextmanager
def _refusals() -> Iterator[None]:
    """A refused submission or review as one line in the command line's language, exit 1."""
    from ..challenges import Refused

    try:
        yield
    except Refused as err:
        raise click.ClickException(err.message(language())) from None


@click.group("challenge")
def challenge_group() -> None:
    """Challenges to served figures: submit one with evidence, list the register, accept or reject one."""


@challenge_group.command("submit")
@db_option
@click.option(
    "--unit", required=True, metavar="CODE", help="The unit whose figure is contested (e.g. 01.051.01.01)."
)
@click.option("--indicator", metavar="ID", help="The indicator contested (e.g. illiteracy_rate_10_plus).")
@click.option("--year", type=int, help="The figure's year.")
@click.option("--value", type=float, help="The value the evidence supports.")
@click.option("--sex", type=click.Choice(SEXES), default="all", show_default=True)
@click.option("--area", type=click.Choice(AREAS), default="total", show_default=True)
@click.option("--period", help="The period, when the year holds several (a month: 2025-03).")
@click.option(
    "--boundary", is_flag=True, help="Contest the commune's boundary instead of a figure (no value)."
)
@click.option("--evidence", required=True, help="What shows the figure is wrong (at most 4,000 characters).")
@click.option("--by", required=True, help="Who submits it (recorded in the public history).")
@click.option("--contact", help="An e-mail address to reach you; kept private, never published.")
def submit(
    db: str | None,
    unit: str,
    indicator: str | None,
    year: int | None,
    value: float | None,
    sex: str,
    area: str,
    period: str | None,
    boundary: bool,
    evidence: str,
    by: str,
    contact: str | None,
) -> None:
    """Contest a figure (or a boundary) with evidence; prints the challenge's id."""
    from ..challenges import submit as submit_challenge

    with _refusals():
        challenge_id = submit_challenge(
            unit=unit,
            indicator=indicator,
            year=year,
            value=value,
            sex=sex,
            area=area,
            period=period,
            boundary=boundary,
            evidence=evidence,
            by=by,
            contact=contact,
            db=db,
        )
    click.echo(challenge_id)


@challenge_group.command("list")
@db_option
def list_challenges(db: str | None) -> None:
    """The public register: each challenge, what it contests, its status and the days to its decision."""
    import pandas as pd

    from ..challenges import register

    frame = register(db=db)
    if not len(frame):
        click.echo(text("cli.challenge.none"))
        return
    for r in frame.itertuples():
        figure = f"{r.indicator_id} {r.year}" if r.kind == "figure" else text("challenge.kind.boundary")
        status = text(f"challenge.status.{r.status}")
        days = "" if pd.isna(r.days_to_decision) else f"{r.days_to_decision:g} d"
        click.echo(f"{r.challenge_id}  {r.unit_code:<13} {figure:<40} {status:<10} {r.submitted_at}  {days}")


@challenge_group.command("review")
@db_option
@click.argument("challenge_id")
@click.option("--decision", type=click.Choice(CHALLENGE_DECISIONS), required=True)
@click.option("--by", required=True, help="Who decides (not the person who submitted it).")
@click.option("--reason", required=True, help="Why (recorded in the public history).")
def review(db: str | None, challenge_id: str, decision: str, by: str, reason: str) -> None:
    """Accept or reject an open challenge; an accepted one corrects the served figure."""
    from ..challenges import review as review_challenge

    with _refusals():
        event = review_challenge(challenge_id, decision=decision, by=by, reason=reason, db=db)
    status = text(f"challenge.status.{event['event']}")
    click.echo(text("cli.challenge.reviewed", challenge_id=challenge_id, status=status))
