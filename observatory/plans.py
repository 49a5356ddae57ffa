"""
Where plans are kept: a solved plan stored as a draft for people to review, the reviews that move it
(draft → reviewed → approved or rejected; an approved plan is only ever superseded by the approval of
a new version), and a stored plan read back whole, once, as a `StoredPlan`.

A stored plan never changes: saving the same settings returns it as it is, other settings make a new
plan. Its review log is append-only and chained by hash (`observatory.plan_log`), checked on every
read; four eyes by default (its author neither reviews nor approves it; whoever reviewed it does not
approve it). The build stores its default plan through `plan_tables` (author "observatory", no review)
and keeps the plans people saved, with their logs, across a rebuild (`carried_plans`); the API, the
app and the command line store and review plans with `store_plan` and `review_plan`; everyone who
shows a stored plan reads it with `read_plan`, as spopt hands back a solved model with its attributes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._plan_evaluation import language_counts, voice_only_share
from .database import Database
from .enums import PLAN_REVIEW_STATUSES
from .errors import ObservatoryError, unknown_name
from .plan_inputs import inputs_of, rests_on
from .plan_log import LOG_COLUMNS, ReviewRefused, check_log, history, new_entry, require_intact
from .provenance import RunRecord, code_version, new_id, now
from .query import DatabaseLike, connect
from .results_schema import RESULT_TABLES

if TYPE_CHECKING:
    from .planner import Plan

#: Review of a stored plan: who may move it where.
REVIEW_MOVES = {
    "draft": ("reviewed", "rejected"),
    "reviewed": ("approved", "rejected", "draft"),
    "approved": ("superseded",),
    "rejected": ("draft",),
    "superseded": (),
}
#: Who the build's own default plan is stored by.
BUILD_AUTHOR = "observatory"
#: The stored name of the build's own plan (its id stays a hash; a page names it in its own words).
DEFAULT_PLAN_NAME = "default"
#: The commune columns a stored plan's sites and coverage carry besides their own.
UNIT_COLUMNS = ["code", "name_fr", "name_ar", "region_code", "province_code", "type"]


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
    #: Every entry of its review log, oldest first, as stored: plan_id, entry, status, reviewer,
    #: reviewed_at, reason, previous_hash, hash (empty for the build's unreviewed default plan).
    reviews: pd.DataFrame
    #: The same log as people read it (`plan_log.HISTORY_COLUMNS`): who, when, from which status to which
    #: (the move), why, the entry's hash and whether it holds (a read stops at a broken one).
    history: pd.DataFrame
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

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """What it rests on (`plan_inputs`): each input's role, indicator, year and status, as stored with
        it, or read from its need and year for a plan stored before plans recorded them."""
        return inputs_of(self.params)

    def rests_on(self, lang: str = "en") -> str:
        """One sentence saying which of its inputs are scenarios or models, or that it rests on the census."""
        return rests_on(self.inputs, lang)

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
def plan_tables(
    result: Plan, *, author: str = BUILD_AUTHOR, supersedes: str | None = None
) -> dict[str, pd.DataFrame]:
    """A solved plan as rows of the plan tables, its parameters (with what its frame holds) as JSON."""
    row = {
        **{k: result.summary.get(k) for k in RESULT_TABLES["plan"] if k != "params"},
        "params": json.dumps(result.params, sort_keys=True),
        "author": author,
        "supersedes": supersedes,
    }
    return {
        "plan": pd.DataFrame([row]),
        "plan_site": result.sites,
        "plan_coverage": result.coverage,
        "plan_audit": result.audit,
        "plan_language": result.languages,
    }


def store_plan(
    result: Plan,
    *,
    db: DatabaseLike,
    by: str = BUILD_AUTHOR,
    reason: str = "saved",
    supersedes: str | None = None,
) -> str:
    """
    Save a plan solved after the build (one transaction, with its `etl_run` row) as a draft for people
    to review, `by` its author, first entry of its review log. A stored plan never changes: the same
    settings and inputs (the same id) return the stored plan as it is, its status and history kept;
    other settings make a new plan, which `supersedes` a stored one when it is approved. Returns the id.
    """
    if not by.strip() or not reason.strip():
        raise ReviewRefused("plan.refused.who_why")
    database = connect(db)
    with database.writer() as writer:
        stored = _plan_rows(database)
        if result.plan_id in set(stored["plan_id"]):
            return result.plan_id
        if supersedes is not None and supersedes not in set(stored["plan_id"]):
            raise unknown_name("plan", supersedes, stored["plan_id"])
        record = RunRecord(job="store_plan", build_id=new_id("load"), version=code_version())
        record.add_input("plan", plan_id=result.plan_id, params=result.params)
        tables = plan_tables(result, author=by.strip(), supersedes=supersedes)
        entry = new_entry(
            pd.DataFrame(columns=LOG_COLUMNS),
            plan_id=result.plan_id,
            params=str(tables["plan"]["params"].iloc[0]),
            status="draft",
            reviewer=by.strip(),
            reviewed_at=now(),
            reason=reason.strip(),
        )
        tables["plan_review"] = pd.DataFrame([entry])
        for name, frame in tables.items():
            writer.append(name, frame.reindex(columns=RESULT_TABLES[name]))
        record.count(read=len(tables["plan_coverage"]), loaded=len(tables["plan_coverage"]))
        record.close("ok")
        writer.append("etl_run", record.etl_run_row())
    return result.plan_id


def review_plan(
    plan_id: str, status: str, *, reviewer: str, reason: str, db: DatabaseLike, four_eyes: bool = True
) -> dict[str, Any]:
    """
    Record a review of a stored plan (draft → reviewed → approved or rejected; back to draft to rework):
    who, when and why, appended to its chained log, never overwritten. With `four_eyes` (the default)
    its author can neither review nor approve it, and whoever reviewed it cannot approve it. Approving a
    plan that supersedes an approved one marks that one superseded, in the same transaction. Returns the
    recorded entry.
    """
    who, why = reviewer.strip(), reason.strip()
    if not who or not why:
        raise ReviewRefused("plan.refused.who_why")
    database = connect(db)
    with database.writer() as writer:
        plans = _plan_rows(database)
        if plan_id not in set(plans["plan_id"]):
            raise unknown_name("plan", plan_id, plans["plan_id"])
        plan = plans[plans["plan_id"] == plan_id].iloc[0]
        log = _checked_log(database, plans)
        own = log[log["plan_id"] == plan_id]
        current = str(own["status"].iloc[-1]) if len(own) else "draft"
        if status == "superseded":
            raise ReviewRefused("plan.refused.superseded", plan_id=plan_id)
        next_status(current, status, plan_id=plan_id)
        if four_eyes:
            _four_eyes(plan_id, status, who, author=str(plan["author"] or ""), log=own)
        entry = new_entry(
            own,
            plan_id=plan_id,
            params=str(plan["params"]),
            status=status,
            reviewer=who,
            reviewed_at=now(),
            reason=why,
        )
        rows = [entry]
        replaced = plan["supersedes"]
        if status == "approved" and isinstance(replaced, str) and replaced:
            theirs = log[log["plan_id"] == replaced]
            if len(theirs) and theirs["status"].iloc[-1] == "approved":
                params = str(plans.loc[plans["plan_id"] == replaced, "params"].iloc[0])
                reason_text = f"superseded by {plan_id}: {why}"
                rows.append(
                    new_entry(
                        theirs,
                        plan_id=replaced,
                        params=params,
                        status="superseded",
                        reviewer=who,
                        reviewed_at=entry["reviewed_at"],
                        reason=reason_text,
                    )
                )
        writer.append("plan_review", pd.DataFrame(rows).reindex(columns=LOG_COLUMNS))
    return entry


def next_status(current: str | None, status: str, *, plan_id: str = "") -> str:
    """Check a review move (draft → reviewed → approved or rejected); returns the new status."""
    current = current or "draft"
    if status not in PLAN_REVIEW_STATUSES:
        raise ReviewRefused("plan.refused.status", status=status, valid=", ".join(PLAN_REVIEW_STATUSES))
    if current == "approved":
        raise ReviewRefused("plan.refused.approved", plan_id=plan_id)
    if status not in REVIEW_MOVES[current]:
        raise ReviewRefused(
            "plan.refused.move",
            plan_id=plan_id,
            current_status=current,
            status=status,
            moves=list(REVIEW_MOVES[current]),
        )
    return status


def _four_eyes(plan_id: str, status: str, who: str, *, author: str, log: pd.DataFrame) -> None:
    """Refuse a review by the plan's author, and an approval by whoever reviewed it."""
    if status in ("reviewed", "approved") and who.casefold() == author.strip().casefold():
        raise ReviewRefused("plan.refused.author", plan_id=plan_id, who=who)
    reviewed = log[log["status"] == "reviewed"]
    if (
        status == "approved"
        and len(reviewed)
        and who.casefold() == str(reviewed["reviewer"].iloc[-1]).casefold()
    ):
        raise ReviewRefused("plan.refused.reviewer", plan_id=plan_id, who=who)


