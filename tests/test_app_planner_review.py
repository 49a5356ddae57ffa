"""
Reviewing a stored plan from the planner page, through its callback as the button calls it: a review
recorded with the server's token shows in the history at once; the author reviewing their own plan, and
the reviewer approving what they reviewed, get the store's one line in the page's language and nothing
is stored; a wrong token or a read-only database file stores nothing; a read-only server shows no form,
only why.
"""

from __future__ import annotations

import os

import pytest
from dash import no_update
from test_app_planner import TOKEN, callback, find, text

import observatory as obs
from observatory import i18n
from observatory.dashboards import create_app, ids
from observatory.dashboards.i18n import t
from observatory.dashboards.pages import planner
from observatory.dashboards.state import parse


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_review_is_recorded_from_the_page_and_four_eyes_refusals_are_said(writable_db, lang):
    app = create_app(writable_db, allow_writes=True, token=TOKEN)
    data = app.data
    solved = planner.run(data, parse(f"?lang={lang}&region=12&points=0&centres=1"))
    _message, saved = planner.save(data, solved.store, by="Amina", token=TOKEN, lang=lang)
    assert saved is not None
    (plan_id,) = [b["summary"]["plan_id"] for b in saved["plans"].values()]

    page = planner.layout(data, parse(f"?lang={lang}&plan={plan_id}"))
    assert find(page, ids.PLAN_REVIEW_SEND) is not None
    assert find(page, ids.PLAN_REVIEW_PLAN).value == plan_id
    store = find(page, ids.PLAN_STORE).data
    on_review = callback(app, ids.PLAN_REVIEW_MESSAGE, "children")

    def entries() -> int:
        return len(obs.read_plan(plan_id, db=writable_db).reviews)

    # Its author cannot review it: the store's line, in the page's language; nothing stored.
    message, history = on_review(1, store, plan_id, "amina", TOKEN, "reviewed", "fine", lang)
    assert message == i18n.text("plan.refused.author", lang, who="amina", plan_id=plan_id)
    assert history is no_update and entries() == 1

    # A wrong token stores nothing.
    message, history = on_review(1, store, plan_id, "Karim", "wrong", "reviewed", "fine", lang)
    assert message == t("plan_review_bad_token", lang) and history is no_update and entries() == 1

    # Another person reviews it: recorded, and the history shown at once says who and why.
    message, history = on_review(1, store, plan_id, "Karim", TOKEN, "reviewed", "sites checked", lang)
    assert message == t("plan_reviewed", lang, id=plan_id, status=t("review_reviewed", lang))
    assert obs.read_plan(plan_id, db=writable_db).status == "reviewed" and entries() == 2
    shown = text(history)
    assert "Karim" in shown and "sites checked" in shown and t("review_reviewed", lang) in shown

    # A database file its owner left read-only: one line, nothing stored, no server error.
    os.chmod(writable_db.path, 0o444)
    try:
        message, history = on_review(1, store, plan_id, "Salma", TOKEN, "approved", "within budget", lang)
    finally:
        os.chmod(writable_db.path, 0o644)
    assert message == t("plan_review_read_only", lang) and history is no_update and entries() == 2

    # Whoever reviewed it cannot approve it; someone else can.
    message, history = on_review(1, store, plan_id, "Karim", TOKEN, "approved", "ok", lang)
    assert message == i18n.text("plan.refused.reviewer", lang, who="Karim", plan_id=plan_id)
    assert history is no_update and obs.read_plan(plan_id, db=writable_db).status == "reviewed"
    message, history = on_review(1, store, plan_id, "Salma", TOKEN, "approved", "within budget", lang)
    assert obs.read_plan(plan_id, db=writable_db).status == "approved" and "Salma" in text(history)


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_a_read_only_server_shows_no_review_form_and_says_why(built_db, lang):
    default = obs.list_plans(db=built_db).iloc[0]
    data = create_app(built_db).data
    page = planner.layout(data, parse(f"?lang={lang}&plan={default.plan_id}"))
    for control in (ids.PLAN_REVIEW_SEND, ids.PLAN_REVIEW_BY, ids.PLAN_REVIEW_TOKEN, ids.PLAN_REVIEW_STATUS):
        assert find(page, control) is None
    assert find(page, ids.PLAN_REVIEW_MESSAGE).children == t("plan_review_disabled", lang)
    before = len(obs.read_plan(default.plan_id, db=built_db).reviews)
    message, recorded = planner_review_call(data, default.plan_id, lang)
    assert (message, recorded) == (t("plan_review_disabled", lang), False)
    assert len(obs.read_plan(default.plan_id, db=built_db).reviews) == before


def planner_review_call(data, plan_id: str, lang: str) -> tuple[str, bool]:
    from observatory.dashboards.pages.planner_review import review

    result, _missing = planner.stored_result(data, [plan_id])
    return review(
        data, result, plan_id=plan_id, by="Karim", token=TOKEN, status="reviewed", reason="ok", lang=lang
    )


def test_the_planner_s_controls_fold_behind_one_button_on_a_phone(built_db):
    page = planner.layout(create_app(built_db).data, parse("?lang=fr"))
    panel = find(page, ids.CONTROLS)
    assert panel is not None and find(panel, ids.PLAN_RUN) is not None
    assert "controls-toggle" in text(page) and '"foldable"' in text(page)
