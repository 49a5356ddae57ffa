"""
The deployment planner: capacities, travel, the per-région minimum and its price, baselines, the
language plan, infeasibility explained in three languages, stored plans and their review.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import observatory as obs
from observatory import planner, travel
from observatory.errors import ValidationError
from observatory.planning_frame import PlanningFrame

# 10 km of latitude in degrees: with the circuity factor of 1.3, neighbours are 13 km of travel apart.
STEP = 0.0899


def _line(n: int = 6, **columns) -> PlanningFrame:
    # Communes on a line 10 km apart, need concentrated at both ends.
    return PlanningFrame(
        pd.DataFrame(
            {
                "code": [f"c{i}" for i in range(n)],
                "region_code": ["r1"] * 3 + ["r2"] * (n - 3),
                "province_code": ["p1"] * 3 + ["p2"] * (n - 3),
                "type": ["urban", "rural"] * (n // 2),
                "lon": 0.0,
                "lat": np.arange(n) * STEP,
                "need_female": [50, 5, 0, 0, 5, 60.0][:n],
                "need_male": [50, 5, 0, 0, 5, 40.0][:n],
                "need": [100, 10, 0, 0, 10, 100.0][:n],
                "cost": 1.0,
                "rank": [6, 5, 1, 2, 4, 3][:n],
                **columns,
            }
        )
    )


def test_travel_proxy_on_real_coordinates():
    # Rabat (Bab el Had) and Casablanca (Place Mohammed V): 87 km as the crow flies, by road about 90 km
    # of motorway; the proxy says 1.3 × 87 plus the distance to a paved road of the demand point.
    lon, lat = np.array([-6.8326, -7.6192]), np.array([34.0209, 33.5922])
    straight = travel.great_circle_km(lon, lat)[0, 1]
    assert straight == pytest.approx(87.0, abs=1.0)
    proxy = travel.proxy_km(lon, lat, np.array([0.0, 4.0]))
    assert proxy[0, 1] == pytest.approx(1.3 * straight) and proxy[1, 0] == pytest.approx(1.3 * straight + 4.0)
    assert travel.minutes(np.array([40.0]))[0] == pytest.approx(60.0)


def test_uncapacitated_optimum_beats_the_index_ranking_on_a_known_case():
    result = planner.plan(_line(), sites=2, radius_km=14, capacity=0)
    s = result.summary
    assert s["covered_need"] == pytest.approx(220) and s["reached_need"] == pytest.approx(220)
    assert s["top_index_covered_share"] == pytest.approx(20 / 220)  # ranks 1-2: c2 and c3, between the ends
    assert s["greedy_covered_share"] == pytest.approx(1.0) and s["gain_over_best"] == pytest.approx(1.0)
    audit = result.audit[result.audit.plan == "optimal"].set_index(["group_type", "group"])
    assert audit.loc[("sex", "female"), "covered_share"] == pytest.approx(1.0)


def test_capacity_limits_what_a_site_serves_and_a_large_city_gets_several():
    # Reach first: c0 and c5 put everyone within reach; the third site then goes where it serves most.
    frame = _line(need_female=[500, 0, 0, 0, 0, 10.0], need_male=[500, 0, 0, 0, 0, 10.0])
    result = planner.plan(frame, sites=3, radius_km=5, capacity=300)
    sites = result.sites[result.sites.plan == "optimal"].set_index("code")
    assert sites.loc["c0", "sites"] == 2 and sites.loc["c0", "need_served"] == pytest.approx(600)
    assert sites.loc["c5", "sites"] == 1 and sites.loc["c5", "need_served"] == pytest.approx(20)
    s = result.summary
    assert s["covered_need"] == pytest.approx(620) and s["reached_need"] == pytest.approx(1020)
    # Served under half and double the stated capacity: 2 × 150 + 20, and 1,000 + 20 (all of it).
    assert s["served_share_half_capacity"] == pytest.approx(320 / 1020)
    assert s["served_share_double_capacity"] == pytest.approx(1.0)
    audit = result.audit[result.audit.plan == "optimal"].set_index(["group_type", "group"])
    assert audit.loc[("sex", "female"), "unmet_need"] == pytest.approx(200)  # 510 - 310 served
    assert audit.loc[("area", "rural"), "unmet_need"] == pytest.approx(0)


def test_the_region_minimum_and_its_price():
    # r1 holds two cities 100 km apart, r2 a village: two sites, and one must go to r2.
    frame = PlanningFrame(
        pd.DataFrame(
            {
                "code": ["a", "b", "c"],
                "region_code": ["r1", "r1", "r2"],
                "province_code": ["p1", "p1", "p2"],
                "type": ["urban", "urban", "rural"],
                "lon": 0.0,
                "lat": [0.0, 10 * STEP, 20 * STEP],
                "need_female": [50.0, 50.0, 2.5],
                "need_male": [50.0, 50.0, 2.5],
                "need": 0.0,
                "cost": 1.0,
                "rank": [1, 2, 3],
            }
        )
    )
    free = planner.plan(frame, sites=2, radius_km=5, capacity=0)
    fair = planner.plan(frame, sites=2, radius_km=5, capacity=0, min_per_region=1)
    assert free.summary["covered_need"] == pytest.approx(200) and fair.summary[
        "covered_need"
    ] == pytest.approx(105)
    assert fair.summary["price_of_equity_points"] == pytest.approx(100 * 95 / 205)
    assert (
        fair.summary["lowest_region_share"] == pytest.approx(0.5) and free.summary["lowest_region_share"] == 0
    )
    assert set(fair.sites[fair.sites.plan == "greedy"].code) == {"a", "c"}  # baselines meet the minimum too


def test_infeasible_constraints_are_explained_with_computed_numbers_in_three_languages():
    with pytest.raises(planner.InfeasiblePlan) as err:
        planner.plan(_line(), sites=1, radius_km=5, min_per_province=1)
    assert err.value.message("en") == (
        "2 provinces need at least 1 site each: that takes 2 sites new, existing "
        "sites counted; you asked for 1 site. Raise the number of sites to 2 or lower "
        "the minimum per province."
    )
    assert "2 provinces demandent au moins 1 site" in err.value.message("fr")
    assert "إقليمان" in err.value.message("ar")
    # One site of 5 km reaches at most c5's 100 of the 110 people of rural need: 90.9%.
    with pytest.raises(planner.InfeasiblePlan) as err:
        planner.plan(_line(), sites=1, radius_km=5, min_rural_share=0.95, capacity=0)
    assert "at most 90.9% of rural need can be reached; you asked for 95%" in err.value.message("en")
    assert "90,9" in err.value.message("fr") and "٪" in err.value.message("ar")
    assert err.value.failures[0]["most"] == pytest.approx(100 / 110)


def test_a_travel_time_matrix_replaces_the_proxy(tmp_path):
    # A fast road links c0 and c5 (50 km apart): 20 minutes; the proxy would say 98 minutes.
    path = tmp_path / "matrix.csv"
    pd.DataFrame({"from_code": ["c5", "c0"], "to_code": ["c0", "c5"], "minutes": [20, 20]}).to_csv(
        path, index=False
    )
    matrix = travel.read_matrix(str(path))
    result = planner.plan(_line(), sites=1, max_minutes=30, capacity=0, travel_matrix=matrix)
    assert result.summary["covered_need"] == pytest.approx(200)
    assert result.params["travel"].startswith("matrix:")
    with pytest.raises(planner.PlanInputError, match="names communes this plan does not hold") as err:
        planner.plan(_line(), sites=1, max_minutes=30, travel_matrix=matrix.assign(to_code="x9"))
    assert "absentes de ce plan" in err.value.message("fr") and "x9" in err.value.message("ar")


def test_languages_a_site_must_speak():
    frame = pd.DataFrame(
        {"lang_darija": [0.9, 0.5], "lang_tachelhit": [0.8, 0.0], "lang_tarifit": [0.003, 0.99]}
    )
    # 10,000 people within reach in A, 400 in B: darija 9,200 speakers, tachelhit 8,000, tarifit 426
    # (4.1%: below both thresholds, though some speak it, as Tarifit at Laâyoune).
    langs, speakers, least = planner.site_languages(frame, np.array([10_000.0, 400.0]))
    assert langs == ["darija", "tachelhit"] and speakers["tarifit"] == pytest.approx(30 + 396)
    assert least == pytest.approx(9_200 / 10_400)  # at least the most spoken: no independence assumed
    # Both thresholds hold: a share of 5% of few people is not enough, nor many people who are 1%.
    assert planner.site_languages(frame, np.array([0.0, 400.0]))[0] == []  # 396 tarifit speakers < 500
    assert planner.site_languages(frame, np.array([0.0, 1_000.0]))[0] == ["tarifit", "darija"]
    big = planner.site_languages(frame.iloc[[0]], np.array([200_000.0]), share=0.05, people=500)
    assert "tarifit" not in big[0] and big[1]["tarifit"] == pytest.approx(600)  # 600 people, 0.3%
    sites = pd.DataFrame({"languages": ["darija;tarifit", "darija", ""], "sites": [2, 1, 1]})
    counts = planner.language_counts(sites).set_index("language")["sites"]
    assert counts.to_dict() == {"darija": 3, "tarifit": 2}
    # Voice-only support: each site's share who cannot read, weighted by the people it serves.
    served = pd.DataFrame({"need_served": [6000.0, 2000.0, 500.0], "voice_only_share": [0.1, 0.5, np.nan]})
    assert planner.voice_only_share(served) == pytest.approx((600 + 1000) / 8000)
    assert np.isnan(planner.voice_only_share(served.iloc[2:]))


def test_review_moves():
    from observatory.plans import next_status

    assert next_status(None, "reviewed") == "reviewed"
    assert next_status("reviewed", "approved") == "approved"
    moves = "plan-x is draft: it can move to reviewed, rejected, not to approved"
    with pytest.raises(ValidationError, match=moves):
        next_status("draft", "approved", plan_id="plan-x")


def test_existing_sites_are_kept_and_the_plan_adds_to_them():
    result = planner.plan(_line(), sites=1, radius_km=5, existing=["c0"], capacity=0)
    chosen = result.sites[result.sites.plan == "optimal"].set_index("code")
    assert chosen.loc["c0", "kind"] == "existing" and chosen.loc["c5", "kind"] == "new"
    with pytest.raises(ValidationError, match="unknown communes \\(first: 'x9'\\)"):
        planner.plan(_line(), sites=1, existing=["x9"])


# -- on the built database ------------------------------------------------------------------------
def test_default_plan_serves_every_region_and_says_its_price(built_db):
    stored = obs.read_plan(db=built_db)
    default = obs.list_plans(db=built_db).iloc[0]
    assert stored.plan_id == default.plan_id and stored.summary["covered_need"] == default.covered_need
    params = json.loads(default.params)
    assert stored.params == params and stored.status == "draft" and stored.reviews.empty
    assert params["floor_region"] > 0 and params["site_type"] == "training_centre"
    assert default.status == "optimal" and default.sites_new == 50 and default.review_status == "draft"
    audit = stored.audit
    regions = audit[(audit.plan == "optimal") & (audit.group_type == "region")]
    assert len(regions) == 12 and (regions.covered_share > 0).all() and (regions.reached_share > 0).all()
    sites = stored.sites
    assert sites.sites.sum() == 50 and (sites.need_served <= sites.capacity + 1e-6).all()
    assert sites.code.str[:2].nunique() == 12  # a commune code starts with its région's
    assert default.price_of_equity_reach_points >= -0.05  # the minimum cannot buy reach
    assert default.covered_share >= default.greedy_covered_share - 1e-9
    assert default.covered_share <= default.reached_share
    languages = stored.languages.set_index("language")["sites"]
    assert languages["darija"] >= 40 and languages.get("hassania", 0) >= 1  # the Saharan régions' sites
    assert sites.voice_only_share.between(0, 1).all() and 0 < stored.voice_only_share < 1
    # One région's sites: counted from the sites stored with their languages, a part of the whole.
    here = stored.languages_within(region="08").set_index("language")["sites"]
    assert 0 < here.sum() < languages.sum() and set(here.index) <= set(languages.index)
    assert stored.voice_only_share_within(region="08") != stored.voice_only_share
    # Coverage by province adds up to the audit's national figures; who is left out has the largest need.
    provinces = stored.coverage_by_province
    national = audit[(audit.plan == "optimal") & (audit.group_type == "all")].iloc[0]
    assert provinces.need.sum() == pytest.approx(national.need)
    assert provinces.covered_need.sum() == pytest.approx(national.reached_need)  # covered: within reach
    left = stored.left_out(top=5)
    assert len(left) == 5 and (left.covered == 0).all() and left.need.is_monotonic_decreasing


def test_plans_are_stored_reviewed_and_compared(built_db, tmp_path):
    import shutil

    from observatory.database import Database
    from observatory.plans import review_plan, store_plan

    frame = obs.planning_frame(db=built_db)
    communes = built_db.read("commune", columns=["code", "geometry"])
    points = communes.geometry.representative_point()
    csv = tmp_path / "sites.csv"
    pd.DataFrame({"LON": points.x[:2], "Lat": points.y[:2]}).to_csv(csv, index=False)
    existing = planner.read_existing_sites(str(csv), units=communes)
    assert existing == communes.code[:2].tolist()
    pd.DataFrame({"lon": [-40.0], "lat": [10.0]}).to_csv(csv, index=False)
    with pytest.raises(ValidationError, match="1 existing sites fall outside every commune"):
        planner.read_existing_sites(str(csv), units=communes)

    result = planner.plan(frame, sites=10, radius_km=20, existing=existing, price=False)
    copy = Database(shutil.copyfile(built_db.target, tmp_path / "copy.gpkg"))
    assert store_plan(result, db=copy, by="analyst") == result.plan_id
    assert store_plan(result, db=copy, by="analyst") == result.plan_id  # same problem, same inputs: kept
    stored = obs.list_plans(db=copy)
    assert len(stored) == 2 and (stored.plan_id == result.plan_id).sum() == 1
    assert obs.read_plan(result.plan_id, db=copy).sites.sites.sum() == 12
    assert obs.read_plan(result.plan_id, db=copy).status == "draft"
    with pytest.raises(ValidationError, match="is draft: it can move to reviewed, rejected, not to approved"):
        review_plan(result.plan_id, "approved", reviewer="director", reason="looks fine", db=copy)
    review_plan(
        result.plan_id, "reviewed", reviewer="planner", reason="checked the sites on the ground", db=copy
    )
    review_plan(result.plan_id, "approved", reviewer="director", reason="within the 2025 budget", db=copy)
    again = obs.read_plan(result.plan_id, db=copy)
    history = again.reviews
    assert again.status == "approved" and history.status.tolist() == ["draft", "reviewed", "approved"]
    assert history.reviewer.tolist() == ["analyst", "planner", "director"]
    compared = obs.compare_plans([stored.plan_id.iloc[0], result.plan_id], db=copy)
    assert compared.loc[("plan", "review_status"), result.plan_id] == "approved"
    assert ("language_sites", "darija") in compared.index and ("sex", "female") in compared.index
    assert copy.read("etl_run", where={"job": "store_plan"}).status.tolist() == ["ok"]


def test_a_failed_solve_in_the_app_leaves_no_stale_plan(built_db):
    from observatory.dashboards import create_app, ids
    from observatory.dashboards.pages.planner import NO_PLAN_FIGURE

    app = create_app(built_db)
    on_run = next(v["callback"] for k, v in app.callback_map.items() if ids.PLAN_MAP in k).__wrapped__
    figure, _summary, stored, *disabled, _review, _links, legend, sites, _frontier, _status = on_run(
        1, "07", 0, 10, 15.0, ["region"], "ar"
    )
    assert figure["data"] and stored["plans"]["training_centre"]["languages"] and legend and sites
    assert disabled == [False, False, True]  # CSV and GeoJSON on; saving off on a read-only server
    # One centre within 5 km cannot reach 30 % of Drâa-Tafilalet's rural need: the page says so in
    # Arabic, clears the plan and disables every export.
    figure, summary, stored, *disabled, review, links, legend, sites, _frontier, _status = on_run(
        1, "08", 0, 1, 5.0, ["rural"], "ar"
    )
    assert figure == NO_PLAN_FIGURE and stored is None and disabled == [True, True, True]
    assert review is None and links is None and sites is None
    assert "30" in summary.children


def test_the_plan_command_solves_saves_reviews_compares_and_exports(built_db, tmp_path):
    import shutil

    from click.testing import CliRunner

    from observatory.cli import main

    db = str(shutil.copyfile(built_db.target, tmp_path / "copy.gpkg"))
    runner = CliRunner()
    failed = runner.invoke(
        main,
        [
            "plan",
            "solve",
            "--db",
            db,
            "--region",
            "08",
            "--sites",
            "3",
            "--min-per-province",
            "1",
            "--lang",
            "fr",
        ],
    )
    assert failed.exit_code != 0 and "5 provinces demandent au moins 1 site" in failed.output
    solved = runner.invoke(
        main,
        [
            "plan",
            "solve",
            "--db",
            db,
            "--region",
            "08",
            "--sites",
            "6",
            "--save",
            "--by",
            "analyst",
            "--name",
            "draa",
        ],
    )
    assert solved.exit_code == 0, solved.output
    plan_id = solved.output.split()[0]
    assert "languages: darija" in solved.output and f"saved {plan_id} as a draft" in solved.output
    reviewed = runner.invoke(
        main,
        [
            "plan",
            "review",
            plan_id,
            "--db",
            db,
            "--status",
            "reviewed",
            "--by",
            "planner",
            "--reason",
            "sites checked",
        ],
    )
    assert reviewed.exit_code == 0 and "reviewed by planner" in reviewed.output
    listed = runner.invoke(main, ["plan", "list", "--db", db])
    assert f"{plan_id}  draa" in listed.output and "reviewed" in listed.output
    default = obs.list_plans(db=db).plan_id.iloc[0]
    compared = runner.invoke(main, ["plan", "compare", default, plan_id, "--db", db])
    assert compared.exit_code == 0 and "language_sites" in compared.output
    out = tmp_path / "plan.geojson"
    exported = runner.invoke(
        main, ["plan", "export", plan_id, "--db", db, "--format", "geojson", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    body = json.loads(out.read_text())
    assert (
        body["properties"]["status"] == "reviewed"
        and sum(f["properties"]["sites"] for f in body["features"]) == 6
    )


def test_plain_covering_beats_its_baselines_and_greedy_keeps_its_guarantee(built_db):
    # Without capacity, circuity or roads the planner is the maximal covering problem: the optimum
    # reaches at least what greedy covering reaches, and greedy at least (1 - 1/e) of the optimum
    # (Nemhauser, Wolsey & Fisher 1978); ranking by need or by index alone does worse.
    frame = obs.planning_frame(db=built_db)
    frame.frame["road_km"] = 0.0
    s = planner.plan(frame, sites=50, radius_km=15, capacity=0, circuity=1.0, price=False).summary
    assert s["covered_share"] >= s["greedy_covered_share"] - 1e-9
    assert s["greedy_covered_share"] >= (1 - 1 / np.e) * s["covered_share"]
    assert s["top_index_covered_share"] < s["top_need_covered_share"] < s["greedy_covered_share"]


def test_the_api_explains_an_infeasible_plan_in_the_asked_language(built_db):
    from observatory.api import create_api_app

    client = create_api_app(built_db).test_client()
    body = {"region": "08", "sites": 3, "min_per_province": 1, "lang": "fr"}
    response = client.post("/api/v1/plans", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "infeasible" and "5 provinces demandent au moins 1 site" in error["message"]
    assert "5 provinces need at least 1 site" in error["details"][0]["en"]
