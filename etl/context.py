"""
The state a build carries from job to job: the tables made so far, in memory, and each job's
provenance. Nothing reaches the database until every job has succeeded (see `etl.jobs.build`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from observatory.settings import Settings

from .provenance import RunRecord

#: Tables whose text columns a build holds as categoricals (few distinct values, millions of rows).
CATEGORICAL_TEXT = {
    "indicator_value": ("unit_code", "level", "indicator_id", "period", "sex", "area", "unit", "status",
                        "source_id", "run_id"),
}


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
        if table in self.tables and len(self.tables[table]):
            frame = pd.concat([self.tables[table], frame], ignore_index=True)
        else:
            frame = frame.reset_index(drop=True)
        if table in CATEGORICAL_TEXT:
            text = [c for c in CATEGORICAL_TEXT[table] if c in frame and not isinstance(frame[c].dtype, pd.CategoricalDtype)]
            frame = frame.astype(dict.fromkeys(text, "category"))
        self.tables[table] = frame

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
