"""
Saving a plan from the planner page on a server whose database cannot be written: the page says so in its
language, the request answers 200 and nothing is stored (the file is left byte for byte as it was).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat

import pytest

import observatory as obs
from observatory.cli.serve import APP_DATA, create_server
from observatory.dashboards import ids
from observatory.dashboards.i18n import t
from observatory.dashboards.pages import planner
from observatory.dashboards.state import encode, parse
from observatory.database import Database

TOKEN = "a-long-random-secret-for-tests-0123456789"


@pytest.fixture()
def read_only_db(built_db, tmp_path):
    """A copy of the built GeoPackage with no write bit, as an operator may leave it."""
    target = tmp_path / "observatory.gpkg"
    shutil.copyfile(built_db.path, target)
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    yield Database(target)
    target.chmod(stat.S_IRUSR | stat.S_IWUSR)


def digest(path: os.PathLike[str]) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def save_request(callbacks: list[dict], values: dict[str, object]) -> dict:
    """The body the page's renderer posts when "Save as a draft" is pressed, for the values on screen."""
    save = next(c for c in callbacks if c["inputs"] == [{"id": ids.PLAN_SAVE, "property": "n_clicks"}])

    def dep(d):
        return {"id": d["id"], "property": d["property"], "value": values[d["id"]]}

    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1].split("@")[0]}
        for part in save["output"][2:-2].split("...")
    ]
    return {
        "output": save["output"],
        "outputs": outputs,
        "inputs": [dep(d) for d in save["inputs"]],
        "state": [dep(d) for d in save["state"]],
        "changedPropIds": [f"{ids.PLAN_SAVE}.n_clicks"],
    }


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_saving_on_a_read_only_database_says_so_and_stores_nothing(read_only_db, lang):
    before = digest(read_only_db.path)
    plans_before = len(obs.list_plans(db=read_only_db))
    server = create_server(read_only_db, allow_writes=True, token=TOKEN)
    client = server.test_client()
    callbacks = client.get("/_dash-dependencies").get_json()
    state = parse(f"?lang={lang}&region=12&points=2&centres=1&equity=region")
    shown = planner.run(server.extensions[APP_DATA], state, {})
    body = save_request(
        callbacks,
        {
            ids.PLAN_SAVE: 1,
            ids.PLAN_STORE: shown.store,
            ids.PLAN_SAVE_BY: "Amina",
            ids.PLAN_SAVE_TOKEN: TOKEN,
            ids.URL: encode(state),
            ids.LANG: lang,
        },
    )
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    answer = response.get_json()["response"]
    assert answer[ids.PLAN_SAVE_STATUS]["children"] == t("plan_save_read_only", lang)
    # Only the message changes: the page still shows the plan as not saved, the URL names no stored plan.
    assert set(answer) == {ids.PLAN_SAVE_STATUS}
    assert digest(read_only_db.path) == before
    assert len(obs.list_plans(db=read_only_db)) == plans_before
