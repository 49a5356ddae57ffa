"""
POST /api/v1/plans with the planner's choices: its objective (reach, max-min, p-median), floors of reach
for the région and its provinces, and a budget in dirhams, declared in the OpenAPI body schema and each
changing the plan as it says; an unusable value is a 422 in the API's error shape, in one line.
"""

from __future__ import annotations

import pytest

from observatory.api import create_api_app

DRAA_TAFILALET = "08"


@pytest.fixture(scope="module")
def client(built_db):
    return create_api_app(built_db).test_client()


def solved(client, **choices):
    response = client.post("/api/v1/plans", json={"region": DRAA_TAFILALET, **choices})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["data"]


def test_the_choices_are_declared_in_the_openapi_body(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/plans"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    fields = body["properties"]
    assert fields["objective"]["enum"] == ["reach", "maxmin", "pmedian"]
    for floor in ("floor_region", "floor_province"):
        assert (fields[floor]["type"], fields[floor]["minimum"], fields[floor]["maximum"]) == ("number", 0, 1)
    assert fields["budget"]["type"] == "number" and "dirhams" in fields["budget"]["description"]
    assert body["required"] == ["region"]


def test_each_choice_changes_the_plan_as_it_says(client):
    reach = solved(client, sites=10)
    assert reach["params"]["objective"] == "reach"
    # Max-min raises the worst-off province of the région, at most at the price of some reach.
    fair = solved(client, sites=10, objective="maxmin")
    assert fair["params"]["objective"] == "maxmin"
    assert fair["lowest_province_reached_share"] >= reach["lowest_province_reached_share"]
    assert fair["reached_share"] <= reach["reached_share"] + 1e-9
    # A floor of reach for every province binds.
    floor = max(0.05, round(reach["lowest_province_reached_share"] + 0.02, 2))
    floored = solved(client, sites=10, floor_province=floor)
    assert floored["params"]["floor_province"] == floor
    assert floored["lowest_province_reached_share"] >= floor - 1e-6
    region_floor = solved(client, sites=10, floor_region=0.05)
    assert region_floor["params"]["floor_region"] == 0.05 and region_floor["reached_share"] >= 0.05 - 1e-6
    # P-median answers for the mean travel.
    assert solved(client, sites=10, objective="pmedian")["params"]["objective"] == "pmedian"
    # A budget without a count decides how many sites open, within it.
    budget = 5_000_000
    paid = solved(client, budget=budget)
    assert paid["params"]["budget"] == budget and paid["params"]["sites"] is None
    assert paid["sites_new"] >= 1 and paid["cost_mad"] <= budget


@pytest.mark.parametrize(
    ("choice", "named"),
    [
        ({"objective": "best"}, "objective"),
        ({"floor_region": 1.5}, "floor_region"),
        ({"floor_province": -0.1}, "floor_province"),
        ({"budget": 0}, "budget"),
        ({"budget": "a lot"}, "budget"),
        ({"budget": 10}, "budget"),  # below the cost of one site: says what one costs
    ],
)
def test_an_unusable_choice_is_a_422_in_one_line(client, choice, named):
    response = client.post("/api/v1/plans", json={"region": DRAA_TAFILALET, **choice})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert "\n" not in error["message"] and named in error["message"] + str(error["details"])
