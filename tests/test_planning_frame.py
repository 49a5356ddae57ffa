"""
The planning frame has one builder and a plan one identity: the need and site points it defines, a
plan id that changes with the inputs and not with the process, and the same plan (covered need to the
person, same site points) from the library, the API, the app's planner callback and the build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import observatory as obs
from observatory import planner
from observatory.errors import ValidationError
from observatory.planning_frame import DEMAND_RULE, PlanningFrame

# Two real communes' neighbourhoods: Rabat's Hassan quarter and Salé across the Bou Regreg (WGS84).
RABAT = shapely.Polygon([(-6.86, 34.00), (-6.81, 34.00), (-6.81, 34.03), (-6.86, 34.03)])
# An L-shaped Salé: its centroid falls outside it, its site point never does.
SALE = shapely.Polygon(
    [(-6.80, 34.03), (-6.74, 34.03), (-6.74, 34.04), (-6.79, 34.04), (-6.79, 34.09), (-6.80, 34.09)]
)


def _tables(female: float = 1200.0) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    communes = gpd.GeoDataFrame(
        {
            "code": ["04.441.01.1", "04.421.01.1"],
            "region_code": "04",
            "province_code": ["04.441", "04.421"],
            "type": "urban",
        },
        geometry=[SALE, RABAT],
        crs="EPSG:4326",
    )
    values = pd.DataFrame(
        {
            "unit_code": ["04.441.01.1", "04.441.01.1", "04.421.01.1", "04.421.01.1", "04.421.01.1"],
            "level": "commune",
            "indicator_id": "training_need_15_plus",
            "year": 2024,
            "sex": ["female", "male", "female", "male", "all"],
            "area": "total",
            "value": [female, 800.0004, 950.0, 700.0, 1650.0],
        }
    )
    scores = pd.DataFrame(
        {"code": ["04.421.01.1", "04.441.01.1"], "level": "commune", "lens": "census", "rank": [1.0, 2.0]}
    )
    return communes, values, scores


def test_need_is_female_plus_male_and_the_site_point_lies_inside_the_commune():
    communes, values, scores = _tables()
    pf = PlanningFrame.from_tables(communes, values, scores)
    frame = pf.frame.set_index("code")
    assert frame.index.tolist() == ["04.421.01.1", "04.441.01.1"]  # canonical order
    assert frame.loc["04.441.01.1", "need"] == 2000.0  # 1200 + 800.0004 kept to a thousandth of a person
    assert frame.loc["04.421.01.1", "need"] == 1650.0  # the `all` row is not added again
    assert not SALE.contains(SALE.centroid)
    assert SALE.contains(shapely.Point(frame.loc["04.441.01.1", ["lon", "lat"]].to_list()))
    assert pf.definition == {
        "need": "training_need_15_plus",
        "need_year": 2024,
        "lens": "census",
        "region": None,
        "demand": DEMAND_RULE,  # two small communes: one point each
    }


def test_a_commune_without_its_need_is_an_error_not_a_zero():
    communes, values, scores = _tables()
    with pytest.raises(ValidationError, match="1 communes with an empty or negative need.*04.441.01.1"):
        PlanningFrame.from_tables(communes, values[values["value"] != 800.0004], scores)


def _params(**changes) -> dict:
    return {"name": "default", "sites": 1, "radius_km": 15.0, "min_rural_share": 0.0, **changes}


def test_the_plan_id_hashes_the_inputs_not_only_the_parameters():
    communes, values, scores = _tables()
    pf = PlanningFrame.from_tables(communes, values, scores)
    same = PlanningFrame.from_tables(communes.iloc[::-1], values.iloc[::-1], scores)
    more_need = PlanningFrame.from_tables(*_tables(female=1201.0))
    moved = PlanningFrame.from_tables(communes.assign(geometry=communes.translate(xoff=0.01)), values, scores)
    base = planner.plan_identity(_params(), pf)
    assert planner.plan_identity(_params(), same) == base
    assert planner.plan_identity(_params(name="renamed"), pf) == base  # a label, not a parameter
    assert planner.plan_identity(_params(), more_need) != base
    assert planner.plan_identity(_params(), moved) != base
    assert planner.plan_identity(_params(radius_km=10.0), pf) != base
    solved = planner.plan(pf, sites=1, radius_km=15.0)
    assert solved.plan_id != planner.plan(more_need, sites=1, radius_km=15.0).plan_id
    assert solved.params["need"] == "training_need_15_plus" and solved.plan_id == planner.plan_identity(
        solved.params, pf
    )


def test_the_plan_id_is_the_same_in_another_process():
    communes, values, scores = _tables()
    here = planner.plan_identity(_params(), PlanningFrame.from_tables(communes, values, scores))
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_planning_frame as t; "
        "from observatory import planner; from observatory.planning_frame import DEMAND_RULE, PlanningFrame; "
        "print(planner.plan_identity(t._params(), PlanningFrame.from_tables(*t._tables())))"
    )
    there = subprocess.run(
        [sys.executable, "-c", script, os.path.dirname(__file__)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout.strip()
    assert there == here


# -- one plan, whoever solves it ---------------------------------------------------------------------
REGION_PLAN = {"region": "07", "sites": 10, "radius_km": 15.0, "min_per_region": 0, "min_per_province": 1}


def _sites(records) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    frame = frame[frame["plan"] == "optimal"] if "plan" in frame else frame
    return frame[["code", "lon", "lat"]].sort_values("code").reset_index(drop=True)


def test_the_stored_default_plan_is_the_library_plan(built_db):
    stored = obs.list_plans(db=built_db).iloc[0]
    params = json.loads(stored.params)
    frame = obs.planning_frame(
        db=built_db, need=params["need"], year=params["need_year"], lens=params["lens"]
    )
    again = planner.replay(frame, params)
    assert again.plan_id == stored.plan_id
    assert round(again.summary["covered_need"]) == round(stored.covered_need)
    assert round(again.summary["naive_covered_need"]) == round(stored.naive_covered_need)
    library = _sites(again.sites)
    build = _sites(obs.read_plan(stored.plan_id, db=built_db).sites)
    pd.testing.assert_frame_equal(library, build, check_exact=True)


def test_library_api_and_app_solve_the_same_plan(built_db):
    from observatory.api import create_api_app
    from observatory.dashboards import create_app, ids

    library = planner.plan(
        obs.planning_frame(db=built_db, region=REGION_PLAN["region"]),
        **{k: v for k, v in REGION_PLAN.items() if k != "region"},
    )

    response = create_api_app(built_db).test_client().post("/api/v1/plans", json=REGION_PLAN)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    api = response.get_json()["data"]

    app = create_app(built_db)
    on_run = next(v["callback"] for k, v in app.callback_map.items() if ids.PLAN_MAP in k).__wrapped__
    _figure, _summary, stored, *_shown = on_run(
        1, REGION_PLAN["region"], 0, REGION_PLAN["sites"], REGION_PLAN["radius_km"], ["province"], "fr"
    )
    dash = stored["plans"]["training_centre"]

    covered = round(library.summary["covered_need"])
    assert covered > 0
    assert round(api["covered_need"]) == covered and round(dash["summary"]["covered_need"]) == covered
    assert api["plan_id"] == library.plan_id == dash["summary"]["plan_id"]
    expected = _sites(library.sites)
    for surface in (api["sites"], dash["sites"]):
        pd.testing.assert_frame_equal(_sites(surface), expected, check_exact=True)


# -- demand points ---------------------------------------------------------------------------------
def test_a_large_commune_spreads_its_need_over_points_inside_it():
    from observatory.planning_frame import demand_points

    # The L-shaped Salé (no point of its hull's corner is inside it): five points, all inside, shares of
    # its land summing to one, the same in every call (seeded).
    points, shares = demand_points(SALE, 5, seed=7)
    assert len(points) == 5 and abs(shares.sum() - 1) < 1e-12 and (shares > 0).all()
    assert shapely.contains_xy(SALE, points[:, 0], points[:, 1]).all()
    again, _ = demand_points(SALE, 5, seed=7)
    assert (again == points).all()


def test_demand_points_hold_the_census_need_inside_their_commune(built_db):
    """Every demand point lies inside its commune's stored polygon, and the points of a commune hold
    exactly its need (HCP-based need by sex, to a thousandth of a person per point)."""
    pf = obs.planning_frame(db=built_db)
    frame = pf.frame
    assert frame["code"].nunique() == 1503 and len(frame) > 1503  # some communes have several points
    need = built_db.read(
        "indicator_value",
        where={
            "indicator_id": "training_need_15_plus",
            "level": "commune",
            "year": 2024,
            "sex": ["female", "male"],
        },
    )
    need = need[need["area"] == "total"] if "area" in need else need
    by_commune = need.groupby("unit_code")["value"].sum()
    summed = frame.groupby("code")["need"].sum().reindex(by_commune.index)
    points = frame.groupby("code").size().reindex(by_commune.index)
    assert ((summed - by_commune).abs() <= 0.001 * points).all()
    assert abs(frame["need"].sum() - by_commune.sum()) < 1.0
    communes = built_db.read("commune", columns=["code", "geometry"]).set_index("code")
    split = frame[frame["point"] != frame["code"]]
    assert len(split) > 100
    polygons = communes.geometry.reindex(split["code"]).to_numpy()
    inside = shapely.contains_xy(polygons, split["lon"].to_numpy(), split["lat"].to_numpy())
    assert inside.all(), split.loc[~inside, "point"].tolist()[:5]
    # The largest communes reach the cap; most communes keep their one site point.
    sizes = frame.groupby("code").size()
    assert sizes.max() == 12 and (sizes == 1).sum() > 1300


def test_the_default_plan_leaves_no_region_at_zero(built_db):
    stored = obs.list_plans(db=built_db).iloc[0]
    audit = obs.read_plan(stored.plan_id, db=built_db).audit
    regions = audit[(audit["plan"] == "optimal") & (audit["group_type"] == "region")]
    assert len(regions) == 12
    assert (regions["covered_share"] > 0).all() and (regions["reached_share"] > 0).all()
    assert json.loads(stored.params)["demand"].startswith("split")
