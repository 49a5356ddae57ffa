"""
The hovers of the explorer's two-variable and cluster maps: the bivariate map's hover gives both
indicators' values, the LISA map's the unit's value and its cluster (High-High...) in the page's language.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from observatory.formatting import quantity

from .. import figures
from ..i18n import t


def bivariate_hover(
    first: tuple[str, str | None, np.ndarray],
    second: tuple[str, str | None, np.ndarray],
    lang: str,
) -> tuple[str, list[list[Any]]]:
    """(hovertemplate, customdata) of a bivariate map: each unit's value of both indicators, given as
    (label, unit, values), written with their units as the page's language writes them."""
    (label, unit, values), (label2, unit2, values2) = first, second
    template = (
        "<b>%{text}</b><br>"
        + figures.escape_hover(label)
        + " : %{customdata[0]}<br>"
        + figures.escape_hover(label2)
        + " : %{customdata[1]}<extra></extra>"
    )
    rows = [[quantity(a, unit, lang), quantity(b, unit2, lang)] for a, b in zip(values, values2, strict=True)]
    return template, rows


def lisa_hover(base: Any, clusters: pd.Series, lang: str) -> tuple[str, list[list[Any]]]:
    """(hovertemplate, customdata) of a LISA map: each unit's value and its cluster in words ('Élevé
    entouré d'élevé', 'Non significatif'); a unit outside the analysis reads '–'. `base` is the map's
    `MapBase` (label, unit, values, codes)."""
    label, unit = base["label"], base["unit"]
    template = (
        "<b>%{text}</b><br>"
        + figures.escape_hover(label)
        + " : %{customdata[0]}<br>"
        + figures.escape_hover(t("lisa_cluster_hover", lang))
        + " : %{customdata[1]}<extra></extra>"
    )
    shown = clusters.reindex(base["codes"]).fillna("").astype(str).to_numpy()
    rows = [
        [quantity(v, unit, lang), t(f"lisa_{c}", lang) if c else "–"]
        for v, c in zip(base["values"], shown, strict=True)
    ]
    return template, rows
