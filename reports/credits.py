"""
Who a figure is credited to, in the page's language: HCP for what HCP published, the observatory for
what it computed from HCP's data (models, projections, needs, the index), so no modelled figure is
ever given as HCP's own.
"""

from __future__ import annotations

import pandas as pd

from observatory import attribution
from observatory.attribution import SIMULATED_SOURCE, computed

from .i18n import words

__all__ = ["SIMULATED_SOURCE", "computed", "credit", "credits", "short_credit"]


def credits(sources: pd.DataFrame, lang: str) -> dict[str, str]:
    """Every stored source's credit line by id (`observatory.attribution.credits`): the licence has its
    own column and the page footer, so the credit names who and what."""
    return attribution.credits(sources.to_dict("records"), lang)


def short_credit(source_id: str, lang: str) -> str:
    """A table cell's credit: HCP, the observatory from HCP data, or the observatory's simulation."""
    text = words(lang)
    if source_id == SIMULATED_SOURCE:
        return text["credit_simulated_short"]
    if computed(source_id):
        return text["credit_computed_short"]
    if source_id.startswith("hcp-"):
        return text["credit_hcp_short"]
    return source_id


def credit(source_ids: str, known: dict[str, str], lang: str) -> str:
    """The credit of one or more source ids ('a, b'), each once, joined; an unknown id is shown as stored."""
    lines = [known.get(s.strip(), s.strip()) for s in source_ids.split(",") if s.strip()]
    return words(lang)["credit_join"].join(dict.fromkeys(lines))
