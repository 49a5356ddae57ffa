"""
The state a build carries from job to job: the tables made so far, in memory, and each job's
provenance. Nothing reaches the database until every job has succeeded (see `etl.jobs.build`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pandas.api.types import union_categoricals

from observatory.provenance import RunRecord
from observatory.settings import Settings

#: Tables whose text columns a build holds as categoricals (few distinct values, millions of rows).
CATEGORICAL_TEXT = {
    "indicator_value": (
        "unit_code",
        "level",
        "indicator_id",
        "period",
        "sex",
        "area",
        "unit",
        "status",
        "source_id",
        "run_id",
    ),
}


def as_categorical(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the text columns `CATEGORICAL_TEXT` names for `table` as categoricals."""
    text = [
        c
        for c in CATEGORICAL_TEXT.get(table, ())
        if c in frame and not isinstance(frame[c].dtype, pd.CategoricalDtype)
    ]
    return frame.astype(dict.fromkeys(text, "category")) if text else frame


def concat(table: str, frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Rows of several frames of a table, its categorical columns kept categorical (their categories
    united)."""
    frames = [as_categorical(table, f) for f in frames if len(f)] or list(frames[:1])
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    text = [c for c in CATEGORICAL_TEXT.get(table, ()) if all(c in f for f in frames)]
    out = pd.concat([f.drop(columns=text) for f in frames], ignore_index=True)
    for column in text:  # categories as strings in every part (a part's may be objects), then united
        parts = [f[column].cat.rename_categories(f[column].cat.categories.astype("str")) for f in frames]
        out[column] = union_categoricals(parts)
    return out[[c for c in frames[0].columns if c in out]]


@dataclass
class BuildContext:
    """Tables by name, the runs recorded so far, and the settings (seed, database) of this build."""

    settings: Settings
    build_id: str
    version: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def put(self, table: str, frame: pd.DataFrame) -> None:
        """Set a whole table."""
        self.tables[table] = frame

    def add(self, table: str, frame: pd.DataFrame) -> None:
        """
        Append rows to a table (indicator values from several jobs, say). The text columns of the
        indicator values are held as categoricals: their 2.8 million rows repeat a few thousand
        strings, and take a quarter of the memory so.
        """
        self.tables[table] = concat(table, [self.tables[table], frame] if table in self.tables else [frame])

    @contextlib.contextmanager
    def run(self, job: str) -> Iterator[RunRecord]:
        """Record a job's run; an exception marks it failed and propagates (the build then aborts)."""
        record = RunRecord(job=job, build_id=self.build_id, version=self.version)
        self.runs.append(record)
        try:
            yield record
        except BaseException as err:
            record.close("failed", str(err))
            raise
        record.close("ok")
