"""
A report's annex as the library records it: the index's method in words, each figure's definition,
its statuses and sources, each input file the build read (once), and the build itself.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from observatory import query, registry
from observatory.database import Database
from observatory.enums import DIMENSIONS
from observatory.province_seats import SOURCE_ID as SEATS_SOURCE

from .naming import label


def definitions_table(database: Database, used: list[str], lang: str) -> pd.DataFrame:
    """Each shown indicator's latest catalogue entry: heading, unit, definition, source and licence."""
    catalogue = query.catalogue(db=database)
    # Each figure's latest year's entry, the year the figures show (the catalogue is not in year order).
    latest = catalogue["year"] == catalogue.groupby("indicator_id")["year"].transform("max")
    definitions = (
        catalogue[catalogue["indicator_id"].isin(used) & latest][
            ["indicator_id", "year", "heading", "unit", "definition", "source_id", "licence"]
        ]
        .drop_duplicates("indicator_id", keep="last")
        .reset_index(drop=True)
    )
    definitions.insert(1, "label", [label(i, lang) for i in definitions["indicator_id"]])
    definitions = definitions.astype({c: "object" for c in ("heading", "definition", "licence")})
    return definitions.where(definitions.notna(), "")


def provenance_table(shown: pd.DataFrame, lang: str) -> pd.DataFrame:
    """For each shown figure, once: its statuses, sources and the build runs that wrote it."""
    provenance = (
        shown[["indicator_id", "status", "source_id", "run_id"]]
        .drop_duplicates(["indicator_id", "status", "source_id"])
        .sort_values(["indicator_id", "status"])
        .reset_index(drop=True)
    )
    provenance.insert(1, "label", [label(i, lang) for i in provenance["indicator_id"]])
    return provenance.groupby(["indicator_id", "label"], as_index=False, sort=False).agg(
        status=("status", lambda x: ", ".join(dict.fromkeys(x))),
        source_id=("source_id", lambda x: ", ".join(dict.fromkeys(x))),
        run_id=("run_id", lambda x: ", ".join(dict.fromkeys(str(r) for r in x if isinstance(r, str)))),
    )


def sources_table(database: Database, cited: set[str]) -> pd.DataFrame:
    """The sources the report cites, with URL, digest, licence and title; last, the basis of the provincial
    seats its maps name (`observatory.province_seats`)."""
    sources = query.sources(db=database)
    seats = pd.DataFrame({"source_id": [SEATS_SOURCE]})
    sources = pd.concat([sources[sources["source_id"].isin(cited)], seats], ignore_index=True)
    sources = sources.astype({c: "object" for c in ("url", "sha256", "licence", "title")})
    return sources.where(sources.notna(), "")


def last_build(database: Database) -> dict[str, str]:
    """The build that wrote the database: its id, date, code version, where the database is, and the
    content digest and date of the data after the loads since (`observatory.edition`)."""
    from observatory import edition

    builds = query.builds(db=database)
    last = builds.iloc[-1] if len(builds) else None
    state = edition.current(database)
    return {
        "content_digest": state["content_digest"],
        "updated_at": state["updated_at"],
        "build_id": str(last["build_id"]) if last is not None else "",
        "date": str(last["ended_at"])[:10] if last is not None else "",
        "version": version_words(last["code_version"]) if last is not None else "",
        "database": database.display,
    }


def version_words(raw: Any) -> str:
    """'0.1.0+e1bb8ff661cb' (or the older '296b16c51717+0.1.0') as 'version 0.1.0 (commit e1bb8ff661cb)'."""
    parts = str(raw).split("+")
    release = next((p for p in parts if p[:1].isdigit() and "." in p), parts[0])
    commits = [p for p in parts if p != release]
    return f"{release} ({commits[0][:12]})" if commits else release


def method_words(database: Database, code: str, text: dict[str, str], lang: str) -> dict[str, Any]:
    """The index's method in words: its dimensions with the components the stored index used (read from its
    contributions for one commune), and how it is weighted and ranked."""
    parts = pd.DataFrame(columns=["indicator_id", "dimension"])
    if "index_contribution" in database.tables():
        from observatory import results

        parts = results.index_contributions(code, db=database)
    dims = []
    for dimension in DIMENSIONS:
        own = parts.loc[parts["dimension"] == dimension, "indicator_id"]
        if len(parts) and not len(own):  # a dimension the stored index leaves out is not described
            continue
        labels = list(dict.fromkeys(label(i, lang) for i in own)) or [text["method_usage"]]
        dims.append({"name": registry.DIMENSION_LABELS[dimension][lang], "components": labels})
    from observatory.method_summary import TITLE, method_summary

    return {
        "dimensions": dims,
        "paragraphs": [text[f"method_{i}"] for i in range(1, 5)],
        "summary": method_summary(db=database, lang=lang) if "model_card" in database.tables() else [],
        "summary_title": TITLE[lang],
    }


def files_table(database: Database, provenance: pd.DataFrame) -> pd.DataFrame:
    """Every input file the build read for the shown figures, listed once with its digest and version."""
    runs = query.etl_runs(db=database)
    wanted = {r.strip() for joined in provenance["run_id"] for r in str(joined).split(",") if r.strip()}
    runs = runs[runs["run_id"].isin(wanted)]
    rows: dict[str, dict[str, str]] = {}
    jobs: dict[str, set[str]] = {}
    for run in runs.itertuples():
        try:
            items = json.loads(run.inputs) if isinstance(run.inputs, str) else []
        except json.JSONDecodeError:
            items = []
        for item in items:
            if isinstance(item, dict) and item.get("name") and item.get("sha256"):
                name = str(item["name"])
                rows.setdefault(
                    name,
                    {
                        "file": name,
                        "sha256": str(item.get("sha256") or ""),
                        "version": str(item.get("version") or ""),
                    },
                )
                jobs.setdefault(name, set()).add(str(run.job))
    frame = pd.DataFrame(
        [{**r, "jobs": ", ".join(sorted(jobs[name]))} for name, r in rows.items()],
        columns=["file", "sha256", "version", "jobs"],
    )
    return frame.sort_values("file").reset_index(drop=True)