def carried_plans(database: Database, *, built: set[str]) -> dict[str, pd.DataFrame]:
    """
    What a rebuild keeps of the database it replaces: every plan people saved or reviewed (the build's
    own unreviewed default plan is made again) with its rows and its whole review log, as stored (a
    broken chain is carried broken, as evidence; a log saved before logs were chained is chained in
    its order). `built` are the plan ids the new build writes itself: their logs are kept, their rows
    are the build's.
    """
    tables = database.tables() if database.exists() else []
    if "plan" not in tables:
        return {}
    plans = database.read("plan").reindex(columns=RESULT_TABLES["plan"])
    log = database.read("plan_review") if "plan_review" in tables else pd.DataFrame(columns=LOG_COLUMNS)
    log = log.reindex(columns=LOG_COLUMNS)
    saved = {str(p) for p, a in zip(plans["plan_id"], plans["author"], strict=True) if _person(a)}
    keep = (saved | (set(log["plan_id"]) & set(plans["plan_id"]))) - built
    carried = {"plan": plans[plans["plan_id"].isin(keep)]}
    for name in ("plan_site", "plan_coverage", "plan_audit", "plan_language"):
        if name in tables:
            frame = database.read(name)
            carried[name] = frame[frame["plan_id"].isin(keep)].reindex(columns=RESULT_TABLES[name])
    params = dict(zip(plans["plan_id"].astype(str), plans["params"].astype(str), strict=True))
    logs = [
        _chained(part, params.get(str(plan_id), "")) if part["hash"].isna().all() else part
        for plan_id, part in log[log["plan_id"].isin(keep | built)].groupby("plan_id", sort=True)
    ]
    carried["plan_review"] = pd.concat(logs, ignore_index=True) if logs else log.iloc[:0]
    return {name: frame for name, frame in carried.items() if len(frame)}


