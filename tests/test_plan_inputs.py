"""
What a plan rests on, on every surface a person meets it: a plan built on the 2024 internet scenario
says its need is a scenario in its stored parameters, the API, its exports, its report and the planner
page; a plan whose need is a census count says it rests on the census only. The statuses are the
registry's, read, never restated.
"""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

import observatory as obs
from observatory import i18n, planner, registry
from observatory.api import create_api_app
from observatory.cli import main
from observatory.database import Database
from observatory.plan_inputs import NEED_INPUTS, inputs_of, plan_inputs, rests_on
from observatory.plans import read_plan, store_plan
from observatory.reports.content import gather
from observatory.reports.render import to_html

REGION = "08"
LANGUAGES = ("fr", "ar", "en")


def test_the_statuses_are_the_registry_s_and_the_scenario_need_says_so():
    inputs = plan_inputs({"need": "training_need_15_plus", "need_year": 2024})
    assert inputs[0] == {
        "role": "need",
        "indicator_id": "training_need_15_plus",
        "year": 2024,
        "status": "scenario",
    }
    for i in inputs:
        assert i["status"] == registry.get(i["indicator_id"]).status_of(i["year"])
    built = {(i["indicator_id"], i["year"]) for i in inputs if i["role"] == "built_from"}
    assert ("internet_use_15_plus", 2024) in built
    assert "scénario" in rests_on(inputs, "fr") and rests_on(inputs, "fr").startswith("Ce plan repose sur")
    assert "(scenario)" in rests_on(inputs, "en") and "سيناريو" in rests_on(inputs, "ar")
    # the assisted-service need of 2024 is modelled (a sampled census rate), its 2030 a scenario
    assisted = plan_inputs({"need": "assisted_service_need_15_plus", "need_year": 2024})
    assert assisted[0]["status"] == "modelled" and "(estimé)" in rests_on(assisted, "fr")
    horizon = plan_inputs({"need": "training_need_15_plus", "need_year": 2030})
    assert {i["indicator_id"] for i in horizon if i["status"] == "scenario"} >= {
        "training_need_15_plus",
        "internet_use_15_plus",
        "population_forecast",
    }
    for (need, year), built_from in NEED_INPUTS.items():  # every input is a registered figure of that year
        assert year in registry.get(need).years
        assert all(y in registry.get(i).years for i, y in built_from)
    assert plan_inputs({}) == [] and rests_on([], "fr") == ""


def _stored(db: Database, need: str) -> str:
    frame = obs.planning_frame(db=db, need=need, region=REGION)
    result = planner.plan(frame, sites=3, radius_km=20, price=False)
    assert result.params["inputs"][0]["indicator_id"] == need
    return store_plan(result, db=db, by="analyst")


def _surfaces(db: Database, plan_id: str, lang: str, tmp_path: Path) -> dict[str, str]:
    """The sentence as each surface shows it, in `lang` (the command line's exports speak English)."""
    from observatory.dashboards.data import AppData
    from observatory.dashboards.pages.planner import stored_result
    from observatory.dashboards.pages.planner_view import need_block

    api = create_api_app(db).test_client().get(f"/api/v1/plans/{plan_id}?lang={lang}")
    assert api.status_code == 200
    report = gather(level="region", code=REGION, lang=lang, db=db, plan=plan_id)
    result, missing = stored_result(AppData(db), [plan_id])
    assert result is not None and not missing
    page = str(need_block(AppData(db), result, lang))
    out = {
        "api": api.get_json()["data"]["rests_on"],
        "report": unescape(to_html(report)),
        "planner page": page,
    }
    if lang == "en":
        for fmt in ("csv", "geojson", "html"):
            target = tmp_path / f"plan.{fmt}"
            asked = ["plan", "export", "--db", str(db.path), plan_id, "--format", fmt, "-o", str(target)]
            assert CliRunner().invoke(main, asked).exit_code == 0
            out[f"export {fmt}"] = unescape(target.read_text(encoding="utf-8"))
        rows = pd.read_csv(tmp_path / "plan.csv")
        assert rows["rests_on"].nunique() == 1
        assert json.loads(out["export geojson"])["properties"]["rests_on"]
    return out


def test_a_plan_on_the_internet_scenario_says_so_everywhere(writable_db, tmp_path):
    plan_id = _stored(writable_db, "training_need_15_plus")
    stored = read_plan(plan_id, db=writable_db)
    assert [i["status"] for i in stored.inputs if i["indicator_id"] == "internet_use_15_plus"] == ["scenario"]
    for lang in LANGUAGES:
        said = stored.rests_on(lang)
        assert said.startswith(i18n.text("plan.inputs.scenarios", lang).split("{")[0])
        assert i18n.text("status.scenario", lang) in said
        assert registry.get("internet_use_15_plus").label(lang) in said
        for surface, text in _surfaces(writable_db, plan_id, lang, tmp_path).items():
            assert said in text, f"{surface} ({lang}) does not say what the plan rests on"


def test_a_plan_on_a_census_count_rests_on_the_census_only(writable_db, tmp_path):
    plan_id = _stored(writable_db, "illiteracy_population_15_plus")
    stored = read_plan(plan_id, db=writable_db)
    assert {i["status"] for i in stored.inputs} == {"published"}
    for lang in LANGUAGES:
        said = i18n.text("plan.inputs.census_only", lang)
        assert stored.rests_on(lang) == said
        for surface, text in _surfaces(writable_db, plan_id, lang, tmp_path).items():
            assert said in text, f"{surface} ({lang}) does not say the plan rests on the census only"
            assert i18n.text("plan.inputs.scenarios", lang).split("{")[0] not in text


def test_a_plan_keeps_the_inputs_stored_with_it_and_an_older_one_reads_them_from_its_need():
    older = json.dumps({"need": "training_need_15_plus", "need_year": 2024})
    assert inputs_of(older) == plan_inputs(json.loads(older))
    recorded = [{"role": "need", "indicator_id": "training_need_15_plus", "year": 2024, "status": "forecast"}]
    kept = json.dumps({"need": "training_need_15_plus", "need_year": 2024, "inputs": recorded})
    assert inputs_of(kept) == recorded  # as solved, even if the registry has moved on since
    assert "(projeté)" in rests_on(inputs_of(kept), "fr")


def test_a_plan_solved_through_the_api_says_what_it_rests_on_in_the_language_asked(built_db):
    client = create_api_app(built_db).test_client()
    response = client.post("/api/v1/plans", json={"region": REGION, "sites": 3, "lang": "ar"})
    assert response.status_code == 200
    body = response.get_json()["data"]
    assert body["params"]["inputs"][0] == {
        "role": "need",
        "indicator_id": "training_need_15_plus",
        "year": 2024,
        "status": "scenario",
    }
    assert body["rests_on"] == rests_on(body["params"]["inputs"], "ar") and "سيناريو" in body["rests_on"]
