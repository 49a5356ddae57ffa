"""
Approvals no one can erase: a saved plan is immutable, its review log chained by hash and checked on
every read, four eyes on every review, an approved plan only superseded; through the library, the
command line and the API, and across a rebuild. An edit of the log with plain SQL is caught.
"""

from __future__ import annotations

import shutil
import sqlite3

import pandas as pd
import pytest
from click.testing import CliRunner

from observatory import planner, results
from observatory.api.app import create_api_app
from observatory.cli import main
from observatory.database import Database
from observatory.plan_log import ReviewRefused, TamperedLogError
from observatory.plans import list_plans, read_plan, review_plan, store_plan

TOKEN = "a-token-of-at-least-thirty-two-characters"
#: A small plan that solves in a second: three sites in Dakhla-Oued Ed-Dahab.
REGION, SITES = "12", 3


def solve(db: Database, *, sites: int = SITES) -> planner.Plan:
    frame = results.planning_frame(db=db, need=planner.SITE_TYPES["training_centre"].need, region=REGION)
    return planner.plan(frame, sites=sites, radius_km=20, min_per_region=0, name="approvals")


@pytest.fixture
def approved(writable_db: Database) -> str:
    """A plan saved by alice, reviewed by bob, approved by carol."""
    plan_id = store_plan(solve(writable_db), db=writable_db, by="alice", reason="first draft")
    review_plan(plan_id, "reviewed", reviewer="bob", reason="figures checked", db=writable_db)
    review_plan(plan_id, "approved", reviewer="carol", reason="budget agreed", db=writable_db)
    return plan_id


def test_saving_the_same_settings_keeps_the_approval_and_its_history(writable_db, approved):
    again = store_plan(solve(writable_db), db=writable_db, by="mallory", reason="start over")
    stored = read_plan(approved, db=writable_db)
    assert again == approved and stored.status == "approved"
    assert list(stored.history["who"]) == ["alice", "bob", "carol"]
    assert list(stored.history["status"]) == ["draft", "reviewed", "approved"]
    assert (
        list(stored.history["from_status"]) == ["", "draft", "reviewed"] and stored.history["hash_ok"].all()
    )
    assert stored.summary["author"] == "alice"
    listed = list_plans(db=writable_db).set_index("plan_id")
    assert listed.loc[approved, "review_status"] == "approved"


def test_four_eyes_and_moves_refuse_in_the_user_s_language(writable_db):
    plan_id = store_plan(solve(writable_db), db=writable_db, by="alice", reason="draft")
    with pytest.raises(ReviewRefused) as refused:
        review_plan(plan_id, "reviewed", reviewer=" Alice ", reason="mine is fine", db=writable_db)
    assert refused.value.message("fr").startswith("Alice a enregistré le plan")
    assert "(quatre yeux)" in refused.value.message("fr") and "\n" not in refused.value.message("ar")
    review_plan(plan_id, "reviewed", reviewer="bob", reason="checked", db=writable_db)
    with pytest.raises(ReviewRefused, match="bob reviewed plan"):
        review_plan(plan_id, "approved", reviewer="bob", reason="and approved", db=writable_db)
    review_plan(plan_id, "approved", reviewer="carol", reason="approved", db=writable_db)
    for status in ("draft", "rejected", "reviewed"):
        with pytest.raises(ReviewRefused) as refused:
            review_plan(plan_id, status, reviewer="dave", reason="undo", db=writable_db)
        assert refused.value.message("fr").startswith(f"Le plan {plan_id} est approuvé : il le reste jusqu'à")
    with pytest.raises(ReviewRefused, match="superseded only when a new version"):
        review_plan(plan_id, "superseded", reviewer="dave", reason="gone", db=writable_db)
    with pytest.raises(ReviewRefused, match="who and why"):
        review_plan(plan_id, "rejected", reviewer="dave", reason="  ", db=writable_db)
    stored = read_plan(plan_id, db=writable_db)
    assert stored.status == "approved" and len(stored.history) == 3


