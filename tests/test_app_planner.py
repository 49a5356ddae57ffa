"""
The planner and index-builder pages without a browser: their settings round-trip through the URL,
saving a plan works only on a server that allows writes and with its token (and says why not
otherwise, in French, Arabic and English), a stored plan shows its review status, history, language
needs and report link, and a failed solve leaves nothing to export.
"""

from __future__ import annotations

import json

import numpy as np
import plotly
import pytest
from dash import no_update

import observatory as obs
from observatory.dashboards import create_app, ids
from observatory.dashboards.i18n import t
from observatory.dashboards.pages import index_builder, planner, planner_view
from observatory.dashboards.state import encode, parse

TOKEN = "a-long-random-secret-for-tests-0123456789"
DRAA_TAFILALET = "08"


def find(tree, ident):
    """The component of a layout with this id (depth first), or None."""
    if getattr(tree, "id", None) == ident:
        return tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found = find(child, ident)
            if found is not None:
                return found
    return None


def text(tree) -> str:
    return json.dumps(json.loads(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder)), ensure_ascii=False)


def callback(app, output_id: str, prop: str):
    """The function of the app's callback that writes `output_id.prop` first."""
    for key, value in app.callback_map.items():
        first = key.lstrip(".").split("...")[0]
        if first.startswith(f"{output_id}.{prop}"):
            return value["callback"].__wrapped__
    raise LookupError(output_id)


def triggered_by(prop_id: str, function, *args):
    """Call a callback's function as Dash does when `prop_id` changed (Dash's documented test recipe)."""
    from contextvars import copy_context

    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def inside():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
        return function(*args)

    return copy_context().run(inside)


# -- the URL ---------------------------------------------------------------------------------------
def test_planner_and_index_settings_round_trip_through_the_url():
    state = planner.url_state("ar", None, 7, "2", 25, ["women", "rural"])
    search = encode(state)
    assert search == "?lang=ar&region=all&points=7&centres=2&radius=25&equity=rural%2Cwomen"
    back = parse(search)
    assert planner.settings(back) == {
        "region": None,
        "points": 7,
        "centres": 2,
        "radius": 25,
        "equity": ["rural", "women"],
    }
    # Nothing ticked stays nothing after a reload (not the default "one per région").
    assert planner.settings(parse(encode(planner.url_state("fr", "08", 10, 3, 15, []))))["equity"] == []
    # The index builder: slider floats written as the sliders step, choices kept.
    chosen = index_builder.url_state(
        "fr",
        "07",
        {"access": 0.15000000000000002, "skills": 0, "usage": 1, "vulnerability": 0.5},
        "rank",
        "geometric",
    )
    back = parse(encode(chosen))
    assert (back["w_access"], back["w_skills"], back["w_usage"], back["norm"], back["agg"]) == (
        "0.15",
        "0",
        "1",
        "rank",
        "geometric",
    )
    assert index_builder.weights_from(back) == {
        "access": 0.15,
        "skills": 0.0,
        "usage": 1.0,
        "vulnerability": 0.5,
    }
    # A hostile or stale URL falls back to the defaults.
    bad = parse("?points=9999&radius=7&equity=region,drop&w_access=2&norm=x&plan=../../etc&centres=-1")
    assert (bad["points"], bad["radius"], bad["equity"], bad["w_access"], bad["norm"], bad["plan"]) == (
        "10",
        "15",
        "region",
        "0.5",
        "minmax",
        "",
    )


def test_the_pages_open_on_the_settings_the_url_holds(built_db):
    data = create_app(built_db).data
    page = planner.layout(data, parse("?lang=fr&region=all&points=7&centres=2&radius=25&equity=rural,women"))
    assert find(page, ids.PLAN_REGION).value is None
    assert (find(page, ids.PLAN_POINTS).value, find(page, ids.PLAN_CENTRES).value) == (7, 2)
    assert find(page, ids.PLAN_RADIUS).value == 25 and find(page, ids.PLAN_EQUITY).value == ["rural", "women"]
    builder = index_builder.layout(
        data,
        parse("?lang=fr&region=07&w_access=1&w_skills=0&w_usage=0&w_vulnerability=0&norm=rank&agg=geometric"),
    )
    slider = lambda d: find(builder, index_builder.slider_id(d))  # noqa: E731
    assert slider("access").value == 1.0 and slider("skills").value == 0.0
    # A slider only for a dimension the index has: the census index has no usage or vulnerability.
    assert index_builder.dimensions(data) == ("access", "skills")
    assert slider("usage") is None and slider("vulnerability") is None
    assert find(builder, ids.INDEX_NORMALISATION).value == "rank"
    assert find(builder, ids.INDEX_AGGREGATION).value == "geometric"
    # The ranking shown is the one of those choices, not the published one.
    scores = index_builder.custom_index(
        data, {"access": 1.0, "skills": 0.0, "usage": 0.0, "vulnerability": 0.0}, "rank", "geometric"
    )
    first = index_builder.view(data, scores, "07", "fr")
    top = first["names"][int(np.nanargmin(first["ranks"]))]
    assert top in text(find(builder, ids.INDEX_RANKING))


