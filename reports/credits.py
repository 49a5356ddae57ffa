"""
Who a figure is credited to, in the page's language: HCP for what HCP published, the observatory for
what it computed from HCP's data (models, projections, needs, the index), so no modelled figure is
ever given as HCP's own.
"""

from __future__ import annotations

import pandas as pd

from observatory import attribution, registry

from .i18n import words

#: The observatory's demonstration layer: its own simulation, credited as such.
SIMULATED_SOURCE = "observatory-simulated-usage"


def computed(source_id: str) -> bool:
    """True for a figure the observatory produced (from HCP's data) rather than one a publisher published."""
    return source_id.startswith("observatory-")


def credits(sources: pd.DataFrame, lang: str) -> dict[str, str]:
    """Every stored source's credit line by id: 'Publisher, dataset (licence)', and for the observatory's
    own computations 'the observatory, from HCP data'."""
    text = words(lang)
    # The licence has its own column and the page footer: the credit names who and what.
    rows = sources.assign(licence="").to_dict("records")
    out = {str(row["source_id"]): attribution.source_line(row, lang) for row in rows}
    out[registry.ANALYTICS_SOURCE] = text["credit_computed"]
    out[SIMULATED_SOURCE] = text["credit_simulated"]
    return out


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
