"""
What a site costs, in dirhams, by site type and area (urban or rural): the table a plan asked by budget
reads. The defaults are assumptions, stated with their reasoning, to be replaced by programme figures:
`read_costs(path)` reads an edited copy (`observatory plan solve --costs FILE`).

A site's cost is its set-up plus its running cost a year over the plan's years, times the frame's
`cost` factor of its site point (1 unless the planning frame says otherwise).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from .errors import ValidationError

#: Columns of a cost table file, one row per site type and area.
COLUMNS = ("site_type", "area", "setup_mad", "yearly_mad", "years", "reasoning")
AREAS = ("urban", "rural")


@dataclass(frozen=True)
class SiteCost:
    """The cost of one site of a type in an area: set-up, running a year, over how many years, and why."""

    site_type: str
    area: str
    setup_mad: float
    yearly_mad: float
    years: int
    reasoning: str

    @property
    def total_mad(self) -> float:
        """Set-up plus running over the plan's years, in dirhams."""
        return self.setup_mad + self.yearly_mad * self.years


#: Default costs (2024 dirhams): assumptions to be replaced by programme figures.
DEFAULT_COSTS = (
    SiteCost(
        "training_centre",
        "urban",
        400_000.0,
        270_000.0,
        6,
        "assumption: 2 rooms fitted, 24 laptops and a fibre link (400,000); 2 trainers (180,000), rent "
        "(60,000), link and upkeep (30,000) a year, over the 6 years to 2030",
    ),
    SiteCost(
        "training_centre",
        "rural",
        450_000.0,
        240_000.0,
        6,
        "assumption: as in town, plus a satellite or radio link and solar backup (+50,000); lower rent "
        "(30,000 a year)",
    ),
    SiteCost(
        "service_point",
        "urban",
        120_000.0,
        130_000.0,
        6,
        "assumption: a desk, 2 computers, a printer and a link (120,000); one agent (80,000), rent "
        "(30,000), link and upkeep (20,000) a year",
    ),
    SiteCost(
        "service_point",
        "rural",
        150_000.0,
        115_000.0,
        6,
        "assumption: as in town, plus a satellite or radio link (+30,000); lower rent (15,000 a year)",
    ),
)


def costs_table(costs: tuple[SiteCost, ...] = DEFAULT_COSTS) -> pd.DataFrame:
    """The cost table as rows, with each site's total over the plan."""
    return pd.DataFrame([{**asdict(c), "total_mad": c.total_mad} for c in costs])


def read_costs(path: str) -> tuple[SiteCost, ...]:
    """An edited cost table from a CSV with the columns of `COLUMNS` (`reasoning` may be empty)."""
    frame = pd.read_csv(path, dtype={"site_type": str, "area": str, "reasoning": str})
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns and c != "reasoning"]
    if missing:
        raise ValidationError(
            f"a cost table needs the columns {', '.join(COLUMNS)}; {missing} missing in {path}"
        )
    numbers = frame[["setup_mad", "yearly_mad", "years"]].apply(pd.to_numeric, errors="coerce")
    bad = frame[numbers.isna().any(axis=1) | (numbers < 0).any(axis=1) | ~frame["area"].isin(AREAS)]
    if len(bad):
        raise ValidationError(
            f"{len(bad)} rows of {path} have a negative or empty cost or an area other than urban/rural "
            f"(first: {bad.iloc[0].to_dict()})",
            failures=bad.assign(reason="bad cost or area").to_dict("records"),
        )
    return tuple(
        SiteCost(
            str(r.site_type),
            str(r.area),
            float(n.setup_mad),
            float(n.yearly_mad),
            int(n.years),
            "" if pd.isna(r.get("reasoning")) else str(r.reasoning),
        )
        for (_, r), (_, n) in zip(frame.iterrows(), numbers.iterrows(), strict=True)
    )


def cost_by_area(site_type: str, costs: tuple[SiteCost, ...] = DEFAULT_COSTS) -> dict[str, float]:
    """What one site of `site_type` costs over the plan in each area, in dirhams."""
    found = {c.area: c.total_mad for c in costs if c.site_type == site_type}
    missing = [a for a in AREAS if a not in found]
    if missing:
        raise ValidationError(f"the cost table has no {site_type} cost for the {', '.join(missing)} area")
    return {a: found[a] for a in AREAS}