def test_every_weight_slider_shown_changes_the_ranking(built_db):
    data = create_app(built_db).data
    shown = index_builder.dimensions(data)
    assert shown and set(shown) <= set(index_builder.DIMENSIONS)
    base = {d: 0.5 for d in shown}
    before = index_builder.custom_index(data, base, "minmax", "arithmetic")["rank"]
    for d in shown:
        after = index_builder.custom_index(data, {**base, d: 1.0}, "minmax", "arithmetic")["rank"]
        moved = int((after.fillna(-1) != before.fillna(-1)).sum())
        assert moved > 100, (d, moved)


def test_the_choices_callbacks_write_the_url(built_db):
    app = create_app(built_db)
    on_choices = callback(app, ids.INDEX_MAP, "figure")
    sliders = [index_builder.slider_id(d) for d in ("access", "skills")]
    *_shown, search, shown = triggered_by(
        index_builder.slider_dom_id("access") + ".value",
        on_choices,
        [1, 0],
        "zscore",
        "arithmetic",
        "07",
        sliders,
        "en",
    )
    assert parse(search)["w_access"] == "1" and parse(search)["norm"] == "zscore"
    assert shown == "/index" + search
    on_settings = next(
        v["callback"].__wrapped__
        for k, v in app.callback_map.items()
        if k.startswith("..url.search") and any(i["id"] == ids.PLAN_POINTS for i in v["inputs"])
    )
    search, shown = on_settings("07", 12, 4, 30, ["province"], "ar", None)
    assert planner.settings(parse(search)) == {
        "region": "07",
        "points": 12,
        "centres": 4,
        "radius": 30,
        "equity": ["province"],
    }
    assert shown == "/planner" + search
    # A région picked with "one site per région" ticked writes one per province; the checklist then
    # following the scope writes nothing more (one history entry for one choice).
    search, _shown = on_settings("07", 12, 4, 30, ["region"], "ar", None)
    assert parse(search)["equity"] == "province"
    assert on_settings("07", 12, 4, 30, ["province"], "ar", search) == (no_update, no_update)


# -- saving ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_saving_is_off_on_a_read_only_server_and_says_why(built_db, lang):
    data = create_app(built_db).data
    page = planner.layout(data, parse(f"?lang={lang}"))
    assert find(page, ids.PLAN_SAVE).disabled is True
    assert find(page, ids.PLAN_SAVE_STATUS).children == t("plan_save_disabled", lang)
    before = len(obs.list_plans(db=built_db))
    solved = planner.run(data, parse(f"?lang={lang}&region=12&points=2&centres=1"))
    assert solved.no_save is True  # the save button stays disabled after a solve
    message, saved = planner.save(data, solved.store, by="Amina", token=TOKEN, lang=lang)
    assert message == t("plan_save_disabled", lang) and saved is None
    assert len(obs.list_plans(db=built_db)) == before


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_a_plan_saved_from_the_app_is_a_draft_with_its_history(writable_db, lang):
    app = create_app(writable_db, allow_writes=True, token=TOKEN)
    data = app.data
    kept: dict = {}
    state = parse(f"?lang={lang}&region=12&points=2&centres=1&equity=region")
    shown = planner.run(data, state, kept)
    result, review = shown.store, shown.review
    assert shown.figure["data"] and [shown.no_csv, shown.no_geojson, shown.no_save] == [False] * 3
    assert text(review).count(t("plan_not_saved", lang)) == 1  # said once for both plans
    ids_ = [b["summary"]["plan_id"] for b in result["plans"].values()]
    assert sorted(kept) == sorted(ids_)

    # Refused without a name or with a wrong token: nothing stored.
    assert planner.save(data, result, by=" ", token=TOKEN, lang=lang)[0] == t("plan_save_need_name", lang)
    assert planner.save(data, result, by="Amina", token="wrong", lang=lang)[0] == t(
        "plan_save_bad_token", lang
    )
    assert not set(ids_) & set(obs.list_plans(db=writable_db)["plan_id"])

    # Saved through the callback, as the button does: drafts, who and why recorded, the URL names them.
    on_save = callback(app, ids.PLAN_SAVE_STATUS, "children")
    message, saved, review, links, search, shown = on_save(1, result, "Amina", TOKEN, encode(state), lang)
    assert message == t("plan_saved", lang, ids=", ".join(ids_))
    stored = obs.list_plans(db=writable_db).set_index("plan_id")
    assert set(ids_) <= set(stored.index) and (stored.loc[ids_, "review_status"] == "draft").all()
    history = obs.read_plan(ids_[0], db=writable_db).reviews
    assert history[["status", "reviewer", "reason"]].values.tolist() == [
        ["draft", "Amina", planner.SAVED_FROM_APP]
    ]
    assert parse(search)["plan"] == ",".join(ids_) and shown == "/planner" + search
    assert t("review_draft", lang) in text(review) and "Amina" in text(review)
    assert t("plan_save_reason", lang) in text(review)  # the recorded reason, shown in the page's language
    assert f"/api/v1/reports/region/12?lang={lang}&format=pdf&plan={ids_[0]}" in text(links)

    # A reviewer moves it on the command line; the page opened on its URL shows the status and history,
    # the language needs in words, and never calls it a decision.
    from observatory.plans import review_plan

    review_plan(ids_[0], "reviewed", reviewer="Karim", reason="sites checked on the ground", db=writable_db)
    page = planner.layout(data, parse(search))
    shown_text = text(page)
    assert t("review_reviewed", lang) in shown_text and "Karim" in shown_text
    assert "sites checked on the ground" in shown_text and t("plan_proposal", lang) in shown_text
    assert find(page, ids.PLAN_STORE).data["plans"] and find(page, ids.PLAN_EXPORT_CSV).disabled is False
    languages = obs.read_plan(ids_[0], db=writable_db).languages
    first_need = planner_view.language_needs(languages, lang)[0]
    assert first_need in shown_text
    assert t(f"language_{languages.iloc[0]['language']}", lang) in first_need

    # Saving the same plan again keeps its review: nothing is reset to draft behind the reviewer's back.
    message, _saved = planner.save(data, find(page, ids.PLAN_STORE).data, by="Amina", token=TOKEN, lang=lang)
    assert message == t("plan_already_saved", lang, ids=", ".join(ids_))
    assert obs.read_plan(ids_[0], db=writable_db).status == "reviewed"