def test_a_new_version_approved_supersedes_the_approved_one(writable_db, approved):
    with pytest.raises(KeyError, match="unknown plan 'plan-nothing'"):
        store_plan(solve(writable_db, sites=4), db=writable_db, by="dan", supersedes="plan-nothing")
    assert len(list_plans(db=writable_db)) == 2  # the build's and alice's: nothing stored
    newer = store_plan(solve(writable_db, sites=4), db=writable_db, by="dan", supersedes=approved)
    assert newer != approved and read_plan(newer, db=writable_db).summary["supersedes"] == approved
    review_plan(newer, "reviewed", reviewer="erin", reason="one more site", db=writable_db)
    assert read_plan(approved, db=writable_db).status == "approved"  # until the new one is approved
    review_plan(newer, "approved", reviewer="frank", reason="funded", db=writable_db)
    old = read_plan(approved, db=writable_db)
    assert old.status == "superseded" and len(old.history) == 4
    assert old.history["reason"].iloc[-1] == f"superseded by {newer}: funded"
    assert read_plan(newer, db=writable_db).status == "approved"


def _sql(db: Database, statement: str) -> None:
    with sqlite3.connect(db.path) as con:
        con.execute(statement)


@pytest.mark.parametrize(
    "attack",
    [
        "UPDATE plan_review SET reason = 'nothing to see' WHERE entry = 1",
        "UPDATE plan_review SET reviewer = 'carol' WHERE entry = 1",
        "DELETE FROM plan_review WHERE entry = 1",
        "UPDATE plan SET params = replace(params, '20', '25')",
    ],
    ids=["reason", "reviewer", "deleted", "params"],
)
def test_an_edit_of_the_log_outside_the_observatory_stops_every_read(writable_db, approved, attack, tmp_path):
    copy = Database(tmp_path / "copy.gpkg")
    shutil.copyfile(writable_db.path, copy.path)
    _sql(copy, attack)
    entry = {"params": 0, "DELETE": 2}.get(next((k for k in ("params", "DELETE") if k in attack), ""), 1)
    with pytest.raises(TamperedLogError, match=f"plan {approved} does not hold at entry {entry} "):
        read_plan(approved, db=copy)
    with pytest.raises(TamperedLogError, match=approved) as broken:
        list_plans(db=copy)
    assert broken.value.message("fr").startswith(f"l'historique d'examen du plan {approved} ne tient plus")
    with pytest.raises(TamperedLogError):
        review_plan(approved, "draft", reviewer="mallory", reason="hide it", db=copy)
    assert read_plan(approved, db=writable_db).status == "approved"  # the original holds


def test_a_rebuild_keeps_the_plans_people_saved_and_their_logs(writable_db, approved):
    from observatory.etl.jobs import census
    from observatory.etl.jobs.build import build
    from observatory.settings import get_settings

    built = read_plan(db=writable_db).plan_id
    log, sites = (writable_db.read(t, where={"plan_id": approved}) for t in ("plan_review", "plan_site"))
    # a build of the units alone: quick, and it writes no plan of its own
    build(get_settings(db=str(writable_db.path)), progress=False, jobs=(census.units_job,))
    listed = list_plans(db=writable_db)  # the chains checked
    assert list(listed["plan_id"]) == [approved] and listed["review_status"].iloc[0] == "approved"
    assert writable_db.read("plan_review", where={"plan_id": approved}).equals(log)
    assert writable_db.read("plan_site", where={"plan_id": approved}).equals(sites)
    assert built != approved  # the build's own unreviewed plan is not carried: a build makes it again


