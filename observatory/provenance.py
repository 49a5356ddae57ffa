"""
Provenance of every load: which job read which inputs (with their SHA-256), how many rows it read,
loaded and quarantined, when, with which code version, and how it ended.

The same `RunRecord` serves a full build, a later `observatory load` and a plan stored after the
build (`observatory.plans`), so the `etl_run` and `quarantine` tables read the same whichever wrote
them; it sits in the core library because the plan store is part of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from observatory.schema import TABLES
from observatory.settings import PROJECT_ROOT

log = logging.getLogger(__name__)


def now() -> str:
    """UTC time stamp, to the second, as ISO 8601."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def code_version() -> str:
    """The package version and, in a git checkout, the commit (with +dirty for local changes)."""
    version = metadata.version("maroc-digital-observatory")
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty=+dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version


def new_id(prefix: str) -> str:
    return f"{prefix}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


@dataclass
class RunRecord:
    """One job's run: counts, quarantined rows, status. `rows_read == rows_loaded + rows_quarantined`."""

    job: str
    build_id: str
    version: str
    inputs: list[dict[str, Any]] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: new_id("run"))
    started_at: str = field(default_factory=now)
    rows_read: int = 0
    rows_loaded: int = 0
    quarantined: list[pd.DataFrame] = field(default_factory=list)
    status: str = "running"
    message: str = ""
    ended_at: str = ""
    clock: float = field(default_factory=time.perf_counter, repr=False, compare=False)
    """When the run started, on the monotonic clock its log's duration is measured with."""

    def add_input(
        self, name: str, *, path: str | Path | None = None, sha256: str | None = None, **extra: Any
    ) -> None:
        """Name an input; a file path gets its SHA-256 computed."""
        digest = sha256 or (sha256_file(path) if path is not None else None)
        self.inputs.append({"name": name, "sha256": digest, **extra})
        log.debug("%s: reads %s (sha256 %s)", self.job, name, (digest or "-")[:12])

    def count(self, *, read: int, loaded: int) -> None:
        self.rows_read += int(read)
        self.rows_loaded += int(loaded)

    def quarantine(self, rows: pd.DataFrame) -> None:
        """Keep rejected rows (columns source, row, column, value, reason)."""
        if len(rows):
            self.quarantined.append(rows)

    @property
    def rows_quarantined(self) -> int:
        return int(sum(len(q) for q in self.quarantined))

    def close(self, status: str = "ok", message: str = "") -> None:
        """End the run and log what it read, kept and quarantined, and how long it took."""
        self.status, self.message, self.ended_at = status, message, now()
        log.log(
            logging.INFO if status == "ok" else logging.ERROR,
            "%s: %s rows read from %d input(s), %s kept, %s quarantined, in %.1f s (%s)%s",
            self.job,
            f"{self.rows_read:,}",
            len(self.inputs),
            f"{self.rows_loaded:,}",
            f"{self.rows_quarantined:,}",
            time.perf_counter() - self.clock,
            status,
            f": {message}" if message else "",
        )

    def etl_run_row(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "run_id": self.run_id,
                    "build_id": self.build_id,
                    "job": self.job,
                    "inputs": json.dumps(self.inputs, ensure_ascii=False, sort_keys=True),
                    "rows_read": self.rows_read,
                    "rows_loaded": self.rows_loaded,
                    "rows_quarantined": self.rows_quarantined,
                    "started_at": self.started_at,
                    "ended_at": self.ended_at or now(),
                    "code_version": self.version,
                    "status": self.status,
                    "message": self.message,
                }
            ],
            columns=TABLES["etl_run"],
        )

    def quarantine_rows(self) -> pd.DataFrame:
        rows = (
            pd.concat(self.quarantined, ignore_index=True)
            if self.quarantined
            else pd.DataFrame(columns=TABLES["quarantine"])
        )
        rows = rows.assign(run_id=self.run_id, job=self.job).reindex(columns=TABLES["quarantine"])
        # Typed even when empty, so the table is created with an integer row column on every backend.
        text = {c: "string" for c in TABLES["quarantine"] if c != "row"}
        return rows.astype(text).assign(row=pd.to_numeric(rows["row"], errors="coerce").astype("float64"))
