"""
Which state of the database an answer comes from, so a figure can be cited and checked: the build
(its id and content digest) and every load since, chained. A load's link holds the digest of what
it wrote and the database's digest after it, sha256(digest before + "\\n" + load's digest): the
digest changes with every load, in the same transaction, and the chain from the build tells how it
came to be. The API sends the current digest with every answer (`meta.build` and a header), and
the reports, the CSV and the app cite it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pandas as pd

from .schema import TABLES

if TYPE_CHECKING:
    from .database import Database

#: The table of the chain of loads (`observatory.schema`).
TABLE = "digest_chain"
#: How a digest is written wherever it is shown.
ALGORITHM = "sha256"


def link(db: Database, *, run_id: str, job: str, loaded_at: str, load_digest: str) -> pd.DataFrame:
    """The chain's next row for a load that wrote content of digest `load_digest` (read under the lock)."""
    before = current(db)
    digest = hashlib.sha256(f"{before['content_digest']}\n{load_digest}".encode()).hexdigest()
    row = {
        "build_id": before["build_id"],
        "run_id": run_id,
        "job": job,
        "loaded_at": loaded_at,
        "load_digest": load_digest,
        "previous_digest": before["content_digest"],
        "content_digest": digest,
    }
    return pd.DataFrame([row], columns=TABLES[TABLE])


def current(db: Database) -> dict[str, Any]:
    """
    The database's state: `build_id`, `built_at` (the build's end), `content_digest` (after the
    last load), `updated_at` (the last load's time, else the build's) and `loads` since the build.
    """
    builds = db.read("build")
    build = builds.iloc[-1] if len(builds) else pd.Series(dtype=object)
    chain = db.read(TABLE) if TABLE in db.tables() else pd.DataFrame(columns=TABLES[TABLE])
    chain = chain.loc[chain["build_id"] == build.get("build_id")]
    last = chain.iloc[-1] if len(chain) else None
    built_at = str(build.get("ended_at") or "")
    return {
        "build_id": str(build.get("build_id") or ""),
        "built_at": built_at,
        "content_digest": str(
            last["content_digest"] if last is not None else build.get("content_digest") or ""
        ),
        "updated_at": str(last["loaded_at"]) if last is not None else built_at,
        "loads": len(chain),
    }


def marker(db: Database) -> tuple[str, ...]:
    """
    What changes whenever a served value may: the builds, the runs (every load adds one) and the
    challenge events, read in one statement. A server database has no file whose modification time
    would tell; each process of a server compares this to notice what another process, or the CLI,
    wrote (a stale process would serve the values of before).
    """
    from sqlalchemy import text

    from .database import PG_SCHEMA

    present = set(db.tables())
    parts = [
        f"(SELECT coalesce(string_agg(build_id, ',' ORDER BY build_id), '') FROM {PG_SCHEMA}.build)",
        f"(SELECT count(*)::text || ':' || coalesce(max(run_id), '') FROM {PG_SCHEMA}.etl_run)",
    ]
    if "challenge_event" in present:
        parts.append(f"(SELECT count(*)::text FROM {PG_SCHEMA}.challenge_event)")
    with db.engine().connect() as con:
        row = con.execute(text(f"SELECT {', '.join(parts)}")).one()
    return tuple(str(v) for v in row)


def header(state: dict[str, Any]) -> str:
    """The `X-Observatory-Build` header: the build id and the content digest."""
    return f"{state['build_id']}; digest={ALGORITHM}:{state['content_digest']}"


def citation(state: dict[str, Any], lang: str) -> str:
    """The "how to cite" line of a state of the database, in `lang`."""
    from . import i18n

    return i18n.text(
        "cite.line",
        lang,
        build=state["build_id"],
        date=state["updated_at"][:10],
        digest=f"{ALGORITHM}:{state['content_digest'][:16]}",
    )
