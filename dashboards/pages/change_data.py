"""
What the change pages read, kept per app: the indicators comparable between the two censuses and each
indicator's change at a level, from the library (`observatory.census_change`), read once.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from observatory.census_change import change, comparable_indicators

from ..data import AppData


@lru_cache(maxsize=8)
def comparable(data: AppData) -> frozenset[str]:
    """The indicators of `data`'s database both censuses measured the same way."""
    return frozenset(comparable_indicators(db=data.db))


@lru_cache(maxsize=64)
def change_at(data: AppData, indicator: str, level: str) -> pd.DataFrame:
    """Every unit of `level` with its 2014 and 2024 figures and their change, indexed by code."""
    return change(indicator, level=level, db=data.db).set_index("code")