def _person(author: object) -> bool:
    return isinstance(author, str) and bool(author) and author != BUILD_AUTHOR


def _chained(log: pd.DataFrame, params: str) -> pd.DataFrame:
    """A log stored before logs were chained, chained in the order it was written."""
    rows: list[dict[str, Any]] = []
    for row in log.sort_values("reviewed_at", kind="stable").to_dict("records"):
        fields = {k: row[k] for k in ("status", "reviewer", "reviewed_at", "reason")}
        done = pd.DataFrame(rows, columns=LOG_COLUMNS)
        rows.append(new_entry(done, plan_id=str(row["plan_id"]), params=params, **fields))
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


# -- reading ---------------------------------------------------------------------------------------
def list_plans(*, db: DatabaseLike = None) -> pd.DataFrame:
    """
    Every stored plan with its parameters (JSON), the need it serves and reaches, the price of its
    equity constraints, its baselines, and its review status (`review_status`: draft until reviewed).
    """
    database = connect(db)
    plans = _plan_rows(database)
    return _listing(plans, _checked_log(database, plans))


def read_plan(plan_id: str | None = None, *, db: DatabaseLike = None) -> StoredPlan:
    """A stored plan (default: the build's default plan) with everything stored about it, read once."""
    database = connect(db)
    if "plan" not in database.tables():
        raise ObservatoryError(f"this database holds no deployment plans; cannot read plan {plan_id!r}")
    plans = _plan_rows(database)
    every_review = _checked_log(database, plans)
    stored = _listing(plans, every_review)
    if plan_id is None:
        plan_id = str(stored["plan_id"].iloc[0])
    elif plan_id not in set(stored["plan_id"]):
        raise unknown_name("plan", plan_id, stored["plan_id"])
    summary = stored[stored["plan_id"] == plan_id].to_dict("records")[0]
    own = every_review[every_review["plan_id"] == plan_id]
    reviews = own.drop(columns="hash_ok").reset_index(drop=True)
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
        history=history(own),
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


def _plan_rows(database: Database) -> pd.DataFrame:
    """Every stored plan's row (none when the database holds no plan table)."""
    if "plan" not in database.tables():
        return pd.DataFrame(columns=RESULT_TABLES["plan"])
    return database.read("plan").reindex(columns=RESULT_TABLES["plan"])


def _checked_log(database: Database, plans: pd.DataFrame) -> pd.DataFrame:
    """Every entry of every plan's log in order, its chain checked: a broken one stops the read."""
    if "plan_review" not in database.tables():
        return pd.DataFrame(columns=[*LOG_COLUMNS, "hash_ok"])
    params = dict(zip(plans["plan_id"].astype(str), plans["params"].astype(str), strict=True))
    checked = check_log(database.read("plan_review"), params)
    require_intact(checked)
    return checked


def _listing(plans: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    latest = reviews.drop_duplicates("plan_id", keep="last").set_index("plan_id")["status"]
    # with no review at all the mapped column is float (all missing): cast before filling with a word
    return plans.assign(review_status=plans["plan_id"].map(latest).astype(object).fillna("draft"))


def _language_order(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[["plan_id", "plan", "language", "sites"]]
    return frame.sort_values(["sites", "language"], ascending=[False, True]).reset_index(drop=True)


def _by_province(coverage: pd.DataFrame) -> pd.DataFrame:
    """The need in each province, the need within reach of a site (`covered_need`, `covered_share`) and the
    need its sites can serve (`served_need`, `served_share`), and the communes left out of reach."""
    grouped = coverage.assign(
        covered_need=coverage["need"] * coverage["covered"], left=1 - coverage["covered"]
    )
    grouped = grouped.groupby("province_code", as_index=False).agg(
        need=("need", "sum"),
        covered_need=("covered_need", "sum"),
        served_need=("need_served", "sum"),
        communes_left_out=("left", "sum"),
    )
    grouped["covered_share"] = grouped["covered_need"] / grouped["need"].where(grouped["need"] > 0)
    grouped["served_share"] = grouped["served_need"] / grouped["need"].where(grouped["need"] > 0)
    return grouped.rename(columns={"province_code": "code"})
