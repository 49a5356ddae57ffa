"""
Where a person meets challenges besides the command line: the app's register and the commune profile's
link to it, the report's corrected figures, the OpenAPI document; each in every language.
"""

from __future__ import annotations

import shutil

import pytest

from observatory import challenges
from observatory.api import create_api_app
from observatory.database import Database

COMMUNE = "01.051.01.01"
INDICATOR = "illiteracy_rate_10_plus"
EVIDENCE = "The commune's 2025 literacy campaign register counts fewer people who cannot read."


@pytest.fixture(scope="module")
def corrected(built_db: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, str]:
    """A copy of the build where one figure was contested and the challenge accepted."""
    target = tmp_path_factory.mktemp("surfaces") / "observatory.gpkg"
    shutil.copyfile(built_db.path, target)
    target.chmod(0o644)
    db = Database(target)
    challenge_id = challenges.submit(
        unit=COMMUNE, indicator=INDICATOR, year=2024, value=17.5, evidence=EVIDENCE, by="Amina Idrissi", db=db
    )
    challenges.review(challenge_id, decision="accept", by="Karim Alaoui", reason="Checked.", db=db)
    by_sex = challenges.submit(  # a figure the index reads: the commune's rank is out of date
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
    return db, challenge_id


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_app_register_lists_the_challenge_and_the_profile_links_to_it(corrected, lang):
    from observatory.dashboards import create_app
    from observatory.dashboards.app import shell
    from observatory.dashboards.pages import load_pages
    from observatory.i18n import text

    db, challenge_id = corrected
    app = create_app(db)
    register = str(shell(load_pages(), app.data, "/challenges", f"?lang={lang}", default_lang="fr"))
    assert challenge_id in register and text("challenge.status.accepted", lang) in register
    assert "Amina" not in register  # names and evidence are in the history, not the register
    profile = str(
        shell(load_pages(), app.data, "/commune", f"?lang={lang}&code={COMMUNE}", default_lang="fr")
    )
    assert f"/challenges?lang={lang}&code={COMMUNE}" in profile
    assert text("app.profile_contest", lang) in profile
    assert text("status.corrected", lang) in profile  # the profile serves the corrected figure
    ranked_on = challenges.affected(db=db).query("kind == 'index'")["challenge_id"].iloc[0]
    assert f"{text('correction.affected', lang)}: {ranked_on}" in profile  # and its index is out of date


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_report_lists_the_corrected_figure_beside_its_original(corrected, lang):
    from observatory.reports.content import gather
    from observatory.reports.render import to_html

    db, challenge_id = corrected
    content = gather(level="commune", code=COMMUNE, lang=lang, db=db)
    row = content.corrected.set_index("challenge_id", drop=False).loc[challenge_id]
    assert (row["indicator_id"], row["value"], row["challenge_id"]) == (INDICATOR, 17.5, challenge_id)
    assert row["original_value"] != 17.5
    html = to_html(content)
    assert 'id="corrections"' in html and challenge_id in html
    # A province report holds its communes' corrections; one elsewhere holds none and no section.
    assert len(gather(level="province", code="01.051", lang=lang, db=db).corrected) == 2  # all and women
    assert 'id="corrections"' not in to_html(gather(level="commune", code="01.051.01.03", lang=lang, db=db))


def test_the_openapi_document_describes_the_challenge_routes(corrected):
    db, _ = corrected
    document = create_api_app(db).test_client().get("/api/v1/openapi.json").get_json()
    assert {"/challenges", "/challenges/{challenge_id}"} <= set(document["paths"])
    assert "post" in document["paths"]["/challenges"]
    head = create_api_app(db).test_client().get("/api/v1/challenges").get_json()["meta"]["log_head"]
    assert head == challenges.head(db=db) and head["events"] == 4  # two challenges, each decided
    assert "contact" in str(document["paths"]["/challenges"]["post"])  # documented as kept private


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_register_page_takes_a_challenge_only_on_a_server_open_for_writes(corrected, lang):
    from observatory.dashboards import create_app, ids
    from observatory.dashboards.app import shell
    from observatory.dashboards.pages import load_pages
    from observatory.dashboards.pages.challenges import submitted
    from observatory.i18n import text

    db, _ = corrected
    closed = create_app(db)
    page = str(
        shell(load_pages(), closed.data, "/challenges", f"?lang={lang}&code={COMMUNE}", default_lang="fr")
    )
    assert ids.CHALLENGE_SUBMIT in page and text("app.challenge_form_disabled", lang) in page
    form = {
        "unit": COMMUNE,
        "indicator": {"fr": "age_40_44", "ar": "age_45_49", "en": "age_50_54"}[lang],
        "year": 2024,
        "value": 6.5,
        "evidence": EVIDENCE,
        "by": f"Nadia Berrada {lang}",
        "contact": "nadia@example.org",
    }
    assert submitted(closed.data, lang, form, "t" * 40) == text("app.challenge_form_disabled", lang)
    app = create_app(db, allow_writes=True, token="t" * 40)
    assert any(ids.CHALLENGE_STATUS in key for key in app.callback_map)
    before = len(challenges.events(db=db))
    assert submitted(app.data, lang, form, "wrong") == text("app.plan_save_bad_token", lang)
    refused = submitted(
        app.data, lang, {**form, "evidence": "<script>x</script> and more words here"}, "t" * 40
    )
    assert refused == challenges.Refused("markup", field="evidence").message(lang)
    assert len(challenges.events(db=db)) == before  # nothing stored
    done = submitted(app.data, lang, form, "t" * 40)
    made = challenges.register(db=db)["challenge_id"].iloc[-1]
    assert done == text("app.challenge_form_done", lang, challenge_id=made)
    assert challenges.read_challenge(made, db=db).submitted_by == f"Nadia Berrada {lang}"
    # The same figure twice is one challenge.
    again = submitted(app.data, lang, {**form, "by": "Someone Else"}, "t" * 40)
    assert again == challenges.Refused("duplicate", challenge_id=made).message(lang)