def test_a_save_after_a_restart_solves_the_same_plan_again(writable_db):
    data = create_app(writable_db, allow_writes=True, token=TOKEN).data
    _f, _s, result, *_rest = planner.run(data, parse("?lang=fr&region=12&points=0&centres=1"))
    message, saved = planner.save(data, result, by="Amina", token=TOKEN, lang="fr", solved={})
    plan_id = result["plans"]["training_centre"]["summary"]["plan_id"]
    assert saved is not None and plan_id in set(obs.list_plans(db=writable_db)["plan_id"])
    stored = obs.list_plans(db=writable_db).set_index("plan_id").loc[plan_id]
    assert round(stored["covered_need"]) == round(
        result["plans"]["training_centre"]["summary"]["covered_need"]
    )


def test_an_unknown_stored_plan_is_said_not_invented(built_db):
    data = create_app(built_db).data
    page = planner.layout(data, parse("?lang=en&plan=plan-000000000000"))
    assert t("plan_unknown", "en", id="plan-000000000000") in text(page)
    assert find(page, ids.PLAN_MAP).figure == planner.NO_PLAN_FIGURE
    assert find(page, ids.PLAN_EXPORT_CSV).disabled is True


def test_the_build_default_plan_opens_with_its_status_and_no_stale_report(built_db):
    """The build's national plan: status draft, report per région explained, language needs in words."""
    default = obs.list_plans(db=built_db).iloc[0]
    data = create_app(built_db).data
    page = planner.layout(data, parse(f"?lang=fr&plan={default.plan_id}"))
    shown = text(page)
    assert t("review_draft", "fr") in shown and t("plan_report_national", "fr") in shown
    assert "doivent offrir un accompagnement vocal en tachelhit" in shown
    # The controls show how it was solved: the whole country, 50 training centres, no minimum of sites
    # per région (its equity is a floor of reach, from the frontier).
    assert find(page, ids.PLAN_REGION).value is None and find(page, ids.PLAN_CENTRES).value == 50
    assert find(page, ids.PLAN_POINTS).value == 0 and find(page, ids.PLAN_EQUITY).value == []


# -- a failed solve ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", "du besoin rural ; vous avez demandé 30 %"), ("ar", "طلبتم"), ("en", "you asked for 30%")],
)
def test_a_failed_solve_clears_the_map_and_disables_every_export(built_db, lang, words):
    app = create_app(built_db, allow_writes=True, token=TOKEN)
    on_run = callback(app, ids.PLAN_MAP, "figure")
    shown = planner.Shown(*on_run(1, DRAA_TAFILALET, 2, 2, 15, ["province"], lang)[:-1])
    assert (
        shown.figure["data"]
        and shown.store
        and [shown.no_csv, shown.no_geojson, shown.no_save] == [False] * 3
    )
    shown = planner.Shown(*on_run(1, DRAA_TAFILALET, 0, 1, 5, ["rural"], lang)[:-1])
    assert shown.figure == planner.NO_PLAN_FIGURE and shown.store is None
    assert [shown.no_csv, shown.no_geojson, shown.no_save] == [True] * 3
    assert shown.review is None and shown.links is None and words in text(shown.summary)
    assert shown.sites is None and shown.legend is None
    on_export = callback(app, ids.PLAN_DOWNLOAD, "data")
    assert on_export(None, 1, shown.store) is no_update  # nothing to download, not the previous plan
    assert planner.save(app.data, shown.store, by="Amina", token=TOKEN, lang=lang)[1] is None
