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
        """Append rows to a table (indicator values from several jobs, say)."""
        if table in self.tables and len(self.tables[table]):
            self.tables[table] = pd.concat([self.tables[table], frame], ignore_index=True)
        else:
            self.tables[table] = frame.reset_index(drop=True)

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
