"""
A plan's exports and messages as people meet them: every site named in French and Arabic, the real
review status in `status` (the notice apart), the command line in the language asked, counts said as
each language says them (Arabic: one, two, 3-10, 11-99, 100+).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from observatory.cli import main
from observatory.formatting import NOUNS, counted
from observatory.plans import read_plan, review_plan


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_exports_name_every_site_and_carry_its_review_status(writable_db, tmp_path):
    plan_id = read_plan(db=writable_db).plan_id
    db = ["--db", str(writable_db.path)]
    code, _ = run("plan", "export", *db, plan_id, "--format", "csv", "-o", str(tmp_path / "draft.csv"))
    draft = pd.read_csv(tmp_path / "draft.csv", dtype=str)
    assert code == 0 and len(draft) == 50
    assert draft["name_fr"].notna().all() and draft["name_ar"].notna().all()
    assert draft["name_ar"].str.contains("[\u0600-\u06ff]").all()  # Arabic names, in Arabic script
    assert set(draft["status"]) == {"draft"} and set(draft["notice"]) == {
        "A proposal for review, not a decision, until it is approved"
    }
    review_plan(plan_id, "reviewed", reviewer="bob", reason="checked", db=writable_db)
    run("plan", "export", *db, plan_id, "--format", "geojson", "-o", str(tmp_path / "plan.geojson"))
    features = json.loads((tmp_path / "plan.geojson").read_text(encoding="utf-8"))
    properties = [f["properties"] for f in features["features"]]
    assert len(properties) == 50 and all(p["name_fr"] and p["name_ar"] for p in properties)
    assert {p["status"] for p in properties} == {"reviewed"} == {features["properties"]["status"]}


def test_an_unknown_region_is_refused_in_the_language_asked(built_db):
    for lang, line in (
        ("fr", "erreur : Région inconnue : 99 ; codes valides : 01, 02,"),
        ("ar", "خطأ: جهة غير معروفة: 99؛ الرموز الصالحة: 01, 02,"),
        ("en", "error: Unknown région 99; valid codes: 01, 02,"),
    ):
        code, output = run("plan", "solve", "--db", str(built_db.path), "--region", "99", "--lang", lang)
        assert code == 1 and output.startswith(line) and len(output.splitlines()) == 1, output


def test_an_infeasible_plan_counts_its_sites_as_each_language_does(built_db):
    asked = ["plan", "solve", "--db", str(built_db.path), "--region", "07", "--sites", "2"]
    asked += ["--min-per-province", "1", "--lang"]
    code, french = run(*asked, "fr")
    assert code == 1 and "vous avez demandé 2 sites." in french and "en avez" not in french
    assert french.startswith("erreur : 8 provinces demandent au moins 1 site chacune")
    _, arabic = run(*asked, "ar")
    bare = arabic.replace("\u2066", "").replace("\u2069", "")
    assert "والعدد المطلوب موقعان." in bare and "2 موقعان" not in bare and "موقع واحد" in bare


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (1, "موقع واحد"),
        (2, "موقعان"),
        (3, "3 مواقع"),
        (10, "10 مواقع"),
        (11, "11 موقعًا"),
        (99, "99 موقعًا"),
        (100, "100 موقع"),
        (102, "102 موقع"),
        (103, "103 مواقع"),
    ],
)
def test_arabic_counts_follow_cldr(n, said):
    assert counted(n, NOUNS["site"]["ar"], "ar").replace("\u2066", "").replace("\u2069", "") == said


def test_french_and_english_counts_keep_their_number():
    assert counted(2, NOUNS["province"]["fr"], "fr") == "2 provinces"
    assert counted(1, NOUNS["site"]["en"], "en") == "1 site"
    assert counted(0, NOUNS["site"]["fr"], "fr") == "0 site"
