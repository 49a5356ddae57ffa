"""
Equity that binds, on the built database: the stored equity frontier, the default plan at its rule's
point (lowest région at least 25% within reach, national reach within 5 points of the unconstrained
optimum), the objectives, floors and budgets of a plan, served under varied capacity, languages where
people speak them, and bad input refused in the user's language.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import observatory as obs
from observatory import planner, site_costs

GOAL_FLOOR = 0.25
GOAL_POINTS = 5.0


def test_the_default_plan_is_the_frontier_point_that_meets_the_goal(built_db):
    frontier = obs.equity_frontier(db=built_db)
    assert list(frontier.columns) == planner.FRONTIER_COLUMNS and len(frontier) == 10
    assert frontier["floor"].is_monotonic_increasing and frontier["floor"].iloc[0] == 0
    assert (frontier["lowest_reach"] >= frontier["floor"] - 1e-9).all()
    assert frontier["is_default"].sum() == 1 and set(frontier["level"]) == {"region"}
    unconstrained = float(frontier["national_reach"].iloc[0])
    point = frontier[frontier["is_default"]].iloc[0]
    # The goal, measured on the stored plan: its lowest région and its national reach.
    stored = obs.read_plan(db=built_db)
    s = stored.summary
    params = json.loads(s["params"])
    assert params["floor_region"] == pytest.approx(point["floor"]) and "5 points" in params["rule"]
    assert s["lowest_region_reached_share"] >= GOAL_FLOOR
    assert 100 * (unconstrained - s["reached_share"]) <= GOAL_POINTS
    assert s["reached_share"] == pytest.approx(point["national_reach"], abs=0.005)
    # The rule: no higher floor keeps national reach within 5 points.
    higher = frontier[frontier["floor"] > point["floor"]]
    assert (higher["price_points"] > GOAL_POINTS).all()
    # Today's Drâa-Tafilalet (08) had 3.2% of its need within reach; no région is left that low.
    regions = stored.audit[(stored.audit.plan == "optimal") & (stored.audit.group_type == "region")]
    assert regions.set_index("group").loc["08", "reached_share"] >= GOAL_FLOOR


def test_served_is_stated_with_its_sensitivity_and_baselines_compared_on_reach(built_db):
    s = obs.read_plan(db=built_db).summary
    # 50 centres of 6,000 serve 2.77% at the stated capacity; half and double capacity move it.
    assert s["served_share_half_capacity"] < s["covered_share"] < s["served_share_double_capacity"]
    assert s["served_share_half_capacity"] == pytest.approx(s["covered_share"] / 2, rel=0.01)
    best = s["best_baseline"]
    assert s["best_baseline_reached_share"] == pytest.approx(s[f"{best}_reached_share"])
    assert s["gain_over_best_points"] == pytest.approx(
        100 * (s["reached_share"] - s[f"{best}_reached_share"])
    )
    assert s["cost_mad"] >= 50 * 1_890_000 and s["objective"] == "reach"


def test_languages_are_required_where_people_speak_them(built_db):
    stored = obs.read_plan(db=built_db)
    sites = stored.sites
    for row in sites.itertuples():
        spoken = [x for x in row.languages.split(";") if x]
        counts = [float(c) for c in str(row.language_speakers).split(";") if c and c != "nan"]
        assert len(counts) == len(spoken) and all(c >= planner.LANGUAGE_PEOPLE for c in counts)
    # Tarifit is spoken by a few at Laâyoune, Dakhla and Aït Amira: below the thresholds, not required.
    pf = obs.planning_frame(db=built_db)
    communes = obs.units("commune", db=built_db)
    frame = pf.frame
    setup = planner._setup(
        pf,
        sites=1,
        radius_km=15.0,
        max_minutes=None,
        site_type="training_centre",
        capacity=None,
        budget=None,
        costs=None,
        existing=(),
        travel_matrix=None,
        circuity=1.3,
        speed_kmh=40.0,
        time_limit=10,
    )
    need = frame["need"].to_numpy(float)
    for name in ("Laâyoune", "Dakhla", "Ait Amira"):
        code = communes.loc[communes["name_fr"] == name, "code"].iloc[0]
        j = int(np.flatnonzero(frame["code"].to_numpy() == code)[0])
        spoken, speakers, least = planner.site_languages(frame, need * setup.setting.reach[:, j])
        assert "tarifit" not in spoken and speakers["tarifit"] > 0, name
        assert 0 < least <= 1


def test_objectives_floors_and_budget_on_one_region(built_db):
    pf = obs.planning_frame(db=built_db, region="08")
    reach = planner.plan(pf, sites=6, radius_km=15.0)
    fair = planner.plan(pf, sites=6, radius_km=15.0, objective="maxmin", equity_level="province")
    near = planner.plan(pf, sites=6, radius_km=15.0, objective="pmedian")
    assert fair.summary["lowest_province_reached_share"] >= reach.summary["lowest_province_reached_share"]
    assert fair.summary["maxmin_reached_share"] == pytest.approx(
        fair.summary["lowest_province_reached_share"], abs=1e-6
    )
    assert reach.summary["reached_share"] >= fair.summary["reached_share"] - 0.005
    assert near.summary["mean_travel_minutes"] <= reach.summary["mean_travel_minutes"] + 1e-6
    floor = planner.plan(pf, sites=6, radius_km=15.0, floor_province=0.1)
    assert floor.summary["lowest_province_reached_share"] >= 0.1
    # By budget: 10 million dirhams pay for 5 centres at most (1.89 to 2.02 million each).
    cost = site_costs.cost_by_area("training_centre")
    budgeted = planner.plan(pf, sites=None, radius_km=15.0, budget=10_000_000)
    assert budgeted.summary["cost_mad"] <= 10_000_000 and budgeted.summary["sites_new"] == 5
    assert budgeted.params["costs"] == cost


def test_bad_input_gets_one_line_in_the_users_language(built_db):
    pf = obs.planning_frame(db=built_db, region="08")
    with pytest.raises(planner.InfeasiblePlan) as err:
        planner.plan(pf, sites=None, budget=1_000_000)
    assert "1 000 000 dirhams est inférieur au coût d'un site" in err.value.message("fr").replace(
        "\u202f", " "
    )
    assert "درهم" in err.value.message("ar") and "\n" not in err.value.message("en")
    with pytest.raises(planner.InfeasiblePlan) as err:
        planner.plan(pf, sites=6, floor_province=0.9)
    most = err.value.failures[0]["most"]
    assert 0 < most < 0.9 and "la province la moins bien lotie peut avoir au plus" in err.value.message("fr")
    assert "within reach" in err.value.message("en") and "في المتناول" in err.value.message("ar")


def test_the_frontier_is_served_by_the_api(built_db):
    from observatory.api import create_api_app

    client = create_api_app(built_db).test_client()
    response = client.get("/api/v1/plans/frontier")
    assert response.status_code == 200
    rows = response.get_json()["data"]
    assert len(rows) == 10 and sum(bool(r["is_default"]) for r in rows) == 1
    assert {"floor", "national_reach", "lowest_reach", "lowest_unit"} <= set(rows[0])
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/plans/frontier" in spec["paths"]


def test_the_plan_command_takes_objectives_floors_and_budgets(built_db, tmp_path):
    from click.testing import CliRunner

    from observatory.cli import main

    runner = CliRunner()
    solve = ["plan", "solve", "--db", str(built_db.target), "--min-per-region", "0"]
    unknown = runner.invoke(main, [*solve, "--region", "99", "--lang", "fr"])
    assert unknown.exit_code != 0 and "Région inconnue : 99 ; codes valides : 01, 02" in (
        unknown.output.replace("\u00a0", " ")
    )
    poor = runner.invoke(main, [*solve, "--region", "08", "--budget", "1000", "--lang", "ar"])
    assert poor.exit_code != 0 and "أقل من كلفة موقع واحد" in poor.output
    costs = tmp_path / "costs.csv"
    costs.write_text(
        "site_type,area,setup_mad,yearly_mad,years\n"
        "training_centre,urban,100000,100000,4\ntraining_centre,rural,100000,100000,4\n"
    )
    fair = runner.invoke(
        main,
        [
            *solve,
            "--region",
            "08",
            "--sites",
            "6",
            "--objective",
            "maxmin",
            "--floor-region",
            "0",
            "--budget",
            "2500000",
            "--costs",
            str(costs),
            "--lang",
            "en",
        ],
    )
    assert fair.exit_code == 0, fair.output
    solved = planner.plan(
        obs.planning_frame(db=built_db, region="08"),
        sites=6,
        objective="maxmin",
        budget=2_500_000.0,
        costs={"urban": 500_000.0, "rural": 500_000.0},
    )
    assert solved.summary["sites_new"] == 5 and solved.summary["plan_id"] in fair.output
    # The baselines open as many sites as the budget pays for, and meet the max-min floor too.
    greedy = solved.sites[solved.sites.plan == "greedy"]
    assert greedy["sites"].sum() == 5 and solved.summary["gain_over_best"] >= 0.99
