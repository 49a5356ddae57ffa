"""
Where plans are kept: a solved plan stored as a draft for people to review, the reviews that move it
(draft → reviewed → approved or rejected), and a stored plan read back whole, once, as a `StoredPlan`.

The build stores its default plan through `plan_tables`; the API, the app and the command line store
and review plans with `store_plan` and `review_plan`; everyone who shows a stored plan reads it with
`read_plan`, as spopt hands back a solved model with its attributes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._plan_evaluation import language_counts, voice_only_share
from .database import Database
from .enums import PLAN_REVIEW_STATUSES
from .errors import ObservatoryError, ValidationError, unknown_name
from .provenance import RunRecord, code_version, new_id, now
from .query import DatabaseLike, connect
from .results_schema import RESULT_TABLES

if TYPE_CHECKING:
    from .planner import Plan

#: Review of a stored plan: who may move it where.
REVIEW_MOVES = {
    "draft": ("reviewed", "rejected"),
    "reviewed": ("approved", "rejected", "draft"),
    "approved": ("draft",),
    "rejected": ("draft",),
}
#: The commune columns a stored plan's sites and coverage carry besides their own.
UNIT_COLUMNS = ["code", "name_fr", "name_ar", "region_code", "province_code", "type"]
REVIEW_COLUMNS = RESULT_TABLES["plan_review"]


@dataclass(frozen=True)
class StoredPlan:
    """
    A stored plan, read from the database in one call (`read_plan`). Sites, coverage and languages are
    the optimal plan's; the audit holds the plan and its baselines (`plan` column).
    """

    #: The plan's id: a hash of its parameters and of its planning frame (`planner.plan_identity`).
    plan_id: str
    #: Its label.
    name: str
    #: Every option it was solved with and what its planning frame holds (`planner.replay` takes them).
    params: dict[str, Any]
    #: Its row of the `plan` table (figures, baselines, price of equity, `params` as stored JSON) with
    #: `review_status`.
    summary: dict[str, Any]
    #: Its review status now: draft, reviewed, approved or rejected.
    status: str
    #: Every review, oldest first: plan_id, status, reviewer, reviewed_at, reason (empty when none).
    reviews: pd.DataFrame
    #: Its sites: how many at each commune, capacity, need served and reached, the languages each must
    #: speak (`;`-separated, most needed first) and the share they reach, the share of its served need
    #: that cannot read (`voice_only_share`); with the commune's names, région, province and area type.
    sites: pd.DataFrame
    #: Every commune: reached or not (`covered`, a share), by which site, at what travel, its need and the
    #: need served; with its names, région, province and area type.
    coverage: pd.DataFrame
    #: Each province (`code`): need, need covered (within reach), the share covered (0-1) and communes
    #: left out.
    coverage_by_province: pd.DataFrame
    #: The fairness audit: need reached, served and unmet by région, urban/rural and sex, for the plan
    #: and its baselines.
    audit: pd.DataFrame
    #: How many sites must speak each local language, most first.
    languages: pd.DataFrame
    #: The share (0-1) of the people its sites serve who cannot read (NaN when they serve no one).
    voice_only_share: float

    def left_out(self, top: int = 20) -> pd.DataFrame:
        """Who the plan leaves out: the uncovered communes with the largest need."""
        left = self.coverage[self.coverage["covered"] == 0]
        return left.sort_values("need", ascending=False).head(top).reset_index(drop=True)

    def languages_within(self, *, region: str | None = None, province: str | None = None) -> pd.DataFrame:
        """Sites per language counted over one `region`'s or `province`'s sites (all of them by default)."""
        if region is None and province is None:
            return self.languages
        frame = language_counts(self._sites_within(region, province)).assign(
            plan_id=self.plan_id, plan="optimal"
        )
        return _language_order(frame)

    def voice_only_share_within(self, *, region: str | None = None, province: str | None = None) -> float:
        """The share of the people one `region`'s or `province`'s sites serve who cannot read."""
        return voice_only_share(self._sites_within(region, province))

    def _sites_within(self, region: str | None, province: str | None) -> pd.DataFrame:
        keep = pd.Series(True, index=self.sites.index)
        if region is not None:
            keep &= self.sites["region_code"] == region
        if province is not None:
            keep &= self.sites["province_code"] == province
        return self.sites[keep]


# -- writing ---------------------------------------------------------------------------------------
def plan_tables(result: Plan) -> dict[str, pd.DataFrame]:
    """A solved plan as rows of the plan tables, its parameters (with what its frame holds) as JSON."""
    row = {
        **{k: result.summary.get(k) for k in RESULT_TABLES["plan"] if k != "params"},
        "params": json.dumps(result.params, sort_keys=True),
    }
    return {
        "plan": pd.DataFrame([row]),
        "plan_site": result.sites,
        "plan_coverage": result.coverage,
        "plan_audit": result.audit,
        "plan_language": result.languages,
    }


def store_plan(result: Plan, *, db: DatabaseLike, by: str = "observatory", reason: str = "saved") -> str:
    """
    Save a plan solved after the build into the database (one transaction, with its `etl_run` row) as a
    draft for people to review; a plan with the same id (same parameters, same inputs) replaces the
    stored one and its review. Returns the plan id.
    """
    record = RunRecord(job="store_plan", build_id=new_id("load"), version=code_version())
    record.add_input("plan", plan_id=result.plan_id, params=result.params)
    draft = {"plan_id": result.plan_id, "status": "draft", "reviewer": by, "reviewed_at": now()}
    tables = {**plan_tables(result), "plan_review": pd.DataFrame([{**draft, "reason": reason}])}
    with connect(db).writer() as writer:
        for name, frame in tables.items():
            writer.delete(name, {"plan_id": result.plan_id})
            writer.append(name, frame.reindex(columns=RESULT_TABLES[name]))
        record.count(read=len(tables["plan_coverage"]), loaded=len(tables["plan_coverage"]))
        record.close("ok")
        writer.append("etl_run", record.etl_run_row())
    return result.plan_id


def review_plan(plan_id: str, status: str, *, reviewer: str, reason: str, db: DatabaseLike) -> dict[str, str]:
    """
    Record a review of a stored plan (draft → reviewed → approved or rejected; back to draft to rework):
    who, when and why, appended, never overwritten. Returns the recorded row.
    """
    if not reviewer.strip() or not reason.strip():
        raise ValueError("a review needs who (reviewer) and why (reason)")
    database = connect(db)
    row = {
        "plan_id": plan_id,
        "status": next_status(read_plan(plan_id, db=database).status, status),
        "reviewer": reviewer.strip(),
        "reviewed_at": now(),
        "reason": reason.strip(),
    }
    with database.writer() as writer:
        writer.append("plan_review", pd.DataFrame([row]).reindex(columns=REVIEW_COLUMNS))
    return row


def next_status(current: str | None, status: str) -> str:
    """Check a review move (draft → reviewed → approved or rejected); returns the new status."""
    current = current or "draft"
    if status not in PLAN_REVIEW_STATUSES:
        valid = ", ".join(PLAN_REVIEW_STATUSES)
        raise ValidationError(f"unknown review status {status!r}; valid: {valid}")
    if status not in REVIEW_MOVES[current]:
        moves = ", ".join(REVIEW_MOVES[current])
        raise ValidationError(f"a {current} plan can move to {moves}, not {status}")
    return status


# -- reading ---------------------------------------------------------------------------------------
def list_plans(*, db: DatabaseLike = None) -> pd.DataFrame:
    """
    Every stored plan with its parameters (JSON), the need it serves and reaches, the price of its
    equity constraints, its baselines, and its review status (`review_status`: draft until reviewed).
    """
    database = connect(db)
    return _listing(database, _reviews(database))


def read_plan(plan_id: str | None = None, *, db: DatabaseLike = None) -> StoredPlan:
    """A stored plan (default: the build's default plan) with everything stored about it, read once."""
    database = connect(db)
    if "plan" not in database.tables():
        raise ObservatoryError(f"this database holds no deployment plans; cannot read plan {plan_id!r}")
    every_review = _reviews(database)
    stored = _listing(database, every_review)
    if plan_id is None:
        plan_id = str(stored["plan_id"].iloc[0])
    elif plan_id not in set(stored["plan_id"]):
        raise unknown_name("plan", plan_id, stored["plan_id"])
    summary = stored[stored["plan_id"] == plan_id].to_dict("records")[0]
    reviews = every_review[every_review["plan_id"] == plan_id].reset_index(drop=True)
    only = {"plan_id": plan_id, "plan": "optimal"}
    units = database.read("commune", columns=UNIT_COLUMNS, geometry=False)
    sites = units.merge(database.read("plan_site", where=only), on="code", how="inner")
    coverage = units.merge(database.read("plan_coverage", where=only), on="code", how="inner")
    return StoredPlan(
        plan_id=plan_id,
        name=str(summary["name"]),
        params=json.loads(summary["params"]) if isinstance(summary["params"], str) else {},
        summary=summary,
        status=str(reviews["status"].iloc[-1]) if len(reviews) else "draft",
        reviews=reviews,
        sites=sites,
        coverage=coverage,
        coverage_by_province=_by_province(coverage),
        audit=database.read("plan_audit", where={"plan_id": plan_id}),
        languages=_language_order(database.read("plan_language", where=only)),
        voice_only_share=voice_only_share(sites),
    )


def compare_plans(plan_ids: list[str], *, db: DatabaseLike = None) -> pd.DataFrame:
    """
    Stored plans side by side, one column per plan: sites, need served and reached, unmet need, the
    share served by région, area and sex, and the sites per language.
    """
    columns = {}
    for plan_id in plan_ids:
        stored = read_plan(plan_id, db=db)
        figures = {
            ("plan", k): stored.summary[k]
            for k in (
                "name",
                "review_status",
                "site_type",
                "capacity",
                "sites_new",
                "sites_existing",
                "radius_km",
                "max_minutes",
                "covered_share",
                "reached_share",
                "best_baseline",
                "gain_over_best",
                "price_of_equity_points",
            )
        }
        audit = stored.audit[stored.audit["plan"] == "optimal"]
        figures[("plan", "unmet_need")] = float(audit.loc[audit["group_type"] == "all", "unmet_need"].sum())
        for r in audit.itertuples():
            figures[(str(r.group_type), str(r.group))] = r.covered_share
        for r in stored.languages.itertuples():
            figures[("language_sites", str(r.language))] = int(r.sites)
        columns[plan_id] = pd.Series(figures, dtype=object)
    out = pd.DataFrame(columns)
    out.index.names = ["section", "figure"]
    return out


def _reviews(database: Database) -> pd.DataFrame:
    """Every review of every plan, oldest first (empty when none was)."""
    if "plan_review" not in database.tables():
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    frame = database.read("plan_review")
    return frame.sort_values("reviewed_at", kind="stable").reset_index(drop=True)


def _listing(database: Database, reviews: pd.DataFrame) -> pd.DataFrame:
    frame = database.read("plan")
    latest = reviews.drop_duplicates("plan_id", keep="last").set_index("plan_id")["status"]
    # with no review at all the mapped column is float (all missing): cast before filling with a word
    return frame.assign(review_status=frame["plan_id"].map(latest).astype("str").fillna("draft"))


def _language_order(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[["plan_id", "plan", "language", "sites"]]
    return frame.sort_values(["sites", "language"], ascending=[False, True]).reset_index(drop=True)


def _by_province(coverage: pd.DataFrame) -> pd.DataFrame:
    """The need and the need covered in each province, the share covered and the communes left out."""
    grouped = coverage.assign(
        covered_need=coverage["need"] * coverage["covered"], left=1 - coverage["covered"]
    )
    grouped = grouped.groupby("province_code", as_index=False).agg(
        need=("need", "sum"), covered_need=("covered_need", "sum"), communes_left_out=("left", "sum")
    )
    grouped["covered_share"] = grouped["covered_need"] / grouped["need"].where(grouped["need"] > 0)
    return grouped.rename(columns={"province_code": "code"})