def test_the_command_line_keeps_an_approval_across_a_resave(writable_db):
    runner = CliRunner()
    base = ["--db", str(writable_db.path)]
    solve_args = ["plan", "solve", *base, "--region", REGION, "--sites", str(SITES), "--min-per-region", "0"]
    solve_args += ["--radius-km", "20", "--name", "approvals", "--save"]
    saved = runner.invoke(main, [*solve_args, "--by", "alice"])
    assert saved.exit_code == 0, saved.output
    plan_id = saved.output.split("plan-")[-1].split()[0].rstrip(".")
    plan_id = f"plan-{plan_id}"
    review = ["plan", "review", *base, plan_id, "--reason", "ok"]
    refused = runner.invoke(
        main, [*review, "--status", "reviewed", "--by", "alice"], env={"OBSERVATORY_CLI_LANG": "fr"}
    )
    assert (
        refused.exit_code == 1 and "quatre yeux" in refused.output and len(refused.output.splitlines()) == 1
    )
    assert runner.invoke(main, [*review, "--status", "reviewed", "--by", "bob"]).exit_code == 0
    assert runner.invoke(main, [*review, "--status", "approved", "--by", "carol"]).exit_code == 0
    again = runner.invoke(main, [*solve_args, "--by", "mallory", "--lang", "fr"])
    assert (
        again.exit_code == 0
        and f"{plan_id} était déjà enregistré" in again.output
        and "approuvé" in again.output
    )
    shown = runner.invoke(main, ["plan", "history", *base, plan_id])
    lines = shown.output.splitlines()
    assert shown.exit_code == 0 and len(lines) == 4, shown.output
    assert (
        "saved as draft" in lines[0]
        and "bob  draft → reviewed" in lines[1]
        and "carol  reviewed → approved" in lines[2]
    )
    assert (
        lines[3].startswith("Each entry is chained")
        and read_plan(plan_id, db=writable_db).history["hash"].iloc[-1] in lines[3]
    )


def test_the_api_records_reviews_and_keeps_an_approval_across_a_resave(writable_db):
    client = create_api_app(writable_db, allow_writes=True, token=TOKEN).test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {"region": REGION, "sites": SITES, "radius_km": 20, "min_per_region": 0}
    saved = client.post("/api/v1/plans?store=true&by=alice", json=body, headers=auth).get_json()["data"]
    plan_id = saved["plan_id"]
    reviews = f"/api/v1/plans/{plan_id}/reviews"
    off = (
        create_api_app(writable_db)
        .test_client()
        .post(reviews, json={"status": "reviewed", "by": "bob", "reason": "ok"}, headers=auth)
    )
    assert off.status_code == 403
    assert client.post(reviews, json={"status": "reviewed", "by": "bob", "reason": "ok"}).status_code == 401
    refused = client.post(
        reviews, json={"status": "reviewed", "by": "alice", "reason": "ok", "lang": "ar"}, headers=auth
    )
    assert refused.status_code == 422 and "الأعين الأربع" in refused.get_json()["error"]["message"]
    assert client.post(reviews, json={"status": "reviewed", "by": "bob"}, headers=auth).status_code == 400
    assert (
        client.post(
            reviews, json={"status": "reviewed", "by": "bob", "reason": "checked"}, headers=auth
        ).status_code
        == 200
    )
    approved = client.post(
        reviews, json={"status": "approved", "by": "carol", "reason": "agreed"}, headers=auth
    )
    assert approved.status_code == 200 and [e["status"] for e in approved.get_json()["data"]] == [
        "draft",
        "reviewed",
        "approved",
    ]
    again = client.post("/api/v1/plans?store=true&by=mallory", json=body, headers=auth).get_json()["data"]
    assert again["plan_id"] == plan_id and again["review_status"] == "approved"
    stored = client.get(f"/api/v1/plans/{plan_id}").get_json()["data"]
    assert stored["review_status"] == "approved" and [e["who"] for e in stored["history"]] == [
        "alice",
        "bob",
        "carol",
    ]
    assert (
        client.post(
            "/api/v1/plans/plan-nothing/reviews",
            json={"status": "reviewed", "by": "bob", "reason": "x"},
            headers=auth,
        ).status_code
        == 404
    )


def test_the_history_is_a_frame_people_read(writable_db, approved):
    history = read_plan(approved, db=writable_db).history
    assert list(history.columns) == [
        "entry",
        "who",
        "when",
        "from_status",
        "status",
        "reason",
        "hash",
        "hash_ok",
    ]
    assert list(history["entry"]) == [0, 1, 2] and history["hash"].str.fullmatch("[0-9a-f]{64}").all()
    assert pd.to_datetime(history["when"]).is_monotonic_increasing
