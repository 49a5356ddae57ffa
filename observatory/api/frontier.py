"""
/plans/frontier: the equity frontier the build stored for its default plan's settings: national reach
against the lowest région's, one row per floor, and the point the default plan is (`is_default`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import plan_frontier
from ._endpoint import Context, Endpoint, Result
from ._params import PAGING, Route


def frontier(ctx: Context, args: Mapping[str, Any]) -> Result:
    return Result(plan_frontier.equity_frontier(db=ctx.data.db), None)


ENDPOINTS = (
    Endpoint(
        Route(
            "/plans/frontier",
            "plan_frontier",
            "The equity frontier of the default plan: national reach against the lowest région's",
            "plans",
            PAGING,
            ("json", "csv"),
            description="One row per floor (the share of its need within reach asked of every région), "
            "from none to the highest any plan of these sites can meet: national_reach and lowest_reach "
            "(shares 0-1), lowest_unit (the région at that share), price_points (national reach given up "
            "against no floor); is_default marks the stored default plan.",
        ),
        frontier,
    ),
)
