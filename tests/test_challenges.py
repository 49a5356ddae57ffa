"""
Challenges as a person meets them, on each backend (a copy of the built GeoPackage; PostGIS too when
OBSERVATORY_TEST_POSTGIS_URL names a server): submitted by the command line and the API, decided by
someone else, served corrected with the original kept, listed in the register with the days to a
decision; hostile input refused with nothing stored, a tampered log found, contact details never
published. What a build does with them: `test_challenges_build.py`.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from observatory import bulk, challenges, results
from observatory import query as q
from observatory.api import create_api_app
from observatory.cli import main
from observatory.database import PG_SCHEMA, Database
from observatory.schema import TABLES
from observatory.shareable import export_shareable

COMMUNE, NEIGHBOUR = "01.051.01.01", "01.051.01.03"
INDICATOR = "illiteracy_rate_10_plus"
EVIDENCE = "The commune's 2025 literacy campaign register counts fewer people who cannot read."
CONTACT = "amina.idrissi@example.org"
TOKEN = "t" * 40


@pytest.fixture(scope="module", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """
    One writable database for the module, on each backend: the tests below add to it in order, as people
    would. A copy of the built GeoPackage; the run's PostGIS build itself, its challenge tables emptied
    before and after (the other PostGIS tests read that build, and must find no correction in it).
    """
    if request.param == "gpkg":
        built: Database = request.getfixturevalue("built_db")
        target = tmp_path_factory.mktemp("challenges") / "observatory.gpkg"
        shutil.copyfile(built.path, target)
        target.chmod(0o644)
        yield Database(target)
        return
    database: Database = request.getfixturevalue("postgis_db")
    _empty_challenges(database)
    yield database
    _empty_challenges(database)


def _empty_challenges(database: Database) -> None:
    """Every challenge removed, the tables as the store made them (their columns' types kept)."""
    for table in set(database.tables()) & {challenges.EVENTS, challenges.CONTACTS}:
        _execute(database, f"DELETE FROM {table}")


def _scratch(db: Database, tmp_path: Path) -> Database:
    """A database a test may break: a copy of the GeoPackage, the module's PostGIS database itself."""
    if db.kind == "postgis":
        return db
    target = tmp_path / "scratch.gpkg"
    shutil.copyfile(db.path, target)
    return Database(target)


def _execute(db: Database, statement: str, **params: object) -> None:
    """A statement run outside the store, on either backend."""
    if db.kind == "postgis":
        from sqlalchemy import text

        with db.engine().begin() as con:
            con.execute(text(f"SET LOCAL search_path TO {PG_SCHEMA}"))
            con.execute(text(statement), params)
        return
    with contextlib.closing(sqlite3.connect(db.path)) as con:
        con.execute(statement, params)
        con.commit()


def _cli(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(main, [*args], catch_exceptions=False)
    return out.exit_code, out.output


def _events(db: Database) -> int:
    return len(challenges.events(db=db))


def test_a_challenge_submitted_and_accepted_is_served_corrected_with_its_original_kept(db):
    original = q.indicator_values(INDICATOR, db=db, year=2024, units=[COMMUNE])
    assert original["status"].iloc[0] == "published" and original["correction"].isna().all()
    before = float(original["value"].iloc[0])
    version = bulk.version(db)  # names the files a server answers values from, in memory

    code, out = _cli(
        "challenge", "submit", "--db", db.target, "--unit", COMMUNE, "--indicator", INDICATOR,
        "--year", "2024", "--value", "17.5", "--evidence", EVIDENCE, "--by", "Amina Idrissi",
        "--contact", CONTACT,
    )  # fmt: skip
    assert code == 0, out
    challenge_id = out.strip()
    assert challenge_id.startswith("challenge-")
    assert challenges.register(db=db).set_index("challenge_id").loc[challenge_id, "status"] == "open"
    assert bulk.version(db) == version  # an open challenge changes no served figure

    # Four eyes: the submitter, however she spells her name, cannot decide.
    code, out = _cli(
        "challenge", "review", "--db", db.target, challenge_id, "--decision", "accept",
        "--by", "  amina   IDRISSI ", "--reason", "I checked it myself.",
    )  # fmt: skip
    assert code == 1 and len(out.strip().splitlines()) == 1
    assert "cannot decide" in out
    code, out = _cli(
        "challenge", "review", "--db", db.target, challenge_id, "--decision", "accept",
        "--by", "Karim Alaoui", "--reason", "The campaign register was checked against the census.",
    )  # fmt: skip
    assert code == 0 and "accepted" in out
    assert bulk.version(db) != version  # a server rewrites its in-memory values before serving them again

    served = q.indicator_values(INDICATOR, db=db, year=2024, units=[COMMUNE])
    row = served.iloc[0]
    assert (row["value"], row["status"], row["correction"], row["challenge_id"]) == (
        17.5,
        "corrected",
        "corrected",
        challenge_id,
    )
    assert pd.isna(row["lower"]) and pd.isna(row["upper"])  # the interval described the original
    assert len(q.indicator_values(INDICATOR, db=db, year=2024, units=[COMMUNE], status="corrected")) == 1
    assert q.indicator_values(INDICATOR, db=db, year=2024, units=[COMMUNE], status="published").empty
    # Other breakdowns of the figure are not the one contested.
    female = q.indicator_values(INDICATOR, db=db, year=2024, units=[COMMUNE], sex="female")
    assert female["status"].iloc[0] == "published"

    found = challenges.read_challenge(challenge_id, db=db)
    assert found.original_value == before and found.value == 17.5 and found.status == "accepted"
    assert list(found.history["event"]) == ["submitted", "accepted"]
    assert list(found.history["by"]) == ["Amina Idrissi", "Karim Alaoui"]
    assert found.history["evidence"].iloc[0] == EVIDENCE and found.reason.startswith("The campaign")

    # The province, région and country aggregates built from the original say so, and the plans that
    # cover the commune; not its index rank, which reads illiteracy by sex, not this figure.
    above = q.indicator_values(INDICATOR, db=db, year=2024, level=None, units=["01.051", "01", "MA"])
    assert set(above["correction"]) == {"affected"} and set(above["challenge_id"]) == {challenge_id}
    assert set(above["level"]) == {"province", "region", "country"}
    assert {"aggregate", "plan"} <= set(found.affects["kind"]) and "index" not in set(found.affects["kind"])
    # A correction of a figure the index reads marks the rank where ranks are read; plans say so too.
    by_sex = challenges.submit(
        unit=COMMUNE,
        indicator=INDICATOR,
        year=2024,
        sex="female",
        value=25.0,
        evidence=EVIDENCE,
        by="A",
        db=db,
    )
    challenges.review(by_sex, decision="accept", by="Karim Alaoui", reason="Checked.", db=db)
    assert "index" in set(challenges.read_challenge(by_sex, db=db).affects["kind"])
    ranks = results.fragility_index("commune", db=db).set_index("code")
    assert (ranks.loc[COMMUNE, "correction"], ranks.loc[COMMUNE, "challenge_id"]) == ("affected", by_sex)
    assert ranks.drop(index=COMMUNE)["correction"].isna().all()
    plan_id = found.affects.loc[found.affects["kind"] == "plan", "plan_id"].iloc[0]
    plan = create_api_app(db).test_client().get(f"/api/v1/plans/{plan_id}").get_json()["data"]
    assert plan["challenge_ids"] == sorted([challenge_id, by_sex])

    listed = challenges.register(db=db).set_index("challenge_id").loc[challenge_id]
    assert listed["status"] == "accepted" and 0 <= listed["days_to_decision"] < 1
    code, out = _cli("challenge", "list", "--db", db.target)
    assert code == 0 and challenge_id in out


def test_a_decision_is_final_and_a_boundary_is_contested_without_a_value(db):
    decided = challenges.register(db=db)["challenge_id"].iloc[0]
    with pytest.raises(challenges.Refused, match="already decided"):
        challenges.review(decided, decision="reject", by="Someone Else", reason="second thoughts", db=db)
    boundary = challenges.submit(
        unit=NEIGHBOUR,
        boundary=True,
        evidence="The 2023 decree moved the boundary with Al Hoceima to the river.",
        by="Omar Benali",
        db=db,
    )
    event = challenges.review(
        boundary, decision="reject", by="Karim Alaoui", reason="The decree says no.", db=db
    )
    assert event["event"] == "rejected" and challenges.read_challenge(boundary, db=db).kind == "boundary"


HOSTILE = {
    "markup": {"evidence": "<script>alert(1)</script> and more words to be long enough"},
    "markup in a name": {"by": "<img src=x onerror=alert(1)>"},
    "control character": {"evidence": "A register shows \x1b[31m another figure entirely"},
    "sql": {"evidence": "The figure'; DROP TABLE commune; -- is wrong, look again"},
    "sql in a name": {"by": "x' OR '1'='1"},
    "huge": {"evidence": "x" * (challenges.MAX_EVIDENCE + 1)},
    "too short": {"evidence": "wrong"},
    "unknown unit": {"unit": "99.999.99.99"},
    "malformed unit": {"unit": "01.051.01.01; --"},
    "unknown indicator": {"indicator": "illiteracy_rate_11_plus"},
    "unknown year": {"year": 2019},
    "share above 100": {"value": 140.0},
    "negative": {"value": -1.0},
    "not a number": {"value": float("nan")},
    "bad contact": {"contact": "call me on 0600000000"},
    "boundary with a value": {"boundary": True},
    "year out of range": {"year": 10**30},
    "malformed period": {"period": "2024'--"},
    "newline in a unit": {"unit": "01.051\n01.01"},
    "boundary of a province": {
        "boundary": True,
        "unit": "01.051",
        "indicator": None,
        "year": None,
        "value": None,
    },
}


@pytest.mark.parametrize("change", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_refused_in_one_line_and_nothing_stored(db, change):
    before = _events(db)
    given = {
        "unit": NEIGHBOUR,
        "indicator": INDICATOR,
        "year": 2024,
        "value": 30.0,
        "evidence": EVIDENCE,
        "by": "Test Person",
        **change,
    }
    with pytest.raises(challenges.Refused) as refused:
        challenges.submit(db=db, **given)
    for lang in ("fr", "ar", "en"):
        assert len(refused.value.message(lang).splitlines()) == 1
    assert _events(db) == before


def test_one_person_has_at_most_so_many_open_challenges_a_day(db):
    indicators = ["age_0_4", "age_5_9", "age_10_14", "age_15_19", "age_20_24"]
    for indicator in indicators[: challenges.MAX_OPEN_PER_DAY]:
        value = float(q.indicator_values(indicator, db=db, year=2024, units=[NEIGHBOUR])["value"].iloc[0])
        challenges.submit(
            unit=NEIGHBOUR,
            indicator=indicator,
            year=2024,
            value=value,
            evidence=EVIDENCE,
            by="Busy Body",
            db=db,
        )
    with pytest.raises(challenges.Refused, match="at most 5 open challenges"):
        challenges.submit(
            unit=NEIGHBOUR,
            indicator=INDICATOR,
            year=2024,
            value=20.0,
            evidence=EVIDENCE,
            by="busy body",
            db=db,
        )
    # The same figure twice is one challenge, whoever asks.
    with pytest.raises(challenges.Refused, match="already contests"):
        challenges.submit(
            unit=NEIGHBOUR,
            indicator="age_0_4",
            year=2024,
            value=1.0,
            evidence=EVIDENCE,
            by="Other",
            db=db,
        )


def test_the_api_takes_challenges_only_on_a_server_open_for_writes(db):
    body = {
        "unit": NEIGHBOUR,
        "indicator": INDICATOR,
        "year": 2024,
        "value": 31.5,
        "evidence": EVIDENCE,
        "by": "Salma Tazi",
        "contact": CONTACT,
    }
    closed = create_api_app(db).test_client()
    assert closed.post("/api/v1/challenges", json=body).status_code == 403
    client = create_api_app(db, allow_writes=True, token=TOKEN).test_client()
    assert client.post("/api/v1/challenges", json=body).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    bad = client.post("/api/v1/challenges", json={**body, "value": 131, "lang": "fr"}, headers=auth)
    assert bad.status_code == 422 and "hors du domaine" in bad.get_json()["error"]["message"]
    assert client.post("/api/v1/challenges", json={**body, "admin": True}, headers=auth).status_code == 400
    assert client.post("/api/v1/challenges", json={**body, "year": "2024"}, headers=auth).status_code == 400
    made = client.post("/api/v1/challenges", json=body, headers=auth)
    assert made.status_code == 200, made.get_json()
    challenge_id = made.get_json()["data"]["challenge_id"]

    register = client.get("/api/v1/challenges").get_json()["data"]
    assert challenge_id in {r["challenge_id"] for r in register}
    assert {"status", "submitted_at", "decided_at", "days_to_decision"} <= set(register[0])
    one = client.get(f"/api/v1/challenges/{challenge_id}").get_json()["data"]
    assert one["status"] == "open" and one["history"][0]["by"] == "Salma Tazi"
    assert client.get("/api/v1/challenges/challenge-nope").status_code == 404

    # The decision through the API: four eyes, the token, an open challenge that exists.
    review = f"/api/v1/challenges/{challenge_id}/review"
    decision = {"decision": "accept", "by": "Karim Alaoui", "reason": "Matches the register."}
    assert closed.post(review, json=decision).status_code == 403
    assert client.post(review, json=decision).status_code == 401
    own = client.post(review, json={**decision, "by": "salma  tazi", "lang": "fr"}, headers=auth)
    assert own.status_code == 422 and len(own.get_json()["error"]["message"].splitlines()) == 1
    assert client.post(review, json={**decision, "decision": "maybe"}, headers=auth).status_code == 400
    unknown = client.post("/api/v1/challenges/challenge-nope/review", json=decision, headers=auth)
    assert unknown.status_code == 404
    decided = client.post(review, json=decision, headers=auth)
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["data"]["status"] == "accepted"
    assert client.post(review, json=decision, headers=auth).status_code == 422  # decided once
    assert challenges.read_challenge(challenge_id, db=db).decided_by == "Karim Alaoui"
    values = client.get(f"/api/v1/indicators/{INDICATOR}/values?year=2024&unit={NEIGHBOUR}").get_json()[
        "data"
    ]
    assert (values[0]["value"], values[0]["status"]) == (31.5, "corrected")


def test_contact_details_are_never_published(db):
    """No public path (library, API JSON and CSV, OpenAPI) hands out what a submitter gave to be reached."""
    assert "challenge_contact" in db.tables()  # kept, for the operator
    client = create_api_app(db).test_client()
    paths = ["/api/v1/challenges", "/api/v1/challenges?format=csv", "/api/v1/openapi.json", "/api/v1/"]
    paths += [f"/api/v1/challenges/{c}" for c in challenges.register(db=db)["challenge_id"]]
    paths += [f"/api/v1/indicators/{INDICATOR}/values?year=2024&unit={COMMUNE},{NEIGHBOUR}&format=csv"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert CONTACT not in response.get_data(as_text=True), path
    library = [
        challenges.register(db=db),
        challenges.events(db=db),
        q.indicator_values(INDICATOR, db=db, year=2024),
    ]
    library += [
        challenges.read_challenge(c, db=db).history for c in challenges.register(db=db)["challenge_id"]
    ]
    for frame in library:
        assert CONTACT not in frame.to_csv()


def test_a_shareable_copy_holds_no_contact(db, tmp_path):
    """What `observatory export --shareable` writes may leave the machine: not the submitters' contacts."""
    out = tmp_path / "shared.gpkg"
    export_shareable(db, out)
    assert "challenge_contact" not in Database(out).tables()
    assert CONTACT.encode() not in out.read_bytes()
    assert len(challenges.register(db=Database(out))) == len(challenges.register(db=db))


def test_the_api_counts_submissions_by_address_too_and_keeps_no_address(db, monkeypatch):
    """A name can be changed at every submission; the client address counts them too, held only as a
    salted hash in the server's memory."""
    from observatory.api import challenges as route

    monkeypatch.setattr(route, "MAX_PER_ADDRESS", 2)
    client = create_api_app(db, allow_writes=True, token=TOKEN).test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    address, other = "203.0.113.7", "198.51.100.23"

    def post(indicator: str, by: str, remote: str) -> tuple[int, str]:
        value = float(q.indicator_values(indicator, db=db, year=2024, units=[COMMUNE])["value"].iloc[0])
        body = {"unit": COMMUNE, "indicator": indicator, "year": 2024, "value": value, "evidence": EVIDENCE}
        made = client.post(
            "/api/v1/challenges", json={**body, "by": by}, headers=auth, environ_base={"REMOTE_ADDR": remote}
        )
        return made.status_code, made.get_data(as_text=True)

    assert post("age_25_29", "First Name", address)[0] == 200
    assert post("age_30_34", "Second Name", address)[0] == 200
    before = _events(db)
    status, text = post("age_35_39", "Third Name", address)
    assert status == 422 and "from one address" in text and _events(db) == before
    assert post("age_35_39", "Third Name", other)[0] == 200  # another address is counted apart
    stored = challenges.events(db=db).to_csv() + db.read(challenges.CONTACTS).to_csv()
    assert address not in stored and other not in stored
    assert address not in client.get("/api/v1/challenges?format=csv").get_data(as_text=True)


def test_a_tampered_event_is_found_on_read(db, tmp_path):
    scratch = _scratch(db, tmp_path)
    made = challenges.submit(
        unit="MA", indicator=INDICATOR, year=2024, value=20.0, evidence=EVIDENCE, by="A", db=scratch
    )
    challenges.review(made, decision="accept", by="B", reason="Seen in the register.", db=scratch)
    published = challenges.head(db=scratch)
    pristine = challenges.events(db=scratch)

    def tampered(statement: str, **params: object) -> Database:
        with scratch.writer() as writer:
            writer.replace(challenges.EVENTS, pristine)
        _execute(scratch, statement, **params)
        return scratch

    try:
        edited = tampered(
            "UPDATE challenge_event SET value = 12.0 WHERE event_id = :event", event=published["events"] - 1
        )
        with pytest.raises(challenges.TamperedError, match=f"broken at event {published['events'] - 1}"):
            challenges.events(db=edited)
        with pytest.raises(challenges.TamperedError):  # nothing is served from a broken log
            q.indicator_values(INDICATOR, db=edited, year=2024, units=[COMMUNE])
        removed = tampered("DELETE FROM challenge_event WHERE event_id = 1")
        with pytest.raises(challenges.TamperedError, match="broken at event 1"):
            challenges.events(db=removed)
        # Removing the newest event leaves a valid chain: the published head is what shows it.
        newest = tampered("DELETE FROM challenge_event WHERE event_id = :event", event=published["events"])
        assert challenges.head(db=newest) != published
    finally:
        tampered("SELECT 1")
    assert challenges.head(db=scratch) == published  # a restored log reads whole again


def test_posted_bodies_never_break_the_server(db, tmp_path, tally):
    """Schemathesis fuzzes POST /challenges on a server open for writes: valid and invalid bodies alike,
    never a 500, every answer as documented."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode

    target = _scratch(db, tmp_path)
    app = create_api_app(target, allow_writes=True, token=TOKEN)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "422"]
    operation = schema.find_operation_by_label("POST /challenges")
    statuses: dict[int, int] = {}
    for mode in GenerationMode:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=60,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
            response = case.call_and_validate()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        check()
    tally(
        f"POST /challenges with writes: {sum(statuses.values())} requests, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert statuses and not any(s >= 500 for s in statuses), statuses
    assert {400, 422} <= set(statuses), statuses
    challenges.events(db=target)  # whatever was stored, the chain holds


def test_a_log_carried_over_empty_keeps_its_numbers_typed(db):
    """A log with no event (its table emptied, as these tests leave PostGIS) is carried over by a build
    with its numbers typed as numbers: as text, the next event's year would read back `2014.0` on
    PostGIS, and its hash would not match. (Last in the module: it empties the log.)"""
    with db.writer() as writer:
        writer.replace(challenges.EVENTS, pd.DataFrame(columns=TABLES[challenges.EVENTS]))
    with db.writer() as writer:  # as the build writes them into the database it makes
        for table, frame in challenges.kept_tables(db).items():
            writer.replace(table, frame)
    made = challenges.submit(
        unit="12.066.01.03",
        indicator="profession_employed",
        year=2014,
        area="urban",
        value=40.0,
        evidence=EVIDENCE,
        by="Amina Idrissi",
        db=db,
    )
    challenges.review(made, decision="accept", by="Karim Alaoui", reason="Checked.", db=db)
    assert list(challenges.events(db=db)["challenge_id"]) == [made, made]  # the chain verifies


def test_every_status_kind_and_decision_is_named_once_and_in_every_language():
    from observatory import i18n
    from observatory.enums import CHALLENGE_DECISIONS, CHALLENGE_KINDS, CHALLENGE_STATUSES

    assert set(challenges.DECIDED) == set(CHALLENGE_DECISIONS)
    assert {"open", *challenges.DECIDED.values()} == set(CHALLENGE_STATUSES)
    for lang in i18n.languages():
        for name in (*(f"status.{s}" for s in CHALLENGE_STATUSES), *(f"kind.{k}" for k in CHALLENGE_KINDS)):
            assert i18n.has(f"challenge.{name}", lang), (lang, name)
