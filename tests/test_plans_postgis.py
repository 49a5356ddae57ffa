"""
The plan store on PostGIS: the same immutable plans, four eyes and chained log as on GeoPackage, and
an edit of the log with plain SQL caught on the next read. It writes to a database of its own (the
test server's database name + `_plans`), never to the shared build.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import postgis_url, require_service

from observatory import planner, results
from observatory.database import PG_SCHEMA, Database
from observatory.plan_log import ReviewRefused, TamperedLogError
from observatory.plans import list_plans, read_plan, review_plan, store_plan

pytestmark = pytest.mark.postgis


@pytest.fixture
def plans_pg(built_db: Database) -> Iterator[Database]:
    """A PostGIS database holding a build row and the build's plan rows only: what the plan store reads."""
    url = postgis_url()
    require_service(url is not None and Database(url).state()[0] != "unreachable", "PostGIS")
    assert url is not None
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(url)
    name = f"{server.database}_plans"
    plain = server.set(drivername="postgresql", database=server.database).render_as_string(
        hide_password=False
    )
    with psycopg.connect(plain, autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            con.execute(f'CREATE DATABASE "{name}"')
    db = Database(server.set(database=name).render_as_string(hide_password=False))
    with db.writer(rebuild=True) as writer:
        for table in ("build", "plan", "plan_site", "plan_coverage", "plan_audit", "plan_language"):
            writer.replace(table, built_db.read(table, geometry=False))
    yield db
    from sqlalchemy import text

    with db.engine().begin() as con:
        con.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))


def test_postgis_keeps_an_approval_and_catches_an_edit(plans_pg, built_db):
    frame = results.planning_frame(db=built_db, need=planner.SITE_TYPES["training_centre"].need, region="12")
    solved = planner.plan(frame, sites=3, radius_km=20, min_per_region=0, name="approvals")
    plan_id = store_plan(solved, db=plans_pg, by="alice", reason="first draft")
    review_plan(plan_id, "reviewed", reviewer="bob", reason="figures checked", db=plans_pg)
    with pytest.raises(ReviewRefused, match="bob reviewed plan"):
        review_plan(plan_id, "approved", reviewer="bob", reason="and approved", db=plans_pg)
    review_plan(plan_id, "approved", reviewer="carol", reason="budget agreed", db=plans_pg)
    assert store_plan(solved, db=plans_pg, by="mallory", reason="start over") == plan_id
    listed = list_plans(db=plans_pg).set_index("plan_id")
    assert listed.loc[plan_id, "review_status"] == "approved"
    assert list(plans_pg.read("plan_review", where={"plan_id": plan_id})["reviewer"]) == [
        "alice",
        "bob",
        "carol",
    ]
    from sqlalchemy import text

    with plans_pg.engine().begin() as con:
        con.execute(text(f"UPDATE {PG_SCHEMA}.plan_review SET reason = 'nothing to see' WHERE entry = 1"))
    with pytest.raises(TamperedLogError, match=f"plan {plan_id} does not hold at entry 1 "):
        list_plans(db=plans_pg)
    with pytest.raises(TamperedLogError):
        read_plan(plan_id, db=plans_pg)
